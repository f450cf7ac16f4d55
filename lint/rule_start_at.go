package lint

import "github.com/stepshift/stepshift/workflow"

var _ = register(&Rule{
	ID:       "start-at",
	Severity: Error,
	Summary:  "StartAt is missing or names no state of its scope",
	AWSCode:  "MISSING_TRANSITION_TARGET",
	Check:    checkStartAt,
	Doc: RuleDoc{
		Checks: "The state machine, each Parallel branch and each Map iterator has a `StartAt` that names one of its own states.",
		Example: `{
  "StartAt": "Discover",
  "States": { "DiscoverGranules": { "Type": "Pass", "End": true } }
}`,
		Why: "Step Functions rejects the definition; inside a branch a StartAt naming a parent's state is a jump out of the scope, which is never allowed.",
		Fix: "Name the first state of that scope in `StartAt`.",
	},
})

func checkStartAt(p *Pass) {
	for _, sc := range p.Doc.Scopes {
		start := sc.StartAt()
		if start == nil {
			if sc.Node.Kind == workflow.Object && !templatedMembers(sc.Node) {
				p.Report(sc.Node, "%s has no \"StartAt\"", capitalize(scopeNoun(sc)))
			}
			continue
		}
		if start.Kind != workflow.String || start.IsTemplated() {
			continue
		}
		if sc.ByName[start.Str] == nil && sc.StatesNode() != nil && sc.StatesNode().Kind == workflow.Object {
			p.Report(start, "\"StartAt\" names %q, which is not a state in %s", start.Str, scopeNoun(sc))
		}
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
