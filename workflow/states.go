package workflow

// ScopeKind says which construct holds a set of states.
type ScopeKind int

// Scope kinds: a state machine's top level, a Parallel branch, a Map's
// Iterator or ItemProcessor. Transitions never cross a scope boundary.
const (
	TopScope ScopeKind = iota
	BranchScope
	IteratorScope
)

// String names the scope kind the way messages do.
func (k ScopeKind) String() string {
	switch k {
	case BranchScope:
		return "branch"
	case IteratorScope:
		return "iterator"
	}
	return "state machine"
}

// Scope is one object holding StartAt and States.
type Scope struct {
	Kind   ScopeKind
	Node   *Node  // the object holding StartAt and States
	Parent *State // nil for the top scope
	States []*State
	ByName map[string]*State // first state of each name (duplicates are reported by the loader)
}

// StartAt returns the StartAt value node, or nil.
func (s *Scope) StartAt() *Node { return s.Node.Get("StartAt") }

// StatesNode returns the States object node, or nil.
func (s *Scope) StatesNode() *Node { return s.Node.Get("States") }

// State is one named state.
type State struct {
	Name      string
	Type      string // "" when missing, not a string, or templated
	Node      *Node  // the state's object (may be a non-object node when the definition is malformed)
	NameRange Range  // the member name in States
	Scope     *Scope
	Children  []*Scope  // Parallel branches, Map iterator
	Resource  *Resource // Task states only
}

// Pointer returns the JSON Pointer of the state's object.
func (s *State) Pointer() string { return s.Node.Pointer }

// Field returns the member of the state named key, or nil.
func (s *State) Field(key string) *Node { return s.Node.Get(key) }

// buildStates walks the definition into scopes and states.
func (d *Document) buildStates() {
	d.addScope(d.Definition, TopScope, nil)
}

func (d *Document) addScope(obj *Node, kind ScopeKind, parent *State) *Scope {
	sc := &Scope{Kind: kind, Node: obj, Parent: parent, ByName: map[string]*State{}}
	d.Scopes = append(d.Scopes, sc)
	states := obj.Get("States")
	if states == nil || states.Kind != Object {
		return sc
	}
	sc.States = make([]*State, 0, len(states.Members))
	for _, m := range states.Members {
		st := &State{Name: m.Key, Node: m, NameRange: m.KeyRange, Scope: sc}
		if t := m.Get("Type"); t != nil && t.Kind == String && !t.IsTemplated() {
			st.Type = t.Str
		}
		sc.States = append(sc.States, st)
		if _, ok := sc.ByName[st.Name]; !ok {
			sc.ByName[st.Name] = st
		}
		d.States = append(d.States, st)
		switch st.Type {
		case "Task":
			st.Resource = classifyResource(m)
		case "Parallel":
			if br := m.Get("Branches"); br != nil && br.Kind == Array {
				for _, b := range br.Elems {
					if b.Kind == Object {
						st.Children = append(st.Children, d.addScope(b, BranchScope, st))
					}
				}
			}
		case "Map":
			for _, key := range []string{"ItemProcessor", "Iterator"} {
				if it := m.Get(key); it != nil && it.Kind == Object {
					st.Children = append(st.Children, d.addScope(it, IteratorScope, st))
				}
			}
		}
	}
	return sc
}
