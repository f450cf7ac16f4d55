package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// suppressMarker starts an inline suppression inside a "Comment" value:
//
//	"Comment": "stepshift:ignore no-dollar,unknown-resource -- the URI is our own"
//
// JSON has no comments, so the Comment field of the state (or catcher, or
// choice rule) it applies to carries it.
const suppressMarker = "stepshift:ignore"

// Suppression is one parsed stepshift:ignore.
type Suppression struct {
	Rules   []string       // rule IDs it silences
	Reason  string         // the text after "--"
	Scope   string         // JSON Pointer of the object it covers (findings at or under it)
	Comment *workflow.Node // the Comment value, where unused ones are reported
	IDStart []int          // byte offset of each rule ID inside Comment.Str
}

// ParseSuppression reads a Comment value; ok is false when it holds no
// marker. The marker may follow other text.
func ParseSuppression(comment string) (rules []string, starts []int, reason string, ok bool) {
	i := strings.Index(comment, suppressMarker)
	if i < 0 {
		return nil, nil, "", false
	}
	rest := comment[i+len(suppressMarker):]
	off := i + len(suppressMarker)
	if j := strings.Index(rest, "--"); j >= 0 {
		reason = strings.TrimSpace(rest[j+2:])
		rest = rest[:j]
	}
	for len(rest) > 0 {
		k := strings.IndexFunc(rest, func(r rune) bool { return r != ' ' && r != ',' && r != '\t' })
		if k < 0 {
			break
		}
		rest, off = rest[k:], off+k
		end := strings.IndexAny(rest, " ,\t")
		if end < 0 {
			end = len(rest)
		}
		rules = append(rules, rest[:end])
		starts = append(starts, off)
		rest, off = rest[end:], off+end
	}
	return rules, starts, reason, true
}

// suppressions finds every stepshift:ignore on a state, catcher or choice
// rule (nested choice rules included).
func suppressions(doc *workflow.Document) []*Suppression {
	var out []*Suppression
	add := func(obj *workflow.Node) {
		c := obj.Get("Comment")
		if c == nil || c.Kind != workflow.String {
			return
		}
		rules, starts, reason, ok := ParseSuppression(c.Str)
		if !ok {
			return
		}
		out = append(out, &Suppression{Rules: rules, Reason: reason, Scope: obj.Pointer, Comment: c, IDStart: starts})
	}
	var choiceRules func(n *workflow.Node)
	choiceRules = func(n *workflow.Node) {
		if n == nil || n.Kind != workflow.Array {
			return
		}
		for _, r := range n.Elems {
			if r.Kind != workflow.Object {
				continue
			}
			add(r)
			choiceRules(r.Get("And"))
			choiceRules(r.Get("Or"))
			if not := r.Get("Not"); not != nil && not.Kind == workflow.Object {
				add(not)
			}
		}
	}
	for _, s := range doc.States {
		if s.Node == nil || s.Node.Kind != workflow.Object {
			continue
		}
		add(s.Node)
		if c := s.Field("Catch"); c != nil && c.Kind == workflow.Array {
			for _, k := range c.Elems {
				if k.Kind == workflow.Object {
					add(k)
				}
			}
		}
		choiceRules(s.Field("Choices"))
	}
	return out
}

// covers reports whether a finding at pointer lies in the suppression's object.
func (s *Suppression) covers(pointer string) bool {
	return pointer == s.Scope || strings.HasPrefix(pointer, s.Scope+"/")
}

// applySuppressions drops findings silenced inline and adds an
// unused-suppression finding for each rule ID that silenced nothing. A
// suppression of a rule the configuration turned off is not "unused".
func applySuppressions(u *Unit, found []Finding, opts Options) []Finding {
	if u.Doc.Definition == nil {
		return found
	}
	sups := suppressions(u.Doc)
	if len(sups) == 0 {
		return found
	}
	used := make([][]bool, len(sups))
	for i, s := range sups {
		used[i] = make([]bool, len(s.Rules))
	}
	out := found[:0]
	for _, f := range found {
		silenced := false
		if f.Pointer != "" || f.Range.Start.Byte >= 0 {
			for i, s := range sups {
				if f.Pointer == "" || !s.covers(f.Pointer) {
					continue
				}
				for j, id := range s.Rules {
					if id == f.Rule {
						used[i][j] = true
						silenced = true
					}
				}
			}
		}
		if !silenced {
			out = append(out, f)
		}
	}
	rule, _ := LookupRule(unusedSuppressionID)
	p := &Pass{Unit: u, Doc: u.Doc, Rule: rule, opts: opts, findings: &out}
	for i, s := range sups {
		if len(s.Rules) == 0 {
			p.Report(s.Comment, "stepshift:ignore names no rule; write `stepshift:ignore rule-id -- reason`")
			continue
		}
		for j, id := range s.Rules {
			if used[i][j] {
				continue
			}
			at := s.IDStart[j]
			if _, ok := LookupRule(id); !ok {
				p.ReportInString(s.Comment, at, len(id), "stepshift:ignore names %q, which is not a rule%s", id, suggestRule(id))
				continue
			}
			if !opts.Config.Enabled(id) {
				continue
			}
			p.ReportInString(s.Comment, at, len(id), "stepshift:ignore %s silences nothing here: the rule reports no problem in %s", id, describePointer(u.Doc, s.Scope))
		}
	}
	return out
}

// describePointer names the object at a pointer the way messages do:
// `state "Foo"`, `catcher 1 of state "Foo"`.
func describePointer(doc *workflow.Document, pointer string) string {
	var best *workflow.State
	for _, s := range doc.States {
		sp := s.Pointer()
		if (pointer == sp || strings.HasPrefix(pointer, sp+"/")) && (best == nil || len(sp) > len(best.Pointer())) {
			best = s
		}
	}
	if best == nil {
		return "this object"
	}
	rest := strings.TrimPrefix(pointer, best.Pointer())
	switch {
	case rest == "":
		return `state "` + best.Name + `"`
	case strings.HasPrefix(rest, "/Catch/"):
		return "catcher " + strings.TrimPrefix(rest, "/Catch/") + ` of state "` + best.Name + `"`
	case strings.HasPrefix(rest, "/Choices/"):
		return "choice rule " + strings.TrimPrefix(rest, "/Choices/") + ` of state "` + best.Name + `"`
	}
	return `state "` + best.Name + `" at ` + rest
}
