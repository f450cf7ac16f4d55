package lint

var _ = register(&Rule{
	ID:       "activity-heartbeat",
	Severity: Warning,
	Summary:  "an activity Task has no HeartbeatSeconds",
	Check:    checkActivityHeartbeat,
	Doc: RuleDoc{
		Checks: "An activity Task state (a literal activity ARN, or a Terraform reference to an `aws_sfn_activity`) without `HeartbeatSeconds` or `HeartbeatSecondsPath`.",
		Example: `"ProcessingStep": {
  "Type": "Task",
  "Resource": "arn:aws:states:us-east-1:123456789012:activity:processing",
  "TimeoutSeconds": 3600,
  "End": true
}`,
		Why: "Without a heartbeat, a worker that dies mid-task (an ECS task stopped, a host lost) is only noticed at TimeoutSeconds: the execution sits idle for the whole timeout before it can retry.",
		Fix: "Set `HeartbeatSeconds` (e.g. 300); `stepshift worker` and cumulus-ecs-task send heartbeats while the task runs.",
	},
})

func checkActivityHeartbeat(p *Pass) {
	for _, t := range p.taskStates() {
		if t.isActivity() && t.state.Field("HeartbeatSeconds") == nil && t.state.Field("HeartbeatSecondsPath") == nil {
			p.ReportState(t.state, "activity Task %q has no HeartbeatSeconds: a worker that dies is only noticed when TimeoutSeconds runs out", t.state.Name)
		}
	}
}
