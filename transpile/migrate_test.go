package transpile

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
)

var update = flag.Bool("update", false, "rewrite the golden diffs in fixtures/migrate")

// copyDeployment copies a fixture deployment to a temp folder, so tests can
// write the migration and load the result.
func copyDeployment(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type goldenCase struct {
	name, dir string
	opts      Options
	again     string // what the summary of a second run says about the step
	newFiles  int    // new .tf files: one per Lambda reached (1 when 0)
}

func goldenCases(t testing.TB) []goldenCase {
	root := standin.ModuleRoot()
	return []goldenCase{
		{"queue_granules", filepath.Join(root, "fixtures", "deployments", "cumulus-tf"),
			Options{Steps: []string{"queue_granules_workflow.asl.json:QueueGranules"}, DesiredCount: 1}, "", 1},
		// Every SyncGranule: ingest_granule_workflow's and sync_granule_workflow's first
		// rendering reach Cumulus's Lambda and share one activity; the priority
		// rendering of the same file reaches the deployment's own Lambda and gets its own.
		{"sync_granule", filepath.Join(root, "fixtures", "deployments", "cumulus-tf"),
			Options{Steps: []string{"SyncGranule"}, DesiredCount: 1}, "", 2},
		// Shapes of public Cumulus deployments: templates in a subfolder, ":" maps with a
		// trailing comma, a rendering in a local, an indented heredoc, a Cumulus task read
		// through another stack's remote state.
		{"shapes", filepath.Join(root, "fixtures", "migrate", "shapes"), Options{AllLambda: true, DesiredCount: 1}, "", 3},
		{"heredoc", filepath.Join(root, "fixtures", "migrate", "heredoc"), Options{Steps: []string{"SyncGranule"}, DesiredCount: 1}, "", 1},
		{"lambda_invoke", filepath.Join(root, "fixtures", "migrate", "invoke"),
			Options{Steps: []string{"Resize"}, DesiredCount: 1, CumulusVersion: "v21.3.3", Image: "cumuluss/cumulus-ecs-task:2.1.0", Autoscale: &Autoscale{Min: 1, Max: 4}}, "", 1},
		// QueueGranules after ParsePdr, whose ReplaceConfig offloads the whole message.
		{"ecs_task_token", filepath.Join(root, "fixtures", "deployments", "cumulus-tf"),
			Options{Steps: []string{"parse_pdr_workflow.asl.json:QueueGranules"}, Target: TargetECSTaskToken}, "already migrated to ecs:runTask.waitForTaskToken", 1},
		// Heredoc style, and a lambda:invoke step converted on the way.
		{"ecs_task_token_heredoc", filepath.Join(root, "fixtures", "migrate", "ecs_heredoc"),
			Options{Steps: []string{"QueueGranules"}, Target: TargetECSTaskToken}, "already migrated to ecs:runTask.waitForTaskToken", 1},
	}
}

// lintErrors is the set of error-level lint findings of a deployment, as
// `stepshift lint` reports them, keyed so the same finding on a moved line
// still matches.
func lintErrors(d *terraform.Deployment) map[string]string {
	units := lint.DeploymentUnits(d, nil)
	out := map[string]string{}
	for _, f := range append(lint.Lint(units, lint.Options{}), lint.TerraformFindings(d, nil)...) {
		if f.Severity == lint.Error {
			out[f.Rule+" "+filepath.Base(f.Range.Filename)+" "+f.Pointer] = f.String()
		}
	}
	return out
}

// TestMigrateGolden migrates each fixture deployment, compares the diff
// with the golden file, checks every new .tf parses and is
// hclwrite.Format-clean, writes it, loads the result with the terraform
// package (no errors) and lints it (no error-level finding the deployment
// did not have), and migrates again to check nothing is left to do.
func TestMigrateGolden(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			if _, err := os.Stat(gc.dir); err != nil {
				t.Skipf("fixture %s missing: %v", gc.dir, err)
			}
			dir := copyDeployment(t, gc.dir)
			d := terraform.Load(dir, terraform.Options{})
			if d.Diagnostics.HasErrors() {
				t.Fatalf("fixture does not load: %s", d.Diagnostics.Error())
			}
			errorsBefore := lintErrors(d)
			plan, err := Migrate(d, gc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Refused() || !plan.Pending() {
				t.Fatalf("nothing migrated:\n%s", plan.Summary())
			}
			got := plan.Diff()
			golden := filepath.Join(standin.ModuleRoot(), "fixtures", "migrate", gc.name+".diff")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestMigrateGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("diff differs from %s:\n%s", golden, got)
			}
			newTF := 0
			for _, c := range plan.Changes {
				if c.IsNew() && strings.HasSuffix(c.Path, ".tf") {
					newTF++
					if _, diags := hclparse.NewParser().ParseHCL(c.After, c.Path); diags.HasErrors() {
						t.Errorf("%s does not parse: %s", c.Path, diags.Error())
					}
					if string(hclwrite.Format(c.After)) != string(c.After) {
						t.Errorf("%s is not hclwrite.Format-clean", c.Path)
					}
				}
			}
			if want := max(gc.newFiles, 1); newTF != want {
				t.Errorf("%d new .tf files, want %d", newTF, want)
			}
			if err := (FileSet{}).Commit("", plan.Changes); err != nil {
				t.Fatal(err)
			}
			migrated := terraform.Load(dir, terraform.Options{})
			if migrated.Diagnostics.HasErrors() {
				t.Fatalf("migrated deployment does not load: %s", migrated.Diagnostics.Error())
			}
			for key, f := range lintErrors(migrated) {
				if _, had := errorsBefore[key]; !had {
					t.Errorf("the migration brought a new lint error: %s", f)
				}
			}
			plan2, err := Migrate(migrated, gc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if plan2.Pending() {
				t.Errorf("second run is not a no-op:\n%s", plan2.Diff())
			}
			again := gc.again
			if again == "" {
				again = "already an activity"
			}
			if !strings.Contains(plan2.Summary(), again) {
				t.Errorf("second run does not say %q:\n%s", again, plan2.Summary())
			}
		})
	}
}

