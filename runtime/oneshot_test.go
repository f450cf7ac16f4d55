package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepshift/stepshift/internal/standin"
)

// oneShotToken is what ECS would put in STEPSHIFT_TASK_TOKEN: long and
// recognisable, so a leak into logs or the handler's environment shows.
func oneShotToken(n int) string {
	return fmt.Sprintf("AAAA-oneshot-%d-%s", n, strings.Repeat("q", 600))
}

// runOnce creates a worker from e and runs one handed-over task.
func runOnce(t *testing.T, e *testEnv, task OneShotTask) error {
	t.Helper()
	w, err := New(context.Background(), e.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer w.Close()
	return w.RunOnce(context.Background(), task)
}

func (e *testEnv) assertNoTokenLeak(t *testing.T, token string) {
	t.Helper()
	for name, text := range map[string]string{"logs": e.logs.String(), "reports": e.report.String(), "runtime output": e.output.String()} {
		if strings.Contains(text, token[:20]) {
			t.Errorf("the task token leaked into the %s:\n%s", name, text)
		}
	}
}

func TestOneShotSuccessHeartbeatsAndAnswersOnce(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "sleep")})
	e.cfg.Heartbeat = 50 * time.Millisecond
	tok := oneShotToken(1)
	if err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{"ms":400}`)}); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	answers := e.fake.answersFor(tok)
	if len(answers) != 1 || answers[0].Kind != "Success" || answers[0].Output != `{"slept":400}` {
		t.Fatalf("answers %+v", answers)
	}
	e.fake.mu.Lock()
	beats := append([]time.Time(nil), e.fake.heartbeats[tok]...)
	polls := e.fake.polls
	e.fake.mu.Unlock()
	if len(beats) < 3 {
		t.Errorf("%d heartbeats over a 400 ms task at 50 ms", len(beats))
	}
	for _, hb := range beats {
		if hb.After(answers[0].At) {
			t.Errorf("heartbeat at %s after the answer at %s", hb, answers[0].At)
		}
	}
	if polls != 0 {
		t.Errorf("a one-shot worker polled the activity %d times", polls)
	}
	if n := len(reportRE.FindAllString(e.report.String(), -1)); n != 1 {
		t.Errorf("%d REPORT lines for one task:\n%s", n, e.report.String())
	}
	if !strings.Contains(e.logs.String(), tokenRef(tok)) {
		t.Errorf("the logs do not name the task by its hash:\n%s", e.logs.String())
	}
	e.assertNoTokenLeak(t, tok)
	e.assertInsideRoots(t)
}

func TestOneShotHandlerFailureIsAnsweredNotAnError(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "fail")})
	tok := oneShotToken(2)
	err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{"type":"GranuleNotFound","message":"granule g-1 is missing"}`)})
	if err != nil {
		t.Fatalf("a handler failure made RunOnce fail: %v", err)
	}
	a := e.fake.answersFor(tok)
	if len(a) != 1 || a[0].Kind != "Failure" || a[0].Error != "GranuleNotFound" || !strings.Contains(a[0].Cause, "granule g-1 is missing") {
		t.Fatalf("answers %+v", a)
	}
}

func TestOneShotAppliesTheStateParameters(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	tok := oneShotToken(3)
	input := `{"cumulus_meta":{"execution_name":"x"},"replace":{"Bucket":"b","Key":"events/1","TargetPath":"$"}}`
	params := `{"cma":{"event.$":"$","ReplaceConfig":{"FullMessage":true},"task_config":{"provider":"{$.meta.provider}","note":"a<b","n":1.50}}}`
	if err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(input), Parameters: []byte(params)}); err != nil {
		t.Fatal(err)
	}
	a := e.fake.answersFor(tok)
	want := `{"cma":{"event":` + input + `,"ReplaceConfig":{"FullMessage":true},"task_config":{"provider":"{$.meta.provider}","note":"a<b","n":1.50}}}`
	if len(a) != 1 || a[0].Kind != "Success" || a[0].Output != want {
		t.Fatalf("the handler got\n%+v\nwant the Parameters applied:\n%s", a, want)
	}

	// A path the input lacks fails the task as Step Functions would have.
	tok = oneShotToken(4)
	if err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{"a":1}`), Parameters: []byte(`{"x.$":"$.b"}`)}); err != nil {
		t.Fatal(err)
	}
	if a := e.fake.answersFor(tok); len(a) != 1 || a[0].Error != ErrParameters || !strings.Contains(a[0].Cause, "could not be found") {
		t.Errorf("missing path answered %+v", a)
	}
}

func TestOneShotBadInputIsAnswered(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	tok := oneShotToken(5)
	if err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{"cut short`)}); err != nil {
		t.Fatal(err)
	}
	if a := e.fake.answersFor(tok); len(a) != 1 || a[0].Error != ErrInvalidInput {
		t.Errorf("invalid input answered %+v", a)
	}
	tok = oneShotToken(6)
	if err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{}`), Parameters: []byte{}}); err != nil {
		t.Fatal(err)
	}
	if a := e.fake.answersFor(tok); len(a) != 1 || a[0].Error != ErrParameters {
		t.Errorf("an empty Parameters template (variable unset) answered %+v", a)
	}
}

func TestOneShotUnreportableIsAnError(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onSuccess = func(string) string { return "TaskTimedOut" }
	tok := oneShotToken(7)
	err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{"a":1}`)})
	if err == nil || !errors.Is(err, errTaskGone) {
		t.Fatalf("an answer Step Functions refused gave %v, want an error", err)
	}
	if strings.Contains(err.Error(), tok[:20]) {
		t.Errorf("the error carries the token: %v", err)
	}
	if err := runOnce(t, e, OneShotTask{Input: []byte(`{}`)}); err == nil {
		t.Error("no token: RunOnce succeeded")
	}
	e.assertNoTokenLeak(t, tok)
}

