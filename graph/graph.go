// Package graph draws a workflow's state machine as a picture people read
// the way the Step Functions console shows it: Mermaid (rendered by GitHub,
// GitLab and most documentation tools) or Graphviz DOT. It knows only the
// definition (package workflow); what the rest of stepshift knows about a
// state (its Lambda's limits, lint findings, a migration) comes in as an
// Annotation the caller builds.
package graph

import (
	"fmt"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// Severity is how bad the worst finding on a state is; it decides the
// state's colour. The order matches lint's severities.
type Severity int

// Severities, least to worst. None draws the state in the default colours.
const (
	None Severity = iota
	Info
	Warning
	Error
)

// Annotation is what the caller knows about one state beyond its definition.
type Annotation struct {
	Lines     []string // extra label lines, e.g. "3008 MB · 900 s"
	Severity  Severity // worst finding on the state (None: no findings)
	Rules     []string // rule IDs of the findings, shown under the name
	Highlight bool     // drawn as changed (migrate marks the states it rewrote)
}

// Options tune Build.
type Options struct {
	Title string
	// Depth is how many levels of scopes are drawn: 1 draws the top level
	// only (every Map and Parallel collapsed into its state), 2 adds their
	// interiors, and so on. 0 draws every level.
	Depth int
	// Annotate returns what the caller knows about a state; nil for none.
	Annotate func(*workflow.State) Annotation
}

// NodeKind says what a node stands for.
type NodeKind int

// Node kinds: a state, the machine's start and end markers, and a
// transition target that names no state of its scope.
const (
	StateNode NodeKind = iota
	StartNode
	EndNode
	MissingNode
)

// Node is one box in the picture.
type Node struct {
	ID          string // synthetic ("n3"), never derived from a state name, so any name is safe
	Kind        NodeKind
	State       *workflow.State // StateNode only
	Name        string          // the state's name, or the missing target's
	Type        string          // the state's Type ("" when missing or templated)
	Unreachable bool            // no path from its scope's StartAt reaches it
	Hidden      int             // states inside a collapsed Map/Parallel
	Annotation
}

// EdgeKind says which field of a state an edge comes from.
type EdgeKind int

// Edge kinds. ChildEdge joins a Parallel or Map state to the first state of
// each branch or of its item processor.
const (
	NextEdge EdgeKind = iota
	DefaultEdge
	ChoiceEdge
	CatchEdge
	ChildEdge
	StartEdge
	EndEdge
)

// Edge is one arrow.
type Edge struct {
	From, To string // node IDs
	Kind     EdgeKind
	Label    string // already shortened; "" for none
}

// Cluster is one scope's box: a Parallel branch or a Map's item processor.
// The graph's Top cluster is the state machine itself and is not boxed.
type Cluster struct {
	ID       string
	Label    string
	Nodes    []*Node
	Clusters []*Cluster
}

// Graph is a workflow ready to be written as Mermaid or DOT.
type Graph struct {
	Title string
	Top   *Cluster
	Edges []*Edge
	// Problem says why the definition could not be drawn (it did not
	// parse); the graph then holds only a note.
	Problem string
}

// MaxLabel is the most runes an edge label or label line keeps; longer ones
// are shortened in the middle, since both ends of "$.meta.collection.name"
// say something.
const MaxLabel = 40

type builder struct {
	opts  Options
	g     *Graph
	next  int
	nodes map[*workflow.State]*Node
}

func (b *builder) id(prefix string) string {
	b.next++
	return fmt.Sprintf("%s%d", prefix, b.next)
}

// Build turns a loaded document into a graph. It never fails: a document
// without a definition gives a graph whose Problem says why, and a
// malformed or templated definition is drawn as far as it can be.
func Build(doc *workflow.Document, opts Options) *Graph {
	g := &Graph{Title: opts.Title, Top: &Cluster{ID: "top"}}
	if doc == nil || doc.Definition == nil || len(doc.Scopes) == 0 {
		g.Problem = "no state machine definition"
		if doc != nil {
			for _, d := range doc.Diagnostics {
				g.Problem = d.String()
				break
			}
		}
		return g
	}
	b := &builder{opts: opts, g: g, nodes: map[*workflow.State]*Node{}}
	start := &Node{ID: "begin", Kind: StartNode, Name: "Start"}
	end := &Node{ID: "finish", Kind: EndNode, Name: "End"}
	g.Top.Nodes = append(g.Top.Nodes, start)
	top := doc.Scopes[0]
	b.scope(top, g.Top, 1)
	g.Top.Nodes = append(g.Top.Nodes, end)
	if first := b.first(top); first != nil {
		g.Edges = append(g.Edges, &Edge{From: start.ID, To: first.ID, Kind: StartEdge})
	}
	for _, st := range top.States {
		if isTerminal(st) {
			if n := b.nodes[st]; n != nil {
				g.Edges = append(g.Edges, &Edge{From: n.ID, To: end.ID, Kind: EndEdge})
			}
		}
	}
	return g
}

// first is the node of a scope's StartAt state, nil when it names none.
func (b *builder) first(sc *workflow.Scope) *Node {
	s := sc.StartAt()
	if s == nil || s.Kind != workflow.String {
		return nil
	}
	if st := sc.ByName[s.Str]; st != nil {
		return b.nodes[st]
	}
	return nil
}

// scope adds a scope's states to cl, their transitions to the graph, and
// the scopes inside its Map and Parallel states as sub-clusters.
func (b *builder) scope(sc *workflow.Scope, cl *Cluster, level int) {
	unreachable := unreachableStates(sc)
	for _, st := range sc.States {
		n := &Node{ID: b.id("n"), Kind: StateNode, State: st, Name: st.Name, Type: st.Type, Unreachable: unreachable[st]}
		if b.opts.Annotate != nil {
			n.Annotation = b.opts.Annotate(st)
		}
		b.nodes[st] = n
		cl.Nodes = append(cl.Nodes, n)
	}
	// Transitions go by name, so of states sharing a name (the loader
	// reports the duplicate) the first one receives the arrows.
	missing := map[string]*Node{}
	for _, st := range sc.States {
		from := b.nodes[st]
		for _, t := range transitions(st) {
			to := b.target(sc, cl, t.target, missing)
			b.g.Edges = append(b.g.Edges, &Edge{From: from.ID, To: to.ID, Kind: t.kind, Label: t.label})
		}
		if len(st.Children) == 0 {
			continue
		}
		if b.opts.Depth > 0 && level >= b.opts.Depth {
			for _, child := range st.Children {
				from.Hidden += countStates(child)
			}
			continue
		}
		for i, child := range st.Children {
			sub := &Cluster{ID: b.id("c"), Label: childLabel(st, i)}
			cl.Clusters = append(cl.Clusters, sub)
			b.scope(child, sub, level+1)
			if first := b.first(child); first != nil {
				label := "items"
				if st.Type == "Parallel" {
					label = fmt.Sprintf("branch %d", i+1)
				}
				b.g.Edges = append(b.g.Edges, &Edge{From: from.ID, To: first.ID, Kind: ChildEdge, Label: label})
			}
		}
	}
}

// target is the node a transition value names: a state of the scope, or a
// MissingNode standing for a name the scope lacks (a misspelling, a jump
// out of a branch) or a value Terraform decides.
func (b *builder) target(sc *workflow.Scope, cl *Cluster, v *workflow.Node, missing map[string]*Node) *Node {
	name := "?"
	if v.Kind == workflow.String {
		name = v.Str
		if st := sc.ByName[name]; st != nil && b.nodes[st] != nil {
			return b.nodes[st]
		}
	}
	if n := missing[name]; n != nil {
		return n
	}
	n := &Node{ID: b.id("m"), Kind: MissingNode, Name: name}
	missing[name] = n
	cl.Nodes = append(cl.Nodes, n)
	return n
}

func childLabel(st *workflow.State, i int) string {
	if st.Type == "Parallel" {
		return fmt.Sprintf("%s · branch %d", shorten(st.Name, MaxLabel), i+1)
	}
	return shorten(st.Name, MaxLabel) + " · items"
}

func countStates(sc *workflow.Scope) int {
	n := len(sc.States)
	for _, st := range sc.States {
		for _, c := range st.Children {
			n += countStates(c)
		}
	}
	return n
}

// isTerminal reports whether a state ends its scope: Succeed, Fail, or
// "End": true.
func isTerminal(st *workflow.State) bool {
	switch st.Type {
	case "Succeed", "Fail":
		return true
	}
	end := st.Field("End")
	return end != nil && end.Kind == workflow.Bool && end.Bool
}

// shorten keeps at most max runes of s, cutting the middle out.
func shorten(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	head := (max - 1) / 2
	tail := max - 1 - head
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// lines is a node's label, one entry per line, not yet escaped.
func (n *Node) lines() []string {
	switch n.Kind {
	case StartNode, EndNode:
		return []string{n.Name}
	case MissingNode:
		return []string{shorten(n.Name, MaxLabel), "(no such state)"}
	}
	out := []string{shorten(n.Name, 2*MaxLabel)}
	if n.Type == "" {
		out = append(out, "(type unknown)")
	}
	for _, l := range n.Lines {
		out = append(out, shorten(l, MaxLabel))
	}
	if n.Hidden > 0 {
		out = append(out, fmt.Sprintf("+%d states inside", n.Hidden))
	}
	if len(n.Rules) > 0 {
		out = append(out, shorten(severityMark(n.Severity)+" "+strings.Join(n.Rules, ", "), 2*MaxLabel))
	}
	if n.Unreachable {
		out = append(out, "unreachable")
	}
	return out
}

func severityMark(s Severity) string {
	switch s {
	case Error:
		return "error:"
	case Warning:
		return "warning:"
	}
	return "info:"
}
