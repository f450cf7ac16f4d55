package lint

import (
	"time"

	"github.com/stepshift/stepshift/schemas"
)

var _ = register(&Rule{
	ID:       "lambda-runtime",
	Severity: Warning,
	Summary:  "a Task's Lambda uses a deprecated, blocked or unknown runtime",
	Check:    checkLambdaRuntime,
	Doc: RuleDoc{
		Checks: "The `runtime` of the Lambda each Task state runs, against AWS's runtime lifecycle table (`stepshift schema runtimes`, from the Lambda developer guide's \"Lambda runtimes\" page) on today's date (`--today` to pick another). " +
			"Once per function, at the Terraform line that sets the runtime, with every Task that runs it as a related location. " +
			"Before the deprecation day: nothing. Deprecated: warning naming the day AWS blocks creating functions with it. " +
			"Create blocked: warning naming the day AWS blocks updating them (existing functions still update; a new stack, or a replaced function, fails). " +
			"Update blocked: error (any deployment that changes the function fails). An identifier the table does not know: warning.",
		Example: `resource "aws_lambda_function" "hello_world_task" {
  runtime = "nodejs18.x"
}`,
		Why: "A deprecated runtime gets no security patches. Once function creation is blocked a fresh deployment of the stack fails; once updates are blocked, so does every code change. Invocations are never blocked: deployed functions keep running.",
		Fix: "Move to a supported runtime of the same family (e.g. nodejs22.x, python3.13) and redeploy.",
	},
})

func checkLambdaRuntime(p *Pass) {
	date := func(t *time.Time) string { return t.Format(time.DateOnly) }
	for _, t := range p.lambdaTasks() {
		rt := t.lambda.Runtime
		if !rt.Known || rt.Value == "" {
			continue
		}
		info, ok := schemas.LookupRuntime(rt.Value)
		if !ok {
			p.reportFunctionFact(t, rt.Range, "%s uses runtime %q%s, which is not in AWS's list of Lambda runtimes: check the identifier", t.functionLabel(), rt.Value, sourceNote(rt))
			continue
		}
		switch info.StatusOn(p.Today()) {
		case schemas.RuntimeDeprecated:
			next := "; AWS has not announced when it blocks creating functions with it"
			if info.BlockCreate != nil {
				next = "; AWS blocks creating functions with it from " + date(info.BlockCreate)
				if info.BlockUpdate != nil {
					next += " and updating them from " + date(info.BlockUpdate)
				}
			} else if info.BlockUpdate != nil {
				next = "; AWS blocks updating functions with it from " + date(info.BlockUpdate)
			}
			p.reportFunctionFact(t, rt.Range, "%s uses runtime %s%s, deprecated since %s%s", t.functionLabel(), rt.Value, sourceNote(rt), date(info.Deprecated), next)
		case schemas.RuntimeCreateBlocked:
			next := ""
			if info.BlockUpdate != nil {
				next = " until " + date(info.BlockUpdate) + ", when updates are blocked too"
			}
			p.reportFunctionFact(t, rt.Range, "%s uses runtime %s%s: AWS has refused to create functions with it since %s — deploying a new stack (or replacing the function) fails; the existing function can still be updated%s",
				t.functionLabel(), rt.Value, sourceNote(rt), date(info.BlockCreate), next)
		case schemas.RuntimeUpdateBlocked:
			if info.Retired || info.BlockUpdate == nil {
				p.reportFunctionFact(t, rt.Range, "%s uses runtime %s%s, which AWS retired: creating or updating functions with it is refused — deploying a change fails", t.functionLabel(), rt.Value, sourceNote(rt)).WithSeverity(Error)
				continue
			}
			p.reportFunctionFact(t, rt.Range, "%s uses runtime %s%s: AWS has refused to create or update functions with it since %s — deploying a change fails", t.functionLabel(), rt.Value, sourceNote(rt), date(info.BlockUpdate)).WithSeverity(Error)
		}
	}
}
