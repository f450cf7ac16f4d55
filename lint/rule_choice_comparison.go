package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "choice-comparison",
	Severity: Error,
	Summary:  "a JSONPath choice rule holds more than one comparison, or a comparison together with And, Or or Not",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkChoiceComparison,
	Doc: RuleDoc{
		Checks: "Each JSONPath choice rule (at the top of `Choices` or nested in `And`, `Or`, `Not`) holds exactly one of: a comparison " +
			"(`StringEquals`, `NumericGreaterThanPath`, `IsPresent`, ... with its `Variable`), `And`, `Or` or `Not`. " +
			"A rule with two comparisons, or a comparison beside `And`/`Or`/`Not`, is reported at the second one.",
		Example: `"Choices": [
  { "Variable": "$.n", "NumericGreaterThan": 0, "NumericLessThan": 10, "Next": "InRange" }
]`,
		Why: "The Amazon States Language requires exactly one comparison operator per choice rule and Step Functions rejects the definition; " +
			"the intent (both must hold) needs an `And` of two rules.",
		Fix: "Split the rule: `{\"And\": [{\"Variable\": \"$.n\", \"NumericGreaterThan\": 0}, {\"Variable\": \"$.n\", \"NumericLessThan\": 10}], \"Next\": \"InRange\"}`.",
	},
})

// choiceComparison reports whether a choice-rule member is a comparison
// operator (StringEquals, NumericLessThanPath, IsNull, ...).
func choiceComparison(key string) bool {
	for _, prefix := range []string{"String", "Numeric", "Boolean", "Timestamp"} {
		if strings.HasPrefix(key, prefix) && len(key) > len(prefix) {
			return true
		}
	}
	switch key {
	case "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp":
		return true
	}
	return false
}

func checkChoiceComparison(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Type != "Choice" || isJSONata(p.Doc, st) {
			continue
		}
		choices := st.Field("Choices")
		if choices == nil || choices.Kind != workflow.Array {
			continue
		}
		for _, rule := range choices.Elems {
			checkChoiceRuleShape(p, st, rule, 0)
		}
	}
}

func checkChoiceRuleShape(p *Pass, st *workflow.State, rule *workflow.Node, depth int) {
	if rule == nil || rule.Kind != workflow.Object || depth > 64 || templatedMembers(rule) {
		return
	}
	var first *workflow.Node
	for _, m := range rule.Members {
		switch {
		case choiceComparison(m.Key), m.Key == "And", m.Key == "Or", m.Key == "Not":
			if first != nil {
				p.ReportKey(m, "state %q: a choice rule holds exactly one test, but %q follows %q; combine tests with \"And\" or \"Or\"", st.Name, m.Key, first.Key)
			} else {
				first = m
			}
		}
		switch m.Key {
		case "And", "Or":
			for _, e := range m.Elems {
				checkChoiceRuleShape(p, st, e, depth+1)
			}
		case "Not":
			checkChoiceRuleShape(p, st, m, depth+1)
		}
	}
}
