package terraform

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

const fuzzWorkflow = `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${a_arn}", "End": true}}}`

func FuzzLoadDeployment(f *testing.F) {
	seeds := []string{
		`module "wf" {
  source = "./wf"
  state_machine_definition = templatefile("${path.module}/w.asl.json", { a_arn: aws_lambda_function.a.arn, })
}
resource "aws_lambda_function" "a" {
  function_name = "a"
  memory_size   = lookup(var.m, "A", 128)
  filename      = "${path.module}/a.zip"
  ephemeral_storage {
    size = 1024
  }
}
variable "m" {
  default = { A = 3008 }
}`,
		"locals {\n  a = local.b\n  b = local.a\n}\n",
		"resource \"aws_sfn_state_machine\" \"x\" {\n  definition = <<-JSON\n  {\"StartAt\": \"A\", \"States\": {\"A\": {\"Type\": \"Task\", \"Resource\": \"${aws_lambda_function.a.arn}\", \"End\": true}}}\n  JSON\n}\n",
		"module \"x\" {\n  source = \"./\"\n}\n",
		"resource \"x\" {\n  a = \n",
		// vars through locals, variables and merge(); an alias; a condition; for_each instances.
		`locals {
  v = { a_arn = aws_lambda_alias.l.arn }
}
variable "d" {
  default = { a_arn = "arn:aws:lambda:us-east-1:1:function:a" }
}
resource "aws_lambda_function" "a" {
  function_name = "a"
}
resource "aws_lambda_alias" "l" {
  function_name = var.on ? aws_lambda_function.a.function_name : aws_lambda_function.a.arn
}
variable "on" {}
resource "aws_sfn_state_machine" "m" {
  definition = templatefile("${path.module}/w.asl.json", merge(var.d, local.v))
}
resource "aws_sfn_state_machine" "e" {
  for_each   = { w = local.v, v = var.d }
  definition = templatefile("${path.module}/${each.key}.asl.json", each.value)
}`,
		// A module called under for_each, its template path from each.key.
		"module \"m\" {\n  for_each = toset([\"w\", \"x\"])\n  source = \"./wf\"\n  name = each.key\n}\nresource \"aws_sfn_state_machine\" \"s\" {\n  definition = templatefile(\"${path.module}/${var.name}.asl.json\", {})\n}\nvariable \"name\" { default = \"w\" }\n",
		// Definitions reached through locals, outputs, data "template_file", file().
		`locals {
  sfn_definition = templatefile("./w.asl.json", { a_arn = "arn:aws:lambda:us-east-1:${data.aws_caller_identity.c.account_id}:function:${local.n}-x" })
  n = fileexists("./w.asl.json") ? "a" : file("./nope")
}
output "workflow_definition" {
  value = data.template_file.t.rendered
}
data "template_file" "t" {
  template = file("${path.module}/w.asl.json")
  vars     = { a_arn = aws_lambda_function.a[0].arn }
}
resource "aws_lambda_function" "a" {
  count         = 2
  function_name = "a-${count.index}"
}
resource "aws_sfn_state_machine" "x" {
  definition = local.sfn_definition
}
resource "aws_sfn_state_machine" "y" {
  definition = file(path.cwd)
}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	dir := f.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "wf"), 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "w.asl.json"), []byte(fuzzWorkflow), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		d := Load(dir, Options{})
		for _, r := range d.Renderings {
			for _, tk := range r.Tasks {
				if tk.Target.Kind == TargetLambda && tk.Lambda == nil {
					t.Fatal("a Lambda target without facts")
				}
			}
		}
		if err := d.WriteFacts(discard{}); err != nil {
			t.Fatal(err)
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// generateFolder writes a 200-file deployment: 100 task Lambdas with the
// lookup pattern and 100 workflow modules rendering real corpus workflows.
func generateFolder(b *testing.B, files int) string {
	b.Helper()
	dir := b.TempDir()
	corpus := filepath.Join(standin.CorpusDir(b), "cumulus", "workflows", "sync_granule_workflow.asl.json")
	wf, err := os.ReadFile(corpus)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sync_granule_workflow.asl.json"), wf, 0o644); err != nil {
		b.Fatal(err)
	}
	vars := "variable \"lambda_memory_sizes\" {\n  type    = map(number)\n  default = {}\n}\nvariable \"lambda_timeouts\" {\n  type    = map(number)\n  default = {}\n}\nvariable \"prefix\" {\n  default = \"bench\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "variables.tf"), []byte(vars), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := 1; i < files; i++ {
		var src string
		if i%2 == 0 {
			src = fmt.Sprintf(`resource "aws_lambda_function" "task_%d" {
  function_name = "${var.prefix}-Task%d"
  s3_bucket     = "bucket"
  s3_key        = "task%d.zip"
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  timeout       = lookup(var.lambda_timeouts, "Task%d", 300)
  memory_size   = lookup(var.lambda_memory_sizes, "Task%d", 1024)
  environment {
    variables = { stackName = var.prefix }
  }
}
`, i, i, i, i, i)
		} else {
			src = fmt.Sprintf(`module "workflow_%d" {
  source = "https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus-workflow.zip"
  name   = "Workflow%d"
  state_machine_definition = templatefile("${path.module}/sync_granule_workflow.asl.json", {
    sync_granule_task_arn = aws_lambda_function.task_%d.arn,
  })
}
`, i, i, i+1)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file_%03d.tf", i)), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// Budget: loading a 200-file folder (every rendering resolved, every Lambda's
// facts evaluated) in under 200 ms.
func BenchmarkLoad200Files(b *testing.B) {
	dir := generateFolder(b, 200)
	b.ResetTimer()
	for b.Loop() {
		d := Load(dir, Options{})
		if len(d.Renderings) != 100 || d.Renderings[99].Tasks[0].Lambda == nil {
			b.Fatalf("renderings %d", len(d.Renderings))
		}
	}
}

// Fixture (a), the README quick-start deployment.
func BenchmarkLoadCumulusTF(b *testing.B) {
	loadFixture(b, "cumulus-tf")
	b.ResetTimer()
	for b.Loop() {
		if d := Load(filepath.Join(fixturesDir, "cumulus-tf"), Options{}); len(d.Renderings) == 0 {
			b.Fatal("no renderings")
		}
	}
}
