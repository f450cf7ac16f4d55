package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The worker must stand in for Cumulus's cumulus-ecs-task: run under that
// name, or with it first in the command, with the flags the
// cumulus_ecs_service module passes (--activityArn, --lambdaArn,
// --lastModified, --heartbeat) and cumulus-ecs-task's short ones (-a, -l,
// -d, -w). These tests run the worker against a fake Step Functions and
// Lambda for one task and check that every flag reached what it configures:
// the function fetched and the region its calls are signed for, the activity
// polled, the heartbeat interval, the task root the code is extracted to,
// the download folder.

const (
	workerTestActivity = "arn:aws:states:us-east-1:123456789012:activity:QueueGranules"
	workerTestLambda   = "arn:aws:lambda:us-east-1:123456789012:function:QueueGranules"
	workerTestModified = "2026-11-20T10:31:08.000+0000"
)

// workerFake is a Step Functions + Lambda + code download endpoint that
// hands out one task and records what the worker asked for.
type workerFake struct {
	srv *httptest.Server
	zip []byte

	mu         sync.Mutex
	functions  []string // FunctionName of each GetFunction
	lambdaAuth []string // Authorization headers of the Lambda calls
	polls      []map[string]any
	handed     bool
	heartbeats int
	answers    []workerFakeAnswer
}

type workerFakeAnswer struct{ kind, token, error string }

// workerBootstrap is the function's runtime: it records the environment the
// worker gave it and never asks for an event, so the 1-second function
// timeout ends the task while heartbeats go out.
const workerBootstrap = "#!/bin/sh\nenv > \"$STEPSHIFT_TEST_ENV\"\nexec sleep 30\n"

func newWorkerFake(t *testing.T) *workerFake {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(workerBootstrap))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f := &workerFake{zip: buf.Bytes()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2015-03-31/functions/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.functions = append(f.functions, r.PathValue("name"))
		f.lambdaAuth = append(f.lambdaAuth, r.Header.Get("Authorization"))
		f.mu.Unlock()
		workerWriteJSON(w, "application/json", map[string]any{"Configuration": f.config(),
			"Code": map[string]any{"RepositoryType": "S3", "Location": f.srv.URL + "/code?X-Amz-Signature=x"}})
	})
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", func(w http.ResponseWriter, r *http.Request) {
		workerWriteJSON(w, "application/json", f.config())
	})
	mux.HandleFunc("GET /code", func(w http.ResponseWriter, r *http.Request) { w.Write(f.zip) })
	mux.HandleFunc("POST /", f.stepFunctions)
	// Assigned before Start: handlers serving another process read f.srv,
	// and the race detector sees no ordering through that process.
	f.srv = httptest.NewUnstartedServer(mux)
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *workerFake) config() map[string]any {
	sum := sha256.Sum256(f.zip)
	return map[string]any{
		"FunctionName": "QueueGranules", "FunctionArn": workerTestLambda, "Runtime": "provided.al2023",
		"Handler": "bootstrap.handler", "MemorySize": 128, "Timeout": 1, "Version": "$LATEST", "RevisionId": "rev-1",
		"CodeSha256": base64.StdEncoding.EncodeToString(sum[:]), "CodeSize": len(f.zip), "PackageType": "Zip",
	}
}

func workerWriteJSON(w http.ResponseWriter, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	json.NewEncoder(w).Encode(v)
}

func (f *workerFake) stepFunctions(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
	const sfnJSON = "application/x-amz-json-1.0"
	f.mu.Lock()
	defer f.mu.Unlock()
	switch target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions."); target {
	case "GetActivityTask":
		f.polls = append(f.polls, in)
		if !f.handed {
			f.handed = true
			workerWriteJSON(w, sfnJSON, map[string]string{"taskToken": "tok-1", "input": `{"granules":[]}`})
			return
		}
		workerWriteJSON(w, sfnJSON, map[string]string{})
	case "SendTaskHeartbeat":
		f.heartbeats++
		workerWriteJSON(w, sfnJSON, map[string]string{})
	case "SendTaskSuccess", "SendTaskFailure":
		token, _ := in["taskToken"].(string)
		errType, _ := in["error"].(string)
		f.answers = append(f.answers, workerFakeAnswer{kind: target, token: token, error: errType})
		workerWriteJSON(w, sfnJSON, map[string]string{})
	default:
		w.WriteHeader(400)
	}
}

