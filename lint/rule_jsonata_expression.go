package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "jsonata-expression",
	Severity: Error,
	Summary:  "a JSONata \"{% ... %}\" expression is not closed, not opened or does not parse",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkJSONataExpression,
	Doc: RuleDoc{
		Checks: "In a state whose query language is JSONata (its own `QueryLanguage` or the state machine's), every string value " +
			"that starts with `{%` ends with `%}` and the other way round, and the expression between them passes a JSONata syntax " +
			"check: brackets balance, every operator has its operands, numbers and strings are well formed, and no JSONPath filter " +
			"(`[?(@.x)]`) is pasted in. It also reports what AWS refuses as UNSUPPORTED_JSONATA_EXPRESSION: a field name read at the " +
			"expression's top level (`{% phone %}`: there is no context value, the input is `$states.input`), `$$`, and `$states.errorOutput` " +
			"outside a catcher's `Output` and `Assign`. The finding points at the offending character.",
		Example: `"Output": "{% $sum($states.input.items %}"`,
		Why:     "Step Functions rejects an expression that does not parse when the state machine is created or updated; a string that is only half a template is taken literally and the state outputs the wrong value.",
		Fix:     "Write `\"{% expression %}\"` with a valid JSONata expression; string literals inside use single quotes.",
	},
})

// jsonataNotEvaluated are state members whose strings are never JSONata.
var jsonataNotEvaluated = map[string]bool{"Type": true, "Comment": true, "Next": true, "Default": true, "Resource": true,
	"QueryLanguage": true, "End": true, "Branches": true, "Iterator": true, "ItemProcessor": true, "StartAt": true, "States": true}

func checkJSONataExpression(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Node.Kind != workflow.Object || !isJSONata(p.Doc, st) {
			continue
		}
		for _, m := range st.Node.Members {
			if !jsonataNotEvaluated[m.Key] {
				walkJSONataStrings(p, st, m, 0)
			}
		}
	}
}

func walkJSONataStrings(p *Pass, st *workflow.State, n *workflow.Node, depth int) {
	if depth > 256 {
		return
	}
	switch n.Kind {
	case workflow.Object:
		for _, m := range n.Members {
			if m.Key != "Comment" {
				walkJSONataStrings(p, st, m, depth+1)
			}
		}
	case workflow.Array:
		for _, e := range n.Elems {
			walkJSONataStrings(p, st, e, depth+1)
		}
	case workflow.String:
		if n.IsTemplated() {
			return
		}
		s := n.Str
		opens, closes := strings.HasPrefix(s, "{%"), strings.HasSuffix(s, "%}")
		switch {
		case opens && !closes:
			p.ReportInString(n, len(s), 0, "state %q: JSONata expression %q has no closing \"%%}\"", st.Name, s)
		case closes && !opens:
			p.ReportInString(n, 0, 1, "state %q: %q ends with \"%%}\" but does not start with \"{%%\"", st.Name, s)
		case opens && len(s) < 4:
			p.ReportInString(n, 0, len(s), "state %q: %q is not a JSONata expression", st.Name, s)
		case opens:
			expr := s[2 : len(s)-2]
			if err := CheckJSONata(expr); err != nil {
				p.ReportInString(n, 2+err.Offset, 1, "state %q: JSONata expression does not parse: %s", st.Name, err.Msg)
			} else if name, off, ok := JSONataTopLevelName(expr); ok && name == "$$" {
				f := p.ReportInString(n, 2+off, 2, "state %q: JSONata expression reads \"$$\", which Step Functions does not provide; read $states.input or $states.context", st.Name)
				f.AWSCode = "UNSUPPORTED_JSONATA_EXPRESSION"
			} else if ok {
				f := p.ReportInString(n, 2+off, len(name), "state %q: JSONata expression reads %q at the top level, where there is no value to read it from; write $states.input.%s (or a variable)", st.Name, name, name)
				f.AWSCode = "UNSUPPORTED_JSONATA_EXPRESSION"
			} else if i := strings.Index(expr, "$states.errorOutput"); i >= 0 && !strings.Contains(strings.TrimPrefix(n.Pointer, st.Pointer()), "/Catch/") {
				f := p.ReportInString(n, 2+i, len("$states.errorOutput"), "state %q: $states.errorOutput exists only in a catcher's Output and Assign", st.Name)
				f.AWSCode = "UNSUPPORTED_JSONATA_EXPRESSION"
			}
		}
	}
}
