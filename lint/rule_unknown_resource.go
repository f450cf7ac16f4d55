package lint

import "github.com/stepshift/stepshift/workflow"

var _ = register(&Rule{
	ID:       "unknown-resource",
	Severity: Warning,
	Summary:  "a Task's Resource is a URI Step Functions does not run",
	AWSCode:  "INVALID_RESOURCE",
	Check:    checkUnknownResource,
	Doc: RuleDoc{
		Checks: "A Task's literal `Resource` is a Lambda function ARN, an activity ARN or a service integration " +
			"(`arn:aws:states:::SERVICE:ACTION`). The ASL specification allows any URI, so this is a warning; " +
			"AWS Step Functions rejects every other resource. Values Terraform fills in are not judged.",
		Example: `"Resource": "foo:bar"`,
		Why:     "Other ASL engines may run such a state, but AWS rejects the definition (INVALID_RESOURCE).",
		Fix:     "Use the ARN of a Lambda function, an activity or a service integration, or a Terraform reference.",
	},
})

func checkUnknownResource(p *Pass) {
	for _, st := range p.Doc.States {
		r := st.Resource
		if st.Type != "Task" || r == nil || r.Node == nil || r.Node.Kind != workflow.String || r.Node.IsTemplated() {
			continue
		}
		if r.Kind == workflow.UnknownResource && resourceProblem(r) == "" {
			p.Report(r.Node, "state %q: \"Resource\" %q is not a Lambda function, activity or service integration ARN; AWS Step Functions will reject it", st.Name, r.Raw)
		}
	}
}
