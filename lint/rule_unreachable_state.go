package lint

var _ = register(&Rule{
	ID:       "unreachable-state",
	Severity: Error,
	Summary:  "a state cannot be reached from StartAt",
	AWSCode:  "UNREACHABLE_STATE",
	Check:    checkUnreachable,
	Doc: RuleDoc{
		Checks: "Walks each scope's graph from `StartAt` over `Next`, `Default`, choice rules' `Next` and catchers' `Next`, and reports every state the walk never reaches — " +
			"including states that only reach each other in a cycle, which checks that merely look for \"some Next names me\" miss.",
		Example: `"StartAt": "A",
"States": {
  "A": { "Type": "Succeed" },
  "B": { "Type": "Pass", "Next": "C" },
  "C": { "Type": "Pass", "Next": "B" }
}`,
		Why: "Step Functions rejects definitions with unreachable states. They are usually a transition that was edited away, leaving dead steps behind.",
		Fix: "Add the missing transition to the state, or delete it.",
	},
})

func checkUnreachable(p *Pass) {
	for _, sc := range p.Doc.Scopes {
		start := sc.StartAt()
		if start == nil || sc.ByName[start.Str] == nil {
			continue // start-at reports it; everything would be unreachable
		}
		r := walkScope(sc)
		if r.unknown {
			continue
		}
		for _, st := range sc.States {
			if !r.reached[st] && sc.ByName[st.Name] == st {
				p.ReportState(st, "state %q is unreachable: no transition from %q leads to it", st.Name, start.Str)
			}
		}
	}
}
