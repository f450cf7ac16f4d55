package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "query-language-fields",
	Severity: Error,
	Summary:  "a JSONPath field in a JSONata state, or a JSONata field in a JSONPath state",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkQueryLanguageFields,
	Doc: RuleDoc{
		Checks: "A state's query language is its own `QueryLanguage`, else the state machine's, else JSONPath. JSONata states " +
			"use `Arguments`, `Output`, `Items` and choice rules' `Condition`, and none of `InputPath`, `Parameters`, " +
			"`ResultSelector`, `ResultPath`, `OutputPath`, `ItemsPath`, the `...Path` variants or `Variable`; JSONPath states the other way round. " +
			"`Assign` belongs to both. This rule catches what a per-state schema cannot: a field inherited from the top-level `QueryLanguage`.",
		Example: `{
  "QueryLanguage": "JSONata",
  "StartAt": "A",
  "States": { "A": { "Type": "Pass", "ResultPath": "$.x", "End": true } }
}`,
		Why: "Step Functions rejects the definition (SCHEMA_VALIDATION_FAILED); a state machine switched to JSONata at the top keeps its old JSONPath fields by accident.",
		Fix: "Rewrite the field for the state's language (`Parameters` → `Arguments`, `ResultSelector`/`ResultPath`/`OutputPath` → `Output`), or set `\"QueryLanguage\": \"JSONPath\"` on the state.",
	},
})

// jsonPathOnly are state fields that exist only in JSONPath states.
var jsonPathOnly = map[string]bool{"InputPath": true, "OutputPath": true, "ResultPath": true, "Parameters": true,
	"ResultSelector": true, "ItemsPath": true, "SecondsPath": true, "TimestampPath": true, "TimeoutSecondsPath": true,
	"HeartbeatSecondsPath": true, "ErrorPath": true, "CausePath": true, "MaxConcurrencyPath": true,
	"ToleratedFailurePercentagePath": true, "ToleratedFailureCountPath": true}

// jsonataOnly are state fields that exist only in JSONata states.
var jsonataOnly = map[string]bool{"Arguments": true, "Output": true, "Items": true}

func checkQueryLanguageFields(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Node.Kind != workflow.Object {
			continue
		}
		if q := st.Field("QueryLanguage"); q != nil && (q.Kind != workflow.String || q.IsTemplated()) {
			continue // Terraform or a schema error decides
		}
		if q := p.Doc.Definition.Get("QueryLanguage"); st.Field("QueryLanguage") == nil && q != nil && (q.Kind != workflow.String || q.IsTemplated()) {
			continue
		}
		jsonata := isJSONata(p.Doc, st)
		for _, m := range st.Node.Members {
			switch {
			case jsonata && jsonPathOnly[m.Key]:
				p.ReportKey(m, "state %q uses JSONata, where %q does not exist; %s", st.Name, m.Key, jsonataReplacement(m.Key))
			case !jsonata && jsonataOnly[m.Key]:
				p.ReportKey(m, "state %q uses JSONPath, where %q does not exist; set \"QueryLanguage\": \"JSONata\" or use %s", st.Name, m.Key, jsonPathReplacement(m.Key))
			case m.Key == "Choices" && m.Kind == workflow.Array:
				for _, rule := range m.Elems {
					checkChoiceRuleLanguage(p, st, rule, jsonata, 0)
				}
			}
		}
	}
}

func checkChoiceRuleLanguage(p *Pass, st *workflow.State, rule *workflow.Node, jsonata bool, depth int) {
	if rule == nil || rule.Kind != workflow.Object || depth > 64 {
		return
	}
	for _, m := range rule.Members {
		switch {
		case jsonata && m.Key == "Variable":
			p.ReportKey(m, "state %q uses JSONata: a choice rule tests \"Condition\": \"{%% ... %%}\", not \"Variable\"", st.Name)
		case !jsonata && m.Key == "Condition":
			p.ReportKey(m, "state %q uses JSONPath: a choice rule tests \"Variable\" with a comparison, not \"Condition\"", st.Name)
		case m.Key == "And" || m.Key == "Or":
			for _, e := range m.Elems {
				checkChoiceRuleLanguage(p, st, e, jsonata, depth+1)
			}
		case m.Key == "Not":
			checkChoiceRuleLanguage(p, st, m, jsonata, depth+1)
		}
	}
}

func jsonataReplacement(field string) string {
	switch {
	case field == "Parameters":
		return "use \"Arguments\""
	case field == "ItemsPath":
		return "use \"Items\": \"{% ... %}\""
	case strings.HasSuffix(field, "Path") && field != "InputPath" && field != "OutputPath" && field != "ResultPath":
		return "write \"" + strings.TrimSuffix(field, "Path") + "\": \"{% ... %}\""
	}
	return "shape the result with \"Output\" (and \"Assign\")"
}

func jsonPathReplacement(field string) string {
	switch field {
	case "Arguments":
		return "\"Parameters\""
	case "Items":
		return "\"ItemsPath\""
	}
	return "\"ResultSelector\", \"ResultPath\" and \"OutputPath\""
}
