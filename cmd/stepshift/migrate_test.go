package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

	_, _, before := runCLI(t, "", "migrate", "--over-limit", "--check", deployment)
	if strings.Contains(before, "ParsePdr: migrated") {
		t.Fatalf("ParsePdr is within its limits on paper; only its logs put it over:\n%s", before)
	}
	_, summary, _ := runCLI(t, "", "migrate", "--over-limit", "--check", "--logs", logs, deployment)
	if !strings.Contains(summary, "ParsePdr: migrated") {
		t.Errorf("--over-limit --logs must move the step that ran out of memory:\n%s", summary)
	}
	if _, err := os.Stat(filepath.Join(deployment, "parse_pdr_workflow_parse_pdr_ecs.tf")); err == nil {
		t.Errorf("--check wrote a file")
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