// TestSelectStepEveryWorkflow: --step NAME selects the Task states of that
// name in every workflow and rendering; File.asl.json:NAME narrows it to
// one file; a name nothing has is a selection error.
func TestSelectStepEveryWorkflow(t *testing.T) {
	dir := filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf")
	d := terraform.Load(dir, terraform.Options{})
	files := func(tasks []*terraform.Task) []string {
		var out []string
		for _, tk := range tasks {
			out = append(out, filepath.Base(tk.Rendering.Filename())+" "+tk.Rendering.BlockAddress())
		}
		sort.Strings(out)
		return out
	}
	for _, c := range []struct {
		step string
		want []string
	}{
		{"QueueGranules", []string{"discover_granules_workflow.asl.json module.discover_granules_workflow", "parse_pdr_workflow.asl.json module.parse_pdr_workflow", "queue_granules_workflow.asl.json module.queue_granules_workflow"}},
		{"SyncGranule", []string{"ingest_granule_workflow.asl.json module.ingest_granule_workflow",
			"sync_granule_workflow.asl.json module.sync_granule_priority_workflow", "sync_granule_workflow.asl.json module.sync_granule_workflow"}},
		{"parse_pdr_workflow.asl.json:QueueGranules", []string{"parse_pdr_workflow.asl.json module.parse_pdr_workflow"}},
		{"sync_granule_workflow.asl.json:SyncGranule", []string{"sync_granule_workflow.asl.json module.sync_granule_priority_workflow", "sync_granule_workflow.asl.json module.sync_granule_workflow"}},
	} {
		tasks, err := Select(d, Options{Steps: []string{c.step}})
		if err != nil {
			t.Errorf("--step %s: %v", c.step, err)
			continue
		}
		if got := files(tasks); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("--step %s selects %q, want %q", c.step, got, c.want)
		}
	}
	for _, bad := range []string{"NoSuchStep", "queue_granules_workflow.asl.json:SyncGranule"} {
		var se *SelectionError
		if _, err := Select(d, Options{Steps: []string{bad}}); !errors.As(err, &se) {
			t.Errorf("--step %s: err = %v, want a SelectionError", bad, err)
		}
	}

	// A File part with a folder is a path from the deployment folder.
	shapes := terraform.Load(filepath.Join(standin.ModuleRoot(), "fixtures", "migrate", "shapes"), terraform.Options{})
	if tasks, err := Select(shapes, Options{Steps: []string{"templates/discover.asl.json:Discover"}}); err != nil || len(tasks) != 2 {
		t.Errorf("templates/discover.asl.json:Discover: %d tasks, %v; want its two renderings", len(tasks), err)
	}
	if _, err := Select(shapes, Options{Steps: []string{"other/discover.asl.json:Discover"}}); err == nil {
		t.Error("other/discover.asl.json:Discover matched a template in another folder")
	}
}

