package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var reportRE = regexp.MustCompile(`(?m)^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB\t$`)

func TestEchoTasksAnsweredOnceWithLogsAndReports(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo"), Memory: 256})
	e.cfg.Concurrency = 2
	const n = 12
	inputs := map[string]string{}
	for i := range n {
		in := fmt.Sprintf(`{"granule":%d,"name":"g-%d"}`, i, i)
		inputs[e.fake.addTask(in)] = in
	}
	_, stop := e.start(t)
	got := e.fake.waitAnswers(t, n, 30*time.Second)
	stop()
	for _, a := range got {
		if a.Kind != "Success" {
			t.Fatalf("task failed: %+v", a)
		}
		var want, have any
		json.Unmarshal([]byte(inputs[a.Token]), &want)
		json.Unmarshal([]byte(a.Output), &have)
		if fmt.Sprint(want) != fmt.Sprint(have) {
			t.Errorf("output %s, want the input %s", a.Output, inputs[a.Token])
		}
	}
	e.fake.assertAnsweredOnce(t)
	reports := reportRE.FindAllStringSubmatch(e.report.String(), -1)
	if len(reports) != n {
		t.Fatalf("%d REPORT lines, want %d:\n%s", len(reports), n, e.report.String())
	}
	for _, r := range reports {
		if r[1] != "256" || r[2] == "0" {
			t.Errorf("REPORT memory size %s MB, used %s MB: want 256 and a real peak", r[1], r[2])
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		for _, k := range []string{"level", "message", "sender", "timestamp"} {
			if _, ok := m[k]; !ok {
				t.Errorf("log line without %q: %s", k, line)
			}
		}
		if m["sender"] != "stepshift/test-fn" {
			t.Errorf("sender %v", m["sender"])
		}
		if strings.Contains(line, "AAAA-token-") {
			t.Errorf("a task token leaked into the logs: %s", line)
		}
	}
	e.assertInsideRoots(t)
}

func TestHandlerErrorsBecomeTaskFailuresWithinLimits(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "fail")})
	plain := e.fake.addTask(`{"type":"GranuleNotFound","message":"granule g-1 is missing"}`)
	longType := e.fake.addTask(fmt.Sprintf(`{"type":%q,"message":"m"}`, strings.Repeat("T", 300)))
	longMsg := e.fake.addTask(`{"type":"Big","message":"ü0123456789","repeat":10000}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 3, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)

	a := e.fake.answersFor(plain)[0]
	if a.Kind != "Failure" || a.Error != "GranuleNotFound" {
		t.Fatalf("got %+v", a)
	}
	var cause struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if err := json.Unmarshal([]byte(a.Cause), &cause); err != nil || cause.ErrorMessage != "granule g-1 is missing" || cause.ErrorType != "GranuleNotFound" {
		t.Errorf("cause %q is not Lambda's error JSON (%v)", a.Cause, err)
	}
	if a := e.fake.answersFor(longType)[0]; len([]rune(a.Error)) != MaxErrorChars {
		t.Errorf("error of %d characters, want it cut to %d", len([]rune(a.Error)), MaxErrorChars)
	}
	a = e.fake.answersFor(longMsg)[0]
	if n := len([]rune(a.Cause)); n > MaxCauseChars || n < MaxCauseChars-200 {
		t.Errorf("cause of %d characters, want just under %d", n, MaxCauseChars)
	}
	if err := json.Unmarshal([]byte(a.Cause), &cause); err != nil || !strings.HasSuffix(cause.ErrorMessage, "(truncated)") {
		t.Errorf("truncated cause is not JSON with a marked message: %v", err)
	}
}

func TestPanicRestartsTheRuntime(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "panic")})
	boom := e.fake.addTask(`{"panic":true}`)
	fine := e.fake.addTask(`{}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)
	if a := e.fake.answersFor(boom)[0]; a.Kind != "Failure" || !strings.Contains(a.Cause, "handler blew up") {
		t.Errorf("panic answered %+v", a)
	}
	if a := e.fake.answersFor(fine)[0]; a.Kind != "Success" || a.Output != `{"ok":true}` {
		t.Errorf("task after the panic answered %+v", a)
	}
}

