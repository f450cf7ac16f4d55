package lint

var _ = register(loaderRule("not-text", Error, "the file is binary, not JSON", RuleDoc{
	Checks:  "The file holds no NUL bytes.",
	Example: `(a zip or image saved with a .asl.json name)`,
	Why:     "A binary file cannot be a state machine; linting it as one would only produce noise.",
	Fix:     "Point stepshift at the workflow's JSON file.",
}))
