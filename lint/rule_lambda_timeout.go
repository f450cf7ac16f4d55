package lint

var _ = register(&Rule{
	ID:       "lambda-timeout",
	Severity: Error,
	Summary:  "a Task's Lambda timeout is over Lambda's 900 s maximum, at it, or near it",
	Check:    checkLambdaTimeout,
	Doc: RuleDoc{
		Checks: "The `timeout` of the Lambda each Task state runs, as the Terraform deployment sets it. Over the maximum (900 s) is an error; " +
			"at the maximum or at or above the margin (`margin`, default 80%) of it is a warning.",
		Example: `# terraform.tfvars
lambda_timeouts = {
  QueueGranules = 900
}`,
		Why: "Terraform apply fails for a timeout over 900 s. A task already given the full 900 s (or close to it) has nowhere to go when its input grows: a longer run is cut off and the step fails with Lambda's timeout.",
		Fix: "Move long-running steps to ECS: `stepshift migrate --step NAME` rewrites the step as an activity run by `stepshift worker`, where no 15-minute limit applies.",
	},
})

func checkLambdaTimeout(p *Pass) {
	max := p.limits().TimeoutMaxSeconds
	for _, t := range p.lambdaTasks() {
		to := t.lambda.TimeoutSeconds
		if !to.Known {
			continue
		}
		v := to.Value
		var f *Finding
		switch {
		case v > max:
			f = p.Report(t.at, "%s has a %s s timeout%s; %s allows at most %s s — move this step to ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(to), p.limitsName(), commas(int64(max)), t.migrateHint())
		case v == max:
			f = p.Report(t.at, "%s has a %s s timeout%s, the most %s allows: a longer run will be cut off — consider ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(to), p.limitsName(), t.migrateHint()).WithSeverity(Warning)
		case p.nearLimit(float64(v), float64(max)):
			f = p.Report(t.at, "%s has a %s s timeout%s, %s of the %s s %s allows: a longer run will be cut off — consider ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(to), percentOf(float64(v), float64(max)), commas(int64(max)), p.limitsName(), t.migrateHint()).WithSeverity(Warning)
		default:
			continue
		}
		withFact(f, to, "timeout is set here")
	}
}
