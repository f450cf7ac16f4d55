package lint

var _ = register(&Rule{
	ID:       "usage-duration",
	Severity: Error,
	Summary:  "a Task's Lambda timed out, or its logs show p95 run time at 80% or more of its timeout",
	Check:    checkUsageDuration,
	Doc: RuleDoc{
		Checks: "Usage evidence from the Lambda's logs: a run that timed out (`Task timed out after …`, `Status: timeout`) is an error; a p95 duration at or above 80% of the timeout " +
			"(the Terraform `timeout`, else the timeout the logs show) is a warning. The message states the evidence: how many runs, when, p95.",
		Example: "2026-11-03T10:00:00Z 8f5… Task timed out after 900.10 seconds",
		Why:     "A task whose slowest runs already take most of its timeout is cut off on the next larger input; at Lambda's 900 s maximum there is no timeout left to raise.",
		Fix:     "Raise `timeout` while it is below 900 s; past that, move the step to ECS (`stepshift migrate --step NAME`).",
	},
})

// usageDurationWarnFraction is the p95 run time, as a fraction of the
// timeout, at which usage-duration warns.
const usageDurationWarnFraction = 0.8

func checkUsageDuration(p *Pass) {
	for _, t := range p.taskStates() {
		u := p.usageOf(t)
		if u == nil {
			continue
		}
		if u.Timeouts > 0 {
			f := p.Report(t.at, "%s timed out: %s — move this step to ECS (%s)", t.lambdaLabel(), u.DurationEvidence(), t.migrateHint())
			if t.lambda != nil {
				withFact(f, t.lambda.TimeoutSeconds, "timeout is set here")
			}
			continue
		}
		timeout, fromTF := 0, false
		if t.lambda != nil && t.lambda.TimeoutSeconds.Known {
			timeout, fromTF = t.lambda.TimeoutSeconds.Value, true
		} else if n := len(u.TimeoutSeconds); n > 0 {
			timeout = u.TimeoutSeconds[n-1]
		}
		if timeout <= 0 || u.Invocations == 0 || u.DurationP95Ms < usageDurationWarnFraction*float64(timeout)*1000 {
			continue
		}
		f := p.Report(t.at, "%s runs close to its %s s timeout: %s (p95 is %s of the timeout)", t.lambdaLabel(), commas(int64(timeout)), u.DurationEvidence(),
			percentOf(u.DurationP95Ms, float64(timeout)*1000)).WithSeverity(Warning)
		if fromTF {
			withFact(f, t.lambda.TimeoutSeconds, "timeout is set here")
		}
	}
}