func TestLambdaTimeoutKillsAndRestarts(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "sleep"), Timeout: 1})
	slow := e.fake.addTask(`{"ms":5000}`)
	quick := e.fake.addTask(`{"ms":1}`)
	start := time.Now()
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)
	a := e.fake.answersFor(slow)[0]
	if a.Kind != "Failure" || a.Error != "Sandbox.Timedout" || !strings.Contains(a.Cause, "Task timed out after 1.00 seconds") {
		t.Errorf("timeout answered %+v", a)
	}
	if a.At.Sub(start) > 4*time.Second {
		t.Errorf("timeout reported after %s, want about 1 s", a.At.Sub(start))
	}
	if a := e.fake.answersFor(quick)[0]; a.Kind != "Success" || a.Output != `{"slept":1}` {
		t.Errorf("task after the timeout answered %+v", a)
	}
}

func TestOutputOverLimitIsReportedAsFailure(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "huge")})
	big := e.fake.addTask(`{"bytes":300000}`)
	ok := e.fake.addTask(`{"bytes":200000}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)
	if a := e.fake.answersFor(big)[0]; a.Kind != "Failure" || a.Error != ErrDataLimitExceeded || !json.Valid([]byte(a.Cause)) {
		t.Errorf("huge output answered %s %s", a.Kind, a.Error)
	}
	if a := e.fake.answersFor(ok)[0]; a.Kind != "Success" || len(a.Output) < 200000 {
		t.Errorf("200 kB output answered %s (%d bytes)", a.Kind, len(a.Output))
	}
}

func TestMemoryLimitAndRealPeakInReport(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "memhog"), Memory: 128})
	within := e.fake.addTask(`{"mb":60,"holdMs":100}`)
	over := e.fake.addTask(`{"mb":400,"holdMs":2000}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)
	if a := e.fake.answersFor(within)[0]; a.Kind != "Success" {
		t.Errorf("60 MB in 128 MB answered %+v", a)
	}
	if a := e.fake.answersFor(over)[0]; a.Kind != "Failure" || a.Error != "Runtime.OutOfMemory" {
		t.Errorf("400 MB in 128 MB answered %s %s", a.Kind, a.Error)
	}
	reports := reportRE.FindAllStringSubmatch(e.report.String(), -1)
	if len(reports) != 2 {
		t.Fatalf("REPORT lines: %s", e.report.String())
	}
	var first, second int
	fmt.Sscan(reports[0][2], &first)
	fmt.Sscan(reports[1][2], &second)
	if first < 60 || first > 120 {
		t.Errorf("Max Memory Used %d MB after holding 60 MB", first)
	}
	if second < 128 {
		t.Errorf("Max Memory Used %d MB for the invocation killed at 128 MB", second)
	}
}

func TestRuntimeEnvironmentAndTmp(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "env", zipEntry{Name: "cumulus-message-adapter/", Dir: true}), Memory: 1024,
		Env: map[string]string{"STACKNAME": "my-stack", "AWS_LAMBDA_FUNCTION_NAME": "spoofed"}})
	names := []string{"STACKNAME", "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_REGION", "AWS_DEFAULT_REGION", "CUMULUS_MESSAGE_ADAPTER_DIR"}
	in, _ := json.Marshal(map[string]any{"names": names})
	tok := e.fake.addTask(string(in))
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 1, 30*time.Second)
	stop()
	var got map[string]string
	a := e.fake.answersFor(tok)[0]
	if err := json.Unmarshal([]byte(a.Output), &got); err != nil {
		t.Fatalf("%+v", a)
	}
	want := map[string]string{
		"STACKNAME": "my-stack", "_HANDLER": "bootstrap.handler", "LAMBDA_TASK_ROOT": e.cfg.TaskRoot,
		"AWS_LAMBDA_FUNCTION_NAME": "test-fn", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-2",
		"CUMULUS_MESSAGE_ADAPTER_DIR": filepath.Join(e.cfg.TaskRoot, "cumulus-message-adapter"),
		"cwd":                         e.cfg.TaskRoot, "hasDeadline": "yes", "invokedArn": "arn:aws:lambda:us-west-2:123456789012:function:test-fn",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if !strings.HasPrefix(got["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:") || got["requestId"] == "" {
		t.Errorf("runtime API %q, request id %q", got["AWS_LAMBDA_RUNTIME_API"], got["requestId"])
	}

	e2 := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "tmpwrite")})
	name := fmt.Sprintf("stepshift-tmpwrite-%d.txt", time.Now().UnixNano())
	t.Cleanup(func() { os.Remove(filepath.Join(os.TempDir(), name)) })
	tok = e2.fake.addTask(fmt.Sprintf(`{"name":%q,"text":"hello granule"}`, name))
	_, stop2 := e2.start(t)
	e2.fake.waitAnswers(t, 1, 30*time.Second)
	stop2()
	if a := e2.fake.answersFor(tok)[0]; a.Kind != "Success" || !strings.Contains(a.Output, `"read":"hello granule"`) {
		t.Errorf("tmp write answered %+v", a)
	}
}