// TestMigrateStepReusesOlderActivity: a deployment whose ingest SyncGranule
// an older stepshift already migrated (to an activity it named after the
// workflow) keeps that step as it is, and the other states reaching the
// same Lambda run on that activity instead of a second one; only the
// priority rendering's own Lambda gets a new worker.
func TestMigrateStepReusesOlderActivity(t *testing.T) {
	root := standin.ModuleRoot()
	dir := copyDeployment(t, filepath.Join(root, "fixtures", "deployments", "cumulus-tf"))
	overlay := filepath.Join(root, "fixtures", "migrate", "older_stepshift")
	entries, err := os.ReadDir(overlay)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(overlay, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := terraform.Load(dir, terraform.Options{})
	if d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics.Error())
	}
	errorsBefore := lintErrors(d)
	opts := Options{Steps: []string{"SyncGranule"}, DesiredCount: 1}
	plan, err := Migrate(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]StepOutcome{}
	for _, o := range plan.Steps {
		byFile[filepath.Base(o.Workflow)] = o
	}
	if o := byFile["ingest_granule_workflow.asl.json"]; o.Status != StepAlreadyActivity {
		t.Errorf("the step the older stepshift migrated: %+v, want already an activity", o)
	}
	o := byFile["sync_granule_workflow.asl.json"]
	if o.Status != StepMigrated || strings.Join(o.Activities, " ") != "ingest_granule_workflow_sync_granule sync_granule_priority" {
		t.Fatalf("sync_granule_workflow: %+v, want the older activity for Cumulus's Lambda and a new one for the priority Lambda\n%s", o, plan.Summary())
	}
	var newFiles []string
	for _, c := range plan.Changes {
		if c.IsNew() {
			newFiles = append(newFiles, filepath.Base(c.Path))
		}
	}
	if strings.Join(newFiles, " ") != "sync_granule_priority_ecs.tf" {
		t.Errorf("new files %v, want only the priority Lambda's worker", newFiles)
	}
	if !strings.Contains(plan.Summary(), "aws_sfn_activity.ingest_granule_workflow_sync_granule, which an earlier migration wrote for module.cumulus.sync_granule_task") {
		t.Errorf("the summary must say the activity is reused:\n%s", plan.Summary())
	}
	if err := (FileSet{}).Commit("", plan.Changes); err != nil {
		t.Fatal(err)
	}
	migrated := terraform.Load(dir, terraform.Options{})
	if migrated.Diagnostics.HasErrors() {
		t.Fatal(migrated.Diagnostics.Error())
	}
	if bad := undeclaredReferences(migrated); len(bad) > 0 {
		t.Errorf("undeclared references: %v", bad)
	}
	for key, f := range lintErrors(migrated) {
		if _, had := errorsBefore[key]; !had {
			t.Errorf("the migration brought a new lint error: %s", f)
		}
	}
	plan2, err := Migrate(migrated, opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan2.Pending() || strings.Count(plan2.Summary(), "already an activity") != 2 {
		t.Errorf("second run is not a no-op:\n%s\n%s", plan2.Summary(), plan2.Diff())
	}
}

