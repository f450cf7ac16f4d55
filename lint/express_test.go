package lint

import (
	"testing"

	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

// TestExpressUsesTerraformFacts: a Resource Terraform fills in is unknown to
// the definition alone, but when the deployment says it is an activity the
// Express check reports it, with the Terraform line as related location.
func TestExpressUsesTerraformFacts(t *testing.T) {
	src := `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"${sync_activity}","TimeoutSeconds":60,"HeartbeatSeconds":10,"End":true}}}`
	doc := workflow.Load([]byte(src), workflow.Options{Filename: "w.asl.json"})
	alone := LintDocument(doc, Options{Express: true})
	for _, f := range alone {
		if f.Rule == "express-unsupported" {
			t.Fatalf("reported without facts: %s", f)
		}
	}
	task := &terraform.Task{State: doc.States[0], Target: terraform.Target{Kind: terraform.TargetActivity, Expr: "aws_sfn_activity.sync.id"}}
	task.Target.ExprRange.Filename = "main.tf"
	task.Target.ExprRange.Start.Line, task.Target.ExprRange.End.Line = 7, 7
	task.Target.ExprRange.Start.Column, task.Target.ExprRange.End.Column = 19, 43
	unit := &Unit{Doc: doc, Tasks: map[*workflow.State]*terraform.Task{doc.States[0]: task}}
	var got []Finding
	for _, f := range Lint([]*Unit{unit}, Options{Express: true}) {
		if f.Rule == "express-unsupported" {
			got = append(got, f)
		}
	}
	if len(got) != 1 || len(got[0].Related) != 1 || got[0].Related[0].Range.Filename != "main.tf" {
		t.Fatalf("want one express-unsupported finding related to main.tf, got %+v", got)
	}
	if got[0].Pointer != "/States/Work/Resource" {
		t.Errorf("pointer %q", got[0].Pointer)
	}
}
