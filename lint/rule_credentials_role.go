package lint

import (
	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "credentials-role",
	Severity: Error,
	Summary:  "a Task's Credentials names no role: it has neither RoleArn nor RoleArn.$",
	AWSCode:  "SCHEMA_VALIDATION_FAILED",
	Check:    checkCredentialsRole,
	Doc: RuleDoc{
		Checks: "A Task state's `Credentials` object holds `RoleArn` (a literal ARN, or a `\"{% ... %}\"` expression in JSONata) or `RoleArn.$` (a path or intrinsic function in JSONPath). " +
			"Field names are case-sensitive: `roleArn` is not `RoleArn`.",
		Example: `"Credentials": { "roleArn": "arn:aws:iam::123456789012:role/CrossAccount" }`,
		Why:     "`Credentials` exists only to name the IAM role Step Functions assumes for the task; AWS rejects a `Credentials` without `RoleArn`.",
		Fix:     "Write `\"Credentials\": {\"RoleArn\": \"arn:aws:iam::ACCOUNT:role/NAME\"}` (or `\"RoleArn.$\": \"$.roleArn\"`), or remove `Credentials`.",
	},
})

func checkCredentialsRole(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Type != "Task" {
			continue
		}
		c := st.Field("Credentials")
		if c == nil || c.Kind != workflow.Object || templatedMembers(c) {
			continue // absent, a type error asl-schema reports, or Terraform's
		}
		if c.Get("RoleArn") == nil && c.Get("RoleArn.$") == nil {
			p.ReportKey(c, "state %q: \"Credentials\" has no \"RoleArn\" (or \"RoleArn.$\"); it must name the IAM role the task assumes", st.Name)
		}
	}
}
