package lint

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/stepshift/stepshift/schemas"
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "asl-schema",
	Severity: Error,
	Summary:  "the definition breaks the Amazon States Language schema (fields, types, ranges)",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	after:    true,
	Check:    checkASLSchema,
	Doc: RuleDoc{
		Checks: "Validates the state machine against stepshift's JSON Schema of ASL (`stepshift schema asl`): the fields each state type allows and requires, " +
			"field types and ranges (`TimeoutSeconds`, `MaxAttempts`, `BackoffRate` >= 1, ...), mutually exclusive fields (`Seconds`/`SecondsPath`/`Timestamp`/`TimestampPath`, `X`/`XPath`), " +
			"`Next` xor `End`, Distributed Map fields (a `Label` of at most 40 characters without whitespace or special characters), `\"Version\": \"1.0\"` and the JSONata/JSONPath field sets. Values Terraform fills in (`${...}`) are never reported, and a place another rule already explains is not reported twice.",
		Example: `"Wait": {
  "Type": "Wait",
  "Seconds": 10,
  "TimestampPath": "$.when",
  "Next": "Done"
}`,
		Why: "Step Functions rejects such a definition at deploy time (SCHEMA_VALIDATION_FAILED), long after the change was reviewed.",
		Fix: "Follow the message: remove the unknown or conflicting field, add the missing one or correct the value's type.",
	},
})

func checkASLSchema(p *Pass) {
	def := p.Doc.Definition
	if def == nil {
		return
	}
	// A specific rule's finding at a pointer says more than the schema can,
	// unless it is only a warning: that must not hide an error there (a
	// map-distributed-fields warning on "Label" beside a malformed label).
	explained := map[string]bool{}
	for _, f := range *p.findings {
		if f.Severity >= p.Rule.Severity {
			explained[f.Pointer] = true
		}
	}
	base := def.Pointer
	for _, v := range validateDefinition(def) {
		ptr := base + v.Pointer
		if explained[ptr] {
			continue
		}
		n := p.Doc.Lookup(ptr)
		if n == nil {
			n = def
		}
		if templatedAround(n) {
			continue
		}
		if v.Keyword == "required" && templatedMembers(n) {
			// a missing field may be what a templated member renders to
			continue
		}
		if strings.Contains(v.Keyword, "unevaluatedProperties") || strings.Contains(v.Keyword, "additionalProperties") || v.Keyword == "propertyNames" {
			p.ReportKey(n, "%s", v.Message)
			continue
		}
		p.Report(n, "%s", v.Message)
	}
}

// schemaStateName is the one state of the small documents validateDefinition
// builds; its violations are moved to the real state's pointer.
const schemaStateName = "S"

// validateDefinition runs the ASL schema over a definition one top-level
// state at a time. Workflows repeat the same state shapes (Cumulus tasks
// differ only in names, transitions and Terraform references), so each
// state is normalised — transition targets and templated strings replaced
// by fixed strings of the same JSON type, which the schema judges alike —
// and validated once per distinct shape. This is what keeps a 2,000-state
// definition within its time budget: the JSON Schema validator is the
// linter's most expensive step.
func validateDefinition(def *workflow.Node) []schemas.Violation {
	states := def.Get("States")
	if def.Kind != workflow.Object || states == nil || states.Kind != workflow.Object || len(states.Members) == 0 {
		return schemas.ValidateASL(toValue(def))
	}
	top := make(map[string]any, len(def.Members))
	for _, m := range def.Members {
		if _, dup := top[m.Key]; !dup && m.Key != "States" {
			top[m.Key] = toValue(m)
		}
	}
	top["States"] = map[string]any{schemaStateName: map[string]any{"Type": "Succeed"}}
	stub := "/States/" + schemaStateName
	var out []schemas.Violation
	for _, v := range schemas.ValidateASL(top) {
		if v.Pointer != stub && !strings.HasPrefix(v.Pointer, stub+"/") {
			out = append(out, v)
		}
	}
	topLanguage := top["QueryLanguage"]
	seen := map[string]bool{}
	language := fmt.Sprint(topLanguage)
	var key []byte // one buffer for every state's key: a cache hit allocates nothing
	for _, m := range states.Members {
		if seen[m.Key] {
			continue // duplicate-key reports the second; the schema sees the first
		}
		seen[m.Key] = true
		key = appendShapeKey(append(key[:0], language...), m)
		vs, cached := stateShapes.get(key)
		var renames []rename
		switch {
		case !cached:
			vs = validateState(normalizedValue(m, "", &renames), topLanguage)
			stateShapes.put(string(key), vs)
		case len(vs) > 0:
			normalizedValue(m, "", &renames) // only to map the pointers back
		}
		for _, v := range vs {
			v.Pointer = realPointer(m.Pointer, v.Pointer, renames)[len(def.Pointer):]
			out = append(out, v)
		}
	}
	return out
}

