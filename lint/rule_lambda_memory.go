package lint

var _ = register(&Rule{
	ID:       "lambda-memory",
	Severity: Error,
	Summary:  "a Task's Lambda has more memory than Lambda allows, or is near the maximum",
	Check:    checkLambdaMemory,
	Doc: RuleDoc{
		Checks: "The `memory_size` of the Lambda each Task state runs, as the Terraform deployment sets it (tfvars, variable defaults, module arguments, `lookup()` maps) or `--tfstate` records it. " +
			"Over the maximum (10,240 MB; 3,008 MB with `limits = \"cumulus-docs\"`; `memory_max_mb` in `.stepshift.hcl` for an account capped lower) is an error; " +
			"at or above the margin (`margin`, default 80%) of it is a warning. The finding points at the state's `Resource`; related locations show where the value was written.",
		Example: `# terraform.tfvars
lambda_memory_sizes = {
  SyncGranule = 12000
}`,
		Why: "Terraform apply fails with an InvalidParameterValueException for memory over the account's maximum. A task near the maximum has no room left to grow: the next larger granule runs out of memory and the step fails.",
		Fix: "Lower `memory_size` if the task does not need it, or move the step to ECS, where a container can have far more memory: `stepshift migrate --step NAME` rewrites it as an activity run by `stepshift worker`.",
	},
})

func checkLambdaMemory(p *Pass) {
	l := p.limits()
	for _, t := range p.lambdaTasks() {
		mem := t.lambda.MemoryMB
		if !mem.Known {
			continue
		}
		v, max := mem.Value, l.MemoryMaxMB
		var f *Finding
		switch {
		case v > max:
			f = p.Report(t.at, "%s has %s MB of memory%s; %s allows at most %s MB — move this step to ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(mem), p.memoryLimitName(), commas(int64(max)), t.migrateHint())
		case l.MemoryMinMB > 0 && v < l.MemoryMinMB:
			f = p.Report(t.at, "%s has %s MB of memory%s; Lambda needs at least %s MB", t.lambdaLabel(), commas(int64(v)), sourceNote(mem), commas(int64(l.MemoryMinMB)))
		case p.nearLimit(float64(v), float64(max)):
			f = p.Report(t.at, "%s has %s MB of memory%s, %s of the %s MB %s allows: a larger input leaves it no room to grow — consider ECS (%s)",
				t.lambdaLabel(), commas(int64(v)), sourceNote(mem), percentOf(float64(v), float64(max)), commas(int64(max)), p.memoryLimitName(), t.migrateHint()).WithSeverity(Warning)
		default:
			continue
		}
		withFact(f, mem, "memory_size is set here")
	}
}
