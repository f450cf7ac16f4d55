package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/terraform/terraformtest"
)

// reportLines writes n REPORT lines of one function, the last using peakMB
// (and ending out of memory when oom is set).
func reportLines(n, memoryMB, peakMB int, oom bool) string {
	var b strings.Builder
	for i := range n {
		used, status := memoryMB/2, ""
		if i == n-1 {
			used = peakMB
			if oom {
				status = "\tStatus: error\tError Type: Runtime.OutOfMemory"
			}
		}
		fmt.Fprintf(&b, "2026-11-%02dT10:00:00.000Z REPORT RequestId: 00000000-0000-0000-0000-%012d\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: %d MB\tMax Memory Used: %d MB%s\n", i+1, i, memoryMB, used, status)
	}
	return b.String()
}

// TestMigrateSizesWorkersFromLogs: with --logs, the worker's
// memory_reservation is at least 1.25x the peak the Lambda was seen using,
// and --over-limit also moves a step whose only problem is in its logs.
func TestMigrateSizesWorkersFromLogs(t *testing.T) {
	inModuleRoot(t)
	// DiscoverGranules is over-limit by its package size only.
	terraformtest.EnsureBigZip(t)
	logs := t.TempDir()
	writeFile(t, logs, "ghrc-sit-QueueGranules.log", reportLines(10, 3008, 2950, false))
	writeFile(t, logs, "ghrc-sit-ParsePdr.log", reportLines(10, 1024, 1024, true))
	deployment := filepath.Join("fixtures", "deployments", "cumulus-tf")

	code, out, errOut := runCLI(t, "", "migrate", "--step", "parse_pdr_workflow.asl.json:QueueGranules", "--logs", logs, deployment)
	if code != exitClean {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "memory_reservation = 3688") {
		t.Errorf("want memory_reservation 3688 (1.25 x 2,950 MB) in the diff:\n%s", out)
	}
	if !strings.Contains(errOut, "1.25x the 2950 MB the Lambda was seen using") {
		t.Errorf("the summary must say why the reservation grew:\n%s", errOut)
	}

	// Without logs, the worker gets the Lambda's own memory.
	_, plain, _ := runCLI(t, "", "migrate", "--step", "parse_pdr_workflow.asl.json:QueueGranules", deployment)
	if !strings.Contains(plain, "memory_reservation = 3008") {
		t.Errorf("without evidence memory_reservation is the Lambda's 3,008 MB:\n%s", plain)
	}

	_, before, _ := runCLI(t, "", "migrate", "--over-limit", "--check", deployment)
	if !strings.Contains(before, "DiscoverGranules: migrated") {
		t.Fatalf("--over-limit --check must list what it would move:\n%s", before)
	}
	if strings.Contains(before, "ParsePdr: migrated") {
		t.Fatalf("ParsePdr is within its limits on paper; only its logs put it over:\n%s", before)
	}
	_, summary, _ := runCLI(t, "", "migrate", "--over-limit", "--check", "--logs", logs, deployment)
	if !strings.Contains(summary, "ParsePdr: migrated") {
		t.Errorf("--over-limit --logs must move the step that ran out of memory:\n%s", summary)
	}
	if written, _ := filepath.Glob(filepath.Join(deployment, "*_ecs.tf")); len(written) > 0 {
		t.Errorf("--check wrote %v", written)
	}
}

func TestMigrateEvidenceFlagErrors(t *testing.T) {
	inModuleRoot(t)
	deployment := filepath.Join("fixtures", "deployments", "cumulus-tf")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "--all-lambda", "--since", "14d", deployment}, "--since needs --aws"},
		{[]string{"migrate", "--all-lambda", "--logs", "/nonexistent/logs", deployment}, "--logs"},
	} {
		code, _, errOut := runCLI(t, "", c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errOut, exitUsage, c.want)
		}
	}
}

