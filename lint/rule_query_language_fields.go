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
			"`Assign` belongs to both; a Pass's `Result` is JSONPath only; a catcher takes `ResultPath` in JSONPath and `Output` in JSONata; " +
			"`Seconds`, `Timestamp`, `TimeoutSeconds`, `HeartbeatSeconds`, `MaxConcurrency` and `ToleratedFailure...` take a `\"{% ... %}\"` expression only in JSONata. " +
			"A state may not set `\"QueryLanguage\": \"JSONPath\"` when the state machine's is JSONata (AWS: \"'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine\"). " +
			"The advice names the field the state's type has (a JSONata Pass shapes its output with `Output`, a Map its items with `ItemSelector`, a Task or Parallel its input with `Arguments`). " +
			"This rule catches what a per-state schema cannot: a field inherited from the top-level `QueryLanguage`.",
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
	"ToleratedFailurePercentagePath": true, "ToleratedFailureCountPath": true, "Result": true}

// jsonataValueFields take a literal number or timestamp in a JSONPath state
// and may be a "{% ... %}" expression only in a JSONata state.
var jsonataValueFields = map[string]bool{"Seconds": true, "Timestamp": true, "TimeoutSeconds": true, "HeartbeatSeconds": true,
	"MaxConcurrency": true, "ToleratedFailureCount": true, "ToleratedFailurePercentage": true}

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
		if q := st.Field("QueryLanguage"); q != nil && q.Str == "JSONPath" && topLevelJSONata(p.Doc) {
			p.Report(q, "state %q sets \"QueryLanguage\": \"JSONPath\", but the state machine's top-level QueryLanguage is JSONata; "+
				"a JSONata state machine cannot hold JSONPath states (set JSONPath at the top and JSONata on states instead)", st.Name)
			continue
		}
		jsonata := isJSONata(p.Doc, st)
		for _, m := range st.Node.Members {
			switch {
			case (jsonPathOnly[m.Key] || jsonataOnly[m.Key]) && !typeHasField(st.Type, m.Key):
				// The state type has the field in neither language;
				// asl-schema reports it as unknown, with no advice to give.
			case jsonata && jsonPathOnly[m.Key]:
				p.ReportKey(m, "state %q uses JSONata, where %q does not exist; %s", st.Name, m.Key, jsonataReplacement(st.Type, m.Key))
			case !jsonata && jsonataOnly[m.Key]:
				p.ReportKey(m, "state %q uses JSONPath, where %q does not exist; set \"QueryLanguage\": \"JSONata\" or use %s", st.Name, m.Key, jsonPathReplacement(st.Type, m.Key))
			case !jsonata && jsonataValueFields[m.Key] && m.Kind == workflow.String && !m.IsTemplated() && strings.HasPrefix(m.Str, "{%"):
				p.Report(m, "state %q uses JSONPath, where %q takes a literal value, not a JSONata expression; set \"QueryLanguage\": \"JSONata\" or use \"%sPath\"", st.Name, m.Key, m.Key)
			case m.Key == "Choices" && m.Kind == workflow.Array:
				for _, rule := range m.Elems {
					checkChoiceRuleLanguage(p, st, rule, jsonata, 0)
				}
			case m.Key == "Catch" && m.Kind == workflow.Array:
				for _, catcher := range m.Elems {
					for _, f := range catcher.Members {
						switch {
						case jsonata && f.Key == "ResultPath":
							p.ReportKey(f, "state %q uses JSONata, where a catcher has no \"ResultPath\"; shape the error output with the catcher's \"Output\" ($states.errorOutput)", st.Name)
						case !jsonata && f.Key == "Output":
							p.ReportKey(f, "state %q uses JSONPath, where a catcher has no \"Output\"; set \"QueryLanguage\": \"JSONata\" or use \"ResultPath\"", st.Name)
						}
					}
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

// fieldTypes lists the state types that have a language-specific field (in
// its language); a field missing here belongs to every type.
var fieldTypes = map[string][]string{
	"InputPath": {"Pass", "Task", "Choice", "Wait", "Succeed", "Map", "Parallel"}, "OutputPath": {"Pass", "Task", "Choice", "Wait", "Succeed", "Map", "Parallel"},
	"Output":     {"Pass", "Task", "Choice", "Wait", "Succeed", "Map", "Parallel"},
	"ResultPath": {"Pass", "Task", "Map", "Parallel"}, "Parameters": {"Pass", "Task", "Map", "Parallel"},
	"ResultSelector": {"Task", "Map", "Parallel"}, "Arguments": {"Task", "Map", "Parallel"}, "Result": {"Pass"},
	"ItemsPath": {"Map"}, "Items": {"Map"}, "MaxConcurrencyPath": {"Map"},
	"ToleratedFailurePercentagePath": {"Map"}, "ToleratedFailureCountPath": {"Map"},
	"SecondsPath": {"Wait"}, "TimestampPath": {"Wait"}, "TimeoutSecondsPath": {"Task"}, "HeartbeatSecondsPath": {"Task"},
	"ErrorPath": {"Fail"}, "CausePath": {"Fail"},
}

// typeHasField reports whether a state of type typ has field in some query
// language; an unknown type (malformed or templated) is given the benefit.
func typeHasField(typ, field string) bool {
	types, ok := fieldTypes[field]
	if !ok || typ == "" {
		return true
	}
	for _, t := range types {
		if t == typ {
			return true
		}
	}
	return false
}

// topLevelJSONata reports whether the state machine sets "QueryLanguage":
// "JSONata" at its top level.
func topLevelJSONata(doc *workflow.Document) bool {
	q := doc.Definition.Get("QueryLanguage")
	return q != nil && q.Kind == workflow.String && q.Str == "JSONata"
}

// jsonataReplacement is the advice for a JSONPath-only field in a JSONata
// state of type typ: only Task and Parallel take Arguments, a Map builds
// each item's input with ItemSelector, and every other state shapes its
// output with Output alone.
func jsonataReplacement(typ, field string) string {
	switch {
	case field == "Parameters" && (typ == "Task" || typ == "Parallel"):
		return "use \"Arguments\""
	case field == "Parameters" && typ == "Map":
		return "use \"ItemSelector\" (its values may be \"{% ... %}\")"
	case field == "Parameters" || field == "Result":
		return "write the value in \"Output\""
	case field == "InputPath":
		return "read \"$states.input\" in the state's expressions instead"
	case field == "ResultSelector" || field == "ResultPath":
		return "shape the result with \"Output\" (\"$states.result\", \"$states.input\") and \"Assign\""
	case field == "OutputPath":
		return "shape the output with \"Output\""
	case field == "ItemsPath":
		return "use \"Items\": \"{% ... %}\""
	case strings.HasSuffix(field, "Path"):
		return "write \"" + strings.TrimSuffix(field, "Path") + "\": \"{% ... %}\""
	}
	return "shape the result with \"Output\" (and \"Assign\")"
}

// jsonPathReplacement is the advice for a JSONata-only field in a JSONPath
// state of type typ, naming only fields that state type has.
func jsonPathReplacement(typ, field string) string {
	switch {
	case field == "Arguments" && typ == "Map":
		return "\"ItemSelector\""
	case field == "Arguments":
		return "\"Parameters\""
	case field == "Items":
		return "\"ItemsPath\""
	case typ == "Pass":
		return "\"Result\", \"Parameters\", \"ResultPath\" and \"OutputPath\""
	case typ == "Task" || typ == "Parallel" || typ == "Map":
		return "\"ResultSelector\", \"ResultPath\" and \"OutputPath\""
	}
	return "\"OutputPath\""
}
