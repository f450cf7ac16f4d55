package transpile

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

func TestEmitServiceParsesAndIsFormatted(t *testing.T) {
	for _, spec := range []*ServiceSpec{
		{Name: "queue_granules", DisplayName: "QueueGranules", ModuleSource: "https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus-ecs-service.zip",
			ClusterARNExpr: "module.cumulus.ecs_cluster_arn", LambdaARNExpr: "module.cumulus.queue_granules_task.task_arn",
			LastModifiedExpr: "module.cumulus.queue_granules_task.last_modified_date", DesiredCount: 1, CPU: 580, MemoryReservation: 1024,
			HeartbeatMillis: 75000, TagsExpr: "local.tags", DeclareImageVariable: true, DeclareRoleVariable: true, DeclareRegion: true},
		{Name: "sync", DisplayName: "Sync", ModuleSource: "./cumulus_ecs_service", ClusterARNExpr: "var.x", LambdaARNExpr: "aws_lambda_function.s.arn",
			Image: "cumuluss/cumulus-ecs-task:2.1.0", DesiredCount: 2, CPU: 1741, MemoryReservation: 3760, HeartbeatMillis: 1000,
			Autoscale: &Autoscale{Min: 1, Max: 4}},
	} {
		out, err := EmitService(spec)
		if err != nil {
			t.Fatal(err)
		}
		if string(hclwrite.Format(out)) != string(out) {
			t.Errorf("%s: output is not hclwrite.Format-clean:\n%s", spec.Name, out)
		}
		if _, diags := hclparse.NewParser().ParseHCL(out, "x.tf"); diags.HasErrors() {
			t.Errorf("%s: does not parse: %s\n%s", spec.Name, diags.Error(), out)
		}
		for _, want := range []string{`resource "aws_sfn_activity" "` + spec.Name + `"`, `"--activityArn"`, "aws_sfn_activity." + spec.Name + ".id", "states:SendTaskHeartbeat", spec.LambdaARNExpr} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: output lacks %s:\n%s", spec.Name, want, out)
			}
		}
		if (spec.Image == "") != strings.Contains(string(out), "var."+WorkerImageVariable) {
			t.Errorf("%s: image variable use does not follow --image:\n%s", spec.Name, out)
		}
	}
}

func TestParseAutoscale(t *testing.T) {
	if a, err := ParseAutoscale("1:4"); err != nil || a.Min != 1 || a.Max != 4 {
		t.Errorf("1:4 = %v, %v", a, err)
	}
	for _, bad := range []string{"", "4:1", "x", "1:", "-1:2", "0:0", "0:4", "1:2:3"} {
		if _, err := ParseAutoscale(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"QueueGranules": "queue_granules", "CMRStep": "cmr_step", "Sync Granule-2": "sync_granule_2",
		"HelloWorld": "hello_world", "PostToCmr": "post_to_cmr", "2Step": "step_2_step", "": "step", "SfSqsReport": "sf_sqs_report"} {
		if got := SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
