package lint

var _ = register(&Rule{
	ID:       "duplicate-state-name",
	Severity: Error,
	Summary:  "two states share a name across nested state machines",
	AWSCode:  "DUPLICATE_STATE_NAME",
	Check:    checkDuplicateStateName,
	Doc: RuleDoc{
		Checks: "State names are unique across the whole state machine, Parallel branches and Map iterators included. (Two states of one name in the same `States` object are a `duplicate-key` finding.)",
		Example: `"States": {
  "Map": { "Type": "Map", "Iterator": {
      "StartAt": "Done", "States": { "Done": { "Type": "Succeed" } } },
    "Next": "Done" },
  "Done": { "Type": "Succeed" }
}`,
		Why: "Step Functions rejects the definition (DUPLICATE_STATE_NAME): execution history and error messages name states, so names must be unique.",
		Fix: "Rename one of the states and the transitions that name it.",
	},
})

func checkDuplicateStateName(p *Pass) {
	first := map[string]*stateRef{}
	for _, st := range p.Doc.States {
		prev, dup := first[st.Name]
		if !dup {
			first[st.Name] = &stateRef{st.Scope, st.NameRange}
			continue
		}
		if prev.scope == st.Scope {
			continue // duplicate-key says it
		}
		p.ReportState(st, "state name %q is used twice: names must be unique across the whole state machine, branches and iterators included", st.Name).
			WithRelated(prev.at, "the first %q", st.Name)
	}
}
