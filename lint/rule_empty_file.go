package lint

var _ = register(loaderRule("empty-file", Error, "the file is empty", RuleDoc{
	Checks:  "The file holds a definition, not nothing (or only whitespace).",
	Example: ``,
	Why:     "An empty workflow file usually means a failed generator or an unfinished edit.",
	Fix:     "Write the definition, or delete the file.",
}))
