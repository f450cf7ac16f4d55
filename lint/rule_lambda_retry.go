package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "lambda-retry",
	Severity: Info,
	Summary:  "a Lambda Task does not retry Lambda's transient service errors",
	Check:    checkLambdaRetry,
	Doc: RuleDoc{
		Checks: "A Task state that invokes a Lambda (a function ARN, `arn:aws:states:::lambda:invoke`, or a Terraform reference to a function) whose `Retry` does not cover " +
			"`Lambda.ServiceException`, `Lambda.AWSLambdaException` and `Lambda.SdkClientException` (by name, or by `States.ALL` / `States.TaskFailed`).",
		Example: `"SyncGranule": {
  "Type": "Task",
  "Resource": "${sync_granule_task_arn}",
  "End": true
}`,
		Why: "These errors come from the Lambda service, not your code, and go away on retry. Without a retrier, one throttled or failed invoke fails the whole execution.",
		Fix: `Add a retrier: {"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2}.`,
	},
})

// transientLambdaErrors are the errors AWS recommends every Lambda task retry.
var transientLambdaErrors = []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"}

func checkLambdaRetry(p *Pass) {
	for _, t := range p.taskStates() {
		if !t.isLambda() {
			continue
		}
		retried := map[string]bool{}
		all := false
		for _, r := range elemsOf(t.state.Field("Retry")) {
			if n, ok := r.Get("MaxAttempts").Int(); ok && n == 0 {
				continue // a retrier with no attempts retries nothing
			}
			for _, e := range elemsOf(r.Get("ErrorEquals")) {
				switch {
				case e.Kind != workflow.String:
				case e.Str == "States.ALL" || e.Str == "States.TaskFailed" || e.IsTemplated():
					all = true
				default:
					retried[e.Str] = true
				}
			}
		}
		if all {
			continue
		}
		var missing []string
		for _, name := range transientLambdaErrors {
			if !retried[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 {
			continue
		}
		p.Report(t.at, "Lambda Task %q does not retry %s: a transient Lambda service error fails the execution", t.state.Name, strings.Join(missing, ", "))
	}
}