func TestOneShotHidesItsVariablesFromTheHandler(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "env")})
	tok := oneShotToken(8)
	t.Setenv("STEPSHIFT_TASK_TOKEN", tok)
	t.Setenv("STEPSHIFT_INPUT", `{"names":["STEPSHIFT_TASK_TOKEN"]}`)
	t.Setenv("STEPSHIFT_KEPT", "visible")
	e.cfg.HideEnv = []string{"STEPSHIFT_TASK_TOKEN", "STEPSHIFT_INPUT"}
	if err := runOnce(t, e, OneShotTask{Token: tok, Input: []byte(`{"names":["STEPSHIFT_TASK_TOKEN","STEPSHIFT_INPUT","STEPSHIFT_KEPT"]}`)}); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	a := e.fake.answersFor(tok)
	if len(a) != 1 || json.Unmarshal([]byte(a[0].Output), &got) != nil {
		t.Fatalf("answers %+v", a)
	}
	if got["STEPSHIFT_TASK_TOKEN"] != "" || got["STEPSHIFT_INPUT"] != "" || got["STEPSHIFT_KEPT"] != "visible" {
		t.Errorf("the handler saw %v; want the token and input hidden, other variables kept", got)
	}
}

func TestOneShotStopFailsTheTaskForRetry(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "sleep")})
	e.cfg.StopTimeout = 200 * time.Millisecond
	w, err := New(context.Background(), e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel) // SIGTERM while the handler runs
	tok := oneShotToken(9)
	start := time.Now()
	if err := w.RunOnce(ctx, OneShotTask{Token: tok, Input: []byte(`{"ms":20000}`)}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("RunOnce took %s after a stop with a 200 ms stop timeout", took)
	}
	if a := e.fake.answersFor(tok); len(a) != 1 || a[0].Error != ErrShuttingDown {
		t.Errorf("a task cut by the stop answered %+v", a)
	}
}

func TestApplyParameters(t *testing.T) {
	in := []byte(`{"a":{"b":[1,2]},"s":"x"}`)
	for _, tc := range []struct{ tmpl, want, err string }{
		{`{"whole.$":"$"}`, `{"whole":{"a":{"b":[1,2]},"s":"x"}}`, ""},
		{`{"z":1,"b.$":"$.a.b","n":[{"s.$":"$.s"},null,true]}`, `{"z":1,"b":[1,2],"n":[{"s":"x"},null,true]}`, ""},
		{`{"k":"$.a","e":"\u00e9\"<"}`, `{"k":"$.a","e":"é\"<"}`, ""},
		{`{"m.$":"$.nope"}`, "", "could not be found"},
		{`{"m.$":"$.s.t"}`, "", "could not be found"},
		{`{"m.$":"$.a[0]"}`, "", "not a plain path"},
		{`{"m.$":"$$.Task.Token"}`, "", "not a plain path"},
		{`{"m.$":1}`, "", "must be a path string"},
		{`{"m":1} x`, "", "data after"},
		{``, "", "not JSON"},
	} {
		got, err := ApplyParameters([]byte(tc.tmpl), in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", tc.tmpl, err, tc.err)
		case tc.err == "" && (err != nil || string(got) != tc.want):
			t.Errorf("%s: got %s (%v), want %s", tc.tmpl, got, err, tc.want)
		}
	}
}

var (
	cliOnce sync.Once
	cliBin  string
	cliErr  error
)

