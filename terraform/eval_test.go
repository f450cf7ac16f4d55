package terraform

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func wantNumber(t *testing.T, f Fact[cty.Value], want int64, file string, line int) {
	t.Helper()
	if !f.Known {
		t.Fatalf("unknown: %s", f.Why)
	}
	got, _ := f.Value.AsBigFloat().Int64()
	if got != want {
		t.Errorf("value %d, want %d", got, want)
	}
	if file != "" && (filepath.Base(f.Range.Filename) != file || f.Range.Start.Line != line) {
		t.Errorf("written at %s:%d, want %s:%d", f.Range.Filename, f.Range.Start.Line, file, line)
	}
}

func wantString(t *testing.T, f Fact[cty.Value], want string) {
	t.Helper()
	if !f.Known {
		t.Fatalf("unknown: %s", f.Why)
	}
	if f.Value.Type() != cty.String || f.Value.AsString() != want {
		t.Errorf("value %#v, want %q", f.Value, want)
	}
}

func wantUnknown(t *testing.T, f Fact[cty.Value], why string) {
	t.Helper()
	if f.Known {
		t.Fatalf("known %#v, want unknown (%s)", f.Value, why)
	}
	if !strings.Contains(f.Why, why) {
		t.Errorf("why %q, want it to mention %q", f.Why, why)
	}
}

const precedenceVars = `variable "memory" {
  type    = number
  default = 128
}

variable "only_default" {
  default = 7
}

variable "sizes" {
  type = map(number)
  default = {
    SyncGranule = 1024
  }
}
`

func TestVariablePrecedence(t *testing.T) {
	files := map[string]string{
		"variables.tf":     precedenceVars,
		"terraform.tfvars": "memory = 256\n",
	}
	dir := writeTree(t, files)
	d := Load(dir, Options{})
	noErrors(t, d)
	wantNumber(t, evalIn(t, d.Root, "var.only_default"), 7, "variables.tf", 7)
	wantNumber(t, evalIn(t, d.Root, "var.memory"), 256, "terraform.tfvars", 1)

	files["b.auto.tfvars"] = "memory = 512\n"
	files["a.auto.tfvars"] = "memory = 384\n"
	dir = writeTree(t, files)
	wantNumber(t, evalIn(t, Load(dir, Options{}).Root, "var.memory"), 512, "b.auto.tfvars", 1)

	varFile := filepath.Join(dir, "prod.tfvars")
	writeFile(t, varFile, "\n\nmemory = 1024\n")
	d = Load(dir, Options{VarFiles: []string{varFile}})
	wantNumber(t, evalIn(t, d.Root, "var.memory"), 1024, "prod.tfvars", 3)

	d = Load(dir, Options{VarFiles: []string{varFile}, Vars: []string{"memory=2048", `sizes={ SyncGranule = 12000 }`}})
	f := evalIn(t, d.Root, "var.memory")
	wantNumber(t, f, 2048, "", 0)
	if f.Source != SourceCLI {
		t.Errorf("source %q, want %q", f.Source, SourceCLI)
	}
	wantNumber(t, evalIn(t, d.Root, `lookup(var.sizes, "SyncGranule", 1)`), 12000, "", 0)
}

func TestUnreadableVarFileIsADiagnostic(t *testing.T) {
	dir := writeTree(t, map[string]string{"variables.tf": precedenceVars})
	missing := filepath.Join(dir, "missing.tfvars")
	d := Load(dir, Options{VarFiles: []string{missing}})
	dg := hasDiag(d, "Cannot read variables file")
	if dg == nil || dg.Subject == nil || dg.Subject.Filename != missing {
		t.Fatalf("want a diagnostic naming %s, got %v", missing, d.Diagnostics)
	}
	bad := filepath.Join(dir, "bad.tfvars")
	writeFile(t, bad, "memory = \n")
	d = Load(dir, Options{VarFiles: []string{bad}})
	if len(d.Diagnostics) == 0 || d.Diagnostics[0].Subject.Filename != bad {
		t.Fatalf("want a positioned syntax diagnostic in %s, got %v", bad, d.Diagnostics)
	}
}