func TestHeartbeatTaskTimedOutKillsTheInvocation(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "sleep")})
	e.cfg.Heartbeat = 50 * time.Millisecond
	gone := e.fake.addTask(`{"ms":20000}`)
	e.fake.onHeartbeat = func(token string, n int) string {
		if token == gone && n >= 2 {
			return "TaskTimedOut"
		}
		return ""
	}
	_, stop := e.start(t)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		e.fake.mu.Lock()
		n := len(e.fake.heartbeats[gone])
		e.fake.mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The slot must be free again well before the 20 s handler would end.
	after := e.fake.addTask(`{"ms":200}`)
	got := e.fake.waitAnswers(t, 1, 5*time.Second)
	stop()
	if got[0].Token != after || got[0].Kind != "Success" {
		t.Fatalf("answers %+v", got)
	}
	if n := len(e.fake.answersFor(gone)); n != 0 {
		t.Errorf("a task Step Functions timed out was answered %d times", n)
	}
	e.fake.mu.Lock()
	defer e.fake.mu.Unlock()
	if n := len(e.fake.heartbeats[gone]); n != 2 {
		t.Errorf("%d heartbeats for the timed-out task, want none after TaskTimedOut", n)
	}
	if len(e.fake.heartbeats[after]) < 2 {
		t.Errorf("only %d heartbeats over a 200 ms task at 50 ms", len(e.fake.heartbeats[after]))
	}
	answeredAt := e.fake.answers[after][0].At
	for _, hb := range e.fake.heartbeats[after] {
		if hb.After(answeredAt) {
			t.Errorf("heartbeat at %s after the answer at %s", hb, answeredAt)
		}
	}
}

