package lint

var _ = register(&Rule{
	ID:       "no-terminal",
	Severity: Error,
	Summary:  "no Succeed, Fail or End state can be reached in a scope",
	AWSCode:  "MISSING_END_STATE",
	Check:    checkNoTerminal,
	Doc: RuleDoc{
		Checks: "Among the states reachable from `StartAt` in each scope (state machine, Parallel branch, Map iterator) at least one ends it: a `Succeed` or `Fail` state, or one with `\"End\": true`. " +
			"A scope whose reachable states include a transition to a state that is not in it (a misspelt name, a jump out of a branch) is left to `next-target`: where that transition was meant to go decides whether the scope ends.",
		Example: `"StartAt": "Poll",
"States": {
  "Poll": { "Type": "Wait", "Seconds": 60, "Next": "Check" },
  "Check": { "Type": "Pass", "Next": "Poll" }
}`,
		Why: "Step Functions rejects a definition that can never finish (MISSING_END_STATE); in a branch it means the Parallel state could never complete.",
		Fix: "Give a reachable state `\"End\": true`, or add a transition to a `Succeed` or `Fail` state.",
	},
})

func checkNoTerminal(p *Pass) {
	for _, sc := range p.Doc.Scopes {
		start := sc.StartAt()
		if start == nil || sc.ByName[start.Str] == nil {
			continue
		}
		r := walkScope(sc)
		if r.unknown || len(r.dangling) > 0 {
			// A transition to no state of this scope (next-target reports
			// it) is where the scope was meant to go on or end: a branch
			// that jumps out to its parent's Succeed has no terminal only
			// because of that jump. Reporting it twice sends the reader
			// after a second problem that is not there.
			continue
		}
		found := false
		for st := range r.reached {
			if isTerminal(st) {
				found = true
				break
			}
		}
		if !found {
			p.Report(start, "no state reachable from %q ends %s: none is Succeed, Fail or has \"End\": true", start.Str, scopeNoun(sc))
		}
	}
}
