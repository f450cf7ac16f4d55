package lint

import (
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/stepshift/stepshift/terraform"
)

// terraformConfigRule reports problems in the Terraform around the
// workflows. It has no Check: its findings come from Deployment.Diagnostics
// through TerraformFindings, so it is listed, explained and configured like
// every other rule.
var terraformConfigRule = register(&Rule{
	ID:       "terraform-config",
	Severity: Error,
	Summary:  "the Terraform deployment around the workflows could not be read as written",
	Doc: RuleDoc{
		Checks: "Problems stepshift meets while loading the deployment: invalid HCL, a `templatefile()` path that does not exist, an unreadable tfvars file, " +
			"a corrupt package zip or one whose directory claims more than it holds, a `--tfstate` of an unsupported version. Warnings from the loader are reported as warnings.",
		Example: `module "discover_granules_workflow" {
  state_machine_definition = templatefile("${path.module}/discover_granules_workfow.asl.json", {})
}`,
		Why: "Terraform fails on the same problems at plan or apply time; and stepshift cannot check the Lambda limits of tasks whose Terraform it cannot read.",
		Fix: "Correct the file at the position shown.",
	},
})

// TerraformFindings turns a deployment's diagnostics into terraform-config
// findings, with the configuration's severity override applied; nil when
// the configuration disables the rule. Paths are cleaned so they match the
// workflow findings of the same files.
func TerraformFindings(d *terraform.Deployment, cfg *Config) []Finding {
	if d == nil {
		return nil
	}
	var out []Finding
	for _, diag := range d.Diagnostics {
		sev := terraformConfigRule.Severity
		if diag.Severity == hcl.DiagWarning {
			sev = Warning
		}
		sev, on := cfg.severityOf(terraformConfigRule.ID, sev)
		if !on {
			return nil
		}
		msg := diag.Summary
		if diag.Detail != "" {
			msg += ": " + diag.Detail
		}
		f := Finding{Rule: terraformConfigRule.ID, Severity: sev, Message: msg}
		if diag.Subject != nil {
			f.Range = terraform.WorkflowRange(*diag.Subject)
			f.Range.Filename = filepath.Clean(f.Range.Filename)
		}
		if cfg != nil && cfg.Ignored(f.Range.Filename) {
			continue
		}
		out = append(out, f)
	}
	return out
}
