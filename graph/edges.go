package graph

import (
	"fmt"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// transition is one arrow a state's definition names.
type transition struct {
	kind   EdgeKind
	label  string
	target *workflow.Node // the value naming the target state
}

// transitions lists a state's Next, Default, choice rules and catchers in
// that order. A templated target is kept: it is drawn as a missing node
// showing the ${...} text.
func transitions(st *workflow.State) []transition {
	var out []transition
	if n := st.Field("Next"); n != nil {
		out = append(out, transition{NextEdge, "", n})
	}
	if ch := st.Field("Choices"); ch != nil {
		for _, rule := range ch.Elems {
			if n := rule.Get("Next"); n != nil {
				out = append(out, transition{ChoiceEdge, ruleLabel(rule), n})
			}
		}
	}
	if n := st.Field("Default"); n != nil {
		out = append(out, transition{DefaultEdge, "Default", n})
	}
	if c := st.Field("Catch"); c != nil {
		for _, catcher := range c.Elems {
			if n := catcher.Get("Next"); n != nil {
				out = append(out, transition{CatchEdge, shorten(errorNames(catcher), MaxLabel), n})
			}
		}
	}
	return out
}

// errorNames is a catcher's ErrorEquals joined: "States.ALL",
// "States.Timeout, Lambda.Unknown".
func errorNames(catcher *workflow.Node) string {
	var names []string
	for _, e := range elems(catcher.Get("ErrorEquals")) {
		if e.Kind == workflow.String {
			names = append(names, e.Str)
		}
	}
	if len(names) == 0 {
		return "catch"
	}
	return strings.Join(names, ", ")
}

// comparisons maps a choice rule's comparison operator (without its type
// prefix and Path suffix) to how a label writes it.
var comparisons = map[string]string{
	"Equals":            "==",
	"LessThan":          "<",
	"LessThanEquals":    "<=",
	"GreaterThan":       ">",
	"GreaterThanEquals": ">=",
	"Matches":           "matches",
}

// typeTests are the unary comparisons: "IsNull": true reads "is null".
var typeTests = map[string][2]string{
	"IsNull":      {"is null", "is not null"},
	"IsPresent":   {"is present", "is absent"},
	"IsNumeric":   {"is numeric", "is not numeric"},
	"IsString":    {"is string", "is not string"},
	"IsBoolean":   {"is boolean", "is not boolean"},
	"IsTimestamp": {"is timestamp", "is not timestamp"},
}

// MaxRuleLabel is the most runes a choice edge's label keeps: a rule says
// more than an error name, so it gets a little more room.
const MaxRuleLabel = 48

// ruleLabel is a choice rule's edge label: the rule as written when it
// fits, else with each variable cut to its last step ("$.meta.collection.name"
// reads "…name"), so the comparisons and and/or/not stay visible; then cut
// in the middle if still too long.
func ruleLabel(rule *workflow.Node) string {
	s := describeRule(rule, 0, false)
	if len([]rune(s)) > MaxRuleLabel {
		s = describeRule(rule, 0, true)
	}
	return shorten(s, MaxRuleLabel)
}

// lastStep keeps the last field of a JSONPath, "$.a.b.c" → "…c"; a path
// with one step stays as it is.
func lastStep(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 1 {
		return path
	}
	return "…" + strings.TrimPrefix(path[i:], ".")
}

// describeRule writes a choice rule the way a reader says it:
// `$.status == "done"`, `$.count >= 3`, `not $.x is null`,
// `($.a == 1 and $.b > 2)`. JSONata rules show their Condition.
func describeRule(rule *workflow.Node, depth int, short bool) string {
	if depth > 8 {
		return "…"
	}
	if c := rule.Get("Condition"); c != nil {
		s := strings.TrimSpace(scalar(c))
		s = strings.TrimSuffix(strings.TrimPrefix(s, "{%"), "%}")
		return strings.TrimSpace(s)
	}
	for _, op := range []string{"And", "Or"} {
		if list := rule.Get(op); list != nil {
			var parts []string
			for _, r := range elems(list) {
				parts = append(parts, describeRule(r, depth+1, short))
			}
			s := strings.Join(parts, " "+strings.ToLower(op)+" ")
			if depth > 0 {
				s = "(" + s + ")"
			}
			return s
		}
	}
	if not := rule.Get("Not"); not != nil {
		return "not " + describeRule(not, depth+1, short)
	}
	variable := "?"
	if v := rule.Get("Variable"); v != nil {
		variable = scalar(v)
		if short {
			variable = lastStep(variable)
		}
	}
	for _, m := range rule.Members {
		if t, ok := typeTests[m.Key]; ok {
			if m.Kind == workflow.Bool && !m.Bool {
				return variable + " " + t[1]
			}
			return variable + " " + t[0]
		}
		key := m.Key
		for _, p := range []string{"String", "Numeric", "Boolean", "Timestamp"} {
			key = strings.TrimPrefix(key, p)
		}
		isPath := strings.HasSuffix(key, "Path")
		if op, ok := comparisons[strings.TrimSuffix(key, "Path")]; ok && key != m.Key {
			value := scalar(m)
			if m.Kind == workflow.String && !isPath {
				value = fmt.Sprintf("%q", m.Str)
			}
			return variable + " " + op + " " + value
		}
	}
	return variable
}

// scalar is a value's text: a string's decoded value, a number's literal,
// or the JSON kind for anything else.
func scalar(n *workflow.Node) string {
	switch n.Kind {
	case workflow.String:
		return n.Str
	case workflow.Number:
		return n.Num
	case workflow.Bool:
		return fmt.Sprint(n.Bool)
	case workflow.Null:
		return "null"
	case workflow.Unknown:
		if len(n.Interps) > 0 {
			return "${" + n.Interps[0].Expr + "}"
		}
	}
	return n.Kind.String()
}

// unreachableStates is the states of a scope that no path from StartAt
// reaches, by the walk lint's unreachable-state rule makes, so the picture
// and the findings agree: when StartAt or a transition the walk meets is
// templated, any state may be reached and nothing is marked; a transition
// naming no state of the scope (next-target reports it) leads nowhere. Of
// states sharing a name only the first is judged, as transitions reach it.
func unreachableStates(sc *workflow.Scope) map[*workflow.State]bool {
	start := sc.StartAt()
	if start == nil || start.Kind != workflow.String || start.IsTemplated() {
		return nil
	}
	first := sc.ByName[start.Str]
	if first == nil {
		return nil
	}
	seen := map[*workflow.State]bool{first: true}
	queue := []*workflow.State{first}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, t := range transitions(st) {
			if t.target.IsTemplated() || t.target.Kind == workflow.Unknown {
				return nil
			}
			var next *workflow.State
			if t.target.Kind == workflow.String {
				next = sc.ByName[t.target.Str]
			}
			if next != nil && !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	out := map[*workflow.State]bool{}
	for _, st := range sc.States {
		if !seen[st] && sc.ByName[st.Name] == st {
			out[st] = true
		}
	}
	return out
}

// elems is an array's elements; nil for anything else (nil-safe).
func elems(n *workflow.Node) []*workflow.Node {
	if n == nil || n.Kind != workflow.Array {
		return nil
	}
	return n.Elems
}
