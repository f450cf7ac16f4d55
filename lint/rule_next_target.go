package lint

import "github.com/stepshift/stepshift/workflow"

var _ = register(&Rule{
	ID:       "next-target",
	Severity: Error,
	Summary:  "a Next, Default, choice rule or catcher names a state that is not in its scope",
	AWSCode:  "MISSING_TRANSITION_TARGET",
	Check:    checkNextTarget,
	Doc: RuleDoc{
		Checks: "Every transition (`Next`, a Choice's `Default` and its rules' `Next`, a catcher's `Next`) names a state of the same scope. " +
			"A Parallel branch or a Map `Iterator`/`ItemProcessor` is a scope of its own: it may not jump out to its parent, nor into another branch.",
		Example: `"Parallel": {
  "Type": "Parallel",
  "Branches": [{
    "StartAt": "A",
    "States": { "A": { "Type": "Pass", "Next": "Report" } }
  }],
  "Next": "Report"
},
"Report": { "Type": "Succeed" }`,
		Why: "Step Functions rejects the definition (MISSING_TRANSITION_TARGET). A misspelt state name is the usual cause; a jump out of a branch is the subtle one.",
		Fix: "Name a state of the same scope. To leave a branch, end it (`\"End\": true`) and continue from the Parallel or Map state's own `Next`.",
	},
})

func checkNextTarget(p *Pass) {
	for _, st := range p.Doc.States {
		for _, e := range edges(st) {
			t := e.target
			if t.Kind != workflow.String || t.IsTemplated() {
				continue // the schema reports non-strings; Terraform decides templated names
			}
			if st.Scope.ByName[t.Str] != nil {
				continue
			}
			msg := "state %q: %q names %q, which is not a state in %s"
			if elsewhere := findStateElsewhere(p.Doc, st.Scope, t.Str); elsewhere != nil {
				p.Report(t, msg+" (it is in another scope; transitions cannot leave or enter a Parallel branch or Map iterator)", st.Name, e.field, t.Str, scopeNoun(st.Scope)).
					WithRelated(elsewhere.NameRange, "%q is defined here", t.Str)
				continue
			}
			p.Report(t, msg, st.Name, e.field, t.Str, scopeNoun(st.Scope))
		}
	}
}

// findStateElsewhere returns a state of that name in another scope.
func findStateElsewhere(doc *workflow.Document, sc *workflow.Scope, name string) *workflow.State {
	for _, other := range doc.Scopes {
		if other == sc {
			continue
		}
		if st := other.ByName[name]; st != nil {
			return st
		}
	}
	return nil
}
