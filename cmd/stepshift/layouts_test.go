package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deploymentLayouts are the Terraform layouts of public Cumulus deployments,
// each a fixture under fixtures/deployments with its workflow files (for
// --tf-dir): relative templatefile()/filename paths and a template in a
// subfolder; a module output carrying the rendered definition (bignbit); a
// local carrying it; a workflow that is a local module of its own; every
// reason a Task's Lambda stays unknown; the template provider's
// data "template_file" and a template in a module not yet downloaded;
// templatefile() variables given as a local, a variable or merge() of
// them, and a Lambda reached through an alias; one for_each resource whose
// instances are the workflows; a template variable its map lacks; a task
// ARN output written as a condition; a workflow module called under
// for_each (one rendering per instance).
var deploymentLayouts = map[string][]string{
	"relative-paths":       {"ingest.asl.json", "workflows/publish.asl.json"},
	"module-output":        {"bignbit/state_machine_definition.tpl"},
	"locals-definition":    {"templates/process.json.tmpl"},
	"workflow-module":      {"workflows/discover/discover.asl.json"},
	"unknown-why":          {"unknowns.asl.json"},
	"template-data":        {"state_machine_definition.json"},
	"vars-indirect":        {"sync.asl.json", "publish.asl.json"},
	"foreach-workflows":    {"workflows/discover.asl.json", "workflows/sync.asl.json"},
	"template-var-missing": {"recover.asl.json"},
	"conditional-arn":      {"version.asl.json"},
	"foreach-module":       {"wf/discover.asl.json", "wf/sync.asl.json"},
}

// TestLayoutsLintTheSameFromAnywhere lints each layout from its parent
// folder, from inside it and through --tf-dir with its workflow files, and
// wants the findings of fixtures/deployments/<layout>/lint.golden every time
// (paths relative to the deployment, as the golden writes them).
func TestLayoutsLintTheSameFromAnywhere(t *testing.T) {
	inModuleRoot(t)
	for name, files := range deploymentLayouts {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("fixtures", "deployments", name)
			want, err := os.ReadFile(filepath.Join(dir, "lint.golden"))
			if err != nil {
				t.Fatal(err)
			}
			abs, _ := filepath.Abs(dir)
			common := []string{"lint", "--format", "json", "--today", "2026-03-01"}
			fromParent := lintJSONFindings(t, abs, append(common, dir)...)
			var viaTFDir []string
			for _, f := range files {
				viaTFDir = append(viaTFDir, filepath.Join(dir, f))
			}
			throughTFDir := lintJSONFindings(t, abs, append(append(common, "--tf-dir", dir), viaTFDir...)...)
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			fromInside := lintJSONFindings(t, abs, append(common, ".")...)
			os.Chdir(wd)
			for how, got := range map[string]string{"from the parent": fromParent, "from inside": fromInside, "through --tf-dir": throughTFDir} {
				if got != string(want) {
					t.Errorf("%s: findings differ from %s:\n%s\nwant:\n%s", how, filepath.Join(dir, "lint.golden"), got, want)
				}
			}
		})
	}
}

// lintJSONFindings runs `stepshift lint --format json` and renders its
// findings as lint.golden does: paths relative to dir, related locations
// indented below their finding.
func lintJSONFindings(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, "", args...)
	if code != exitClean && code != exitFindings {
		t.Fatalf("%v: exit %d\n%s", args, code, errOut)
	}
	var doc struct {
		Findings []struct {
			Rule, Severity, Message, File string
			Line, Column                  int
			Related                       []struct {
				File, Message string
				Line, Column  int
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	wd, _ := os.Getwd()
	rel := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(wd, p)
		}
		if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return filepath.ToSlash(p)
	}
	// Messages that quote a path quote it from the working folder.
	fromWD, _ := filepath.Rel(wd, dir)
	var b strings.Builder
	for _, f := range doc.Findings {
		msg := strings.ReplaceAll(f.Message, dir+string(filepath.Separator), "")
		if fromWD != "." {
			msg = strings.ReplaceAll(msg, fromWD+string(filepath.Separator), "")
		}
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s [%s]\n", rel(f.File), f.Line, f.Column, f.Severity, msg, f.Rule)
		for _, r := range f.Related {
			fmt.Fprintf(&b, "    %s:%d:%d: %s\n", rel(r.File), r.Line, r.Column, r.Message)
		}
	}
	return b.String()
}

