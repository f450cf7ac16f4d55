package lint

var _ = register(loaderRule("invalid-utf8", Error, "the file is not valid UTF-8", RuleDoc{
	Checks:  "The file is UTF-8 text.",
	Example: `(a file saved as Latin-1 with "Café" in a Comment)`,
	Why:     "JSON must be UTF-8 (RFC 8259); Step Functions rejects other encodings.",
	Fix:     "Save the file as UTF-8.",
}))