// TestWorkerNamesFollowTheLambda: one template rendered twice, with two
// Lambdas whose Terraform names reduce to the same base name, gets one
// activity per Lambda, each named after its whole reference so neither
// takes the other's name; the AWS names follow the resource names.
func TestWorkerNamesFollowTheLambda(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "a.asl.json", `{"StartAt": "Sync", "States": {"Sync": {"Type": "Task", "Resource": "${fn}", "End": true}}}`)
	writeTestFile(t, dir, "main.tf", `variable "prefix" {
  type = string
}

resource "aws_lambda_function" "sync_granule_task" {
  function_name = "${var.prefix}-SyncGranule"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  memory_size   = 1024
  timeout       = 300
}

data "aws_lambda_function" "sync_granule" {
  function_name = "elsewhere-SyncGranule"
}

resource "aws_sfn_state_machine" "own" {
  name       = "own"
  role_arn   = "arn:aws:iam::123456789012:role/sfn"
  definition = templatefile("${path.module}/a.asl.json", { fn = aws_lambda_function.sync_granule_task.arn })
}

resource "aws_sfn_state_machine" "shared" {
  name       = "shared"
  role_arn   = "arn:aws:iam::123456789012:role/sfn"
  definition = templatefile("${path.module}/a.asl.json", { fn = data.aws_lambda_function.sync_granule.arn })
}
`)
	d := terraform.Load(dir, terraform.Options{})
	if d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics.Error())
	}
	opts := Options{Steps: []string{"Sync"}, CumulusVersion: "v21.3.3", DesiredCount: 1}
	plan, err := Migrate(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Status != StepMigrated ||
		strings.Join(plan.Steps[0].Activities, " ") != "function_sync_granule data_sync_granule" {
		t.Fatalf("want one state on two activities named after their Lambdas:\n%s", plan.Summary())
	}
	diff := plan.Diff()
	for _, want := range []string{`name = "${var.prefix}-FunctionSyncGranule"`, `name = "${var.prefix}-DataSyncGranule"`,
		"sync_activity_arn = aws_sfn_activity.function_sync_granule.id", "sync_activity_arn = aws_sfn_activity.data_sync_granule.id"} {
		if !strings.Contains(diff, want) {
			t.Errorf("the diff lacks %s:\n%s", want, diff)
		}
	}
	if err := (FileSet{}).Commit("", plan.Changes); err != nil {
		t.Fatal(err)
	}
	migrated := terraform.Load(dir, terraform.Options{})
	for _, r := range migrated.Renderings {
		tk := r.Tasks[0]
		if tk.Target.Kind != terraform.TargetActivity {
			t.Errorf("%s: the migrated Task reaches %v (%s), want its activity", r.BlockAddress(), tk.Target.Kind, tk.Target.Why)
		}
	}
	plan2, err := Migrate(migrated, opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan2.Pending() {
		t.Errorf("second run is not a no-op:\n%s", plan2.Diff())
	}
}

// TestTaskTokenPerLambda: with --target ecs-task-token, a template rendered
// with two Lambdas binds its task-definition variable to each rendering's
// own task definition, and both task definitions call their container
// what the one state names in its overrides.
func TestTaskTokenPerLambda(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "a.asl.json", `{
  "StartAt": "First",
  "States": {
    "First": {"Type": "Task", "Resource": "${first}", "Parameters": {"cma": {"event.$": "$", "ReplaceConfig": {"FullMessage": true}}}, "Next": "Sync"},
    "Sync": {"Type": "Task", "Resource": "${fn}", "Parameters": {"cma": {"event.$": "$", "ReplaceConfig": {"FullMessage": true}}}, "End": true}
  }
}`)
	writeTestFile(t, dir, "main.tf", `variable "prefix" {
  type = string
}

resource "aws_lambda_function" "first" {
  function_name = "${var.prefix}-First"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}

resource "aws_lambda_function" "sync" {
  function_name = "${var.prefix}-Sync"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}

resource "aws_lambda_function" "sync_priority" {
  function_name = "${var.prefix}-SyncPriority"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}

resource "aws_sfn_state_machine" "plain" {
  name       = "plain"
  role_arn   = "arn:aws:iam::123456789012:role/sfn"
  definition = templatefile("${path.module}/a.asl.json", { first = aws_lambda_function.first.arn, fn = aws_lambda_function.sync.arn })
}

resource "aws_sfn_state_machine" "priority" {
  name       = "priority"
  role_arn   = "arn:aws:iam::123456789012:role/sfn"
  definition = templatefile("${path.module}/a.asl.json", { first = aws_lambda_function.first.arn, fn = aws_lambda_function.sync_priority.arn })
}
`)
	d := terraform.Load(dir, terraform.Options{})
	if d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics.Error())
	}
	opts := Options{Steps: []string{"Sync"}, Target: TargetECSTaskToken}
	plan, err := Migrate(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Status != StepMigrated || strings.Join(plan.Steps[0].TaskDefinitions, " ") != "sync sync_priority" {
		t.Fatalf("want Sync on one task definition per Lambda:\n%s", plan.Summary())
	}
	diff := plan.Diff()
	for _, want := range []string{
		"sync_task_definition_arn = aws_ecs_task_definition.sync.arn", "sync_task_definition_arn = aws_ecs_task_definition.sync_priority.arn",
		`"TaskDefinition": "${sync_task_definition_arn}"`, `"Name": "` + TaskTokenContainer + `"`,
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("the diff lacks %s:\n%s", want, diff)
		}
	}
	if n := strings.Count(diff, `name              = "`+TaskTokenContainer+`"`); n != 2 {
		t.Errorf("%d task definitions name their container %q, want 2", n, TaskTokenContainer)
	}
	if err := (FileSet{}).Commit("", plan.Changes); err != nil {
		t.Fatal(err)
	}
	migrated := terraform.Load(dir, terraform.Options{})
	if bad := undeclaredReferences(migrated); len(bad) > 0 {
		t.Errorf("undeclared references: %v", bad)
	}
	plan2, err := Migrate(migrated, opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan2.Pending() || !strings.Contains(plan2.Summary(), "already migrated to ecs:runTask.waitForTaskToken") {
		t.Errorf("second run is not a no-op:\n%s\n%s", plan2.Summary(), plan2.Diff())
	}
}

