package lint

import "strings"

var _ = register(&Rule{
	ID:       "lambda-facts-unknown",
	Severity: Info,
	Summary:  "the limits of a Task's Lambda could not be checked: its memory or timeout is unknown",
	Check:    checkLambdaFactsUnknown,
	Doc: RuleDoc{
		Checks: "A Task state that runs a Lambda whose memory or timeout stepshift cannot work out from the deployment, once per Task, with the reason: a module that is not initialised, " +
			"a data source read from AWS at plan time, a variable with no value, a function stepshift does not evaluate.",
		Example: `module "cumulus" {
  source = "https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus.zip//tf-modules/cumulus"
}  # not yet initialised: .terraform/modules is missing`,
		Why: "The limit rules stay silent about values they do not know; this says so, so a clean run is not mistaken for a checked one.",
		Fix: "Run `terraform init` so remote modules are on disk, or give `--tfstate` (`terraform show -json` output) for concrete values, or `--aws` to read the deployed configuration.",
	},
})

func checkLambdaFactsUnknown(p *Pass) {
	for _, t := range p.lambdaTasks() {
		var what []string
		why := ""
		if f := t.lambda.MemoryMB; !f.Known {
			what, why = append(what, "memory"), f.Why
		}
		if f := t.lambda.TimeoutSeconds; !f.Known {
			what = append(what, "timeout")
			if why == "" {
				why = f.Why
			}
		}
		if len(what) == 0 {
			continue
		}
		if why == "" {
			why = "not in the loaded configuration"
		}
		p.Report(t.at, "%s: %s unknown: %s", t.lambdaLabel(), strings.Join(what, " and "), why)
	}
}
