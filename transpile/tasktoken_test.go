package transpile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/runtime"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

func ecsSpec() TaskRewrite {
	return TaskRewrite{TaskToken: &TaskTokenRewrite{LaunchType: LaunchTypeEC2, Cluster: "${x_cluster_arn}", TaskDefinition: "${x_task_definition_arn}", Container: "x"}, IsActivity: activityByName}
}

// TestMigrateTaskTokenRefusals: steps whose input ReplaceConfig does not
// bound are refused with the reason, and nothing is written for them.
func TestMigrateTaskTokenRefusals(t *testing.T) {
	dir := filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf")
	for step, reason := range map[string]string{
		"queue_granules_workflow.asl.json:QueueGranules": "its input may exceed the 8 KiB ECS container-override limit and no CMA ReplaceConfig offloads it; use the activity target",
		"parse_pdr_workflow.asl.json:ParsePdr":           "its input may exceed the 8 KiB ECS container-override limit: it is the workflow's first state, so it receives the execution's input, which no ReplaceConfig bounds; use the activity target",
		"parse_pdr_workflow.asl.json:CheckStatus":        `its input may exceed the 8 KiB ECS container-override limit: "PdrStatusReport", which leads to it, has ResultPath null, so its output carries its own input, which no ReplaceConfig bounds; use the activity target`,
		"parse_pdr_workflow.asl.json:SendPAN":            `its input may exceed the 8 KiB ECS container-override limit: the ReplaceConfig of "CheckStatus", which leads to it, offloads only $.payload, not the whole message (FullMessage); use the activity target`,
	} {
		d := terraform.Load(dir, terraform.Options{})
		plan, err := Migrate(d, Options{Steps: []string{step}, Target: TargetECSTaskToken})
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Refused() || plan.Pending() || len(plan.Steps) != 1 {
			t.Errorf("%s: not refused, or files changed:\n%s", step, plan.Summary())
			continue
		}
		if got := plan.Steps[0].Reason; got != reason {
			t.Errorf("%s: reason\n%s\nwant\n%s", step, got, reason)
		}
		if !strings.Contains(plan.Summary(), "not migrated: "+reason) {
			t.Errorf("%s: the summary does not give the reason:\n%s", step, plan.Summary())
		}
	}
}

