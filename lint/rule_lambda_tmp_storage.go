package lint

var _ = register(&Rule{
	ID:       "lambda-tmp-storage",
	Severity: Error,
	Summary:  "a Task's Lambda asks for more /tmp (ephemeral storage) than Lambda allows, or is near the maximum",
	Check:    checkLambdaTmpStorage,
	Doc: RuleDoc{
		Checks: "`ephemeral_storage { size = N }` of the Lambda each Task state runs (512 MB when absent). Over the maximum (10,240 MB; 512 MB with `limits = \"cumulus-docs\"`) or under 512 MB is an error; " +
			"at or above the margin of the maximum is a warning.",
		Example: `resource "aws_lambda_function" "sync_granule_task" {
  ephemeral_storage {
    size = 12288
  }
}`,
		Why: "Terraform apply fails for a size outside 512–10,240 MB. A task that stages whole granules in /tmp and already has (nearly) all Lambda offers fails with ENOSPC on the next large granule.",
		Fix: "Stream instead of staging in /tmp, or move the step to ECS (`stepshift migrate --step NAME`), where the container's disk (or an EFS volume) holds the files.",
	},
})

func checkLambdaTmpStorage(p *Pass) {
	l := p.limits()
	for _, t := range p.lambdaTasks() {
		tmp := t.lambda.TmpMB
		if !tmp.Known {
			continue
		}
		v, max := tmp.Value, l.EphemeralStorageMaxMB
		var f *Finding
		switch {
		case v > max:
			f = p.Report(t.at, "%s has %s MB of /tmp%s; %s allows at most %s MB — move this step to ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(tmp), p.limitsName(), commas(int64(max)), t.migrateHint())
		case l.EphemeralStorageMinMB > 0 && v < l.EphemeralStorageMinMB:
			f = p.Report(t.at, "%s has %s MB of /tmp%s; Lambda needs at least %s MB", t.lambdaLabel(), commas(int64(v)), sourceNote(tmp), commas(int64(l.EphemeralStorageMinMB)))
		case v > l.EphemeralStorageMinMB && p.nearLimit(float64(v), float64(max)):
			// The 512 MB default is never "near" a limit it cannot go below.
			f = p.Report(t.at, "%s has %s MB of /tmp%s, %s of the %s MB %s allows: a larger granule will fill it — consider ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(tmp), percentOf(float64(v), float64(max)), commas(int64(max)), p.limitsName(), t.migrateHint()).WithSeverity(Warning)
		default:
			continue
		}
		withFact(f, tmp, "ephemeral_storage size is set here")
	}
}