// TestNothingToLintIsAUsageError: a folder or file argument with no state
// machine under it exits 2 naming it, so a gate pointed at the wrong folder
// fails.
func TestNothingToLintIsAUsageError(t *testing.T) {
	empty := t.TempDir()
	tfOnly := t.TempDir()
	writeFile(t, tfOnly, "main.tf", "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n")
	notInit := t.TempDir()
	writeFile(t, notInit, "main.tf", `module "big" {
  source = "https://github.com/podaac/bignbit/releases/download/0.1.0/bignbit.zip"
}
resource "aws_sfn_state_machine" "sm" {
  definition = templatefile("${path.module}/.terraform/modules/big/sfn.json", {})
}
`)
	for _, arg := range []string{empty, tfOnly, filepath.Join(tfOnly, "main.tf"), notInit} {
		code, _, errOut := runCLI(t, "", "lint", arg)
		if code != exitUsage || !strings.Contains(errOut, "no state machine definitions found under "+filepath.Clean(arg)) {
			t.Errorf("lint %s: exit %d, stderr %q; want exit 2 naming it", arg, code, errOut)
		}
	}
}

// TestWorkflowFileReportsOnlyItsLambdas: linting one workflow of a
// deployment reports the Lambdas that workflow runs, not a problem of
// another workflow's function.
func TestWorkflowFileReportsOnlyItsLambdas(t *testing.T) {
	inModuleRoot(t)
	dir := filepath.Join("fixtures", "deployments", "relative-paths")
	_, out, _ := runCLI(t, "", "lint", "--format", "compact", "--today", "2026-03-01", filepath.Join(dir, "workflows", "publish.asl.json"))
	if strings.Contains(out, "sync-granule.zip") || strings.Contains(out, "nodejs16.x") {
		t.Errorf("publish.asl.json reported the SyncGranule function it does not run:\n%s", out)
	}
	if !strings.Contains(out, `"rel-Publish"`) {
		t.Errorf("publish.asl.json was not linted with its deployment:\n%s", out)
	}
	_, out, _ = runCLI(t, "", "lint", "--format", "compact", "--today", "2026-03-01", filepath.Join(dir, "ingest.asl.json"))
	if strings.Count(out, "sync-granule.zip") != 1 || strings.Count(out, "nodejs16.x") != 1 {
		t.Errorf("ingest.asl.json: want the missing zip and the runtime once each:\n%s", out)
	}
}

// TestSubfolderTemplateOnceInSummary: a template in a subfolder of its
// deployment is one table in --summary, rendered, not a second unrendered one.
func TestSubfolderTemplateOnceInSummary(t *testing.T) {
	inModuleRoot(t)
	_, out, _ := runCLI(t, "", "lint", "--no-color", "--summary", "--today", "2026-03-01", filepath.Join("fixtures", "deployments", "relative-paths"))
	if n := strings.Count(out, "publish.asl.json (aws_sfn_state_machine.publish)"); n != 1 {
		t.Errorf("want the rendered table once, got %d:\n%s", n, out)
	}
	if strings.Contains(out, "publish.asl.json\n") {
		t.Errorf("an unrendered table of publish.asl.json:\n%s", out)
	}
}

// TestLocalWorkflowModuleLintedOnce: a workflow module's template is linted
// in the root's context only, not again as the root of its own folder.
func TestLocalWorkflowModuleLintedOnce(t *testing.T) {
	inModuleRoot(t)
	_, out, _ := runCLI(t, "", "lint", "--no-color", "--summary", "--today", "2026-03-01", filepath.Join("fixtures", "deployments", "workflow-module"))
	if n := strings.Count(out, "discover.asl.json ("); n != 1 || !strings.Contains(out, "(module.discover_workflow.aws_sfn_state_machine.discover)") {
		t.Errorf("want one table, in the root's context:\n%s", out)
	}
	// The module's workflow file named alone finds the root that calls
	// the module, so its Task gets the root's Lambda.
	_, out, _ = runCLI(t, "", "lint", "--no-color", "--summary", "--today", "2026-03-01",
		filepath.Join("fixtures", "deployments", "workflow-module", "workflows", "discover", "discover.asl.json"))
	if !strings.Contains(out, "(module.discover_workflow.aws_sfn_state_machine.discover)") || !strings.Contains(out, "wm-Discover") {
		t.Errorf("the module's file alone is not linted in the root's context:\n%s", out)
	}
}