// TestMigrateOverLimitFolderSpellings: the deployment folder may be given as
// ".", "./dir" or "dir/"; --over-limit picks the same steps, and a
// rendering whose own findings are warnings is not picked for another's.
func TestMigrateOverLimitFolderSpellings(t *testing.T) {
	inModuleRoot(t)
	deployment := filepath.Join("fixtures", "deployments", "cumulus-tf")
	_, want, _ := runCLI(t, "", "migrate", "--over-limit", "--check", deployment)
	if !strings.Contains(want, "file(s) to change") || strings.Contains(want, "no step selected") {
		t.Fatalf("baseline selects nothing:\n%s", want)
	}
	// SyncGranule is over a limit in one rendering of sync_granule_workflow
	// only; the file is shared, so the other rendering (another Lambda)
	// comes with it, on its own Lambda's activity.
	if !strings.Contains(want, "sync_granule_workflow.asl.json:5:5: SyncGranule: migrated to activity aws_sfn_activity.sync_granule (module.sync_granule_workflow), aws_sfn_activity.sync_granule_priority (module.sync_granule_priority_workflow)") {
		t.Errorf("a shared file's step must be migrated with all its renderings:\n%s", want)
	}
	for _, spelling := range []string{"./" + deployment, deployment + "/"} {
		code, got, errOut := runCLI(t, "", "migrate", "--over-limit", "--check", spelling)
		if code != exitFindings || got != want {
			t.Errorf("%s: exit %d, summary differs:\n%s\nwant:\n%s%s", spelling, code, got, want, errOut)
		}
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(deployment); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if code, got, _ := runCLI(t, "", "migrate", "--over-limit", "--check"); code != exitFindings || got != want {
		t.Errorf("from inside the folder: exit %d:\n%s", code, got)
	}
}

func TestMigrateOutMistakes(t *testing.T) {
	inModuleRoot(t)
	deployment := filepath.Join("fixtures", "deployments", "cumulus-tf")
	full := t.TempDir()
	writeFile(t, full, "keep.txt", "x")
	for _, c := range []struct {
		out, want string
	}{{"", "--out needs a folder"}, {full, "exists and is not empty"}} {
		code, _, errOut := runCLI(t, "", "migrate", "--all-lambda", "--out", c.out, deployment)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("--out %q: exit %d, stderr %q", c.out, code, errOut)
		}
	}
}

// TestLogsThatMatchNoTaskAreNoted: evidence filed under a name no Task's
// Lambda has is said, not dropped in silence; a damaged file is an I/O
// error (exit 3) and the readable files still count.
func TestLogsThatMatchNoTaskAreNoted(t *testing.T) {
	inModuleRoot(t)
	logs := t.TempDir()
	writeFile(t, logs, "SyncGranule.log", reportLines(5, 1024, 1024, true))
	writeFile(t, logs, "sit-ParsePdr.log", reportLines(5, 2048, 2040, false))
	writeFile(t, logs, "broken.log.gz", "\x1f\x8b\x08\x00garbage")
	code, out, errOut := runCLI(t, "", "lint", "--no-color", "--logs", logs, "fixtures/rules/usage-memory")
	if code != exitInternal {
		t.Errorf("a damaged log file: exit %d, want %d", code, exitInternal)
	}
	if !strings.Contains(errOut, "broken.log.gz") {
		t.Errorf("stderr must name the damaged file:\n%s", errOut)
	}
	if !strings.Contains(errOut, "the logs of SyncGranule match no linted Task's Lambda") {
		t.Errorf("want a note about SyncGranule.log:\n%s", errOut)
	}
	if !strings.Contains(out, `"sit-ParsePdr"`) || !strings.Contains(out, "[usage-memory]") {
		t.Errorf("the readable file's evidence must still count:\n%s", out)
	}
}

// lintErrorKeys runs the real `stepshift lint` on dir and returns its
// error-level findings as "file [rule]" (positions move with a migration).
// A lint that cannot run (exit 2 or 3) fails the test.
func lintErrorKeys(t *testing.T, dir string) map[string]bool {
	t.Helper()
	code, out, errOut := runCLI(t, "", "lint", "--format", "compact", dir)
	if code != exitClean && code != exitFindings {
		t.Fatalf("lint %s: exit %d\n%s", dir, code, errOut)
	}
	keys := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, ": error: ") {
			continue
		}
		file := filepath.Base(strings.SplitN(line, ":", 2)[0])
		rule := line[strings.LastIndex(line, " ["):]
		keys[file+rule] = true
	}
	return keys
}

