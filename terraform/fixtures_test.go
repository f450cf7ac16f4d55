package terraform

import (
	"bytes"
	"flag"
	"github.com/hashicorp/hcl/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/terraform/terraformtest"
)

var update = flag.Bool("update", false, "rewrite fixtures/deployments/*/facts.golden")

const fixturesDir = "../fixtures/deployments"

func loadFixture(t testing.TB, name string) *Deployment {
	t.Helper()
	if name == "cumulus-tf" {
		terraformtest.EnsureBigZip(t)
	}
	return Load(filepath.Join(fixturesDir, name), Options{})
}

func TestFixtureGolden(t *testing.T) {
	for _, name := range []string{"cumulus-tf", "heredoc", "python-nested"} {
		t.Run(name, func(t *testing.T) {
			d := loadFixture(t, name)
			var got bytes.Buffer
			if err := d.WriteFacts(&got); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join(fixturesDir, name, "facts.golden")
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./terraform -run TestFixtureGolden -update)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("facts differ from %s (rerun with -update and review the diff):\n%s", golden, firstDiff(string(want), got.String()))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n- " + w + "\n+ " + g
		}
	}
	return ""
}

// task finds the Task state of that name in the rendering of that block.
func task(t *testing.T, d *Deployment, block, state string) *Task {
	t.Helper()
	for _, r := range d.Renderings {
		if r.BlockAddress() != block {
			continue
		}
		for _, tk := range r.Tasks {
			if tk.State.Name == state {
				return tk
			}
		}
	}
	t.Fatalf("no task %q in a rendering of %s", state, block)
	return nil
}

func at(f hcl.Range, file string, line int) bool {
	return filepath.Base(f.Filename) == file && f.Start.Line == line
}

// The README quick-start deployment must produce the over-limit facts.
func TestCumulusTFOverLimitFacts(t *testing.T) {
	d := loadFixture(t, "cumulus-tf")
	noErrors(t, d)

	sync := task(t, d, "module.ingest_granule_workflow", "SyncGranule").Lambda
	if sync.MemoryMB.Value != 12000 || !at(sync.MemoryMB.Range, "terraform.tfvars", 17) {
		t.Errorf("SyncGranule memory %v, want 12000 from terraform.tfvars:17", sync.MemoryMB)
	}
	queue := task(t, d, "module.queue_granules_workflow", "QueueGranules").Lambda
	if queue.MemoryMB.Value != 3008 || queue.TimeoutSeconds.Value != 900 || !at(queue.TimeoutSeconds.Range, "terraform.tfvars", 11) {
		t.Errorf("QueueGranules %v MB / %v s, want 3008 / 900 from terraform.tfvars", queue.MemoryMB, queue.TimeoutSeconds)
	}
	discover := task(t, d, "module.discover_granules_workflow", "DiscoverGranules").Lambda
	if z := discover.Package.ZippedBytes; !z.Known || z.Value <= 50<<20 || z.Source != SourceZip {
		t.Errorf("DiscoverGranules zipped %v, want over 50 MB", z)
	}
	priority := task(t, d, "module.sync_granule_priority_workflow", "SyncGranule")
	if priority.Lambda.Address != "aws_lambda_function.sync_granule_priority" || priority.Lambda.TmpMB.Value != 10240 {
		t.Errorf("the second rendering of sync_granule_workflow.asl.json must resolve through its own map, got %s", priority.Lambda.Address)
	}
	if v, _, _ := d.CumulusRelease(); v != "v21.3.3" {
		t.Errorf("release %q", v)
	}
}