// TestUnknownVerdictSaysWhy: each way a Task's Lambda stays unknown is a
// named note in the summary: a per-instance value of a for_each resource,
// an ARN from terraform_remote_state, a literal ARN, a local module that is
// not there, a remote module not downloaded; an instance of a count
// resource gets the configuration every instance shares, and says so.
func TestUnknownVerdictSaysWhy(t *testing.T) {
	inModuleRoot(t)
	_, out, _ := runCLI(t, "", "lint", "--format", "json", "--today", "2026-03-01", filepath.Join("fixtures", "deployments", "unknown-why"))
	var doc struct {
		Summary []struct{ State, Verdict, Note string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"PerCollection": {"ok", "created under count"},
		"PerProvider":   {"unknown", "created under for_each"},
		"Recovery":      {"unknown", "another Terraform stack's state (data.terraform_remote_state.cumulus"},
		"Literal":       {"unknown", "a literal ARN string"},
		"Missing":       {"unknown", "source ./modules/not-here not found"},
		"SyncGranule":   {"unknown", "not initialised (run terraform init)"},
		"Built":         {"ok", "matched by function_name uw-Built"},
	}
	for _, row := range doc.Summary {
		w, ok := want[row.State]
		if !ok {
			continue
		}
		delete(want, row.State)
		if row.Verdict != w[0] || !strings.Contains(row.Note, w[1]) {
			t.Errorf("%s: verdict %q note %q; want %q with %q", row.State, row.Verdict, row.Note, w[0], w[1])
		}
	}
	for state := range want {
		t.Errorf("no summary row for %s", state)
	}
}

// TestFolderOfDeployments: a repository folder with no .tf of its own lints
// each Terraform root below it (bignbit: examples/cumulus-tf calls
// ../../terraform); a folder another root calls as a module is linted in
// that root's context, once, not again as a root of its own.
func TestFolderOfDeployments(t *testing.T) {
	repo := t.TempDir()
	for path, text := range map[string]string{
		"terraform/main.tf": `variable "prefix" {
  type = string
}
resource "aws_lambda_function" "build" {
  function_name = "${var.prefix}-build"
  memory_size   = 10240
  timeout       = 60
}
output "workflow_definition" {
  value = templatefile("${path.module}/sfn.tpl", { build_arn = aws_lambda_function.build.arn })
}
`,
		"terraform/sfn.tpl": `{"StartAt": "Build", "States": {"Build": {"Type": "Task", "Resource": "${build_arn}", "End": true}}}`,
		"examples/cumulus-tf/main.tf": `module "bignbit" {
  source = "../../terraform"
  prefix = "ex"
}
resource "aws_sfn_state_machine" "sm" {
  definition = module.bignbit.workflow_definition
}
`,
	} {
		p := filepath.Join(repo, filepath.FromSlash(path))
		os.MkdirAll(filepath.Dir(p), 0o755)
		writeFile(t, filepath.Dir(p), filepath.Base(p), text)
	}
	code, out, errOut := runCLI(t, "", "lint", "--format", "json", repo)
	var doc struct {
		Summary []struct{ Workflow, Rendering, State, Lambda string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", code, err, out, errOut)
	}
	if len(doc.Summary) != 1 || doc.Summary[0].Rendering != "module.bignbit.output.workflow_definition" || doc.Summary[0].Lambda != "ex-build" {
		t.Errorf("want Build once, in examples/cumulus-tf's context (Lambda ex-build); got %+v", doc.Summary)
	}
	if !strings.Contains(out, "10,240 MB") {
		t.Errorf("the Lambda facts of the rendering module are not used:\n%s", out)
	}
	// The module folder alone: its output is named as a definition, so it
	// is linted with its own Lambda (prefix unknown there).
	code, out, errOut = runCLI(t, "", "lint", "--format", "compact", filepath.Join(repo, "terraform"))
	if code == exitUsage || !strings.Contains(out, "10,240 MB") {
		t.Errorf("the module folder alone: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestRuntimeBlockedVerdictReachesEveryTask: a runtime AWS no longer
// updates is one finding at the Terraform line, and still the verdict of
// every Task that runs the function (before that day the Tasks are near
// their limit only through task-timeout).
func TestRuntimeBlockedVerdictReachesEveryTask(t *testing.T) {
	inModuleRoot(t)
	for day, want := range map[string]string{"2026-03-01": "near limit", "2027-03-03": "over limit"} {
		_, out, _ := runCLI(t, "", "lint", "--format", "json", "--today", day, filepath.Join("fixtures", "deployments", "relative-paths"))
		var doc struct {
			Summary []struct{ State, Verdict string }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		for _, row := range doc.Summary {
			if (row.State == "SyncGranule" || row.State == "SyncAgain") && row.Verdict != want {
				t.Errorf("%s on %s: verdict %q, want %q", row.State, day, row.Verdict, want)
			}
		}
	}
}

// TestGraphMarksFunctionFacts: a finding about a function (its runtime, at
// the Terraform line) still marks every Task state that runs it in a graph.
func TestGraphMarksFunctionFacts(t *testing.T) {
	inModuleRoot(t)
	code, out, errOut := runCLI(t, "", "graph", filepath.Join("fixtures", "deployments", "relative-paths"))
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, st := range []string{"SyncGranule", "SyncAgain"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			found = found || (strings.Contains(line, `["`+st+`<br>`) && strings.Contains(line, "lambda-runtime"))
		}
		if !found {
			t.Errorf("%s is not marked with lambda-runtime:\n%s", st, out)
		}
	}
}