// TestMigrateTaskTokenAllLambda plans every Lambda step of the example:
// the accepted ones and the refused ones each get a line, and a second
// run on the result has nothing left to do.
func TestMigrateTaskTokenAllLambda(t *testing.T) {
	dir := copyDeployment(t, filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf"))
	d := terraform.Load(dir, terraform.Options{})
	plan, err := Migrate(d, Options{AllLambda: true, Target: TargetECSTaskToken})
	if err != nil {
		t.Fatal(err)
	}
	migrated := 0
	for _, s := range plan.Steps {
		if s.Status == StepMigrated {
			migrated++
			if len(s.TaskDefinitions) != len(s.Renderings) || len(s.Activities) != 0 {
				t.Errorf("%s: migrated to %q/%q", s.State, s.TaskDefinitions, s.Activities)
			}
		}
	}
	if migrated == 0 || !plan.Refused() {
		t.Fatalf("want some steps migrated and some refused:\n%s", plan.Summary())
	}
	if err := (FileSet{}).Commit("", plan.Changes); err != nil {
		t.Fatal(err)
	}
	d2 := terraform.Load(dir, terraform.Options{})
	if d2.Diagnostics.HasErrors() {
		t.Fatalf("migrated deployment does not load: %s", d2.Diagnostics.Error())
	}
	plan2, err := Migrate(d2, Options{AllLambda: true, Target: TargetECSTaskToken})
	if err != nil {
		t.Fatal(err)
	}
	if plan2.Pending() {
		t.Errorf("second run is not a no-op:\n%s", plan2.Diff())
	}
	if n := strings.Count(plan2.Summary(), "already migrated to ecs:runTask.waitForTaskToken"); n != migrated {
		t.Errorf("second run reports %d steps already migrated, want %d:\n%s", n, migrated, plan2.Summary())
	}
}

// wf builds a workflow around the given states.
func wf(startAt, states string) string {
	return `{"StartAt":"` + startAt + `","States":{` + states + `}}`
}

const (
	cmaFull   = `"Parameters":{"cma":{"event.$":"$","ReplaceConfig":{"FullMessage":true},"task_config":{}}}`
	cmaTarget = `"T":{"Type":"Task","Resource":"${t_arn}",` + cmaFull + `,"End":true}`
)

func TestTaskTokenInputBound(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"after a full ReplaceConfig", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"Next":"T"},`+cmaTarget), ""},
		{"small MaxSize", wf("A", `"A":{"Type":"Task","Resource":"${a}","Parameters":{"cma":{"event.$":"$","ReplaceConfig":{"FullMessage":true,"MaxSize":1000}}},"Next":"T"},`+cmaTarget), ""},
		{"Path $", wf("A", `"A":{"Type":"Task","Resource":"${a}","Parameters":{"cma":{"event.$":"$","ReplaceConfig":{"Path":"$"}}},"Next":"T"},`+cmaTarget), ""},
		{"through Choice and Wait, with a loop", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"Next":"C"},`+
			`"C":{"Type":"Choice","Choices":[{"Variable":"$.x","BooleanEquals":true,"Next":"W"}],"Default":"T"},"W":{"Type":"Wait","Seconds":1,"Next":"C"},`+cmaTarget), ""},
		{"after a migrated step", wf("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken","Parameters":{"Overrides":{"ContainerOverrides":[{"Name":"a","Environment":[`+
			`{"Name":"STEPSHIFT_TASK_TOKEN","Value.$":"$$.Task.Token"},{"Name":"STEPSHIFT_PARAMETERS","Value":"{\"cma\":{\"event.$\":\"$\",\"ReplaceConfig\":{\"FullMessage\":true}}}"}]}]}},"Next":"T"},`+cmaTarget), ""},
		{"after lambda:invoke with OutputPath $.Payload", wf("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"cma":{"event.$":"$","ReplaceConfig":{"FullMessage":true}}}},"OutputPath":"$.Payload","Next":"T"},`+cmaTarget), ""},
		{"unreachable", wf("A", `"A":{"Type":"Pass","End":true},`+cmaTarget), ""},

		{"no ReplaceConfig of its own", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"Next":"T"},"T":{"Type":"Task","Resource":"${t}","End":true}`), "no CMA ReplaceConfig offloads it"},
		{"first state", wf("T", cmaTarget), "it is the workflow's first state"},
		{"partial ReplaceConfig before", wf("A", `"A":{"Type":"Task","Resource":"${a}","Parameters":{"cma":{"event.$":"$","ReplaceConfig":{"Path":"$.payload"}}},"Next":"T"},`+cmaTarget), `offloads only $.payload`},
		{"large MaxSize before", wf("A", `"A":{"Type":"Task","Resource":"${a}","Parameters":{"cma":{"event.$":"$","ReplaceConfig":{"FullMessage":true,"MaxSize":100000}}},"Next":"T"},`+cmaTarget), "MaxSize 100000"},
		{"no ReplaceConfig before", wf("A", `"A":{"Type":"Task","Resource":"${a}","Next":"T"},`+cmaTarget), `"A", which leads to it, has no CMA ReplaceConfig`},
		{"ResultPath before", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"ResultPath":"$.r","Next":"T"},`+cmaTarget), `has ResultPath "$.r"`},
		{"ResultSelector before", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"ResultSelector":{"a.$":"$.a"},"Next":"T"},`+cmaTarget), "has a ResultSelector"},
		{"Pass with Result before", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"Next":"P"},"P":{"Type":"Pass","Result":{"big":1},"Next":"T"},`+cmaTarget), `the Pass state "P", which leads to it, sets Result`},
		{"Choice from the start", wf("C", `"C":{"Type":"Choice","Choices":[{"Variable":"$.x","BooleanEquals":true,"Next":"T"}],"Default":"T"},`+cmaTarget), `"C", which leads to it, is the workflow's first state`},
		{"Catch", wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"T"}],"End":true},`+cmaTarget), `a Catch of "A" leads to it`},
		{"lambda:invoke without OutputPath before", wf("A", `"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"cma":{"event.$":"$","ReplaceConfig":{"FullMessage":true}}}},"Next":"T"},`+cmaTarget), "whole lambda:invoke response"},
		{"Parallel before", wf("A", `"A":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"T"},`+cmaTarget), `the Parallel state "A", which leads to it`},
		{"first in a branch", wf("P", `"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{`+cmaTarget+`}}],"End":true}`), `the first state of a branch of "P"`},
	}
	for _, tc := range cases {
		doc := workflow.Load([]byte(tc.doc), workflow.Options{})
		if len(doc.Diagnostics) > 0 {
			t.Fatalf("%s: %v", tc.name, doc.Diagnostics)
		}
		var st *workflow.State
		for _, s := range doc.States {
			if s.Name == "T" {
				st = s
			}
		}
		got := taskTokenRefusal(st)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s: refused: %s", tc.name, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%s: reason %q, want one saying %q", tc.name, got, tc.want)
		}
	}
}