// TestTaskTokenReusesTaskDefinition: a second run that migrates another
// state reaching a Lambda an earlier ecs-task-token run already moved
// starts the same task definition instead of writing a second one.
func TestTaskTokenReusesTaskDefinition(t *testing.T) {
	dir := copyDeployment(t, filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf"))
	first := Options{Steps: []string{"parse_pdr_workflow.asl.json:QueueGranules"}, Target: TargetECSTaskToken}
	plan, err := Migrate(terraform.Load(dir, terraform.Options{}), first)
	if err != nil {
		t.Fatal(err)
	}
	if err := (FileSet{}).Commit("", plan.Changes); err != nil {
		t.Fatal(err)
	}
	second := Options{Steps: []string{"discover_granules_workflow.asl.json:QueueGranules"}, Target: TargetECSTaskToken}
	plan, err = Migrate(terraform.Load(dir, terraform.Options{}), second)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Status != StepMigrated || strings.Join(plan.Steps[0].TaskDefinitions, " ") != "queue_granules" {
		t.Fatalf("want the second QueueGranules on the first run's task definition:\n%s", plan.Summary())
	}
	for _, c := range plan.Changes {
		if c.IsNew() {
			t.Errorf("a second task definition was written: %s", c.Path)
		}
	}
	if !strings.Contains(plan.Summary(), "runs on aws_ecs_task_definition.queue_granules, which an earlier migration wrote") {
		t.Errorf("the summary must say the task definition is reused:\n%s", plan.Summary())
	}
	if err := (FileSet{}).Commit("", plan.Changes); err != nil {
		t.Fatal(err)
	}
	migrated := terraform.Load(dir, terraform.Options{})
	if bad := undeclaredReferences(migrated); len(bad) > 0 {
		t.Errorf("undeclared references: %v", bad)
	}
}

// outsideDeployment writes a deployment whose workflow template sits in a
// sibling folder, as repositories sharing workflows between stacks keep it.
func outsideDeployment(t *testing.T) string {
	root := t.TempDir()
	dep := filepath.Join(root, "dep")
	if err := os.MkdirAll(filepath.Join(root, "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dep, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(root, "workflows"), "a.asl.json", `{"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "${fn}", "End": true}}}`)
	writeTestFile(t, dep, "main.tf", `resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/x"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
}