// validateState validates one normalised state in a document of its own and
// returns its violations with pointers relative to the state.
func validateState(value, topLanguage any) []schemas.Violation {
	stub := "/States/" + schemaStateName
	doc := map[string]any{"StartAt": schemaStateName, "States": map[string]any{schemaStateName: value}}
	if topLanguage != nil {
		doc["QueryLanguage"] = topLanguage
	}
	var vs []schemas.Violation
	for _, v := range schemas.ValidateASL(doc) {
		if v.Pointer == stub || strings.HasPrefix(v.Pointer, stub+"/") {
			v.Pointer = strings.TrimPrefix(v.Pointer, stub)
			vs = append(vs, v)
		}
	}
	return vs
}

// stateShapes remembers the violations of every state shape validated in
// this process: the Cumulus workflows of one deployment repeat the same task
// states file after file. Bounded so a long run over many files cannot grow
// it without limit.
var stateShapes = &shapeCache{m: map[string][]schemas.Violation{}}

const maxStateShapes = 50000

type shapeCache struct {
	mu sync.Mutex
	m  map[string][]schemas.Violation
}

func (c *shapeCache) get(key []byte) ([]schemas.Violation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	vs, ok := c.m[string(key)] // indexing with the conversion does not copy key
	return vs, ok
}

func (c *shapeCache) put(key string, vs []schemas.Violation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxStateShapes {
		clear(c.m)
	}
	c.m[key] = vs
}

// reset forgets every shape (benchmarks measure a cold process).
func (c *shapeCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// normalizedValue is toValue with the parts that differ between otherwise
// identical states made equal: a transition's target (any non-empty string
// is a valid target to the schema), a templated string (checked by pointer
// afterwards and never reported) and the names of nested states (a Map's
// or Parallel's own states become N0, N1, ...; renames records how to map
// the schema's pointers back, and state-name checks the real names).
func normalizedValue(n *workflow.Node, normPath string, renames *[]rename) any {
	path := []byte(normPath)
	return normalize(n, &path, renames)
}

// normalize is normalizedValue with the normalised pointer of n in *path:
// each level appends its token and cuts it off again, so only a rename
// turns the path into a string.
func normalize(n *workflow.Node, path *[]byte, renames *[]rename) any {
	base := len(*path)
	defer func() { *path = (*path)[:base] }()
	switch n.Kind {
	case workflow.Object:
		m := make(map[string]any, len(n.Members))
		scope := n.Get("StartAt") != nil
		for _, c := range n.Members {
			if _, dup := m[c.Key]; dup {
				continue
			}
			if (c.Key == "Next" || c.Key == "Default" || c.Key == "StartAt") && c.Kind == workflow.String && c.Str != "" {
				m[c.Key] = "T"
				continue
			}
			*path = (*path)[:base]
			if scope && c.Key == "States" && c.Kind == workflow.Object {
				states := make(map[string]any, len(c.Members))
				for i, st := range c.Members {
					*path = strconv.AppendInt(append((*path)[:base], "/States/N"...), int64(i), 10)
					name := string((*path)[base+len("/States/"):])
					if _, dup := states[name]; dup {
						continue
					}
					*renames = append(*renames, rename{norm: string(*path), real: st.Pointer})
					states[name] = normalize(st, path, renames)
				}
				m[c.Key] = states
				continue
			}
			*path = append(append(*path, '/'), escapePointer(c.Key)...)
			m[c.Key] = normalize(c, path, renames)
		}
		return m
	case workflow.Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			*path = strconv.AppendInt(append((*path)[:base], '/'), int64(i), 10)
			a[i] = normalize(e, path, renames)
		}
		return a
	case workflow.String, workflow.Unknown:
		if n.IsTemplated() || n.Kind == workflow.Unknown {
			return "${x}"
		}
	}
	return toValue(n)
}