func TestFunctions(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
variable "sizes" {
  default = {
    SyncGranule = 3008
  }
}
variable "extra" {
  default = { QueueGranules = 900 }
}
variable "empty" {
  default = ""
}
locals {
  obj = { a = 1 }
}
`,
		"terraform.tfvars": "sizes = {\n  SyncGranule = 12000\n}\n",
	})
	m := Load(dir, Options{}).Root
	t.Run("lookup found points at the tfvars entry", func(t *testing.T) {
		wantNumber(t, evalIn(t, m, `lookup(var.sizes, "SyncGranule", 1024)`), 12000, "terraform.tfvars", 2)
	})
	t.Run("lookup default", func(t *testing.T) {
		wantNumber(t, evalIn(t, m, `lookup(var.sizes, "MoveGranules", 1024)`), 1024, "", 0)
	})
	t.Run("merge", func(t *testing.T) {
		wantNumber(t, evalIn(t, m, `lookup(merge(var.sizes, var.extra), "QueueGranules", 1)`), 900, "main.tf", 8)
		wantNumber(t, evalIn(t, m, `merge(var.sizes, {SyncGranule = 64}).SyncGranule`), 64, "", 0)
	})
	t.Run("try", func(t *testing.T) {
		wantNumber(t, evalIn(t, m, `try(local.obj.missing, 7)`), 7, "", 0)
		wantNumber(t, evalIn(t, m, `try(local.obj.a, 7)`), 1, "main.tf", 14)
	})
	t.Run("coalesce", func(t *testing.T) {
		wantString(t, evalIn(t, m, `coalesce(var.empty, "fallback")`), "fallback")
	})
	t.Run("path", func(t *testing.T) {
		// Terraform's values: relative to the root module's folder, which
		// is where terraform runs; path.cwd is absolute.
		wantString(t, evalIn(t, m, `path.module`), ".")
		wantString(t, evalIn(t, m, `"${path.root}/x.asl.json"`), "./x.asl.json")
		wantString(t, evalIn(t, m, `path.cwd`), filepath.ToSlash(dir))
	})
	t.Run("template", func(t *testing.T) {
		f := evalIn(t, m, `"${lookup(var.sizes, "SyncGranule", 0)}-MB"`)
		wantString(t, f, "12000-MB")
		if f.Range.Filename != "test.tf" {
			t.Errorf("a computed string is written where it is computed, got %s", f.Range.Filename)
		}
	})
	t.Run("unsupported function", func(t *testing.T) {
		wantUnknown(t, evalIn(t, m, `filebase64sha256("x.zip")`), "filebase64sha256() at test.tf:1:1 is not evaluated")
	})
}

func TestLocalsAreLazyAndCyclesReported(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
locals {
  a = local.b
  b = local.a
  c = local.d + 1
  d = 41
  self = local.self
  uses_cycle = "${local.a}-x"
}
`})
	m := Load(dir, Options{}).Root
	wantNumber(t, evalIn(t, m, "local.c"), 42, "", 0)
	wantUnknown(t, evalIn(t, m, "local.a"), "cycle: local.a → local.b → local.a")
	wantUnknown(t, evalIn(t, m, "local.self"), "cycle: local.self → local.self")
	wantUnknown(t, evalIn(t, m, "local.uses_cycle"), "cycle")
}

func TestUnknownReferences(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `
variable "no_value" {}
resource "aws_lambda_function" "x" {
  function_name = "x"
}
module "cumulus" {
  source = "https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus.zip//tf-modules/cumulus"
}
`})
	m := Load(dir, Options{}).Root
	for src, why := range map[string]string{
		"var.undeclared":                            "var.undeclared is not declared",
		"var.no_value":                              "var.no_value has no value",
		"local.nope":                                "local.nope is not declared",
		"aws_lambda_function.x.arn":                 "aws_lambda_function.x.arn is known only after apply",
		"aws_lambda_function.nope.arn":              "aws_lambda_function.nope is not declared",
		"module.cumulus.sync_granule_task.task_arn": "module.cumulus not initialised (run terraform init)",
		"module.nope.x":                             `no module "nope"`,
		"count.index":                               "count.* differs per instance of a resource created under count",
		"aws_lambda_function.x[0].arn":              "count/for_each",
		`"${var.no_value}-x"`:                       "var.no_value has no value",
	} {
		t.Run(src, func(t *testing.T) { wantUnknown(t, evalIn(t, m, src), why) })
	}
	wantString(t, evalIn(t, m, "aws_lambda_function.x.function_name"), "x")
}

