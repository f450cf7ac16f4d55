package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "activity-lambda-retry",
	Severity: Warning,
	Summary:  "a Retry or Catch of an activity Task names Lambda.* errors, which an activity never raises",
	Check:    checkActivityLambdaRetry,
	Doc: RuleDoc{
		Checks: "`ErrorEquals` entries starting with `Lambda.` in the `Retry` (and `Catch`) of an activity Task state — typically left behind when a step was moved from Lambda to an activity.",
		Example: `"Retry": [{
  "ErrorEquals": ["Lambda.ServiceException", "Lambda.SdkClientException"],
  "MaxAttempts": 3
}]`,
		Why: "Only the Lambda integration raises `Lambda.*` errors. On an activity they never match, so the retry the author meant (for transient failures) does not happen.",
		Fix: "Retry the errors an activity worker reports instead: `States.Timeout`, `States.HeartbeatTimeout`, `States.TaskFailed`, or the error names your worker sends with SendTaskFailure.",
	},
})

func checkActivityLambdaRetry(p *Pass) {
	for _, t := range p.taskStates() {
		if !t.isActivity() {
			continue
		}
		for _, field := range []string{"Retry", "Catch"} {
			for _, r := range elemsOf(t.state.Field(field)) {
				for _, e := range elemsOf(r.Get("ErrorEquals")) {
					if e.Kind == workflow.String && strings.HasPrefix(e.Str, "Lambda.") {
						p.Report(e, "activity Task %q: %s %q can never match: only Lambda tasks raise Lambda.* errors", t.state.Name, field, e.Str)
					}
				}
			}
		}
	}
}