// workerSetup is one run's folders and environment.
type workerSetup struct {
	fake                    *workerFake
	taskRoot, workDir, tmp  string
	envFile                 string
	vars                    map[string]string // set for the worker
	unset                   []string          // removed for the worker
	endpointArgs, stopAfter []string
}

func newWorkerSetup(t *testing.T) *workerSetup {
	t.Helper()
	base := t.TempDir()
	s := &workerSetup{
		fake:     newWorkerFake(t),
		taskRoot: filepath.Join(base, "flag-task"),
		workDir:  filepath.Join(base, "flag-work"),
		tmp:      filepath.Join(base, "tmp"),
		envFile:  filepath.Join(base, "runtime-env.txt"),
	}
	os.Mkdir(s.tmp, 0o755)
	// TMPDIR points the defaults ($TMPDIR/stepshift/...) somewhere the test
	// can see they were not used.
	s.vars = map[string]string{
		"STEPSHIFT_TEST_ENV": s.envFile, "TMPDIR": s.tmp,
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	}
	s.unset = []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
		"STEPSHIFT_TASK_ROOT", "STEPSHIFT_WORK_DIR", "STEPSHIFT_LAYER_ROOT"}
	// Not cumulus-ecs-task flags: where the fake is, and end after the task.
	s.endpointArgs = []string{"--endpoint-url", s.fake.srv.URL, "--layer-directory", filepath.Join(base, "opt")}
	s.stopAfter = []string{"--max-tasks", "1"}
	return s
}

// setInProcess sets the environment for a worker run by run().
func (s *workerSetup) setInProcess(t *testing.T) {
	for k, v := range s.vars {
		t.Setenv(k, v)
	}
	for _, k := range s.unset {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// environ is the environment for a worker run as a process.
func (s *workerSetup) environ() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		_, set := s.vars[name]
		return set || slices.Contains(s.unset, name)
	})
	for k, v := range s.vars {
		env = append(env, k+"="+v)
	}
	return env
}

// check asserts the run was configured by the flags, not by defaults.
func (s *workerSetup) check(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if code != exitClean {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	f := s.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	// --lambdaArn / -l: the function fetched, its calls signed for the ARN's region.
	if len(f.functions) == 0 || f.functions[0] != workerTestLambda {
		t.Errorf("GetFunction for %q, want the --lambdaArn %s", f.functions, workerTestLambda)
	}
	for _, auth := range f.lambdaAuth {
		if !strings.Contains(auth, "/us-east-1/lambda/aws4_request") {
			t.Errorf("Lambda call signed as %q, want region us-east-1 (the --lambdaArn's)", auth)
		}
	}
	// --activityArn / -a: the activity polled.
	host, _ := os.Hostname()
	if len(f.polls) != 1 || f.polls[0]["activityArn"] != workerTestActivity || f.polls[0]["workerName"] != host {
		t.Errorf("polls %v, want one for %s by worker %s", f.polls, workerTestActivity, host)
	}
	// --heartbeat is milliseconds: 100 ms over a 1-second task.
	if f.heartbeats < 3 {
		t.Errorf("%d heartbeats during the 1-second task, want several at --heartbeat 100 (ms)", f.heartbeats)
	}
	if len(f.answers) != 1 || f.answers[0] != (workerFakeAnswer{kind: "SendTaskFailure", token: "tok-1", error: "Sandbox.Timedout"}) {
		t.Errorf("answers %+v, want one Sandbox.Timedout failure for tok-1", f.answers)
	}
	// --directory / -d: the task root the code went to and the runtime got.
	if fi, err := os.Stat(filepath.Join(s.taskRoot, "bootstrap")); err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Errorf("the function's bootstrap is not in the --directory task root: %v", err)
	}
	env, err := os.ReadFile(s.envFile)
	if err != nil {
		t.Fatalf("the runtime did not start: %v\nstderr:\n%s", err, stderr)
	}
	for _, want := range []string{"LAMBDA_TASK_ROOT=" + s.taskRoot + "\n", "AWS_LAMBDA_FUNCTION_NAME=QueueGranules\n", "AWS_REGION=us-east-1\n"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("runtime environment lacks %q:\n%s", want, env)
		}
	}
	// --workDirectory / -w: the download folder (left empty).
	if entries, err := os.ReadDir(s.workDir); err != nil || len(entries) != 0 {
		t.Errorf("--work-directory %s: %v, entries %v", s.workDir, err, entries)
	}
	if _, err := os.Stat(filepath.Join(s.tmp, "stepshift")); err == nil {
		t.Errorf("the default task root or work folder under $TMPDIR was used")
	}
	if !strings.Contains(stderr, `"message":"worker started"`) || !strings.Contains(stderr, `"activityArn":"`+workerTestActivity+`"`) {
		t.Errorf("no worker started log naming the activity:\n%s", stderr)
	}
}

