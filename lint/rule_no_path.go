package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "no-path",
	Severity: Warning,
	Summary:  "a field whose name lacks \"Path\" holds a path",
	AWSCode:  "NO_PATH",
	Check:    checkNoPath,
	Doc: RuleDoc{
		Checks: "In a JSONPath state, a string field that has a `...Path` twin — a Fail state's `Error` and `Cause`, a choice rule's " +
			"`StringEquals`, `StringLessThan`, `StringMatches` and the other string comparisons — holds a value that looks like a path " +
			"(`\"$.error\"`). Fields whose value must be a number or timestamp are reported by asl-schema instead.",
		Example: `"Fail": {
  "Type": "Fail",
  "Error": "$.errorName"
}`,
		Why: "The field is taken literally: the execution fails with the error name \"$.errorName\", or the choice compares with the text \"$.expected\". AWS reports it as a NO_PATH warning.",
		Fix: "Use the `...Path` field (`ErrorPath`, `StringEqualsPath`, ...) to read the value from the input, or silence the rule if the text is meant.",
	},
})

func checkNoPath(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Node.Kind != workflow.Object || isJSONata(p.Doc, st) {
			continue
		}
		if st.Type == "Fail" {
			for _, f := range []string{"Error", "Cause"} {
				if n := st.Field(f); n != nil && n.Kind == workflow.String && !n.IsTemplated() && looksLikePath(n.Str) {
					p.Report(n, "state %q: %q holds %q, which looks like a path, but %q is taken literally; use %q to read it from the input", st.Name, f, n.Str, f, f+"Path")
				}
			}
		}
		if ch := st.Field("Choices"); ch != nil && ch.Kind == workflow.Array {
			for _, rule := range ch.Elems {
				noPathChoice(p, st, rule, 0)
			}
		}
	}
}

func noPathChoice(p *Pass, st *workflow.State, rule *workflow.Node, depth int) {
	if rule == nil || rule.Kind != workflow.Object || depth > 64 {
		return
	}
	for _, m := range rule.Members {
		switch {
		case m.Key == "StringMatches" && m.Kind == workflow.String && !m.IsTemplated() && looksLikePath(m.Str):
			// There is no StringMatchesPath: the pattern is always literal.
			p.Report(m, "state %q: \"StringMatches\" matches the pattern %q literally (there is no StringMatchesPath); compare with \"StringEqualsPath\" to test against a value from the input", st.Name, m.Str)
		case strings.HasPrefix(m.Key, "String") && !strings.HasSuffix(m.Key, "Path") && m.Kind == workflow.String && !m.IsTemplated() && looksLikePath(m.Str):
			p.Report(m, "state %q: %q compares with the text %q; use %q to compare with a value from the input", st.Name, m.Key, m.Str, m.Key+"Path")
		case m.Key == "And" || m.Key == "Or":
			for _, e := range m.Elems {
				noPathChoice(p, st, e, depth+1)
			}
		case m.Key == "Not":
			noPathChoice(p, st, m, depth+1)
		}
	}
}
