package lint

var _ = register(loaderRule("json-syntax", Error, "the file is not valid JSON", RuleDoc{
	Checks: "The file parses as JSON once Terraform's `${...}` interpolations are set aside: every brace, bracket, comma, colon and quote in place, no byte order mark, no trailing commas or comments.",
	Example: `{
  "StartAt": "A",
  "States": { "A": { "Type": "Pass", "End": true }, }
}`,
	Why: "Terraform renders the template as text; Step Functions then rejects the broken JSON at deploy time, with no line number.",
	Fix: "Fix the JSON at the position given (here: remove the trailing comma).",
}))
