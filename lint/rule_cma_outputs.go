package lint

import (
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "cma-outputs",
	Severity: Error,
	Summary:  "a cumulus_message.outputs entry lacks source or destination",
	Check:    checkCMAOutputs,
	Doc: RuleDoc{
		Checks: "`task_config.cumulus_message.outputs` is an array of objects, each with a `source` and a `destination` template string.",
		Example: `"cumulus_message": {
  "outputs": [
    { "source": "{$.granules}" }
  ]
}`,
		Why: "The CMA copies each output's `source` (from the task's return value) to `destination` (in the Cumulus message); an entry without either fails the task in the adapter after the work is done.",
		Fix: "Give every entry both, e.g. `{ \"source\": \"{$.granules}\", \"destination\": \"{$.meta.input_granules}\" }`.",
	},
})

func checkCMAOutputs(p *Pass) {
	for _, st := range p.Doc.States {
		outs := cmaObject(st).Get("task_config").Get("cumulus_message").Get("outputs")
		if outs == nil || outs.IsTemplated() {
			continue
		}
		if outs.Kind != workflow.Array {
			p.Report(outs, "state %q: cumulus_message.outputs must be an array of {source, destination} objects", st.Name)
			continue
		}
		for i, e := range outs.Elems {
			if e.IsTemplated() {
				continue
			}
			if e.Kind != workflow.Object {
				p.Report(e, "state %q: cumulus_message.outputs[%d] must be an object with source and destination", st.Name, i)
				continue
			}
			for _, key := range []string{"source", "destination"} {
				v := e.Get(key)
				switch {
				case v == nil:
					p.Report(e, "state %q: cumulus_message.outputs[%d] has no %q", st.Name, i, key)
				case v.Kind != workflow.String && !v.IsTemplated():
					p.Report(v, "state %q: cumulus_message.outputs[%d].%s must be a template string such as \"{$.payload}\"", st.Name, i, key)
				}
			}
		}
	}
}
