package lint

var _ = register(&Rule{
	ID:       "usage-tmp",
	Severity: Error,
	Summary:  "a Task's Lambda ran out of /tmp space",
	Check:    checkUsageTmp,
	Doc: RuleDoc{
		Checks:  "Usage evidence from the Lambda's logs: a run that logged `No space left on device`, `ENOSPC` or `[Errno 28]`.",
		Example: "ERROR Error: ENOSPC: no space left on device, write",
		Why:     "The task stages more in /tmp than its ephemeral storage holds; it fails on every input that large.",
		Fix:     "Raise `ephemeral_storage { size }` (up to 10,240 MB), stream instead of staging, or move the step to ECS (`stepshift migrate --step NAME`).",
	},
})

func checkUsageTmp(p *Pass) {
	for _, t := range p.taskStates() {
		u := p.usageOf(t)
		if u == nil || u.DiskFull == 0 {
			continue
		}
		size := ""
		if t.lambda != nil && t.lambda.TmpMB.Known {
			size = " of " + commas(int64(t.lambda.TmpMB.Value)) + " MB" + sourceNote(t.lambda.TmpMB)
		}
		f := p.Report(t.at, "%s ran out of /tmp%s: %s", t.lambdaLabel(), size, u.DiskEvidence())
		if t.lambda != nil {
			withFact(f, t.lambda.TmpMB, "ephemeral_storage size is set here")
		}
	}
}