// appendShapeKey appends a canonical text of n as normalizedValue sees it:
// equal keys mean equal normalised values (member order included, which
// only costs a cache miss), built without the maps normalizedValue makes.
func appendShapeKey(b []byte, n *workflow.Node) []byte {
	switch n.Kind {
	case workflow.Object:
		b = append(b, '{')
		scope := n.Get("StartAt") != nil
		for _, c := range n.Members {
			b = strconv.AppendQuote(b, c.Key)
			b = append(b, ':')
			switch {
			case (c.Key == "Next" || c.Key == "Default" || c.Key == "StartAt") && c.Kind == workflow.String && c.Str != "":
				b = append(b, 'T')
			case scope && c.Key == "States" && c.Kind == workflow.Object:
				b = append(b, '{')
				for _, st := range c.Members {
					b = appendShapeKey(b, st)
					b = append(b, ',')
				}
				b = append(b, '}')
			default:
				b = appendShapeKey(b, c)
			}
			b = append(b, ',')
		}
		return append(b, '}')
	case workflow.Array:
		b = append(b, '[')
		for _, e := range n.Elems {
			b = appendShapeKey(b, e)
			b = append(b, ',')
		}
		return append(b, ']')
	case workflow.String:
		if n.IsTemplated() {
			return append(b, '$')
		}
		return strconv.AppendQuote(b, n.Str)
	case workflow.Number:
		return append(append(b, '#'), n.Num...)
	case workflow.Bool:
		return strconv.AppendBool(b, n.Bool)
	case workflow.Null:
		return append(b, "null"...)
	}
	return append(b, '?')
}

// rename maps a normalised nested state's pointer (relative to its
// top-level state) to the real state's absolute pointer.
type rename struct{ norm, real string }

// realPointer maps a violation's pointer, relative to a normalised
// top-level state, to the real document: the deepest renamed state
// containing it decides.
func realPointer(statePointer, rel string, renames []rename) string {
	best := -1
	for i, r := range renames {
		if (rel == r.norm || strings.HasPrefix(rel, r.norm+"/")) && (best < 0 || len(r.norm) > len(renames[best].norm)) {
			best = i
		}
	}
	if best < 0 {
		return statePointer + rel
	}
	return renames[best].real + rel[len(renames[best].norm):]
}

func escapePointer(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// templatedAround reports whether Terraform decides n's value or key, or
// that of anything it sits in or holds: the schema cannot judge such values.
func templatedAround(n *workflow.Node) bool {
	for c := n; c != nil; c = c.Parent {
		if c.IsTemplated() || strings.Contains(c.Key, "${") {
			return true
		}
	}
	return n.Kind == workflow.Unknown
}

// templatedMembers reports whether an object has a member Terraform fills in.
func templatedMembers(n *workflow.Node) bool {
	for _, m := range n.Members {
		if m.Kind == workflow.Unknown || strings.Contains(m.Key, "${") {
			return true
		}
	}
	return false
}
