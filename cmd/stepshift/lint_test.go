package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform/terraformtest"
)

// runCLI runs stepshift in-process from the module root and returns its exit
// code and output.
func runCLI(t testing.TB, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"stepshift"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func inModuleRoot(t testing.TB) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(standin.ModuleRoot()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
}

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const cleanWorkflow = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`
const brokenWorkflow = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}`

func TestLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.asl.json", cleanWorkflow)
	broken := writeFile(t, dir, "broken.asl.json", brokenWorkflow)
	folder := filepath.Join(dir, "folder.asl.json")
	os.Mkdir(folder, 0o755)
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout+stderr
	}{
		{"clean file", []string{"lint", clean}, exitClean, ""},
		{"finding", []string{"lint", broken}, exitFindings, "broken.asl.json:1:"},
		{"bad flag", []string{"lint", "--bogus", clean}, exitUsage, "bogus"},
		{"bad fail-on", []string{"lint", "--fail-on", "fatal", clean}, exitUsage, "--fail-on"},
		{"bad format", []string{"lint", "--format", "xml", clean}, exitUsage, "unknown format"},
		{"missing path", []string{"lint", filepath.Join(dir, "nope.asl.json")}, exitUsage, "no such file"},
		{"unknown command", []string{"lnt"}, exitUsage, "unknown command"},
		{"folder", []string{"lint", "--no-terraform", dir}, exitFindings, "broken.asl.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if !strings.Contains(out+errOut, c.want) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", c.want, out, errOut)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace on stderr: %s", errOut)
			}
		})
	}
}

func TestLintStdin(t *testing.T) {
	code, out, _ := runCLI(t, brokenWorkflow, "lint", "--stdin-filename", "piped.asl.json", "-")
	if code != exitFindings || !strings.HasPrefix(out, "piped.asl.json:1:") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func TestLintBadConfigIsUsageError(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, ".stepshift.hcl", "rule \"no-such-rule\" {\n  enabled = false\n}\n")
	wf := writeFile(t, dir, "a.asl.json", cleanWorkflow)
	code, _, errOut := runCLI(t, "", "lint", "--config", cfg, wf)
	if code != exitUsage || !strings.Contains(errOut, ".stepshift.hcl:1:") {
		t.Errorf("exit %d, stderr %q: want 2 and a positioned message", code, errOut)
	}
}

