package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crashCatchWorkflow catches Lambda.Unknown (a Lambda out of memory or
// timed out) on its own route: an activity never raises it, so after the
// migration a dead worker (States.HeartbeatTimeout) takes the Catch-all
// route instead, which the behaviour check must report.
const crashCatchWorkflow = `{
  "StartAt": "Process",
  "States": {
    "Process": {
      "Type": "Task",
      "Resource": "${process_task_arn}",
      "Catch": [
        {"ErrorEquals": ["Lambda.Unknown"], "ResultPath": "$.exception", "Next": "OutOfMemory"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Failed"}
      ],
      "End": true
    },
    "OutOfMemory": {"Type": "Fail", "Error": "OutOfMemory"},
    "Failed": {"Type": "Fail", "Error": "Failed"}
  }
}
`

const crashCatchTerraform = `variable "prefix" {
  type = string
}

module "cumulus" {
  source = "https://github.com/nasa/cumulus/releases/download/v20.0.0/terraform-aws-cumulus.zip//tf-modules/cumulus"
  prefix = var.prefix
}

resource "aws_lambda_function" "process" {
  function_name = "process"
  role          = "arn:aws:iam::123456789012:role/lambda"
  handler       = "index.handler"
  runtime       = "nodejs22.x"
  s3_bucket     = "b"
  s3_key        = "process.zip"
}

resource "aws_sfn_state_machine" "workflow" {
  name     = "crash"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  definition = templatefile("${path.module}/crash.asl.json", {
    process_task_arn = aws_lambda_function.process.arn
  })
}
`

// TestMigrateWriteRefusesDifferentBehaviour: a migration the behaviour
// check finds different is reported on the state with both paths; --write
// writes nothing and exits 1; --force writes it and exits 0.
func TestMigrateWriteRefusesDifferentBehaviour(t *testing.T) {
	dir := t.TempDir()
	wf := writeFile(t, dir, "crash.asl.json", crashCatchWorkflow)
	writeFile(t, dir, "main.tf", crashCatchTerraform)
	entries := func() int {
		es, _ := os.ReadDir(dir)
		return len(es)
	}
	files := entries()

	code, out, errOut := runCLI(t, "", "migrate", "--step", "Process", dir)
	if code != exitFindings {
		t.Fatalf("diff mode: exit %d, want %d\n%s\n%s", code, exitFindings, out, errOut)
	}
	for _, want := range []string{
		"crash.asl.json:4:5: Process: behaviour differs when Process's worker dies",
		"original path: Process → OutOfMemory",
		"migrated path: Process → Failed",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "+++ b/crash.asl.json") {
		t.Errorf("diff mode still shows the diff:\n%s", out)
	}

	code, _, errOut = runCLI(t, "", "migrate", "--step", "Process", "--write", dir)
	if code != exitFindings || !strings.Contains(errOut, "nothing was written") || !strings.Contains(errOut, "behaviour differs") {
		t.Fatalf("--write: exit %d, want %d with the reason\n%s", code, exitFindings, errOut)
	}
	if b, _ := os.ReadFile(wf); string(b) != crashCatchWorkflow || entries() != files {
		t.Fatalf("a refused --write changed the deployment")
	}
	out2 := filepath.Join(t.TempDir(), "copy")
	if code, _, _ := runCLI(t, "", "migrate", "--step", "Process", "--out", out2, dir); code != exitFindings {
		t.Errorf("--out: exit %d, want %d", code, exitFindings)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Errorf("a refused --out wrote %s", out2)
	}

	code, out, errOut = runCLI(t, "", "migrate", "--step", "Process", "--write", "--force", dir)
	if code != exitClean || !strings.Contains(out, "behaviour differs") {
		t.Fatalf("--write --force: exit %d, want %d with the difference still reported\n%s\n%s", code, exitClean, out, errOut)
	}
	if b, _ := os.ReadFile(wf); !strings.Contains(string(b), "process_activity_arn") || entries() != files+1 {
		t.Errorf("--force did not write the migration:\n%s", b)
	}
}