func TestRenderersBothMapStylesAndTwoRenderings(t *testing.T) {
	d := loadFixture(t, "cumulus-tf")
	seps := map[string]string{}
	var syncRenderings []*Rendering
	for _, r := range d.Renderings {
		seps[r.BlockAddress()] = r.Separator
		if filepath.Base(r.TemplatePath) == "sync_granule_workflow.asl.json" {
			syncRenderings = append(syncRenderings, r)
		}
	}
	if seps["module.discover_granules_workflow"] != ":" || seps["module.queue_granules_workflow"] != "=" {
		t.Errorf("separators %v", seps)
	}
	if len(syncRenderings) != 2 {
		t.Fatalf("sync_granule_workflow.asl.json rendered %d times, want 2", len(syncRenderings))
	}
	ingest := task(t, d, "module.ingest_granule_workflow", "SyncGranule").Rendering
	if v := ingest.Var("sf_sqs_report_task_arn"); v == nil || v.Used {
		t.Errorf("an unused map key must be kept and marked unused: %+v", v)
	}
	v := ingest.Var("sync_granule_task_arn")
	if v.ExprText != "module.cumulus.sync_granule_task.task_arn" || v.ExprRange.Start.Line != 13 || v.KeyRange.Start.Column != 7 {
		t.Errorf("var %+v", v)
	}
	// trailing commas and `key: value`
	disc := task(t, d, "module.discover_granules_workflow", "QueueGranules")
	if disc.Target.Variable.Name != "queue_granules_task_arn" || disc.Target.LastModifiedExpr != "module.cumulus.queue_granules_task.last_modified_date" {
		t.Errorf("target %+v", disc.Target)
	}
}

