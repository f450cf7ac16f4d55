package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "payload-key-collision",
	Severity: Error,
	Summary:  "two keys of a payload template become one once \".$\" is stripped",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkPayloadKeyCollision,
	Doc: RuleDoc{
		Checks: "In `Parameters`, `ResultSelector` and `ItemSelector` (at any depth), no object holds both `\"x\"` and `\"x.$\"`: Step Functions strips `.$` when it evaluates the template, so both would write the key `x`.",
		Example: `"Parameters": {
  "channel.$": "$.slackChannel",
  "channel": "#alerts"
}`,
		Why: "Step Functions rejects the definition; which value was meant is unknowable.",
		Fix: "Keep one of the two keys.",
	},
})

func checkPayloadKeyCollision(p *Pass) {
	for _, st := range p.Doc.States {
		for _, field := range payloadTemplates {
			collide(p, st, st.Field(field), 0)
		}
	}
}

func collide(p *Pass, st *workflow.State, n *workflow.Node, depth int) {
	if n == nil || depth > 256 {
		return
	}
	switch n.Kind {
	case workflow.Object:
		seen := make(map[string]*workflow.Node, len(n.Members))
		for _, m := range n.Members {
			name := strings.TrimSuffix(m.Key, ".$")
			if first, dup := seen[name]; dup && first.Key != m.Key {
				p.ReportKey(m, "state %q: %q and %q both set %q once \".$\" is stripped", st.Name, first.Key, m.Key, name).
					WithRelated(first.KeyRange, "%q is here", first.Key)
			} else if !dup {
				seen[name] = m
			}
			if !strings.HasSuffix(m.Key, ".$") {
				collide(p, st, m, depth+1)
			}
		}
	case workflow.Array:
		for _, e := range n.Elems {
			collide(p, st, e, depth+1)
		}
	}
}
