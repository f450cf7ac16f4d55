package lint

var _ = register(&Rule{
	ID:       "task-timeout",
	Severity: Warning,
	Summary:  "an activity Task has no TimeoutSeconds, or a Lambda Task's TimeoutSeconds exceeds its Lambda's timeout",
	Check:    checkTaskTimeout,
	Doc: RuleDoc{
		Checks: "An activity Task state (a literal activity ARN, or a Terraform reference to an `aws_sfn_activity`) without `TimeoutSeconds` or `TimeoutSecondsPath`, " +
			"and a Lambda Task whose `TimeoutSeconds` is larger than the Lambda's own `timeout`. Both are advice (warnings): AWS accepts the definition and the run can succeed.",
		Example: `"ProcessingStep": {
  "Type": "Task",
  "Resource": "${python_processing_service_id}",
  "End": true
}`,
		Why: "Step Functions waits for an activity worker for as long as the state's timeout, which defaults to the execution's: up to a year. With no worker running, the execution hangs silently instead of failing. " +
			"A Lambda is stopped at its own timeout, so a longer state timeout never fires and only misleads the reader.",
		Fix: "Give every activity Task a `TimeoutSeconds` a little above the longest run you expect (and `HeartbeatSeconds`); for a Lambda Task, drop `TimeoutSeconds` or keep it at most the Lambda's timeout.",
	},
})

func checkTaskTimeout(p *Pass) {
	for _, t := range p.taskStates() {
		ts := t.state.Field("TimeoutSeconds")
		if t.isActivity() {
			if ts == nil && t.state.Field("TimeoutSecondsPath") == nil {
				p.ReportState(t.state, "activity Task %q has no TimeoutSeconds: if no worker picks it up, the execution waits up to a year instead of failing", t.state.Name)
			}
			continue
		}
		if t.lambda == nil || ts == nil {
			continue
		}
		secs, ok := ts.Int()
		to := t.lambda.TimeoutSeconds
		if !ok || !to.Known || secs <= int64(to.Value) {
			continue
		}
		f := p.Report(ts, "state %q: TimeoutSeconds %s is larger than the %s s timeout of %s%s; Lambda stops it first, so this timeout never fires",
			t.state.Name, commas(secs), commas(int64(to.Value)), t.lambdaLabel(), sourceNote(to)).WithSeverity(Warning)
		withFact(f, to, "the Lambda's timeout is set here")
	}
}
