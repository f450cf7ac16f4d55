package lint

import "github.com/stepshift/stepshift/workflow"

var _ = register(&Rule{
	ID:       "heartbeat-timeout",
	Severity: Error,
	Summary:  "a Task's HeartbeatSeconds is not less than its TimeoutSeconds",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkHeartbeatTimeout,
	Doc: RuleDoc{
		Checks: "When a Task sets both `HeartbeatSeconds` and `TimeoutSeconds` as numbers, the heartbeat interval is shorter than the timeout. " +
			"Values Terraform fills in, and the `...Path` forms decided at run time, are not judged.",
		Example: `"Type": "Task",
"Resource": "arn:aws:states:us-east-1:123456789012:activity:sync",
"TimeoutSeconds": 300,
"HeartbeatSeconds": 300`,
		Why: "A heartbeat that may arrive as late as the timeout can never fire; Step Functions rejects the definition.",
		Fix: "Make HeartbeatSeconds smaller than TimeoutSeconds (a worker should beat several times per timeout).",
	},
})

func checkHeartbeatTimeout(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Type != "Task" {
			continue
		}
		hb, to := st.Field("HeartbeatSeconds"), st.Field("TimeoutSeconds")
		if hb == nil || to == nil || hb.Kind != workflow.Number || to.Kind != workflow.Number {
			continue
		}
		h, ok1 := hb.Float()
		t, ok2 := to.Float()
		if ok1 && ok2 && h >= t {
			p.Report(hb, "state %q: \"HeartbeatSeconds\" %s must be less than \"TimeoutSeconds\" %s", st.Name, hb.Num, to.Num).
				WithRelated(to.Range, "TimeoutSeconds is set here")
		}
	}
}
