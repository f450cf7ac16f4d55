package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "no-dollar",
	Severity: Warning,
	Summary:  "a payload value looks like a path or intrinsic call but its key lacks \".$\"",
	AWSCode:  "NO_DOLLAR",
	Check:    checkNoDollar,
	Doc: RuleDoc{
		Checks: "In `Parameters`, `ResultSelector` and `ItemSelector` of a JSONPath state (at any depth), a value such as `\"$.granules\"`, " +
			"`\"$$.Execution.Id\"` or `\"States.Format(...)\"` under a key that does not end in `.$`. Cumulus Message Adapter templates " +
			"(`\"{$.meta.collection}\"`) and the `cma.ReplaceConfig` paths the adapter evaluates itself are not reported.",
		Example: `"Parameters": {
  "granules": "$.payload.granules"
}`,
		Why: "Without `.$` Step Functions passes the text itself, so the task receives the string \"$.payload.granules\" instead of the granules. AWS reports it as a NO_DOLLAR warning.",
		Fix: "Rename the key to end in `.$` (`\"granules.$\"`), or, if the literal text is meant, silence the rule on the state.",
	},
})

func checkNoDollar(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Node.Kind != workflow.Object || isJSONata(p.Doc, st) {
			continue
		}
		for _, field := range payloadTemplates {
			noDollarWalk(p, st, st.Field(field), 0)
		}
	}
}

func noDollarWalk(p *Pass, st *workflow.State, n *workflow.Node, depth int) {
	if n == nil || depth > 256 {
		return
	}
	switch n.Kind {
	case workflow.Object:
		for _, m := range n.Members {
			if strings.HasSuffix(m.Key, ".$") {
				continue
			}
			if m.Key == "ReplaceConfig" && n.Key == "cma" {
				// The Cumulus Message Adapter evaluates ReplaceConfig's
				// Path and TargetPath itself; they are meant as text here.
				continue
			}
			if m.Kind == workflow.String && !m.IsTemplated() && (looksLikePath(m.Str) || looksLikeIntrinsic(m.Str)) {
				p.Report(m, "state %q: %q holds %q, which looks like a path, but the key does not end in \".$\", so the text is passed as it is; did you mean %q?", st.Name, m.Key, m.Str, m.Key+".$")
				continue
			}
			noDollarWalk(p, st, m, depth+1)
		}
	case workflow.Array:
		for _, e := range n.Elems {
			noDollarWalk(p, st, e, depth+1)
		}
	}
}