func TestSuccessAnsweredTaskTimedOutIsNotAnsweredAgain(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onSuccess = func(string) string { return "TaskTimedOut" }
	e.fake.addTask(`{"a":1}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 1, 30*time.Second)
	time.Sleep(300 * time.Millisecond)
	stop()
	e.fake.assertAnsweredOnce(t)
	if !strings.Contains(e.logs.String(), "no longer waits") {
		t.Errorf("the lost answer was not logged:\n%s", e.logs.String())
	}
}

func TestPollFaultsBackOffAndRecover(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.onPoll = func(n int, w http.ResponseWriter, r *http.Request) bool {
		switch {
		case n <= 3:
			sfnError(w, 400, "ThrottlingException", "Rate exceeded")
			return true
		case n == 4:
			// A connection dropped in the middle of a long poll.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		case n <= 8:
			sfnError(w, 400, "AccessDeniedException", "not authorized to perform states:GetActivityTask")
			return true
		}
		return false
	}
	toks := []string{e.fake.addTask(`{"a":1}`), e.fake.addTask(`{"a":2}`)}
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 2, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)
	for _, tok := range toks {
		if a := e.fake.answersFor(tok)[0]; a.Kind != "Success" {
			t.Errorf("%+v", a)
		}
	}
	logs := e.logs.String()
	if c := strings.Count(logs, "states:GetActivityTask on it"); c != 1 {
		t.Errorf("access denied logged %d times, want once:\n%s", c, logs)
	}
	if !strings.Contains(logs, "ThrottlingException") {
		t.Errorf("throttling not logged")
	}
}

func TestEmptyPollsDoNotHotLoop(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.fake.setPollWait(0) // answer at once with no task, as stepfunctions-local does
	e.cfg.EmptyPollDelay = 100 * time.Millisecond
	_, stop := e.start(t)
	time.Sleep(time.Second)
	stop()
	e.fake.mu.Lock()
	polls := e.fake.polls
	e.fake.mu.Unlock()
	if polls > 25 || polls < 3 {
		t.Errorf("%d polls in 1 s against an emulator answering at once; want about 10", polls)
	}
}

func TestShutdownDuringTaskFinishesWithinStopTimeout(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "sleep")})
	e.cfg.StopTimeout = 5 * time.Second
	finishes := e.fake.addTask(`{"ms":500}`)
	_, stop := e.start(t)
	waitHanded(t, e.fake, 1)
	stop()
	if a := e.fake.answersFor(finishes); len(a) != 1 || a[0].Kind != "Success" {
		t.Errorf("a task shorter than the stop timeout answered %+v", a)
	}

	e2 := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "sleep")})
	e2.cfg.StopTimeout = 300 * time.Millisecond
	cut := e2.fake.addTask(`{"ms":20000}`)
	_, stop2 := e2.start(t)
	waitHanded(t, e2.fake, 1)
	if took := stop2(); took > 5*time.Second {
		t.Errorf("stop took %s with a 300 ms stop timeout", took)
	}
	e2.fake.assertAnsweredOnce(t)
	if a := e2.fake.answersFor(cut)[0]; a.Kind != "Failure" || a.Error != ErrShuttingDown {
		t.Errorf("a task cut by the stop answered %+v", a)
	}
}

func TestShutdownDuringPollFailsLateTask(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	inPoll := make(chan struct{}, 10)
	release := make(chan struct{})
	e.fake.onPoll = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			inPoll <- struct{}{}
			<-release
		}
		return false
	}
	_, stop := e.start(t)
	<-inPoll
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	time.Sleep(100 * time.Millisecond)
	late := e.fake.addTask(`{"late":true}`)
	close(release)
	<-stopped
	e.fake.assertAnsweredOnce(t)
	if a := e.fake.answersFor(late); len(a) != 1 || a[0].Error != ErrShuttingDown {
		t.Errorf("a task a poll brought after the stop answered %+v", a)
	}
}

func waitHanded(t *testing.T, f *fakeAWS, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		f.mu.Lock()
		h := len(f.handed)
		f.mu.Unlock()
		if h >= n {
			time.Sleep(50 * time.Millisecond) // let the invocation start
			return
		}
	}
	t.Fatalf("fewer than %d tasks handed out", n)
}

func TestReloadPicksUpNewCodeBetweenTasks(t *testing.T) {
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo")})
	e.cfg.Reload = true
	e.cfg.ReloadEvery = time.Millisecond
	first := e.fake.addTask(`{"v":1}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 1, 30*time.Second)
	e.fake.mu.Lock()
	fn := e.fake.fn
	fn.Zip = bootstrapZip(t, "panic")
	fn.Revision = "rev-2"
	e.fake.fn = fn
	e.fake.mu.Unlock()
	time.Sleep(50 * time.Millisecond)
	second := e.fake.addTask(`{"v":2}`)
	e.fake.waitAnswers(t, 1, 30*time.Second)
	stop()
	e.fake.assertAnsweredOnce(t)
	if a := e.fake.answersFor(first)[0]; a.Output != `{"v":1}` {
		t.Errorf("first task %+v", a)
	}
	if a := e.fake.answersFor(second)[0]; a.Output != `{"ok":true}` {
		t.Errorf("task after the code update ran the old code: %+v", a)
	}
	e.assertInsideRoots(t)
}

func TestLayersStackAndProvideTheBootstrap(t *testing.T) {
	bin, _ := os.ReadFile(handlerBin["echo"])
	e := newTestEnv(t, fakeFunction{Zip: makeZip(t, zipEntry{Name: "index.js", Body: []byte("//")})})
	l1, l2 := "arn:aws:lambda:us-west-2:123456789012:layer:one:1", "arn:aws:lambda:us-west-2:123456789012:layer:two:3"
	e.fake.fn.Layers = []string{l1, l2}
	e.fake.layers[l1] = makeZip(t, zipEntry{Name: "a.txt", Body: []byte("one")}, zipEntry{Name: "b.txt", Body: []byte("one")})
	e.fake.layers[l2] = makeZip(t, zipEntry{Name: "b.txt", Body: []byte("two")}, zipEntry{Name: "bootstrap", Body: bin, Mode: 0o755, Stored: true})
	tok := e.fake.addTask(`{"from":"layer"}`)
	_, stop := e.start(t)
	e.fake.waitAnswers(t, 1, 30*time.Second)
	stop()
	if a := e.fake.answersFor(tok)[0]; a.Output != `{"from":"layer"}` {
		t.Errorf("%+v", a)
	}
	for name, want := range map[string]string{"a.txt": "one", "b.txt": "two"} {
		if b, _ := os.ReadFile(filepath.Join(e.cfg.LayerRoot, name)); string(b) != want {
			t.Errorf("layer root %s = %q, want %q (later layers overwrite)", name, b, want)
		}
	}
	e.assertInsideRoots(t)
}