func TestLintFailOnWarning(t *testing.T) {
	dir := t.TempDir()
	// A Task with an unknown URI resource is a warning, not an error.
	wf := writeFile(t, dir, "w.asl.json", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "foo:bar", "End": true}}}`)
	codeDefault, out, _ := runCLI(t, "", "lint", wf)
	codeWarn, _, _ := runCLI(t, "", "lint", "--fail-on", "warning", wf)
	if codeDefault != exitClean || codeWarn != exitFindings {
		t.Errorf("exit %d (default) and %d (--fail-on warning); want 0 and 1; output %s", codeDefault, codeWarn, out)
	}
}

func TestLintUnreadableIsExit3(t *testing.T) {
	dir := t.TempDir()
	// A named file that cannot be read as a file (here: a folder passed with
	// --no-terraform inside a walk is skipped, so use a dangling symlink).
	link := filepath.Join(dir, "gone.asl.json")
	if err := os.Symlink(filepath.Join(dir, "missing-target"), link); err != nil {
		t.Skip(err)
	}
	code, _, errOut := runCLI(t, "", "lint", "--no-terraform", dir)
	if code != exitInternal || !strings.Contains(errOut, "gone.asl.json") {
		t.Errorf("exit %d, stderr %q: want 3 naming the file", code, errOut)
	}
}

// TestQuickStartExample runs the README's first command: the bundled
// deployment must show the over-limit findings and exit 1.
func TestQuickStartExample(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	code, out, errOut := runCLI(t, "", "lint", "--no-color", "fixtures/deployments/cumulus-tf")
	if code != exitFindings {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"[lambda-memory]", "12,000 MB", "terraform.tfvars:", "[lambda-timeout]", "[lambda-package-size]"} {
		if !strings.Contains(out, want) {
			t.Errorf("quick-start output lacks %q\n%s", want, out)
		}
	}
}

// benchProcess times the shipped front (`make build`'s bin/stepshift) as a
// process; commands it hands to stepshift-full include that exec.
func benchProcess(b *testing.B, wantCode int, args ...string) {
	bin := buildShipped(b).lean
	inModuleRoot(b)
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			b.Fatal(err)
		}
		if code != wantCode {
			b.Fatalf("exit %d, want %d", code, wantCode)
		}
	}
}

// BenchmarkLintProcessDeployment: linting the bundled example deployment end
// to end as a process (budget: under 100 ms wall).
func BenchmarkLintProcessDeployment(b *testing.B) {
	terraformtest.EnsureBigZip(b)
	benchProcess(b, exitFindings, "lint", "fixtures/deployments/cumulus-tf")
}

// BenchmarkMigrateProcessOverLimit: `migrate --over-limit` on the bundled
// example as a process (budget: under 150 ms wall).
func BenchmarkMigrateProcessOverLimit(b *testing.B) {
	terraformtest.EnsureBigZip(b)
	// Exit 0: every over-limit step migrates, the twice-rendered
	// sync_granule_workflow with one activity per Lambda.
	benchProcess(b, exitClean, "migrate", "--over-limit", "fixtures/deployments/cumulus-tf")
}

// TestSummaryVerdictPerRendering: one workflow file rendered by two modules
// reaching two Lambdas gets one verdict per rendering, from that rendering's
// findings only; a deprecated runtime alone is not "near limit".
func TestSummaryVerdictPerRendering(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	_, out, errOut := runCLI(t, "", "lint", "--format", "json", "--today", "2026-11-27", "fixtures/deployments/cumulus-tf")
	var rep struct {
		Findings []struct {
			Rule, Pointer, Rendering string
		} `json:"findings"`
		Summary []struct {
			Workflow, Rendering, State, Verdict, Note string
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	want := map[string]string{
		"module.sync_granule_workflow/SyncGranule":          "over limit", // 12,000 MB
		"module.sync_granule_priority_workflow/SyncGranule": "near limit", // 900 s, its own Lambda
		"module.parse_pdr_workflow/ParsePdr":                "ok",         // only a deprecated runtime
		"module.ingest_granule_workflow/ProcessingStep":     "unknown",
	}
	for _, r := range rep.Summary {
		key := r.Rendering + "/" + r.State
		if w, ok := want[key]; ok {
			if r.Verdict != w {
				t.Errorf("%s: verdict %q, want %q", key, r.Verdict, w)
			}
			if w == "unknown" && r.Note == "" {
				t.Errorf("%s: an unknown verdict must say why", key)
			}
			delete(want, key)
		}
	}
	for k := range want {
		t.Errorf("no summary row %s", k)
	}
	renderings := map[string]bool{}
	for _, f := range rep.Findings {
		if strings.HasSuffix(f.Pointer, "/SyncGranule/Resource") && f.Rule == "lambda-timeout" {
			renderings[f.Rendering] = true
		}
	}
	if !renderings["module.sync_granule_priority_workflow"] {
		t.Errorf("findings must carry their rendering; lambda-timeout on SyncGranule came from %v", renderings)
	}
}

func TestLintUsageMistakes(t *testing.T) {
	inModuleRoot(t)
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.asl.json", cleanWorkflow)
	dangling := filepath.Join(dir, "gone.asl.json")
	if err := os.Symlink(filepath.Join(dir, "missing.asl.json"), dangling); err != nil {
		t.Fatal(err)
	}
	alone := writeFile(t, dir, "alone.asl.json", cleanWorkflow)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"flag after path", []string{"lint", clean, "--format", "compact"}, exitUsage, "flags go before paths"},
		{"dangling symlink", []string{"lint", dangling}, exitInternal, "cannot read " + dangling},
		{"bad --var", []string{"lint", "--var", "bogus", clean}, exitUsage, `--var "bogus"`},
		{"bad --var name", []string{"lint", "--var", "1x=2", clean}, exitUsage, "NAME=VALUE"},
		{"migrate bad --var", []string{"migrate", "--all-lambda", "--var", "bogus", "fixtures/rules/lambda-timeout"}, exitUsage, `--var "bogus"`},
		{"tf-dir renders nothing of it", []string{"lint", "--tf-dir", "fixtures/rules/lambda-timeout", alone}, exitClean, "no templatefile() or heredoc in fixtures/rules/lambda-timeout renders " + alone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", c.args...)
			if code != c.code || !strings.Contains(out+errOut, c.want) {
				t.Errorf("exit %d (want %d), output lacks %q?\nstdout: %s\nstderr: %s", code, c.code, c.want, out, errOut)
			}
		})
	}
}

// TestTFDirLintsWithThatDeployment: --tf-dir joins a workflow file to the
// deployment in another folder, so its Tasks get Lambda facts.
func TestTFDirLintsWithThatDeployment(t *testing.T) {
	inModuleRoot(t)
	code, out, errOut := runCLI(t, "", "lint", "--no-color", "--tf-dir", "fixtures/rules/lambda-timeout", "fixtures/rules/lambda-timeout/ingest.asl.json")
	if code != exitFindings || !strings.Contains(out, `Lambda "sit-SyncGranule" (aws_lambda_function.sync_granule) has a 1,200 s timeout`) {
		t.Errorf("exit %d, want the Terraform-backed timeout error:\n%s\n%s", code, out, errOut)
	}
}

func TestFindingsExitCode(t *testing.T) {
	warn := lint.Finding{Rule: "lambda-timeout", Severity: lint.Warning}
	crash := lint.Finding{Rule: "internal-error", Severity: lint.Error}
	for _, c := range []struct {
		fs     []lint.Finding
		failOn lint.Severity
		want   int
	}{
		{nil, lint.Error, exitClean},
		{[]lint.Finding{warn}, lint.Error, exitClean},
		{[]lint.Finding{warn}, lint.Warning, exitFindings},
		{[]lint.Finding{warn, crash}, lint.Warning, exitInternal},
		{[]lint.Finding{crash}, lint.Error, exitInternal},
	} {
		if got := findingsExitCode(c.fs, c.failOn); got != c.want {
			t.Errorf("findingsExitCode(%v, %v) = %d, want %d", c.fs, c.failOn, got, c.want)
		}
	}
}

// TestSummaryUnknownAloneSaysWhy: a workflow linted without Terraform (no
// rendering of it followed) still gets a reason for its unknown verdicts.
func TestSummaryUnknownAloneSaysWhy(t *testing.T) {
	inModuleRoot(t)
	_, out, errOut := runCLI(t, "", "lint", "--format", "json", "--no-terraform", "fixtures/deployments/vars-indirect/sync.asl.json")
	var rep struct {
		Summary []struct{ State, Verdict, Note string } `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	if len(rep.Summary) != 1 || rep.Summary[0].Verdict != "unknown" || !strings.Contains(rep.Summary[0].Note, "linted without Terraform") {
		t.Errorf("summary %+v", rep.Summary)
	}
}