// runWorkerInProcess runs the CLI's entry point (compatArgs included) with
// argv, as main does.
func runWorkerInProcess(t *testing.T, s *workerSetup, argv ...string) (int, string, string) {
	t.Helper()
	s.setInProcess(t)
	var out, errOut bytes.Buffer
	code := run(argv, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestWorkerCumulusShortFlags: cumulus-ecs-task's short flags -a, -l, -d,
// -w, with --lastModified accepted and ignored.
func TestWorkerCumulusShortFlags(t *testing.T) {
	s := newWorkerSetup(t)
	args := []string{"stepshift", "worker", "-a", workerTestActivity, "-l", workerTestLambda, "-d", s.taskRoot, "-w", s.workDir,
		"--lastModified", workerTestModified, "--heartbeat", "100"}
	code, out, errOut := runWorkerInProcess(t, s, append(append(args, s.endpointArgs...), s.stopAfter...)...)
	s.check(t, code, out, errOut)
}

// TestWorkerCumulusCommandList: the command list cumulus_ecs_service gets
// (docs/worker.md), after the image's "stepshift worker" entrypoint and as
// "stepshift cumulus-ecs-task ...".
func TestWorkerCumulusCommandList(t *testing.T) {
	for _, prefix := range [][]string{{"stepshift", "worker", "cumulus-ecs-task"}, {"stepshift", "cumulus-ecs-task"}} {
		t.Run(strings.Join(prefix, " "), func(t *testing.T) {
			s := newWorkerSetup(t)
			args := append(slices.Clone(prefix), "--activityArn", workerTestActivity, "--lambdaArn", workerTestLambda,
				"--lastModified", workerTestModified, "--heartbeat", "100",
				"--directory", s.taskRoot, "--workDirectory", s.workDir)
			code, out, errOut := runWorkerInProcess(t, s, append(append(args, s.endpointArgs...), s.stopAfter...)...)
			s.check(t, code, out, errOut)
		})
	}
}

// TestWorkerFlagsBeforeCumulusEcsTask: a flag in front of the leading
// cumulus-ecs-task would be dropped silently; it is a usage error instead.
func TestWorkerFlagsBeforeCumulusEcsTask(t *testing.T) {
	s := newWorkerSetup(t)
	code, _, errOut := runWorkerInProcess(t, s, "stepshift", "worker", "--heartbeat", "100", "cumulus-ecs-task", "-a", workerTestActivity, "-l", workerTestLambda)
	if code != exitUsage || !strings.Contains(errOut, "put every flag after cumulus-ecs-task") {
		t.Errorf("exit %d, stderr %q; want 2 and the reason", code, errOut)
	}
	if len(s.fake.functions) != 0 {
		t.Errorf("the worker started anyway")
	}
}

// TestWorkerCompatArgs: how the command line is rewritten for the names the
// binary answers to.
func TestWorkerCompatArgs(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"cumulus-ecs-task", "-a", "A"}, []string{"stepshift", "worker", "-a", "A"}},
		{[]string{"/usr/local/bin/cumulus-ecs-task", "--activityArn", "A", "--lastModified", "x"}, []string{"stepshift", "worker", "--activityArn", "A", "--lastModified", "x"}},
		{[]string{"./cumulus-ecs-task"}, []string{"stepshift", "worker"}},
		{[]string{"/bin/stepshift", "cumulus-ecs-task", "-l", "L"}, []string{"/bin/stepshift", "worker", "-l", "L"}},
		{[]string{"stepshift", "worker", "cumulus-ecs-task", "-l", "L"}, []string{"stepshift", "worker", "cumulus-ecs-task", "-l", "L"}}, // runWorker handles it
		{[]string{"stepshift", "lint", "cumulus-ecs-task"}, []string{"stepshift", "lint", "cumulus-ecs-task"}},
		{[]string{"cumulus-ecs-task-old", "-a", "A"}, []string{"cumulus-ecs-task-old", "-a", "A"}},
		{nil, []string{"stepshift"}},
	} {
		if got := compatArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("compatArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWorkerRunsAsCumulusEcsTaskBinary: the built binary, run under the name
// cumulus-ecs-task (a copy so named, and a symlink so named as the worker
// image makes one), is the worker and takes cumulus-ecs-task's flags; under
// its own name the same command line is refused.
func TestWorkerRunsAsCumulusEcsTaskBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := t.TempDir()
	stepshift := filepath.Join(bin, "stepshift")
	testBinaryAsStepshift(t, stepshift) // runs as main with runAsStepshiftEnv=1; no go build
	named := filepath.Join(bin, "named", "cumulus-ecs-task")
	linked := filepath.Join(bin, "linked", "cumulus-ecs-task")
	os.Mkdir(filepath.Dir(named), 0o755)
	os.Mkdir(filepath.Dir(linked), 0o755)
	if err := os.Link(stepshift, named); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(stepshift, linked); err != nil {
		t.Fatal(err)
	}
	runBin := func(t *testing.T, s *workerSetup, path string) (int, string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		args := []string{"-a", workerTestActivity, "-l", workerTestLambda, "-d", s.taskRoot, "-w", s.workDir,
			"--lastModified", workerTestModified, "--heartbeat", "100"}
		cmd := exec.CommandContext(ctx, path, append(append(args, s.endpointArgs...), s.stopAfter...)...)
		cmd.Env = append(s.environ(), runAsStepshiftEnv+"=1")
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errOut.String()
	}
	for name, path := range map[string]string{"binary named cumulus-ecs-task": named, "symlink named cumulus-ecs-task": linked} {
		t.Run(name, func(t *testing.T) {
			s := newWorkerSetup(t)
			code, out, errOut := runBin(t, s, path)
			s.check(t, code, out, errOut)
		})
	}
	t.Run("same flags under the name stepshift", func(t *testing.T) {
		s := newWorkerSetup(t)
		code, _, errOut := runBin(t, s, stepshift)
		if code != exitUsage || len(s.fake.functions) != 0 {
			t.Errorf("exit %d (want 2), GetFunction calls %d (want none)\n%s", code, len(s.fake.functions), errOut)
		}
	})
}

// TestWorkerRelativeDirectories: --directory and --work-directory given
// relative to the working folder reach the runtime as absolute paths (it
// runs inside the task root, where a relative LAMBDA_TASK_ROOT would
// resolve a second time).
func TestWorkerRelativeDirectories(t *testing.T) {
	s := newWorkerSetup(t)
	base := filepath.Dir(s.taskRoot)
	t.Chdir(base)
	args := []string{"stepshift", "worker", "-a", workerTestActivity, "-l", workerTestLambda,
		"-d", filepath.Base(s.taskRoot), "-w", filepath.Base(s.workDir), "--heartbeat", "100"}
	code, out, errOut := runWorkerInProcess(t, s, append(append(args, s.endpointArgs...), s.stopAfter...)...)
	s.check(t, code, out, errOut)
}