func TestCodeFetchFaults(t *testing.T) {
	good := bootstrapZip(t, "echo")
	cases := []struct {
		name    string
		fn      fakeFunction
		onCode  func(n int, w http.ResponseWriter) bool
		wantErr string // "" = fetch succeeds
		gets    int    // GetFunction calls expected (0 = don't check)
		codes   int    // downloads expected (0 = don't check, -1 = none)
	}{
		{name: "expired URL 403 is refreshed", fn: fakeFunction{Zip: good}, gets: 2,
			onCode: func(n int, w http.ResponseWriter) bool {
				if n == 1 {
					w.WriteHeader(403)
					return true
				}
				return false
			}},
		{name: "403 twice", fn: fakeFunction{Zip: good}, wantErr: "HTTP 403",
			onCode: func(n int, w http.ResponseWriter) bool { w.WriteHeader(403); return true }},
		{name: "5xx retried", fn: fakeFunction{Zip: good},
			onCode: func(n int, w http.ResponseWriter) bool {
				if n <= 2 {
					w.WriteHeader(503)
					return true
				}
				return false
			}},
		{name: "5xx forever", fn: fakeFunction{Zip: good}, wantErr: "HTTP 500",
			onCode: func(n int, w http.ResponseWriter) bool { w.WriteHeader(500); return true }},
		{name: "wrong SHA-256", fn: fakeFunction{Zip: good, Sha: sha([]byte("other"))}, wantErr: "SHA-256"},
		// Verification fails closed: no CodeSha256 or CodeSize, no code.
		{name: "no CodeSha256", fn: fakeFunction{Zip: good, NoSha: true}, wantErr: "lambda:GetFunction reported no CodeSha256", codes: -1},
		{name: "no CodeSize", fn: fakeFunction{Zip: good, Size: -1}, wantErr: "lambda:GetFunction reported no CodeSize", codes: -1},
		{name: "size differs from CodeSize", fn: fakeFunction{Zip: good, Size: int64(len(good)) + 1},
			wantErr: fmt.Sprintf("downloaded %d bytes, lambda:GetFunction says CodeSize %d", len(good), len(good)+1)},
		{name: "corrupt zip", fn: fakeFunction{Zip: good[:len(good)/2]}, wantErr: "not a valid zip"},
		{name: "image package", fn: fakeFunction{Zip: good, PackageType: "Image"}, wantErr: "PackageType Image"},
		{name: "zip slip", fn: fakeFunction{Zip: makeZip(t, zipEntry{Name: "../../escaped.txt", Body: []byte("x")})}, wantErr: "leaves the extraction root"},
		{name: "symlink out of the root", fn: fakeFunction{Zip: makeZip(t, zipEntry{Name: "lib/evil", Body: []byte("../../../etc"), Mode: os.ModeSymlink | 0o777})}, wantErr: "outside the root"},
		{name: "absolute symlink", fn: fakeFunction{Zip: makeZip(t, zipEntry{Name: "evil", Body: []byte("/etc/passwd"), Mode: os.ModeSymlink | 0o777})}, wantErr: "outside the root"},
		{name: "symlink chain out of the root", fn: fakeFunction{Zip: makeZip(t, link("dot", "."), link("esc", "dot/.."))}, wantErr: `"esc": symlink to "dot/.." resolves outside the root`},
		{name: "symlink then write through it", fn: fakeFunction{Zip: makeZip(t,
			zipEntry{Name: "link", Body: []byte("."), Mode: os.ModeSymlink | 0o777},
			zipEntry{Name: "link/inside.txt", Body: []byte("ok")},
			zipEntry{Name: "bootstrap", Body: []byte("#!/bin/sh\n"), Mode: 0o755})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, tc.fn)
			e.fake.onCode = tc.onCode
			w, err := New(context.Background(), e.cfg)
			if w != nil {
				w.Close()
			}
			if tc.wantErr == "" && err != nil {
				t.Fatalf("fetch failed: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
			if tc.gets > 0 && e.fake.getFuncs != tc.gets {
				t.Errorf("GetFunction called %d times, want %d", e.fake.getFuncs, tc.gets)
			}
			if tc.codes != 0 && e.fake.codeGets != max(tc.codes, 0) {
				t.Errorf("code downloaded %d times, want %d", e.fake.codeGets, max(tc.codes, 0))
			}
			var fe *FetchError
			if tc.wantErr != "" && !errors.As(err, &fe) {
				t.Errorf("error is %T, want *FetchError (the user must fix the function)", err)
			}
			e.assertInsideRoots(t)
			if tc.wantErr != "" {
				if _, err := os.Stat(e.cfg.TaskRoot); err == nil {
					t.Errorf("a failed fetch left a task root")
				}
			}
		})
	}
	// Fetch errors that a user must fix are FetchErrors (the CLI exits 2).
	e := newTestEnv(t, fakeFunction{Zip: good, PackageType: "Image"})
	_, err := New(context.Background(), e.cfg)
	if _, ok := err.(*FetchError); !ok {
		t.Errorf("image package error is %T, want *FetchError", err)
	}
}

// TestLayerFetchVerifiesShaAndSize: a layer's CodeSha256 and CodeSize are
// as mandatory as the function's.
func TestLayerFetchVerifiesShaAndSize(t *testing.T) {
	l := "arn:aws:lambda:us-west-2:123456789012:layer:one:1"
	z := makeZip(t, zipEntry{Name: "a.txt", Body: []byte("one")})
	for _, tc := range []struct {
		name    string
		edit    func(c map[string]any)
		wantErr string
	}{
		{name: "as served", edit: func(map[string]any) {}},
		{name: "no CodeSha256", edit: func(c map[string]any) { delete(c, "CodeSha256") }, wantErr: "lambda:GetLayerVersion reported no CodeSha256"},
		{name: "no CodeSize", edit: func(c map[string]any) { delete(c, "CodeSize") }, wantErr: "lambda:GetLayerVersion reported no CodeSize"},
		{name: "CodeSize differs", edit: func(c map[string]any) { c["CodeSize"] = len(z) - 1 }, wantErr: "lambda:GetLayerVersion says CodeSize"},
		{name: "SHA-256 differs", edit: func(c map[string]any) { c["CodeSha256"] = sha([]byte("x")) }, wantErr: "SHA-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, fakeFunction{Zip: z})
			e.fake.mu.Lock()
			e.fake.layers[l] = z
			e.fake.onLayer = tc.edit
			e.fake.mu.Unlock()
			fe := &Fetcher{Lambda: e.cfg.Lambda, WorkDir: e.cfg.WorkDir}
			err := fe.FetchLayers(context.Background(), []string{l}, e.cfg.LayerRoot, MaxUnzippedBytes)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fetchErr *FetchError
			if !errors.As(err, &fetchErr) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want a FetchError mentioning %q", err, tc.wantErr)
			}
			if _, err := os.Stat(filepath.Join(e.cfg.LayerRoot, "a.txt")); err == nil {
				t.Errorf("an unverified layer was extracted")
			}
		})
	}
}