// stepshiftCLI builds the real command once for every test that runs it,
// so the one-shot mode is tested the way ECS runs it (environment in, exit
// code out) and the idle worker is measured as a process.
func stepshiftCLI(t testing.TB) string {
	t.Helper()
	cliOnce.Do(func() {
		cliBin = filepath.Join(testBinDir, "stepshift-cli")
		build := exec.Command("go", "build", "-o", cliBin, "./cmd/stepshift")
		build.Dir = standin.ModuleRoot()
		out, err := build.CombinedOutput()
		if err == nil {
			return
		}
		// Another package of the CLI may be mid-edit; the worker command
		// alone is what runs on ECS, so test that build instead.
		build = exec.Command("go", "build", "-o", cliBin, "./cmd/stepshift/main.go", "./cmd/stepshift/version.go", "./cmd/stepshift/worker.go")
		build.Dir = standin.ModuleRoot()
		if out2, err2 := build.CombinedOutput(); err2 != nil {
			cliErr = fmt.Errorf("%v\n%s\nthe worker command alone: %v\n%s", err, out, err2, out2)
		}
	})
	if cliErr != nil {
		t.Fatalf("building stepshift: %v", cliErr)
	}
	return cliBin
}

// TestOneShotCommandExitCodes runs `stepshift worker --task-token-env ...`
// as the emitted ECS task definition does (the command repeats "stepshift
// worker" after the image's entrypoint) against the fake AWS endpoint: 0
// after a success and after an answered handler failure, non-zero when the
// answer was refused, 2 when there is no token.
func TestOneShotCommandExitCodes(t *testing.T) {
	bin := stepshiftCLI(t)
	for _, tc := range []struct {
		name, handler, input, params string
		refuse                       bool
		wantCode                     int
		wantKind, wantOutput         string
	}{
		{name: "success", handler: "echo", input: `{"g":1}`, params: `{"cma":{"event.$":"$"}}`, wantKind: "Success", wantOutput: `{"cma":{"event":{"g":1}}}`},
		{name: "handler failure", handler: "fail", input: `{"type":"Boom","message":"m"}`, wantKind: "Failure"},
		{name: "answer refused", handler: "echo", input: `{}`, refuse: true, wantCode: 3, wantKind: "Success"},
		{name: "no token", handler: "echo", input: `{}`, wantCode: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, tc.handler)})
			if tc.refuse {
				// Under the lock: the handler reading it runs for another
				// process, which gives the race detector no ordering.
				e.fake.mu.Lock()
				e.fake.onSuccess = func(string) string { return "TaskTimedOut" }
				e.fake.mu.Unlock()
			}
			tok := oneShotToken(10)
			if tc.name == "no token" {
				tok = ""
			}
			args := []string{"worker", "stepshift", "worker", "--task-token-env", "STEPSHIFT_TASK_TOKEN", "--input-env", "STEPSHIFT_INPUT",
				"--lambda-arn", e.cfg.Function, "--heartbeat", "50", "--endpoint-url", e.fake.srv.URL, "--region", "us-west-2",
				"--directory", e.cfg.TaskRoot, "--work-directory", e.cfg.WorkDir, "--layer-directory", e.cfg.LayerRoot}
			if tc.params != "" {
				args = append(args, "--parameters-env", "STEPSHIFT_PARAMETERS")
			}
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "STEPSHIFT_TASK_TOKEN="+tok, "STEPSHIFT_INPUT="+tc.input, "STEPSHIFT_PARAMETERS="+tc.params,
				"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=SECRET", "AWS_EC2_METADATA_DISABLED=true")
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Fatalf("exit code %d, want %d:\n%s", code, tc.wantCode, out)
			}
			if tok != "" && strings.Contains(string(out), tok[:20]) {
				t.Errorf("the token leaked into the output:\n%s", out)
			}
			if tc.wantKind == "" {
				return
			}
			a := e.fake.answersFor(tok)
			if len(a) != 1 || a[0].Kind != tc.wantKind || (tc.wantOutput != "" && a[0].Output != tc.wantOutput) {
				t.Errorf("answers %+v, want one %s %s", a, tc.wantKind, tc.wantOutput)
			}
		})
	}
}

// FuzzApplyParameters: any template and input either fail with an error or
// give valid JSON; a template without ".$" keys comes out as itself.
func FuzzApplyParameters(f *testing.F) {
	f.Add([]byte(`{"cma":{"event.$":"$","task_config":{"provider":"{$.meta.provider}"}}}`), []byte(`{"meta":{"provider":"p"},"payload":[1,2]}`))
	f.Add([]byte(`{"a.$":"$.x.y","b":[1,{"c.$":"$"}]}`), []byte(`{"x":{"y":"\u00e9"}}`))
	f.Add([]byte(`{"a.$":"$.missing"}`), []byte(`{}`))
	f.Add([]byte(`[]`), []byte(`null`))
	f.Fuzz(func(t *testing.T, template, input []byte) {
		out, err := ApplyParameters(template, input)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("ApplyParameters(%q, %q) = %q, not JSON", template, input, out)
		}
		if !bytes.Contains(template, []byte(".$")) && json.Valid(template) {
			var a, b any
			if json.Unmarshal(template, &a) == nil && json.Unmarshal(out, &b) == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("a template without paths changed: %q -> %q", template, out)
			}
		}
	})
}