func TestRenderingBadInput(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
module "wf" {
  source = "./wf"
  state_machine_definition = templatefile("${path.module}/nope.asl.json", { a = 1 })
}
`, "wf/main.tf": "", "broken.tf": "resource \"x\" {\n  a = \n}\n"})
	d := Load(dir, Options{})
	dg := hasDiag(d, "Template file not found")
	if dg == nil || dg.Subject.Start.Line != 4 || dg.Context == nil {
		t.Fatalf("want a diagnostic at the templatefile call, got %v", d.Diagnostics)
	}
	var syntax bool
	for _, dg := range d.Diagnostics {
		if filepath.Base(dg.Subject.Filename) == "broken.tf" && dg.Subject.Start.Line == 2 {
			syntax = true
		}
	}
	if !syntax {
		t.Errorf("want the HCL syntax error positioned in broken.tf, got %v", d.Diagnostics)
	}
	if len(d.Renderings) != 1 || d.Renderings[0].Document != nil {
		t.Errorf("the rendering stays, without a document")
	}
}

func TestPythonNestedModuleFacts(t *testing.T) {
	d := loadFixture(t, "python-nested")
	noErrors(t, d)
	ref := task(t, d, "module.python_reference_workflow", "Reference Task").Lambda
	if ref.TimeoutSeconds.Value != 900 || !at(ref.TimeoutSeconds.Range, "main.tf", 36) {
		t.Errorf("timeout %v, want 900 from the module call", ref.TimeoutSeconds)
	}
	if ref.MemoryMB.Value != 4096 || !at(ref.MemoryMB.Range, "main.tf", 25) || !strings.Contains(ref.MemoryMB.Range.Filename, "deploy") {
		t.Errorf("memory %v, want 4096 from the task module's variable default", ref.MemoryMB)
	}
	act := task(t, d, "module.python_reference_workflow", "Reference Activity")
	if act.Target.Kind != TargetActivity {
		t.Errorf("activity target %v", act.Target.Kind)
	}
	sync := task(t, d, "module.python_processing_workflow", "SyncGranule")
	if sync.Target.Kind != TargetLambda || sync.Lambda.MemoryMB.Known || sync.Lambda.MemoryMB.Why != "module.cumulus not initialised (run terraform init)" {
		t.Errorf("uninitialised module: %v %+v", sync.Target.Kind, sync.Lambda.MemoryMB)
	}
}

func TestHeredocPositionsPointIntoTheTF(t *testing.T) {
	d := loadFixture(t, "heredoc")
	noErrors(t, d)
	src, err := os.ReadFile(filepath.Join(fixturesDir, "heredoc", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ block, state, expr string }{
		{"module.hello_world_workflow", "HelloWorld", "module.cumulus.hello_world_task.task_arn"},
		{"module.sync_granule_workflow", "SyncGranule", "module.cumulus.sync_granule_task.task_arn"},
		{"module.sync_granule_workflow", "Report", "aws_lambda_function.report.function_name"},
	} {
		tk := task(t, d, tc.block, tc.state)
		r := tk.Target.ExprRange
		if filepath.Base(r.Filename) != "main.tf" || r.End.Byte > len(src) || r.Start.Line < 1 || string(src[r.Start.Byte:r.End.Byte]) != "${"+tc.expr+"}" {
			t.Errorf("%s: range %v does not hold ${%s} in main.tf", tc.state, r, tc.expr)
			continue
		}
		line := strings.Split(string(src), "\n")[r.Start.Line-1]
		if !strings.Contains(line, tc.expr) {
			t.Errorf("%s: line %d is %q", tc.state, r.Start.Line, line)
		}
		nr := tk.State.NameRange
		if nr.Filename == "" || nr.End.Byte > len(src) || !strings.Contains(string(src[nr.Start.Byte:nr.End.Byte]), tc.state) {
			t.Errorf("%s: state name range %v does not point into main.tf", tc.state, nr)
		}
	}
	report := task(t, d, "module.sync_granule_workflow", "Report").Lambda
	if report.PackageType.Value != "Image" || report.MemoryMB.Value != 10240 {
		t.Errorf("lambda:invoke FunctionName must resolve: %+v", report)
	}
}

// TestTemplateVariablesIndirect follows templatefile() variables given as
// a local, a module variable set by its caller, merge() of them and a
// variable's default to the Lambda of each Task; a vars argument made by a
// function stepshift does not evaluate stays unknown, naming that function;
// migrate gets no literal map (Rendering.Map) to add to in any of them.
func TestTemplateVariablesIndirect(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
locals {
  vars = { a_arn = aws_lambda_function.a.arn }
}
resource "aws_lambda_function" "a" {
  function_name = "a"
}
resource "aws_lambda_function" "b" {
  function_name = "b"
}
resource "aws_sfn_state_machine" "local" {
  definition = templatefile("${path.module}/w.asl.json", local.vars)
}
resource "aws_sfn_state_machine" "tomap" {
  definition = templatefile("${path.module}/w.asl.json", tomap(local.vars))
}
resource "aws_sfn_state_machine" "decoded" {
  definition = templatefile("${path.module}/w.asl.json", jsondecode("{}"))
}
module "wf" {
  source = "./wf"
  arns   = { a_arn = aws_lambda_function.b.arn }
}
`,
		"wf/main.tf": `
variable "arns" {}
variable "defaults" {
  default = { a_arn = "arn:aws:lambda:us-east-1:123456789012:function:a" }
}
resource "aws_sfn_state_machine" "merged" {
  definition = templatefile("${path.module}/../w.asl.json", merge(var.defaults, var.arns))
}
resource "aws_sfn_state_machine" "default" {
  definition = templatefile("${path.module}/../w.asl.json", var.defaults)
}
`,
		"w.asl.json": fuzzWorkflow,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	want := map[string]string{
		"aws_sfn_state_machine.local":             "aws_lambda_function.a",
		"aws_sfn_state_machine.tomap":             "aws_lambda_function.a",
		"module.wf.aws_sfn_state_machine.merged":  "aws_lambda_function.b", // the caller's map wins, as merge() does
		"module.wf.aws_sfn_state_machine.default": "aws_lambda_function.a", // the literal ARN matched by function_name
		"aws_sfn_state_machine.decoded":           "",
	}
	if len(d.Renderings) != len(want) {
		t.Fatalf("%d renderings, want %d", len(d.Renderings), len(want))
	}
	for _, r := range d.Renderings {
		addr := r.BlockAddress()
		if r.Map != nil {
			t.Errorf("%s: Map set for vars that are not a literal", addr)
		}
		if len(r.Tasks) != 1 {
			t.Fatalf("%s: %d tasks", addr, len(r.Tasks))
		}
		tg := r.Tasks[0].Target
		if want[addr] == "" {
			if tg.Kind != TargetUnknown || !strings.Contains(tg.Why, "jsondecode()") {
				t.Errorf("%s: target %+v, want unknown naming jsondecode()", addr, tg)
			}
			continue
		}
		if tg.Kind != TargetLambda || tg.Address != want[addr] || r.Tasks[0].Lambda == nil || !r.Tasks[0].Lambda.FunctionName.Known {
			t.Errorf("%s: target %s (%s, why %q), want %s", addr, tg.Address, tg.Kind, tg.Why, want[addr])
		}
	}
}

