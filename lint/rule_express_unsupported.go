package lint

import (
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "express-unsupported",
	Severity: Error,
	Summary:  "an Express state machine uses an activity, .sync or .waitForTaskToken",
	Check:    checkExpressUnsupported,
	Doc: RuleDoc{
		Checks: "Only with `--express` or `type = \"express\"` in `.stepshift.hcl`: no Task runs an activity " +
			"(a literal activity ARN, or a Terraform reference that resolves to an `aws_sfn_activity`), and no service " +
			"integration uses the `.sync`, `.sync:2` or `.waitForTaskToken` pattern.",
		Example: `"Resource": "arn:aws:states:::ecs:runTask.sync"`,
		Why:     "Express workflows support neither activities nor the run-a-job (.sync) and callback (.waitForTaskToken) patterns; Step Functions rejects the definition.",
		Fix:     "Use a Standard state machine, or call the service with the request-response pattern (no suffix).",
	},
})

func checkExpressUnsupported(p *Pass) {
	if !p.Express() {
		return
	}
	for _, st := range p.Doc.States {
		r := st.Resource
		if st.Type != "Task" || r == nil || r.Node == nil {
			continue
		}
		switch {
		case r.Kind == workflow.Activity:
			p.Report(r.Node, "state %q runs activity %q; Express state machines cannot run activities", st.Name, r.Name)
		case (r.Kind == workflow.ServiceIntegration || r.Kind == workflow.LambdaInvoke) && r.Pattern != "" && !r.Node.IsTemplated():
			p.Report(r.Node, "state %q uses the .%s integration pattern, which Express state machines do not support", st.Name, r.Pattern)
		default:
			if t := p.Unit.Task(st); t != nil && t.Target.Kind == terraform.TargetActivity {
				p.Report(r.Node, "state %q runs an activity (%s); Express state machines cannot run activities", st.Name, t.Target.Expr).
					WithRelated(terraform.WorkflowRange(t.Target.ExprRange), "the Resource is set here")
			}
		}
	}
}