// presignedSecrets are what a presigned Code.Location carries in its query.
var presignedSecrets = []string{"SECRET", "SIG"}

// TestPresignedURLNeverLoggedOrReturned: a download that fails on the
// network (the Go HTTP error quotes the whole URL) neither logs nor returns
// the presigned URL's query.
func TestPresignedURLNeverLoggedOrReturned(t *testing.T) {
	const loc = "http://127.0.0.1:1/x?X-Amz-Security-Token=SECRET&X-Amz-Signature=SIG"
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "echo"), Location: loc})
	var logs syncBuffer
	fe := &Fetcher{Lambda: e.cfg.Lambda, WorkDir: e.cfg.WorkDir, Logger: NewLogger(&logs, "test-fn", slog.LevelDebug), Attempts: 3, Backoff: time.Millisecond}
	_, _, err := fe.Fetch(context.Background(), "test-fn", t.TempDir())
	if err == nil {
		t.Fatal("a download from a closed port succeeded")
	}
	if !strings.Contains(logs.String(), "code download failed, retrying") {
		t.Fatalf("the retry was not logged (the test would prove nothing):\n%s", logs.String())
	}
	for _, what := range []struct{ name, text string }{{"error", err.Error()}, {"logs", logs.String()}} {
		for _, secret := range presignedSecrets {
			if strings.Contains(what.text, secret) {
				t.Errorf("%s hold the presigned URL's %s:\n%s", what.name, secret, what.text)
			}
		}
		if !strings.Contains(what.text, "http://127.0.0.1:1/x?<redacted>") {
			t.Errorf("%s do not name the URL without its query:\n%s", what.name, what.text)
		}
	}

	// Through the worker too: New's error is what the CLI prints.
	e.cfg.Logger = NewLogger(&logs, "test-fn", slog.LevelDebug)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := New(ctx, e.cfg); err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "SIG") {
		t.Errorf("New: %v", err)
	}
	for _, secret := range presignedSecrets {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("worker logs hold the presigned URL's %s:\n%s", secret, logs.String())
		}
	}
}