func TestRewriteTaskTokenExactText(t *testing.T) {
	in := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${a_task_arn}","Retry":[{"ErrorEquals":["Lambda.ServiceException"]},{"ErrorEquals":["States.ALL"]}],"End":true}}}`
	want := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken","TimeoutSeconds":14400,"HeartbeatSeconds":300,` +
		`"Parameters":{"LaunchType":"EC2","Cluster":"${x_cluster_arn}","TaskDefinition":"${x_task_definition_arn}","Overrides":{"ContainerOverrides":[{"Name":"x","Environment":[` +
		`{"Name":"STEPSHIFT_TASK_TOKEN","Value.$":"$$.Task.Token"},{"Name":"STEPSHIFT_INPUT","Value.$":"States.JsonToString($)"}]}]}},` +
		`"Retry":[{"ErrorEquals": ["States.HeartbeatTimeout"],"IntervalSeconds": 10,"MaxAttempts": 2,"BackoffRate": 2},{"ErrorEquals": ["ECS.AmazonECSException"],"IntervalSeconds": 10,"MaxAttempts": 3,"BackoffRate": 2},{"ErrorEquals":["States.ALL"]}],"End":true}}}`
	res, refusal, err := RewriteTask([]byte(in), workflow.Options{}, "/States/A", ecsSpec())
	if err != nil || refusal != nil {
		t.Fatal(err, refusal)
	}
	if string(res.Source) != want {
		t.Fatalf("got\n%s\nwant\n%s", res.Source, want)
	}
	if res.ParametersMoved {
		t.Error("a state without Parameters reported them moved")
	}
	again, refusal, err := RewriteTask(res.Source, workflow.Options{}, "/States/A", ecsSpec())
	if err != nil || refusal != nil || !again.AlreadyTaskToken || string(again.Source) != string(res.Source) {
		t.Errorf("second run is not a no-op: %v %v %+v", err, refusal, again)
	}
}

