package lint

var _ = register(loaderRule("duplicate-key", Error, "an object has the same key twice", RuleDoc{
	Checks: "No JSON object holds the same member name twice. Twice in a `States` object means two states with one name.",
	Example: `"A": {
  "Type": "Pass",
  "Next": "B",
  "Next": "C"
}`,
	Why: "JSON parsers keep one of the two silently (which one differs); Step Functions rejects duplicate state names. Either way the definition does not say what it seems to.",
	Fix: "Delete or rename one of the two members.",
}))
