package lint

import (
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "cma-event",
	Severity: Error,
	Summary:  "a Cumulus Message Adapter `cma` object does not pass the whole input as \"event.$\": \"$\"",
	Check:    checkCMAEvent,
	Doc: RuleDoc{
		Checks: "Every Task state's `Parameters.cma` object (the Cumulus Message Adapter's input) has `\"event.$\": \"$\"`. " +
			"A missing `event`, a literal string `\"event\": \"$\"` and a path to part of the message are errors (the CMA fails or loses the message); " +
			"a literal `event` object (a test workflow feeding the CMA a fixed message) is a warning.",
		Example: `"Parameters": {
  "cma": {
    "event": "$",
    "task_config": { "provider": "{$.meta.provider}" }
  }
}`,
		Why: "The CMA reads the Cumulus message from `cma.event`. Without the `.$` suffix Step Functions passes the literal string \"$\"; with another path the task gets part of the message. Either way the CMA fails or drops meta, cumulus_meta and the exception.",
		Fix: "Write `\"event.$\": \"$\"` inside `cma`.",
	},
})

// cmaObject returns a Task state's Parameters.cma, nil when the state does
// not use the Cumulus Message Adapter this way.
func cmaObject(st *workflow.State) *workflow.Node {
	if st.Type != "Task" {
		return nil
	}
	c := st.Field("Parameters").Get("cma")
	if c == nil || c.Kind != workflow.Object {
		return nil
	}
	return c
}

func checkCMAEvent(p *Pass) {
	for _, st := range p.Doc.States {
		c := cmaObject(st)
		if c == nil {
			continue
		}
		ev := c.Get("event.$")
		switch {
		case ev == nil && c.Get("event") != nil && c.Get("event").Kind == workflow.Object:
			// A literal message object is how a test workflow feeds the
			// CMA a fixed message: deliberate, so advice only.
			p.ReportKey(c.Get("event"), "state %q: cma \"event\" is a literal object, so every run gets this fixed message instead of the state's input; write \"event.$\": \"$\" unless that is intended", st.Name).WithSeverity(Warning)
		case ev == nil && c.Get("event") != nil:
			p.ReportKey(c.Get("event"), "state %q: cma \"event\" is passed as a literal; write \"event.$\": \"$\" so the CMA gets the whole Cumulus message", st.Name)
		case ev == nil:
			p.ReportKey(c, "state %q: cma has no \"event.$\": \"$\"; the Cumulus Message Adapter gets no message", st.Name)
		case ev.Kind == workflow.String && !ev.IsTemplated() && ev.Str != "$":
			p.Report(ev, "state %q: cma \"event.$\" is %q; the Cumulus Message Adapter needs the whole message, \"$\"", st.Name, ev.Str)
		}
	}
}
