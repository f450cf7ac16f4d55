package lint

import (
	"fmt"

	"github.com/stepshift/stepshift/workflow"
)

// edge is one transition a state names: Next, Default, a choice rule's Next
// or a catcher's Next.
type edge struct {
	field  string         // how messages name it: "Next", "Default", "Choices[2].Next", "Catch[0].Next"
	target *workflow.Node // the value naming the target state
}

// edges lists a state's transitions in source order. Templated targets are
// included; callers decide what an unknown target means for them.
func edges(st *workflow.State) []edge {
	var out []edge
	if n := st.Field("Next"); n != nil {
		out = append(out, edge{"Next", n})
	}
	if n := st.Field("Default"); n != nil {
		out = append(out, edge{"Default", n})
	}
	if ch := st.Field("Choices"); ch != nil {
		for i, rule := range ch.Elems {
			if n := rule.Get("Next"); n != nil {
				out = append(out, edge{fmt.Sprintf("Choices[%d].Next", i), n})
			}
		}
	}
	if c := st.Field("Catch"); c != nil {
		for i, catcher := range c.Elems {
			if n := catcher.Get("Next"); n != nil {
				out = append(out, edge{fmt.Sprintf("Catch[%d].Next", i), n})
			}
		}
	}
	return out
}

// scopeNoun names a scope in messages: "this state machine", "this branch".
func scopeNoun(sc *workflow.Scope) string {
	switch sc.Kind {
	case workflow.BranchScope:
		return "this Parallel branch"
	case workflow.IteratorScope:
		return "this Map iterator"
	}
	return "this state machine"
}

// isTerminal reports whether a state can end its scope: Succeed, Fail or
// "End": true. A state whose type or End Terraform decides might be one.
func isTerminal(st *workflow.State) bool {
	switch st.Type {
	case "Succeed", "Fail":
		return true
	case "":
		return true
	}
	end := st.Field("End")
	return end != nil && ((end.Kind == workflow.Bool && end.Bool) || end.IsTemplated() || end.Kind == workflow.Unknown)
}

// reach is a scope's graph walk from StartAt.
type reach struct {
	reached map[*workflow.State]bool
	// unknown is set when a transition or StartAt is templated, so any
	// state may be reached; graph conclusions are then withheld.
	unknown bool
	// dangling lists reached states with a transition that names no state
	// of the scope (a misspelt name, a jump out of a Parallel branch or Map
	// iterator, a value that is not a string). next-target or asl-schema
	// reports the transition itself; where it was meant to go is unknown,
	// so conclusions about what the walk cannot reach are withheld too.
	dangling []*workflow.State
}

// walkScope walks a scope's transitions from StartAt.
func walkScope(sc *workflow.Scope) reach {
	r := reach{reached: map[*workflow.State]bool{}}
	start := sc.StartAt()
	if start == nil || start.Kind != workflow.String || start.IsTemplated() {
		r.unknown = start != nil && (start.IsTemplated() || start.Kind == workflow.Unknown)
		return r
	}
	var stack []*workflow.State
	if st := sc.ByName[start.Str]; st != nil {
		stack = append(stack, st)
		r.reached[st] = true
	}
	for len(stack) > 0 {
		st := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		dangling := false
		for _, e := range edges(st) {
			if e.target.IsTemplated() || e.target.Kind == workflow.Unknown {
				r.unknown = true
				continue
			}
			next := (*workflow.State)(nil)
			if e.target.Kind == workflow.String {
				next = sc.ByName[e.target.Str]
			}
			if next == nil {
				dangling = true
				continue
			}
			if !r.reached[next] {
				r.reached[next] = true
				stack = append(stack, next)
			}
		}
		if dangling {
			r.dangling = append(r.dangling, st)
		}
	}
	return r
}

// stateRef remembers where a state name was first seen.
type stateRef struct {
	scope *workflow.Scope
	at    workflow.Range
}