// TestRewriteTaskTokenMovesParametersExactly: the Parameters the handler
// got travel in STEPSHIFT_PARAMETERS as a string that decodes to the same
// JSON, Terraform interpolations untouched (quotes inside them too), and
// the worker applying that string to an input gives what Step Functions
// gave the Lambda.
func TestRewriteTaskTokenMovesParametersExactly(t *testing.T) {
	in := "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"${a_task_arn}\",\n" +
		"      \"Parameters\": {\n        \"cma\": {\n          \"event.$\": \"$\",\n          \"ReplaceConfig\": { \"FullMessage\": true },\n" +
		"          \"task_config\": {\n            \"bucket\": \"${lookup(var.buckets, \"internal\")}\",\n            \"note\": \"say \\\"hi\\\" \\\\ {$.meta.x}\",\n" +
		"            \"granules.$\": \"$.payload.granules\",\n            \"list\": [1, 2.50, null, true]\n          }\n        }\n      },\n      \"End\": true\n    }\n  }\n}\n"
	before := workflow.Load([]byte(in), workflow.Options{})
	if len(before.Diagnostics) > 0 {
		t.Fatal(before.Diagnostics)
	}
	res, refusal, err := RewriteTask([]byte(in), workflow.Options{}, "/States/A", ecsSpec())
	if err != nil || refusal != nil {
		t.Fatal(err, refusal)
	}
	if !res.ParametersMoved {
		t.Error("ParametersMoved not set")
	}
	after := workflow.Load(res.Source, workflow.Options{})
	if len(after.Diagnostics) > 0 {
		t.Fatalf("%v\n%s", after.Diagnostics, res.Source)
	}
	assertOnlyStateChanged(t, before, after, "/States/A")
	if !strings.Contains(string(res.Source), `${lookup(var.buckets, "internal")}`) {
		t.Errorf("the interpolation was escaped:\n%s", res.Source)
	}
	v := taskTokenEnvValue(after.Lookup("/States/A"), ParametersEnv)
	if v == nil {
		t.Fatalf("no %s:\n%s", ParametersEnv, res.Source)
	}
	// What templatefile() renders: the interpolation replaced by its value.
	const interp, rendered = `${lookup(var.buckets, "internal")}`, "ghrc-internal"
	template := strings.ReplaceAll(v.Str, interp, rendered)
	var moved, orig any
	if err := json.Unmarshal([]byte(template), &moved); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", ParametersEnv, err, template)
	}
	origJSON, _ := json.Marshal(nodeValue(before.Lookup("/States/A/Parameters")))
	// nodeValue reads numbers as float64, as encoding/json does.
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(origJSON), `${lookup(var.buckets, \"internal\")}`, rendered)), &orig); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(moved, orig) {
		t.Errorf("moved Parameters\n%v\nwant\n%v", moved, orig)
	}

	applied, err := runtime.ApplyParameters([]byte(template), []byte(`{"payload":{"granules":[{"id":"g1"}]},"meta":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		CMA struct {
			Event      map[string]any `json:"event"`
			TaskConfig struct {
				Granules []map[string]string `json:"granules"`
				Note     string              `json:"note"`
			} `json:"task_config"`
		} `json:"cma"`
	}
	if err := json.Unmarshal(applied, &got); err != nil || got.CMA.Event["meta"] == nil || len(got.CMA.TaskConfig.Granules) != 1 || got.CMA.TaskConfig.Note != `say "hi" \ {$.meta.x}` {
		t.Errorf("the worker applied the moved Parameters as %s (%v)", applied, err)
	}
}

func TestRewriteTaskTokenRefusesWhatCannotMoveExactly(t *testing.T) {
	state := func(params string) string {
		return `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${a}","Parameters":` + params + `,"End":true}}}`
	}
	for name, tc := range map[string]struct{ doc, want string }{
		"context path":  {state(`{"id.$":"$$.Execution.Id"}`), "not $ or a plain path"},
		"intrinsic":     {state(`{"s.$":"States.Format('{}', $.a)"}`), "not $ or a plain path"},
		"filter":        {state(`{"s.$":"$.a[0]"}`), "not $ or a plain path"},
		"templated":     {state(`{"s.$":"${path}"}`), "not $ or a plain path"},
		"bare":          {state(`{"n":${count}}`), "bare Terraform interpolation"},
		"directive":     {state(`{"n":"%{ if x }a%{ endif }"}`), "directive"},
		"not an object": {state(`"${params}"`), "not a JSON object"},
		"too big":       {state(`{"cma":{"event.$":"$","task_config":{"blob":"` + strings.Repeat("x", 2000) + `"}}}`), "over ECS's 8192"},
	} {
		res, refusal, err := RewriteTask([]byte(tc.doc), workflow.Options{}, "/States/A", ecsSpec())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if refusal == nil {
			t.Errorf("%s: not refused:\n%s", name, res.Source)
			continue
		}
		if !strings.Contains(refusal.Reason, tc.want) {
			t.Errorf("%s: reason %q, want one saying %q", name, refusal.Reason, tc.want)
		}
	}
}

