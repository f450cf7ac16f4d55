package lint

import (
	"github.com/stepshift/stepshift/schemas"
)

var _ = register(&Rule{
	ID:       "lambda-runtime",
	Severity: Warning,
	Summary:  "a Task's Lambda uses a deprecated, blocked or unknown runtime",
	Check:    checkLambdaRuntime,
	Doc: RuleDoc{
		Checks: "The `runtime` of the Lambda each Task state runs, against stepshift's runtime table (`stepshift schema runtimes`) on today's date (`--today` to pick another). " +
			"Deprecated: warning. Past the day AWS blocks creating or updating functions with it: error. An identifier the table does not know: warning.",
		Example: `resource "aws_lambda_function" "hello_world_task" {
  runtime = "nodejs18.x"
}`,
		Why: "A deprecated runtime gets no security patches. Once function creation is blocked a fresh deployment of the stack fails; once updates are blocked, so does every code change.",
		Fix: "Move to a supported runtime of the same family (e.g. nodejs22.x, python3.13) and redeploy.",
	},
})

func checkLambdaRuntime(p *Pass) {
	for _, t := range p.lambdaTasks() {
		rt := t.lambda.Runtime
		if !rt.Known || rt.Value == "" {
			continue
		}
		info, ok := schemas.LookupRuntime(rt.Value)
		if !ok {
			f := p.Report(t.at, "%s uses runtime %q%s, which stepshift does not know: check it against the AWS list of supported runtimes", t.lambdaLabel(), rt.Value, sourceNote(rt))
			withFact(f, rt, "runtime is set here")
			continue
		}
		day := func(s schemas.RuntimeStatus) string {
			switch s {
			case schemas.RuntimeDeprecated:
				return info.Deprecated.Format("2006-01-02")
			case schemas.RuntimeCreateBlocked:
				return info.BlockCreate.Format("2006-01-02")
			case schemas.RuntimeUpdateBlocked:
				return info.BlockUpdate.Format("2006-01-02")
			}
			return ""
		}
		var f *Finding
		switch s := info.StatusOn(p.Today()); s {
		case schemas.RuntimeDeprecated:
			next := ""
			if info.BlockCreate != nil {
				next = "; creating functions with it is blocked from " + info.BlockCreate.Format("2006-01-02")
			}
			f = p.Report(t.at, "%s uses runtime %s, deprecated since %s%s", t.lambdaLabel(), rt.Value, day(s), next)
		case schemas.RuntimeCreateBlocked:
			next := ""
			if info.BlockUpdate != nil {
				next = ", and updating them from " + info.BlockUpdate.Format("2006-01-02")
			}
			f = p.Report(t.at, "%s uses runtime %s: AWS has refused to create functions with it since %s%s — a fresh deployment fails", t.lambdaLabel(), rt.Value, day(s), next).WithSeverity(Error)
		case schemas.RuntimeUpdateBlocked:
			f = p.Report(t.at, "%s uses runtime %s: AWS has refused to create or update functions with it since %s — deploying a change fails", t.lambdaLabel(), rt.Value, day(s)).WithSeverity(Error)
		default:
			continue
		}
		withFact(f, rt, "runtime is set here")
	}
}
