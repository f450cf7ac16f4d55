package lint

var _ = register(loaderRule("template-syntax", Error, "a ${...} interpolation is malformed", RuleDoc{
	Checks:  "Every `${` opens a well-formed Terraform interpolation that is closed by `}`.",
	Example: `"Resource": "${module.cumulus.sync_granule_task.task_arn"`,
	Why:     "templatefile() fails on it at plan time with an error that does not point into the workflow.",
	Fix:     "Close the interpolation, or write a literal `${` as `$${`.",
}))
