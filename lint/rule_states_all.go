package lint

import (
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "states-all",
	Severity: Error,
	Summary:  "States.ALL is not alone in its ErrorEquals, or its retrier/catcher is not the last",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkStatesAll,
	Doc: RuleDoc{
		Checks: "In `Retry` and `Catch`, the wildcard error name `States.ALL` must be the only name in its `ErrorEquals`, " +
			"and the retrier or catcher holding it must be the last one of the array.",
		Example: `"Catch": [
  { "ErrorEquals": ["States.ALL"], "Next": "Fail" },
  { "ErrorEquals": ["States.Timeout"], "Next": "Retry" }
]`,
		Why: "Retriers and catchers are tried in order, so anything after a States.ALL entry can never match; Step Functions rejects the definition rather than guess what was meant.",
		Fix: "Move the States.ALL entry to the end of the array and give it its own ErrorEquals.",
	},
})

func checkStatesAll(p *Pass) {
	for _, st := range p.Doc.States {
		for _, field := range []string{"Retry", "Catch"} {
			list := st.Field(field)
			if list == nil || list.Kind != workflow.Array {
				continue
			}
			noun := map[string]string{"Retry": "retrier", "Catch": "catcher"}[field]
			for i, entry := range list.Elems {
				names := entry.Get("ErrorEquals")
				if names == nil || names.Kind != workflow.Array {
					continue
				}
				for _, n := range names.Elems {
					if n.Kind != workflow.String || n.Str != "States.ALL" {
						continue
					}
					if len(names.Elems) > 1 {
						p.Report(n, "state %q: %s %d lists \"States.ALL\" with other errors; it must be alone in its ErrorEquals", st.Name, noun, i)
					}
					if i != len(list.Elems)-1 {
						p.Report(n, "state %q: %s %d matches \"States.ALL\" but is not the last %s, so the %d after it can never match", st.Name, noun, i, noun, len(list.Elems)-1-i)
					}
				}
			}
		}
	}
}