// TestRewriteEveryCorpusTaskToTaskToken is TestRewriteEveryCorpusTask for
// the ecs-task-token rewrite (the input bound aside, which the migration
// judges): every Cumulus Task converts, the result loads, only the state
// changed, the Parameters arrive intact, and a second run does nothing.
func TestRewriteEveryCorpusTaskToTaskToken(t *testing.T) {
	converted := 0
	for _, path := range corpusWorkflows(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := workflow.Options{Filename: path}
		before := workflow.Load(src, opts)
		for _, st := range before.States {
			if st.Type != "Task" {
				continue
			}
			name := filepath.Base(path) + ":" + st.Name
			_ = taskTokenRefusal(st) // must not panic on real workflows
			res, refusal, err := RewriteTask(src, opts, st.Pointer(), ecsSpec())
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if refusal != nil {
				if st.Resource.Kind != workflow.LambdaInvoke && st.Resource.Kind != workflow.ServiceIntegration {
					t.Errorf("%s: refused: %s", name, refusal.Reason)
				}
				continue
			}
			if res.AlreadyActivity {
				continue
			}
			converted++
			after := workflow.Load(res.Source, opts)
			if len(after.Diagnostics) > 0 {
				t.Errorf("%s: result has diagnostics %v", name, after.Diagnostics)
				continue
			}
			assertOnlyStateChanged(t, before, after, st.Pointer())
			var migrated *workflow.State
			for _, s := range after.States {
				if s.Pointer() == st.Pointer() {
					migrated = s
				}
			}
			checkMigratedState(t, migrated, TaskRewrite{Resource: TaskTokenResource})
			if !isTaskTokenState(migrated) {
				t.Errorf("%s: not recognised as migrated", name)
			}
			if p := before.Lookup(st.Pointer() + "/Parameters"); p != nil {
				v := taskTokenEnvValue(migrated.Node, ParametersEnv)
				var moved any
				if v == nil || json.Unmarshal([]byte(v.Str), &moved) != nil || !reflect.DeepEqual(moved, nodeValue(p)) {
					t.Errorf("%s: the Parameters did not arrive intact", name)
				}
			}
			again, refusal, err := RewriteTask(res.Source, opts, st.Pointer(), ecsSpec())
			if err != nil || refusal != nil || !again.AlreadyTaskToken || string(again.Source) != string(res.Source) {
				t.Errorf("%s: second run is not a no-op (err %v, refusal %v)", name, err, refusal)
			}
		}
	}
	if converted < 50 {
		t.Errorf("only %d corpus Tasks converted", converted)
	}
}

func TestEmitTaskDefinitionParsesAndIsFormatted(t *testing.T) {
	for _, spec := range []*TaskDefinitionSpec{
		{Name: "queue_granules", DisplayName: "QueueGranules", Serves: []string{"QueueGranules of parse_pdr_workflow.asl.json (module.parse_pdr_workflow)"}, LambdaARNExpr: "module.cumulus.queue_granules_task.task_arn",
			CPU: 1741, MemoryReservation: 3008, HeartbeatMillis: 75000, Parameters: true, TagsExpr: "local.tags",
			DeclareImageVariable: true, DeclareRoleVariable: true, DeclareStateMachineRoleVariable: true, DeclareClusterVariable: true, DeclareRegion: true},
		{Name: "sync", DisplayName: "Sync", LambdaARNExpr: "aws_lambda_function.s.arn", Image: "123.dkr.ecr.us-east-1.amazonaws.com/stepshift-worker:python3.12",
			CPU: 580, MemoryReservation: 1024, HeartbeatMillis: 1000},
	} {
		out, err := EmitTaskDefinition(spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, diags := hclparse.NewParser().ParseHCL(out, "x.tf"); diags.HasErrors() {
			t.Errorf("%s: does not parse: %s\n%s", spec.Name, diags.Error(), out)
		}
		if string(hclwrite.Format(out)) != string(out) {
			t.Errorf("%s: not hclwrite.Format-clean:\n%s", spec.Name, out)
		}
		text := string(out)
		for _, want := range []string{
			`resource "aws_ecs_task_definition" "` + spec.Name + `"`, `family = "${var.prefix}-` + spec.DisplayName + `"`,
			`name              = "` + TaskTokenContainer + `"`, "memoryReservation = " + itoa(spec.MemoryReservation),
			`"stepshift",`, `"--task-token-env",`, `"STEPSHIFT_TASK_TOKEN",`, `"--input-env",`, `"STEPSHIFT_INPUT",`, `"--lambda-arn",`, spec.LambdaARNExpr + ",",
			`name  = "AWS_DEFAULT_REGION"`, `"ecs:RunTask"`, `"iam:PassRole"`, `role = var.` + StateMachineRoleVariable,
			`"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"`, `role = var.` + InstanceRoleVariable,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: output lacks %s:\n%s", spec.Name, want, out)
			}
		}
		if spec.Parameters != strings.Contains(text, `"--parameters-env",`) {
			t.Errorf("%s: --parameters-env does not follow Parameters=%v", spec.Name, spec.Parameters)
		}
		if (spec.Image == "") != strings.Contains(text, "image             = var."+WorkerImageVariable) {
			t.Errorf("%s: image does not follow --image:\n%s", spec.Name, out)
		}
		if spec.DeclareStateMachineRoleVariable != strings.Contains(text, `variable "`+StateMachineRoleVariable+`"`) {
			t.Errorf("%s: state machine role variable declared wrongly", spec.Name)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
