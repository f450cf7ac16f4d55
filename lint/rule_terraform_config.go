package lint

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
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
			"a corrupt package zip or one whose directory claims more than it holds, a `--tfstate` of an unsupported version. Warnings from the loader are reported as warnings. " +
			"A problem inside a Lambda function's block (its package zip missing) names the Tasks that run the function as related locations; linting chosen workflow files reports only the problems of the functions they run. " +
			"Relative paths (`templatefile(\"./wf.asl.json\", ...)`, `filename`, `file()`) resolve from the root module's folder, as Terraform resolves them from the folder it runs in, wherever stepshift is started.",
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

// TerraformFindingsFor is TerraformFindings for a run that lints units of
// d: a problem inside a Lambda function's (or layer's) block, such as its
// package zip missing, is a fact about that function, so it lists the
// Tasks that run it as related locations with their count. Unless whole
// (every rendering of d is linted), a problem in a function none of the
// units runs is left out: linting one workflow reports only its Lambdas.
func TerraformFindingsFor(d *terraform.Deployment, cfg *Config, units []*Unit, whole bool) []Finding {
	fs := TerraformFindings(d, cfg)
	if d == nil || len(fs) == 0 {
		return fs
	}
	var functions []*terraform.Resource
	for _, m := range d.Modules {
		for _, r := range m.Resources {
			if r.Mode == terraform.Managed && (r.Type == "aws_lambda_function" || r.Type == "aws_lambda_layer_version") {
				functions = append(functions, r)
			}
		}
	}
	if len(functions) == 0 {
		return fs
	}
	byAddress := map[string]*terraform.Resource{}
	for _, r := range functions {
		byAddress[r.Address()] = r
	}
	uses := map[*terraform.Resource][]Related{}
	for _, u := range units {
		for _, st := range u.Doc.States {
			t := u.Task(st)
			if t == nil || t.Lambda == nil || t.Target.Kind != terraform.TargetLambda {
				continue
			}
			at := st.Field("Resource")
			if at == nil {
				at = st.Node
			}
			use := Related{Message: fmt.Sprintf("%s %q", TaskUseNote, st.Name), Range: at.Range}
			if r := t.Lambda.Resource; r != nil {
				uses[r] = append(uses[r], use)
			}
			for _, l := range t.Lambda.Layers {
				if r := byAddress[l.Address]; r != nil {
					uses[r] = append(uses[r], use)
				}
			}
		}
	}
	out := fs[:0]
	for _, f := range fs {
		r := blockHolding(functions, f.Range)
		if r == nil {
			out = append(out, f)
			continue
		}
		used := dedupeRelated(uses[r])
		if len(used) == 0 {
			if whole {
				out = append(out, f)
			}
			continue
		}
		f.Related = append(f.Related, used...)
		if len(used) == 1 {
			f.Message += " (1 Task runs it)"
		} else {
			f.Message += fmt.Sprintf(" (%d Tasks run it)", len(used))
		}
		out = append(out, f)
	}
	return out
}

// blockHolding returns the resource whose block contains rng, nil if none.
func blockHolding(rs []*terraform.Resource, rng workflow.Range) *terraform.Resource {
	for _, r := range rs {
		b := r.Block.Range()
		if filepath.Clean(b.Filename) == rng.Filename && rng.Start.Byte >= b.Start.Byte && rng.End.Byte <= b.End.Byte {
			return r
		}
	}
	return nil
}

// dedupeRelated sorts related locations by place and drops repeats (one
// file rendered twice names its Tasks twice).
func dedupeRelated(rs []Related) []Related {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].Range.Filename != rs[j].Range.Filename {
			return rs[i].Range.Filename < rs[j].Range.Filename
		}
		return rs[i].Range.Start.Byte < rs[j].Range.Start.Byte
	})
	out := rs[:0]
	for i, r := range rs {
		if i > 0 && r.Range == rs[i-1].Range && r.Message == rs[i-1].Message {
			continue
		}
		out = append(out, r)
	}
	return out
}
