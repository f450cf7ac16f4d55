package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "pass-result-path",
	Severity: Warning,
	Summary:  "a Pass state's Result holds a path, which is never evaluated",
	Check:    checkPassResultPath,
	Doc: RuleDoc{
		Checks: "A Pass state's `Result` (at any depth) holding a string that looks like a path (`\"$.x\"`, `\"$$.Execution.Id\"`) or a key ending in `.$`.",
		Example: `"Tag": {
  "Type": "Pass",
  "Result": { "id.$": "$$.Execution.Id" },
  "ResultPath": "$.tag",
  "End": true
}`,
		Why: "`Result` is a constant: Step Functions copies it as written, so the state outputs the text \"$$.Execution.Id\" and a key named \"id.$\".",
		Fix: "Use `Parameters` (which evaluates `.$` keys) instead of `Result`.",
	},
})

func checkPassResultPath(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Type != "Pass" || isJSONata(p.Doc, st) {
			continue
		}
		passResultWalk(p, st, st.Field("Result"), 0)
	}
}

func passResultWalk(p *Pass, st *workflow.State, n *workflow.Node, depth int) {
	if n == nil || depth > 256 {
		return
	}
	switch n.Kind {
	case workflow.String:
		if !n.IsTemplated() && looksLikePath(n.Str) {
			p.Report(n, "state %q: \"Result\" is a constant, so %q is output as text, not read from the input; use \"Parameters\" to evaluate paths", st.Name, n.Str)
		}
	case workflow.Object:
		for _, m := range n.Members {
			if strings.HasSuffix(m.Key, ".$") {
				p.ReportKey(m, "state %q: \"Result\" is a constant, so key %q is output as it is and its value is not evaluated; use \"Parameters\"", st.Name, m.Key)
				continue
			}
			passResultWalk(p, st, m, depth+1)
		}
	case workflow.Array:
		for _, e := range n.Elems {
			passResultWalk(p, st, e, depth+1)
		}
	}
}
