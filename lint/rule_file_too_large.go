package lint

var _ = register(loaderRule("file-too-large", Error, "the file is larger than stepshift reads (8 MiB)", RuleDoc{
	Checks:  "The file is at most 8 MiB. Step Functions itself accepts definitions of at most 1 MiB.",
	Example: `(a 10 MiB file)`,
	Why:     "Step Functions rejects definitions over 1 MiB; a file this large is not a deployable workflow.",
	Fix:     "Split the workflow (child workflows through states:startExecution), or point stepshift at the right file.",
}))