module "w" {
  source                   = "https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus-workflow.zip"
  name                     = "w"
  state_machine_definition = templatefile("${path.module}/../workflows/a.asl.json", { fn = aws_lambda_function.f.arn })
}
`)
	return dep
}

// TestMigrateTemplateOutsideDeployment: a template outside the deployment
// folder is migrated, and the summary warns that every other deployment
// rendering it must bind the new variable (templatefile() fails on one its
// map lacks).
func TestMigrateTemplateOutsideDeployment(t *testing.T) {
	dep := outsideDeployment(t)
	plan, err := Migrate(terraform.Load(dep, terraform.Options{}), Options{Steps: []string{"S"}, DesiredCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Refused() || !strings.Contains(plan.Summary(), "is outside the deployment folder: another deployment that renders it must bind s_activity_arn too") {
		t.Errorf("want S migrated with a note on the shared template:\n%s", plan.Summary())
	}
}

func writeTestFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateRefusesUnsupportedShapes: a step the deployment's Terraform
// keeps from migrating (templatefile() variables that are not a map
// literal, a workflow rendered in a child module, a template inside
// .terraform, a Lambda written as a literal ARN) is refused with the
// position of that Terraform, marked Unsupported (the CLI's exit 2), and
// changes nothing. The summaries are golden (fixtures/migrate/unsupported.summary).
func TestMigrateRefusesUnsupportedShapes(t *testing.T) {
	dir := filepath.Join(standin.ModuleRoot(), "fixtures", "migrate", "unsupported")
	d := terraform.Load(dir, terraform.Options{})
	if d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics.Error())
	}
	var got strings.Builder
	for _, step := range []string{"LocalVars", "VariableVars", "MergedVars", "InChild", "BuildImageSets", "LiteralInWorkflow", "LiteralInMap"} {
		plan, err := Migrate(d, Options{Steps: []string{step}, DesiredCount: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Steps) != 1 || plan.Steps[0].Status != StepRefused || !plan.Unsupported() {
			t.Errorf("%s: want refused as unsupported:\n%s", step, plan.Summary())
		}
		if plan.Pending() {
			t.Errorf("%s: a refused step changes files:\n%s", step, plan.Diff())
		}
		got.WriteString(plan.Summary())
	}
	golden := filepath.Join(standin.ModuleRoot(), "fixtures", "migrate", "unsupported.summary")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestMigrateRefusesUnsupportedShapes -update)", err)
	}
	if got.String() != string(want) {
		t.Errorf("summaries differ from %s:\n%s", golden, got.String())
	}
	// A refusal about the step itself is not a configuration problem.
	plan, err := Migrate(terraform.Load(filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf"), terraform.Options{}),
		Options{Steps: []string{"SyncGranule"}, Target: TargetECSTaskToken})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Refused() || plan.Unsupported() {
		t.Errorf("an ECS-override refusal must be a plain refusal:\n%s", plan.Summary())
	}
}

// TestSelectNamesUnreadDefinitions: a --step that matches nothing in a
// deployment whose definitions migrate does not read (a module output,
// jsonencode()) names each, positioned.
func TestSelectNamesUnreadDefinitions(t *testing.T) {
	d := terraform.Load(filepath.Join(standin.ModuleRoot(), "fixtures", "migrate", "unread"), terraform.Options{})
	if d.Diagnostics.HasErrors() {
		t.Fatal(d.Diagnostics.Error())
	}
	_, err := Select(d, Options{Steps: []string{"BuildImageSets"}})
	var se *SelectionError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SelectionError", err)
	}
	for _, want := range []string{
		"main.tf:13:30: the state_machine_definition of module.browse_image_workflow is module.bignbit_module.workflow_definition",
		"main.tf:19:16: the definition of aws_sfn_state_machine.encoded is jsonencode({",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
	// A deployment whose definitions are all read adds no such list.
	d = terraform.Load(filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf"), terraform.Options{})
	if _, err := Select(d, Options{Steps: []string{"NoSuchStep"}}); err == nil || strings.Contains(err.Error(), "not these definitions") {
		t.Errorf("cumulus-tf: err = %v", err)
	}
}

// BenchmarkMigrateOverLimit is the in-process part of the 150 ms budget of
// `migrate --over-limit` on the bundled example: load the deployment and
// plan every Lambda step (a superset of the over-limit ones).
func BenchmarkMigrateOverLimit(b *testing.B) {
	dir := filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf")
	for b.Loop() {
		d := terraform.Load(dir, terraform.Options{})
		if _, err := Migrate(d, Options{AllLambda: true, DesiredCount: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRefusedStepChangesNothing: a step refused after its rewrite was
// worked out (here: no Cumulus release to pin the service module to) leaves
// the workflow and the templatefile() map as they were.
func TestRefusedStepChangesNothing(t *testing.T) {
	dir := copyDeployment(t, filepath.Join("..", "fixtures", "rules", "lambda-timeout"))
	d := terraform.Load(dir, terraform.Options{})
	plan, err := Migrate(d, Options{Steps: []string{"SyncGranule"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Status != StepRefused || !strings.Contains(plan.Steps[0].Reason, "Cumulus release") {
		t.Fatalf("want SyncGranule refused for want of a Cumulus release: %+v", plan.Steps)
	}
	if plan.Pending() {
		t.Errorf("a refused step changed files:\n%s", plan.Diff())
	}
}

// TestMigrateDeclaresWhatItReferences: a deployment without var.prefix gets
// it declared in the new file, so every reference of the migrated root
// module names something declared (what `terraform validate` checks).
func TestMigrateDeclaresWhatItReferences(t *testing.T) {
	for _, target := range []string{TargetActivity, TargetECSTaskToken} {
		t.Run(target, func(t *testing.T) {
			dir := copyDeployment(t, filepath.Join("..", "fixtures", "rules", "lambda-timeout"))
			d := terraform.Load(dir, terraform.Options{})
			plan, err := Migrate(d, Options{AllLambda: true, CumulusVersion: "v21.3.3", Target: target})
			if err != nil {
				t.Fatal(err)
			}
			if target == TargetActivity && !plan.Pending() {
				t.Fatalf("nothing migrated:\n%s", plan.Summary())
			}
			if target == TargetActivity && !plan.Pending() {
				t.Fatalf("nothing migrated:\n%s", plan.Summary())
			}
			if err := (FileSet{}).Commit("", plan.Changes); err != nil {
				t.Fatal(err)
			}
			migrated := terraform.Load(dir, terraform.Options{})
			if bad := undeclaredReferences(migrated); len(bad) > 0 {
				t.Errorf("undeclared references after migrating: %v\n%s", bad, plan.Summary())
			}
			declarations := 0
			for _, c := range plan.Changes {
				declarations += strings.Count(string(c.After), "variable \"prefix\" {")
			}
			if plan.Pending() && declarations != 1 {
				t.Errorf("var.prefix declared %d times, want once per run", declarations)
			}
		})
	}
}

// TestEditedTerraformStaysFormatted: adding a template variable longer than
// the map's other keys realigns the map the way `terraform fmt` does, in
// a file that was fmt-clean; every edited .tf file of every step stays clean.
func TestEditedTerraformStaysFormatted(t *testing.T) {
	dir := copyDeployment(t, filepath.Join("..", "fixtures", "deployments", "cumulus-tf"))
	d := terraform.Load(dir, terraform.Options{})
	plan, err := Migrate(d, Options{AllLambda: true})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range plan.Changes {
		if !strings.HasSuffix(c.Path, ".tf") || c.Before == nil || string(hclwrite.Format(c.Before)) != string(c.Before) {
			continue
		}
		checked++
		if string(hclwrite.Format(c.After)) != string(c.After) {
			t.Errorf("%s was fmt-clean and is not after migrate:\n%s", c.Path, UnifiedDiff(c.Path, c.After, hclwrite.Format(c.After)))
		}
	}
	if checked == 0 {
		t.Fatal("no fmt-clean .tf file was edited; the test checks nothing")
	}
}
