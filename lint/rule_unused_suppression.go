package lint

const unusedSuppressionID = "unused-suppression"

// The engine makes these findings itself once every rule has run; the rule
// exists so that it can be listed, explained and configured.
var _ = register(&Rule{
	ID:       unusedSuppressionID,
	Severity: Info,
	Summary:  "a stepshift:ignore comment silences nothing",
	Doc: RuleDoc{
		Checks: "Every `stepshift:ignore rule-id -- reason` in a `\"Comment\"` must silence at least one finding of each rule it names within its object (state, catcher or choice rule), and every name must be a stepshift rule.",
		Example: `"Retry": [{
  "Comment": "stepshift:ignore retry-error-equals -- kept for old workers",
  "ErrorEquals": ["States.TaskFailed"]
}]`,
		Why: "A suppression outlives the problem it hid; left behind it will silently hide the next real problem of that rule on the same object.",
		Fix: "Delete the suppression, or correct the rule ID (`stepshift rules` lists them).",
	},
})
