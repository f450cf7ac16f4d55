package lint

var _ = register(&Rule{
	ID:       "lambda-drift",
	Severity: Warning,
	Summary:  "a Task's deployed Lambda differs from its Terraform configuration (memory, timeout, /tmp, runtime, package type, layers)",
	Check:    checkLambdaDrift,
	Doc: RuleDoc{
		Checks: "With `--aws`, each Task's Lambda as `GetFunctionConfiguration` reports it is compared with the configuration: `memory_size`, `timeout`, `ephemeral_storage.size`, `runtime`, `package_type` and the number of layers. " +
			"A difference is one warning per function, at the line that configures the value (at the Task when the value is not written in Terraform), with every Task that runs the function as a related location. The limit rules keep judging the configured value, since that is what the next apply deploys.",
		Example: `# terraform.tfvars
lambda_memory_sizes = {
  SyncGranule = 3008
}
# but the deployed function has 10240 MB: someone raised it in the console after an out-of-memory failure`,
		Why: "A setting changed outside Terraform (often raised by hand during an incident) is reverted by the next `terraform apply`, and the failure it fixed comes back; a pending apply means the workflow runs today with limits other than the ones reviewed.",
		Fix: "Write the deployed value into the Terraform configuration if it is the one you want (and lint again: it may be over or near a Lambda limit), or run `terraform apply` to deploy the configured one.",
	},
})

func checkLambdaDrift(p *Pass) {
	for _, t := range p.lambdaTasks() {
		for _, d := range t.lambda.Drift {
			p.reportFunctionFact(t, d.Range, "%s: %s is %s deployed but %s in the configuration — a terraform apply is pending, or the function was changed outside Terraform and the next apply undoes it",
				t.functionLabel(), d.Setting, d.Deployed, d.Configured)
		}
	}
}