// copyDeploymentTree copies a fixture deployment to a temp folder, without
// the generated >50 MB package zips (the copy is about migrate, not their size).
func copyDeploymentTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(path string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(e.Name(), "big-") && strings.HasSuffix(e.Name(), ".zip") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestMigrateStepEveryState is the README's `migrate --step SyncGranule`
// on the bundled example: every SyncGranule state is migrated, the ones
// reaching Cumulus's Lambda on one activity and the priority rendering of
// sync_granule_workflow on its own Lambda's; the real lint of the result
// has no error it did not have (the two over-limit errors are gone), and a
// second run changes nothing. File.asl.json:NAME narrows the choice.
func TestMigrateStepEveryState(t *testing.T) {
	inModuleRoot(t)
	deployment := copyDeploymentTree(t, filepath.Join("fixtures", "deployments", "cumulus-tf"))
	before := lintErrorKeys(t, deployment)

	_, narrowed, _ := runCLI(t, "", "migrate", "--step", "sync_granule_workflow.asl.json:SyncGranule", "--check", deployment)
	if strings.Contains(narrowed, "ingest_granule_workflow") || !strings.Contains(narrowed, "sync_granule_workflow.asl.json:5:5: SyncGranule: migrated") {
		t.Errorf("File.asl.json:NAME must narrow the choice to that file:\n%s", narrowed)
	}

	code, summary, errOut := runCLI(t, "", "migrate", "--step", "SyncGranule", "--write", deployment)
	if code != exitClean {
		t.Fatalf("exit %d\n%s\n%s", code, summary, errOut)
	}
	for _, want := range []string{
		"ingest_granule_workflow.asl.json:5:5: SyncGranule: migrated to activity aws_sfn_activity.sync_granule\n",
		"sync_granule_workflow.asl.json:5:5: SyncGranule: migrated to activity aws_sfn_activity.sync_granule (module.sync_granule_workflow), aws_sfn_activity.sync_granule_priority (module.sync_granule_priority_workflow)\n",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q:\n%s", want, summary)
		}
	}
	for _, f := range []string{"sync_granule_ecs.tf", "sync_granule_priority_ecs.tf"} {
		if _, err := os.Stat(filepath.Join(deployment, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}

	after := lintErrorKeys(t, deployment)
	if !before["sync_granule_workflow.asl.json [lambda-memory]"] {
		t.Fatalf("the example's over-limit SyncGranule error is not where this test expects it: %v", before)
	}
	for k := range after {
		if !before[k] {
			t.Errorf("the migration brought a new lint error: %s", k)
		}
	}
	if after["sync_granule_workflow.asl.json [lambda-memory]"] || after["ingest_granule_workflow.asl.json [lambda-memory]"] {
		t.Errorf("the migrated SyncGranule states are still linted as over Lambda's memory: %v", after)
	}

	code, again, _ := runCLI(t, "", "migrate", "--step", "SyncGranule", "--check", deployment)
	if code != exitClean || strings.Count(again, "SyncGranule: already an activity") != 2 || !strings.Contains(again, "0 file(s) to change") {
		t.Errorf("second run: exit %d, want every SyncGranule already an activity:\n%s", code, again)
	}
}

// TestMigrateUnsupportedShapeIsExit2: a step the deployment's Terraform
// keeps from migrating is a configuration problem: exit 2, with the .tf
// position in the summary, and nothing written.
func TestMigrateUnsupportedShapeIsExit2(t *testing.T) {
	inModuleRoot(t)
	deployment := filepath.Join("fixtures", "migrate", "unsupported")
	code, out, errOut := runCLI(t, "", "migrate", "--step", "LocalVars", deployment)
	if code != exitUsage {
		t.Errorf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
	}
	if !strings.Contains(errOut, "local_vars.asl.json:5:5: LocalVars: not migrated: main.tf:28:81: the templatefile() variables of module.local_vars_workflow are local.workflow_vars") {
		t.Errorf("the summary must name the templatefile() variables' position:\n%s", errOut)
	}
	if out != "" {
		t.Errorf("a refused step printed a diff:\n%s", out)
	}
}

// TestMigrateOutRefusesFilesOutside: --out copies the deployment folder
// only, so a migration that edits a template outside it is a usage error
// (exit 2) that writes nothing.
func TestMigrateOutRefusesFilesOutside(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"workflows", "dep"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "workflows"), "a.asl.json", `{"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "${fn}", "End": true}}}`)
	writeFile(t, filepath.Join(root, "dep"), "main.tf", `resource "aws_lambda_function" "f" {
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
	out := filepath.Join(root, "out")
	code, _, errOut := runCLI(t, "", "migrate", "--step", "S", "--out", out, filepath.Join(root, "dep"))
	if code != exitUsage || !strings.Contains(errOut, "--out copies only the deployment folder") {
		t.Errorf("exit %d, stderr %q; want exit %d naming the file outside", code, errOut, exitUsage)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("--out %s was written", out)
	}
}
