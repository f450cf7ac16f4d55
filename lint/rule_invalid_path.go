package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "invalid-path",
	Severity: Error,
	Summary:  "a JSONPath or intrinsic function call is malformed",
	AWSCode:  "INVALID_JSON_PATH",
	Check:    checkInvalidPath,
	Doc: RuleDoc{
		Checks: "Parses, with Step Functions' JSONPath grammar (docs/jsonpath.md: Jayway's, so `$.[0]`, `$.['a b']` and `$.store\\.book` are paths), `InputPath`, `OutputPath`, " +
			"`ResultPath` (a reference path: no `..`, `*`, filters, slices or variables), a Choice rule's `Variable` and `...Path` comparisons, " +
			"`ItemsPath`, `SecondsPath`, `TimestampPath`, `TimeoutSecondsPath`, `HeartbeatSecondsPath`, `MaxConcurrencyPath`, `ToleratedFailure...Path` (all of which may read a `$variable`), " +
			"Fail `ErrorPath`/`CausePath`, a Distributed Map's `MaxItemsPath`, `MaxItemsPerBatchPath` and `MaxInputBytesPerBatchPath`, " +
			"and the value of every `.$` key in `Parameters`, `ResultSelector`, `ItemSelector`, `Assign` (a catcher's too), `BatchInput` and the reader's and writer's `Parameters`, " +
			"where intrinsic functions (`States.Format`, `States.Array`, `States.MathAdd`, ...) are checked for their names, argument counts and argument kinds. " +
			"The finding points at the offending character. Values Terraform fills in are skipped.",
		Example: `"Parameters": {
  "id.$": "States.Format('{}-{}', $.name)",
  "when.$": "$$.Execution.StartTime"
},
"ResultPath": "$.result[*]"`,
		Why: "Step Functions rejects the definition (INVALID_JSON_PATH), or, for some errors, fails the execution at run time when the state is reached.",
		Fix: "Correct the path at the position shown; `.$` values must be a path starting with `$` or `$$`, or a `States.` function call.",
	},
})

// pathFields are the state fields holding a JSONPath, with the kind each
// accepts. Only ResultPath writes into the state's data, so only it is
// held to a reference path without variables; the fields that read a value
// (SecondsPath, ItemsPath, MaxConcurrencyPath, ...) accept "$var" and
// "$var.field" since JSONPath variables (Assign) shipped.
var pathFields = map[string]PathKind{
	"InputPath": AnyPath, "OutputPath": AnyPath, "ResultPath": ReferencePath, "ItemsPath": AnyPath,
	"SecondsPath": AnyPath, "TimestampPath": AnyPath,
	"TimeoutSecondsPath": AnyPath, "HeartbeatSecondsPath": AnyPath,
	"MaxConcurrencyPath": AnyPath, "ToleratedFailurePercentagePath": AnyPath, "ToleratedFailureCountPath": AnyPath,
}

// payloadTemplates are the fields whose ".$" keys take paths or intrinsic
// calls (Assign too: "total.$": "$.Payload.total").
var payloadTemplates = []string{"Parameters", "ResultSelector", "ItemSelector", "Assign"}