func TestModuleInputsAndOutputs(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
module "task" {
  source  = "./tasks/x/deploy"
  timeout = 900
}
`,
		"tasks/x/deploy/main.tf": `
variable "timeout" {
  default = 300
}
variable "memory_size" {
  type    = number
  default = 4096
}
output "settings" {
  value = { timeout = var.timeout, memory = var.memory_size, dir = path.module }
}
`,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	wantNumber(t, evalIn(t, d.Root, "module.task.settings.timeout"), 900, "main.tf", 4)
	wantNumber(t, evalIn(t, d.Root, "module.task.settings.memory"), 4096, "main.tf", 7)
	wantString(t, evalIn(t, d.Root, "module.task.settings.dir"), "tasks/x/deploy")
	wantUnknown(t, evalIn(t, d.Root, "module.task.nope"), `has no output "nope"`)
}

func TestModulesJSONIsFollowed(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
module "cumulus" {
  source = "https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus.zip//tf-modules/cumulus"
  prefix = "sit"
}
`,
		".terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},
 {"Key":"cumulus","Source":"https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus.zip//tf-modules/cumulus","Dir":".terraform/modules/cumulus/tf-modules/cumulus"},
 {"Key":"cumulus.ingest","Source":"../ingest","Dir":".terraform/modules/cumulus/tf-modules/ingest"}]}`,
		".terraform/modules/cumulus/tf-modules/cumulus/main.tf": `
variable "prefix" {}
module "ingest" {
  source = "../ingest"
  prefix = var.prefix
}
output "sync_granule_task" {
  value = module.ingest.sync_granule_task
}
`,
		".terraform/modules/cumulus/tf-modules/ingest/main.tf": `
variable "prefix" {}
resource "aws_lambda_function" "sync_granule_task" {
  function_name = "${var.prefix}-SyncGranule"
}
output "sync_granule_task" {
  value = { task_arn = aws_lambda_function.sync_granule_task.arn, name = aws_lambda_function.sync_granule_task.function_name }
}
`,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	if len(d.Modules) != 3 || d.Modules[2].Address() != "module.cumulus.module.ingest" {
		t.Fatalf("modules: %d, want root, cumulus, cumulus.ingest", len(d.Modules))
	}
	wantString(t, evalIn(t, d.Root, "module.cumulus.sync_granule_task.name"), "sit-SyncGranule")
	if v, _, ok := d.CumulusRelease(); !ok || v != "v21.3.3" {
		t.Errorf("release %q, want v21.3.3", v)
	}
	res := d.follow(d.Root, []string{"module", "cumulus", "sync_granule_task", "task_arn"}, 0)
	if res.kind != TargetLambda || res.addr != "module.cumulus.module.ingest.aws_lambda_function.sync_granule_task" {
		t.Errorf("followed to %v %q (%s)", res.kind, res.addr, res.why)
	}
}

func TestModuleCallingItselfStops(t *testing.T) {
	dir := writeTree(t, map[string]string{"main.tf": `module "again" {
  source = "./"
}
`})
	d := Load(dir, Options{})
	if hasDiag(d, "Module calls itself") == nil {
		t.Fatalf("want a nesting diagnostic, got %v", d.Diagnostics)
	}
}

// TestRelativePathsResolveFromTheRootModule: Terraform resolves a relative
// path in file(), fileexists() and templatefile() against the folder it runs
// in, the root module's, in a child module too (where path.module is the
// way to name the child's own folder). Loaded from another working folder,
// stepshift reads the same files.
func TestRelativePathsResolveFromTheRootModule(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
module "child" {
  source = "./child"
}
resource "aws_sfn_state_machine" "root" {
  definition = templatefile("./wf.asl.json", {})
}
locals {
  text    = file("./notes.txt")
  there   = fileexists("notes.txt")
  missing = fileexists("./nope.txt")
  folder  = file("./child")
}
`,
		"notes.txt":     "hello",
		"wf.asl.json":   `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`,
		"child/wf.json": `{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}`,
		"child/main.tf": `
resource "aws_sfn_state_machine" "child" {
  definition = templatefile("${path.module}/wf.json", {})
}
output "root_text" {
  value = file("notes.txt")
}
`,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	wantString(t, evalIn(t, d.Root, "local.text"), "hello")
	wantString(t, evalIn(t, d.Root, "module.child.root_text"), "hello")
	if v := evalIn(t, d.Root, "local.there"); !v.Known || v.Value.True() != true {
		t.Errorf("fileexists(notes.txt) = %#v, want true", v)
	}
	if v := evalIn(t, d.Root, "local.missing"); !v.Known || v.Value.True() {
		t.Errorf("fileexists(./nope.txt) = %#v, want false", v)
	}
	wantUnknown(t, evalIn(t, d.Root, "local.folder"), "is a directory")
	if len(d.Renderings) != 2 {
		t.Fatalf("want 2 renderings, got %d (%v)", len(d.Renderings), d.Diagnostics)
	}
	for _, r := range d.Renderings {
		if r.Document == nil || !strings.HasPrefix(r.TemplatePath, dir) {
			t.Errorf("%s: template %q not read from %s", r.BlockAddress(), r.TemplatePath, dir)
		}
	}
}

