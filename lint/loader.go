package lint

// loaderRule makes the rule that reports the workflow loader's diagnostics
// of one code, so each can be listed, explained and configured like any rule.
func loaderRule(id string, sev Severity, summary string, doc RuleDoc) *Rule {
	r := &Rule{ID: id, Severity: sev, Summary: summary, Doc: doc}
	r.Check = func(p *Pass) {
		for _, d := range p.Doc.Diagnostics {
			if d.Code != id {
				continue
			}
			p.ReportRange(d.Range, "", "%s", d.Message)
		}
	}
	return r
}
