package lint

var _ = register(loaderRule("not-a-state-machine", Warning, "the JSON is not a state machine definition", RuleDoc{
	Checks:  "The document is an object with `StartAt` and `States`, or a Cumulus workflow record whose `definition` is one.",
	Example: `{ "name": "DiscoverGranules", "steps": [] }`,
	Why:     "A file linted as a workflow that is not one is probably picked up by mistake (a glob too wide), or a definition that lost its top level.",
	Fix:     "Lint only workflow files (see `ignore` in .stepshift.hcl), or restore `StartAt` and `States`.",
}))
