package lint

// Severity: an error. Every document stepshift lints was meant to be a
// state machine: a *.asl.json found in a folder, a file named on the
// command line, a Terraform definition or a deployed one. AWS rejects a
// definition without StartAt and States (SCHEMA_VALIDATION_FAILED), and a
// gate pointed at the wrong file must fail rather than pass it.
var _ = register(func() *Rule {
	r := loaderRule("not-a-state-machine", Error, "the JSON is not a state machine definition (no StartAt or States)", RuleDoc{
		Checks:  "The document is an object with `StartAt` and `States`, or a Cumulus workflow record whose `definition` is one. `{}`, an array or an object with neither field is not.",
		Example: `{ "name": "DiscoverGranules", "steps": [] }`,
		Why:     "Step Functions rejects a definition without `StartAt` and `States` (SCHEMA_VALIDATION_FAILED). A file linted as a workflow that is not one was picked up by mistake (a glob too wide) or lost its top level; passing it would let a gate pointed at the wrong file succeed.",
		Fix:     "Restore `StartAt` and `States`, or stop linting the file (see `ignore` in .stepshift.hcl).",
	})
	r.AWSCode = "SCHEMA_VALIDATION_FAILED"
	return r
}())
