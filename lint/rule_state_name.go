package lint

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

var _ = register(&Rule{
	ID:       "state-name",
	Severity: Error,
	Summary:  "a state name is longer than 80 characters or holds control characters",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkStateName,
	Doc: RuleDoc{
		Checks: "Every state name, in every scope, is 1 to 80 characters long and has no control characters (newlines, tabs, U+0000–U+001F, U+007F–U+009F).",
		Example: `"States": {
  "Move granules to their final location and update the CMR metadata of each one": { "Type": "Succeed" }
}`,
		Why: "Step Functions rejects the definition; the name appears in execution history, CloudWatch metrics and the console.",
		Fix: "Shorten the name (and every Next/Default/StartAt that names it); put the long description in the state's Comment.",
	},
})

func checkStateName(p *Pass) {
	for _, st := range p.Doc.States {
		n := utf8.RuneCountInString(st.Name)
		switch {
		case n == 0:
			p.ReportState(st, "a state has an empty name")
		case n > 80 && !strings.Contains(st.Name, "${"):
			// (a templated name's length is known only once Terraform renders it)
			p.ReportState(st, "state name %q is %d characters long; the limit is 80", st.Name, n)
		}
		for _, r := range st.Name {
			if unicode.IsControl(r) {
				p.ReportState(st, "state name %q holds the control character %U", st.Name, r)
				break
			}
		}
	}
}