// TestDownloadErrorsKeepNoURLQuery: the *url.Error values net/http returns
// (a failed request, an unparsable URL) come back with the URL redacted,
// still telling a transient failure.
func TestDownloadErrorsKeepNoURLQuery(t *testing.T) {
	fe := &Fetcher{}
	f, err := os.CreateTemp(t.TempDir(), "dl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		url, want string
		retry     bool
	}{
		{url: "http://127.0.0.1:1/x?X-Amz-Security-Token=SECRET&X-Amz-Signature=SIG", want: "http://127.0.0.1:1/x?<redacted>", retry: true},
		{url: "http://127.0.0.1:1/x?X-Amz-Security-Token=SECRET&X-Amz-Signature=SIG\x7f", want: "http://127.0.0.1:1/x?<redacted>"},
		{url: "https://user:SECRET@127.0.0.1:1/x#SIG", want: "https://127.0.0.1:1/x?<redacted>", retry: true},
	} {
		_, _, retry, err := fe.get(context.Background(), tc.url, f)
		var ue *url.Error
		if !errors.As(err, &ue) || ue.URL != tc.want {
			t.Errorf("%q: error %#v, want a *url.Error for %s", tc.url, err, tc.want)
		}
		if retry != tc.retry {
			t.Errorf("%q: retry %v, want %v", tc.url, retry, tc.retry)
		}
		for _, secret := range presignedSecrets {
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("%q: error holds %s: %v", tc.url, secret, err)
			}
		}
	}
	// Text that still quotes the query is cut, errors.Is kept.
	err = redactError(fmt.Errorf("reading http://h/p?X-Amz-Signature=SIG: %w", context.Canceled), "http://h/p?X-Amz-Signature=SIG")
	if strings.Contains(err.Error(), "SIG") || !errors.Is(err, context.Canceled) {
		t.Errorf("redactError: %v (Is canceled: %v)", err, errors.Is(err, context.Canceled))
	}
	if got := redactURL("https://b.s3.amazonaws.com/k/v?X-Amz-Signature=SIG"); got != "https://b.s3.amazonaws.com/k/v?<redacted>" {
		t.Errorf("redactURL: %s", got)
	}
	if got := redactURL("https://b.s3.amazonaws.com/k/v"); got != "https://b.s3.amazonaws.com/k/v" {
		t.Errorf("redactURL without a query: %s", got)
	}
}

func TestInvokeOnceWithLocalBootstrap(t *testing.T) {
	base := t.TempDir()
	var report syncBuffer
	w, err := New(context.Background(), Config{Bootstrap: handlerBin["echo"], TaskRoot: filepath.Join(base, "task"), WorkDir: filepath.Join(base, "work"),
		LayerRoot: filepath.Join(base, "opt"), Report: &report, Logger: NewLogger(&syncBuffer{}, "local", 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := range 3 {
		in := fmt.Sprintf(`{"n":%d}`, i)
		res, err := w.Invoke(context.Background(), []byte(in))
		if err != nil || res.Failed() || string(res.Output) != in {
			t.Fatalf("invoke %d: %v %+v", i, err, res)
		}
	}
	if n := len(reportRE.FindAllString(report.String(), -1)); n != 3 {
		t.Errorf("%d REPORT lines for 3 invocations", n)
	}
}
