package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// leanRun is one run of a shipped binary as a process.
type leanRun struct {
	stdout, stderr string
	code           int
}

// runBinary runs bin with args and env added to a PATH holding nothing of
// ours, in the module root.
func runBinary(t *testing.T, env []string, bin string, args ...string) leanRun {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = standin.ModuleRoot()
	cmd.Env = append(append(os.Environ(), "PATH=/usr/bin:/bin"), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	return leanRun{out.String(), errOut.String(), code}
}

// TestLeanFrontMatchesFull: the lean front reads, lists and exits as the
// full build does, doing itself what it has and handing the rest to
// stepshift-full beside it.
func TestLeanFrontMatchesFull(t *testing.T) {
	bins := buildShipped(t)
	for _, args := range [][]string{
		{"--help"},                           // written by the front: lists every command
		{"lint", "--help"},                   // the front's own command
		{"migrate", "--help"},                // handed off: the flags are the full build's
		{"help", "worker"},                   // handed off too
		{"run", "no-such-workflow.asl.json"}, // handed off; exit 2 and the message come back
		{"test", "--run", "Hello", "fixtures/execute"},
		{"migrate", "--step", "SyncGranule", "fixtures/deployments/cumulus-tf"},
		{"lint", "--since", "14d", "fixtures/deployments/cumulus-tf"}, // --since without --aws: the front's usage error
		{"lint", "--no-color", "fixtures/deployments/cumulus-tf"},
		{"lint", "--no-color", "--summary", "--logs", "fixtures/rules/usage-memory/logs", "fixtures/rules/usage-memory"}, // log files: no AWS
		{"lint", "--format", "json", "fixtures/rules/usage-memory"},
		{"graph", "--format", "dot", "fixtures/deployments/cumulus-tf/ingest_granule_workflow.asl.json"},
		{"nosuchcommand"},
	} {
		name := strings.Join(args, " ")
		lean := runBinary(t, nil, bins.lean, args...)
		full := runBinary(t, nil, bins.full, args...)
		if lean != full {
			t.Errorf("stepshift %s: the lean front differs from the full build:\n--- lean (exit %d)\n%s%s\n--- full (exit %d)\n%s%s",
				name, lean.code, lean.stdout, lean.stderr, full.code, full.stdout, full.stderr)
		}
		if lean.stdout == "" && lean.stderr == "" {
			t.Errorf("stepshift %s: no output at all", name)
		}
	}
}

// TestLeanFrontHandsOffAWSRuns: a lint that reads the deployed account runs
// in the full build; standard input reaches it unread.
func TestLeanFrontHandsOffAWSRuns(t *testing.T) {
	bins := buildShipped(t)
	// Port 9 (discard) refuses: the full build's AWS client reports the
	// failed call, which only the full build can make.
	cmd := exec.Command(bins.lean, "lint", "--no-color", "--state-machine", "arn:aws:states:us-east-1:123456789012:stateMachine:x",
		"--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", "-")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_MAX_ATTEMPTS=1")
	// A Pass state with neither Next nor End: a finding on <stdin>.
	cmd.Stdin = strings.NewReader(`{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != exitInternal {
		t.Fatalf("want exit %d (the AWS call failed), got %v\n%s%s", exitInternal, err, out, errOut.String())
	}
	if !strings.Contains(errOut.String(), "aws: ") || strings.Contains(errOut.String(), "needs the full build") {
		t.Errorf("the AWS call was not made by the full build:\n%s", errOut.String())
	}
	if !strings.Contains(string(out), "<stdin>:1:") {
		t.Errorf("the full build did not lint standard input:\n%s", out)
	}
}

// TestLeanFrontWithoutFull: with no stepshift-full to hand to, the front
// says what is missing (exit 2) and still does what it has; a hand-off
// that lands on another lean build stops instead of looping.
func TestLeanFrontWithoutFull(t *testing.T) {
	bins := buildShipped(t)
	alone := filepath.Join(t.TempDir(), "stepshift")
	data, err := os.ReadFile(bins.lean)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, alone, "migrate", "fixtures/deployments/cumulus-tf")
	if r.code != exitUsage || !strings.Contains(r.stderr, "stepshift migrate needs the full build, stepshift-full") || r.stdout != "" {
		t.Errorf("migrate without stepshift-full: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runBinary(t, nil, alone, "lint", "--no-color", "fixtures/deployments/cumulus-tf"); r.code != exitFindings {
		t.Errorf("lint without stepshift-full: exit %d\n%s", r.code, r.stderr)
	}
	r = runBinary(t, []string{"STEPSHIFT_FULL=" + alone}, alone, "worker", "--help")
	if r.code != exitUsage || !strings.Contains(r.stderr, "is a lean one") {
		t.Errorf("a hand-off to a lean build: exit %d\n%s", r.code, r.stderr)
	}
	// STEPSHIFT_FULL names the full build wherever it is.
	r = runBinary(t, []string{"STEPSHIFT_FULL=" + bins.full}, alone, "worker", "--help")
	if r.code != exitClean || !strings.Contains(r.stdout, "--activity-arn") {
		t.Errorf("STEPSHIFT_FULL: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestLeanFrontAsCumulusECSTask: run under the name cumulus-ecs-task (the
// worker image's link), the front hands the worker to the full build.
func TestLeanFrontAsCumulusECSTask(t *testing.T) {
	bins := buildShipped(t)
	link := filepath.Join(t.TempDir(), "cumulus-ecs-task")
	if err := os.Symlink(bins.lean, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	r := runBinary(t, nil, link, "--help")
	if r.code != exitClean || !strings.Contains(r.stdout, "--lambda-arn") {
		t.Errorf("cumulus-ecs-task --help: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestShortRunSkipsTheCollector: linting the example deployment, a few
// megabytes of garbage in a run of tens of milliseconds, ends before the
// first collection (shortRunGC); with Go's default GOGC it would collect.
func TestShortRunSkipsTheCollector(t *testing.T) {
	bins := buildShipped(t)
	collections := func(env ...string) int {
		r := runBinary(t, append(env, "GODEBUG=gctrace=1"), bins.lean, "lint", "--no-color", "fixtures/deployments/cumulus-tf")
		if r.code != exitFindings {
			t.Fatalf("lint: exit %d\n%s", r.code, r.stderr)
		}
		n := 0
		for _, line := range strings.Split(r.stderr, "\n") {
			if strings.HasPrefix(line, "gc ") {
				n++
			}
		}
		return n
	}
	if n := collections("GOGC=100"); n == 0 {
		t.Skip("this run allocates too little to need a collection even at GOGC=100; nothing to compare")
	}
	if n := collections(); n != 0 {
		t.Errorf("lint collected garbage %d time(s); shortRunGC should leave a run this size alone", n)
	}
}