// TestAliasTargetIsItsFunction follows an aws_lambda_alias to the function
// its function_name names: by reference (migrate invokes the alias and
// watches the function's last_modified) and by a literal name.
func TestAliasTargetIsItsFunction(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
resource "aws_lambda_function" "a" {
  function_name = "fn-a"
  memory_size   = 2048
}
resource "aws_lambda_alias" "by_ref" {
  name          = "live"
  function_name = aws_lambda_function.a.arn
}
resource "aws_lambda_alias" "by_name" {
  name          = "live"
  function_name = "fn-a"
}
resource "aws_lambda_alias" "elsewhere" {
  name          = "live"
  function_name = "not-here"
}
resource "aws_sfn_state_machine" "ref" {
  definition = templatefile("${path.module}/w.asl.json", { a_arn = aws_lambda_alias.by_ref.arn })
}
resource "aws_sfn_state_machine" "name" {
  definition = templatefile("${path.module}/w.asl.json", { a_arn = aws_lambda_alias.by_name.arn })
}
resource "aws_sfn_state_machine" "elsewhere" {
  definition = templatefile("${path.module}/w.asl.json", { a_arn = aws_lambda_alias.elsewhere.arn })
}
`,
		"w.asl.json": fuzzWorkflow,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	for _, r := range d.Renderings {
		tk := r.Tasks[0]
		switch r.BlockAddress() {
		case "aws_sfn_state_machine.ref":
			if tk.Target.Address != "aws_lambda_function.a" || tk.Target.LambdaRef != "aws_lambda_alias.by_ref" || tk.Target.LastModifiedExpr != "aws_lambda_function.a.last_modified" {
				t.Errorf("by reference: %+v", tk.Target)
			}
			if tk.Lambda == nil || !tk.Lambda.MemoryMB.Known || tk.Lambda.MemoryMB.Value != 2048 {
				t.Errorf("by reference: facts %+v", tk.Lambda)
			}
		case "aws_sfn_state_machine.name":
			if tk.Target.Address != "aws_lambda_function.a" || !strings.Contains(tk.Target.Note, "aws_lambda_alias.by_name") {
				t.Errorf("by name: %+v", tk.Target)
			}
		case "aws_sfn_state_machine.elsewhere":
			if tk.Target.Resource != nil || !strings.Contains(tk.Target.Why, "not-here") {
				t.Errorf("a function not in the deployment: %+v", tk.Target)
			}
		}
	}
}

// TestForEachWorkflows renders a templatefile() that uses each.key once per
// for_each key when the keys are known (a set of strings here), and turns an
// unknown for_each into one warning naming why, not a load error.
func TestForEachWorkflows(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
resource "aws_lambda_function" "a" {
  function_name = "a"
}
resource "aws_sfn_state_machine" "known" {
  for_each   = toset(["w", "v"])
  definition = templatefile("${path.module}/${each.key}.asl.json", { a_arn = aws_lambda_function.a.arn })
}
data "aws_ssm_parameter" "names" {
  name = "workflow-names"
}
resource "aws_sfn_state_machine" "unknown" {
  for_each   = toset(split(",", data.aws_ssm_parameter.names.value))
  definition = templatefile("${path.module}/${each.key}.asl.json", { a_arn = aws_lambda_function.a.arn })
}
`,
		"w.asl.json": fuzzWorkflow,
		"v.asl.json": fuzzWorkflow,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	got := instanceRenderings(t, d)
	want := []string{`aws_sfn_state_machine.known["v"] v.asl.json`, `aws_sfn_state_machine.known["w"] w.asl.json`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("renderings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	dg := hasDiag(d, "Workflows per instance not linted")
	if dg == nil || dg.Severity != hcl.DiagWarning || !strings.Contains(dg.Detail, "aws_sfn_state_machine.unknown") {
		t.Errorf("unknown for_each: %v", d.Diagnostics)
	}
}

// TestConditionalTaskARN follows a module output written as a condition
// (Cumulus's cumulus_lambda_function: enable_versioning ? qualified_arn :
// arn) to its function: the chosen branch when the condition is known,
// the one function both branches reach when it is not, and unknown (saying
// so) when the branches differ.
func TestConditionalTaskARN(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
variable "versioning" {}
module "task" {
  source            = "./task"
  enable_versioning = var.versioning
}
module "fixed" {
  source            = "./task"
  enable_versioning = true
}
resource "aws_sfn_state_machine" "unknown_condition" {
  definition = templatefile("${path.module}/w.asl.json", { a_arn = module.task.task_arn })
}
resource "aws_sfn_state_machine" "known_condition" {
  definition = templatefile("${path.module}/w.asl.json", { a_arn = module.fixed.task_arn })
}
resource "aws_sfn_state_machine" "different" {
  definition = templatefile("${path.module}/w.asl.json", { a_arn = module.task.either_arn })
}
`,
		"task/main.tf": `
variable "enable_versioning" {}
resource "aws_lambda_function" "task" {
  function_name = "task"
  memory_size   = 1024
}
resource "aws_lambda_function" "other" {
  function_name = "other"
}
output "task_arn" {
  value = var.enable_versioning ? aws_lambda_function.task.qualified_arn : aws_lambda_function.task.arn
}
output "either_arn" {
  value = var.enable_versioning ? aws_lambda_function.task.arn : aws_lambda_function.other.arn
}
`,
		"w.asl.json": fuzzWorkflow,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	for _, r := range d.Renderings {
		tg := r.Tasks[0].Target
		switch addr := r.BlockAddress(); addr {
		case "aws_sfn_state_machine.unknown_condition", "aws_sfn_state_machine.known_condition":
			if tg.Kind != TargetLambda || !strings.HasSuffix(tg.Address, "aws_lambda_function.task") || r.Tasks[0].Lambda == nil || r.Tasks[0].Lambda.MemoryMB.Value != 1024 {
				t.Errorf("%s: target %+v", addr, tg)
			}
		case "aws_sfn_state_machine.different":
			if tg.Resource != nil || !strings.Contains(tg.Why, "branches") {
				t.Errorf("%s: target %+v, want unknown naming the branches", addr, tg)
			}
		}
	}
}

// TestForEachModuleTemplatePath: a module called under for_each whose
// template path comes from each.key through a variable renders once per
// known key, each instance addressed as Terraform does; with unknown keys
// stepshift says which workflows it does not lint, as a warning, not a load
// error that would stop lint and migrate.
func TestForEachModuleTemplatePath(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
resource "aws_lambda_function" "a" {
  function_name = "a"
}
module "workflows" {
  for_each = toset(["w", "v"])
  source   = "./wf"
  name     = each.key
  arn      = aws_lambda_function.a.arn
}
data "aws_ssm_parameter" "names" {
  name = "workflow-names"
}
module "unknown" {
  for_each = toset(split(",", data.aws_ssm_parameter.names.value))
  source   = "./wf"
  name     = each.key
  arn      = aws_lambda_function.a.arn
}
`,
		"wf/main.tf": `
variable "name" {}
variable "arn" {}
resource "aws_sfn_state_machine" "this" {
  definition = templatefile("${path.module}/${var.name}.asl.json", { a_arn = var.arn })
}
`,
		"wf/w.asl.json": fuzzWorkflow,
		"wf/v.asl.json": fuzzWorkflow,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	got := instanceRenderings(t, d)
	want := `module.workflows["v"].aws_sfn_state_machine.this v.asl.json` + "\n" + `module.workflows["w"].aws_sfn_state_machine.this w.asl.json`
	if strings.Join(got, "\n") != want {
		t.Errorf("renderings\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	dg := hasDiag(d, "Workflows per instance not linted")
	if dg == nil || dg.Severity != hcl.DiagWarning || !strings.Contains(dg.Detail, "module.unknown (for_each)") {
		t.Errorf("diagnostics: %v", d.Diagnostics)
	}
}

// instanceRenderings lists d's renderings as "ADDRESS TEMPLATE", checking
// that each runs one Task of aws_lambda_function.a (the for_each fixtures'
// only function).
func instanceRenderings(t *testing.T, d *Deployment) []string {
	t.Helper()
	var got []string
	for _, r := range d.Renderings {
		got = append(got, r.BlockAddress()+" "+filepath.Base(r.TemplatePath))
		if len(r.Tasks) != 1 || r.Tasks[0].Target.Address != "aws_lambda_function.a" {
			t.Errorf("%s: tasks %+v", r.BlockAddress(), r.Tasks)
		}
	}
	return got
}