// TestFileDefinitionIsARendering: definition = file(...) (a definition with
// no template variables), directly or through a local, is a workflow.
func TestFileDefinitionIsARendering(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
locals {
  sfn_definition = file("${path.module}/b.json")
}
resource "aws_sfn_state_machine" "a" {
  definition = file("./a.json")
}
resource "aws_sfn_state_machine" "b" {
  definition = local.sfn_definition
}
resource "aws_instance" "x" {
  user_data = file("./a.json")
}
`,
		"a.json": `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`,
		"b.json": `{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}`,
	})
	d := Load(dir, Options{})
	noErrors(t, d)
	var got []string
	for _, r := range d.Renderings {
		if r.Document == nil {
			t.Errorf("%s: not read", r.BlockAddress())
			continue
		}
		got = append(got, r.BlockAddress()+" "+filepath.Base(r.TemplatePath))
	}
	if strings.Join(got, ", ") != "local.sfn_definition b.json, aws_sfn_state_machine.a a.json" && strings.Join(got, ", ") != "aws_sfn_state_machine.a a.json, local.sfn_definition b.json" {
		t.Errorf("renderings %v; want aws_sfn_state_machine.a (a.json) and local.sfn_definition (b.json), not user_data", got)
	}
}

// TestLambdaARNBuiltAsString: a templatefile() map value that builds a
// Lambda ARN from parts is a Lambda: the deployment's function when the
// name after ":function:" evaluates to one of its function_names, else
// unknown saying which name, or why the name is unknown.
func TestLambdaARNBuiltAsString(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
variable "prefix" {
  default = "op"
}
variable "nameless" {}
data "aws_caller_identity" "current" {}
resource "aws_lambda_function" "response" {
  function_name = "${var.prefix}-Response"
  memory_size   = 512
}
resource "aws_sfn_state_machine" "sm" {
  definition = templatefile("./wf.json", {
    "Found"   = "arn:aws:lambda:us-west-2:${data.aws_caller_identity.current.account_id}:function:${var.prefix}-Response"
    "Foreign" = "arn:aws:lambda:us-west-2:${data.aws_caller_identity.current.account_id}:function:${var.prefix}-MoveGranules:live"
    "Nameless" = "arn:aws:lambda:us-west-2:123456789012:function:${var.nameless}"
  })
}
`,
		"wf.json": `{"StartAt": "A", "States": {
  "A": {"Type": "Task", "Resource": "${Found}", "Next": "B"},
  "B": {"Type": "Task", "Resource": "${Foreign}", "Next": "C"},
  "C": {"Type": "Task", "Resource": "${Nameless}", "End": true}}}`,
	})
	d := Load(dir, Options{})
	if len(d.Renderings) != 1 || len(d.Renderings[0].Tasks) != 3 {
		t.Fatalf("want 3 Tasks, got %v", d.Diagnostics)
	}
	tasks := d.Renderings[0].Tasks
	if tk := tasks[0]; tk.Target.Kind != TargetLambda || tk.Target.Address != "aws_lambda_function.response" || !tk.Lambda.MemoryMB.Known {
		t.Errorf("Found: %+v", tk.Target)
	}
	if tk := tasks[1]; tk.Target.Kind != TargetLambda || tk.Target.Resource != nil || !strings.Contains(tk.Target.Why, "function op-MoveGranules") {
		t.Errorf("Foreign: %+v", tk.Target)
	}
	if tk := tasks[2]; tk.Target.Kind != TargetLambda || !strings.Contains(tk.Target.Why, "function name is not known") {
		t.Errorf("Nameless: %+v", tk.Target)
	}
}