func checkInvalidPath(p *Pass) {
	for _, st := range p.Doc.States {
		if isJSONata(p.Doc, st) {
			continue
		}
		for _, m := range st.Node.Members {
			if kind, ok := pathFields[m.Key]; ok {
				checkPathValue(p, st, m, kind)
			}
			switch m.Key {
			case "ErrorPath", "CausePath":
				checkPayloadValue(p, st, m)
			case "Choices":
				for _, rule := range m.Elems {
					checkChoiceRulePaths(p, st, rule, 0)
				}
			}
		}
		for _, field := range payloadTemplates {
			walkPayload(st.Field(field), func(key, val *workflow.Node) { checkPayloadValue(p, st, val) })
		}
		// Distributed Map: the reader's and writer's Parameters and the
		// batcher's BatchInput are payload templates; their ...Path
		// fields read one value each.
		for _, sub := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
			n := st.Field(sub)
			if n == nil || n.Kind != workflow.Object {
				continue
			}
			walkPayload(n.Get("Parameters"), func(key, val *workflow.Node) { checkPayloadValue(p, st, val) })
			walkPayload(n.Get("BatchInput"), func(key, val *workflow.Node) { checkPayloadValue(p, st, val) })
			for _, holder := range []*workflow.Node{n, n.Get("ReaderConfig")} {
				if holder == nil || holder.Kind != workflow.Object {
					continue
				}
				for _, m := range holder.Members {
					if strings.HasSuffix(m.Key, "Path") {
						checkPathValue(p, st, m, AnyPath)
					}
				}
			}
		}
		if c := st.Field("Catch"); c != nil {
			for _, catcher := range c.Elems {
				walkPayload(catcher.Get("Assign"), func(key, val *workflow.Node) { checkPayloadValue(p, st, val) })
			}
		}
		if c := st.Field("Catch"); c != nil {
			for _, catcher := range c.Elems {
				if rp := catcher.Get("ResultPath"); rp != nil {
					checkPathValue(p, st, rp, ReferencePath)
				}
			}
		}
	}
}

// checkChoiceRulePaths checks Variable and ...Path comparisons of a choice
// rule and of the rules nested in its And/Or/Not.
func checkChoiceRulePaths(p *Pass, st *workflow.State, rule *workflow.Node, depth int) {
	if rule == nil || rule.Kind != workflow.Object || depth > 64 {
		return
	}
	for _, m := range rule.Members {
		switch {
		case m.Key == "Variable" || (strings.HasSuffix(m.Key, "Path") && m.Key != "ResultPath"):
			checkPathValue(p, st, m, AnyPath)
		case m.Key == "And" || m.Key == "Or":
			for _, e := range m.Elems {
				checkChoiceRulePaths(p, st, e, depth+1)
			}
		case m.Key == "Not":
			checkChoiceRulePaths(p, st, m, depth+1)
		}
	}
}

func checkPathValue(p *Pass, st *workflow.State, n *workflow.Node, kind PathKind) {
	if n.Kind != workflow.String || n.IsTemplated() {
		return // null is allowed; other types are the schema's
	}
	if err := ParsePath(n.Str, kind); err != nil {
		p.ReportInString(n, err.Offset, 1, "state %q: %q is not a valid path: %s", st.Name, n.Key, err.Msg)
	}
}

func checkPayloadValue(p *Pass, st *workflow.State, n *workflow.Node) {
	if n.Kind != workflow.String || n.IsTemplated() {
		return
	}
	if err := ParsePayloadValue(n.Str); err != nil {
		p.ReportInString(n, err.Offset, 1, "state %q: %q is not a valid path or intrinsic function: %s", st.Name, n.Key, err.Msg)
	}
}

// walkPayload calls f for every ".$" member of a payload template, at any
// depth (arrays included).
func walkPayload(n *workflow.Node, f func(key, val *workflow.Node)) {
	if n == nil {
		return
	}
	switch n.Kind {
	case workflow.Object:
		for _, m := range n.Members {
			if strings.HasSuffix(m.Key, ".$") {
				f(m, m)
				continue
			}
			walkPayload(m, f)
		}
	case workflow.Array:
		for _, e := range n.Elems {
			walkPayload(e, f)
		}
	}
}

// isJSONata reports whether a state uses JSONata (its own QueryLanguage, or
// the state machine's): JSONPath fields and ".$" keys mean nothing there.
func isJSONata(doc *workflow.Document, st *workflow.State) bool {
	if q := st.Field("QueryLanguage"); q != nil && q.Kind == workflow.String {
		return q.Str == "JSONata"
	}
	q := doc.Definition.Get("QueryLanguage")
	return q != nil && q.Kind == workflow.String && q.Str == "JSONata"
}
