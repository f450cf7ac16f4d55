package runtime

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stepshift/stepshift/internal/standin"
)

// handlerBin holds the real aws-lambda-go bootstraps TestMain builds.
var handlerBin = map[string]string{}

// testBinDir holds what TestMain and tests build; TestMain removes it.
var testBinDir string

var handlerNames = []string{"echo", "fail", "panic", "sleep", "huge", "memhog", "tmpwrite", "env", "chaos"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stepshift-handlers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Stripped, as Lambda bootstraps are usually built: a third smaller to
	// zip and extract in every test.
	args := []string{"build", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", dir + string(os.PathSeparator)}
	for _, n := range handlerNames {
		args = append(args, "./testdata/handlers/"+n)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test Lambda bootstraps: %v\n%s", err, out)
		os.Exit(1)
	}
	for _, n := range handlerNames {
		handlerBin[n] = filepath.Join(dir, n)
	}
	testBinDir = dir
	code := standin.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// zipEntry is one member of a test archive.
type zipEntry struct {
	Name    string
	Body    []byte
	Mode    os.FileMode // 0 → 0644; os.ModeSymlink|0777 for links (Body = target)
	Method  uint16
	Stored  bool // uncompressed (Method 0 means "deflate" here)
	Dir     bool
	LieSize uint64 // when set, the header claims this uncompressed size
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: e.Method}
		if h.Method == 0 && !e.Stored && !e.Dir && e.Mode&os.ModeSymlink == 0 {
			h.Method = zip.Deflate
		}
		mode := e.Mode
		if mode == 0 {
			mode = 0o644
		}
		if e.Dir {
			mode = os.ModeDir | 0o755
			if !strings.HasSuffix(h.Name, "/") {
				h.Name += "/"
			}
		}
		h.SetMode(mode)
		if e.LieSize > 0 {
			writeLyingEntry(t, zw, h, e.Body, e.LieSize)
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.Body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeLyingEntry stores body uncompressed under a header claiming size, as a
// zip bomb that lies about its sizes would.
func writeLyingEntry(t testing.TB, zw *zip.Writer, h *zip.FileHeader, body []byte, size uint64) {
	h.Method = zip.Store
	h.CRC32 = 0
	h.CompressedSize64 = uint64(len(body))
	h.UncompressedSize64 = size
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
}

// bootstrapZips holds each handler's package once made: compressing a
// 6 MB binary in every test cost seconds under -race.
var bootstrapZips sync.Map

// bootstrapZip is a function package whose bootstrap is the named handler.
// Callers must not modify the bytes returned.
func bootstrapZip(t testing.TB, handler string, extra ...zipEntry) []byte {
	t.Helper()
	if z, ok := bootstrapZips.Load(handler); ok && len(extra) == 0 {
		return z.([]byte)
	}
	b, err := os.ReadFile(handlerBin[handler])
	if err != nil {
		t.Fatal(err)
	}
	// Stored, not deflated: inflating 6 MB in every test's code fetch cost
	// seconds under -race; the extraction tests cover deflated entries.
	z := makeZip(t, append([]zipEntry{{Name: "bootstrap", Body: b, Mode: 0o755, Stored: true}}, extra...)...)
	if len(extra) == 0 {
		bootstrapZips.Store(handler, z)
	}
	return z
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// fakeFunction is the function the fake Lambda serves.
type fakeFunction struct {
	Name        string
	Zip         []byte
	Sha         string // "" = the zip's real SHA-256
	NoSha       bool   // CodeSha256 left out of the configuration
	Size        int64  // CodeSize; 0 = the zip's real size, -1 = left out
	Location    string // Code.Location; "" = the fake's own download URL
	Memory      int
	Timeout     int
	Env         map[string]string
	Layers      []string
	PackageType string
	Revision    string
	Handler     string // "" = bootstrap.handler
}

// fakeAnswer is one SendTaskSuccess/SendTaskFailure call.
type fakeAnswer struct {
	Token, Kind, Output, Error, Cause string
	At                                time.Time
}

type fakeTask struct{ Token, Input string }

// fakeAWS is an in-process Step Functions + Lambda + S3 download endpoint
// speaking the real wire protocols, so the SDK clients are exercised, with
// hooks for fault injection.
type fakeAWS struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	tasks      chan fakeTask
	handed     []string
	handedAt   map[string]time.Time
	answers    map[string][]fakeAnswer
	heartbeats map[string][]time.Time
	polls      int
	fn         fakeFunction
	layers     map[string][]byte
	codeGets   int
	getFuncs   int
	getConfigs int
	answered   chan fakeAnswer
	nextToken  int

	pollWait time.Duration
	// Fault hooks: return true when they wrote the response themselves.
	onPoll      func(n int, w http.ResponseWriter, r *http.Request) bool
	onHeartbeat func(token string, n int) string // error type to return, "" = OK
	onSuccess   func(token string) string
	// onAnswer sees every SendTaskSuccess/SendTaskFailure (n counts this
	// token's answers, this one included) after it is recorded.
	onAnswer func(a fakeAnswer, n int, w http.ResponseWriter) bool
	onCode   func(n int, w http.ResponseWriter) bool
	onLayer  func(content map[string]any) // edits GetLayerVersion's Content
}

func newFakeAWS(t testing.TB, fn fakeFunction) *fakeAWS {
	f := &fakeAWS{t: t, tasks: make(chan fakeTask, 100000), answers: map[string][]fakeAnswer{},
		heartbeats: map[string][]time.Time{}, handedAt: map[string]time.Time{}, fn: fn, layers: map[string][]byte{}, answered: make(chan fakeAnswer, 100000),
		pollWait: 200 * time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", f.stepFunctions)
	mux.HandleFunc("GET /2015-03-31/functions/{name}", f.getFunction)
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", f.getConfiguration)
	mux.HandleFunc("GET /2018-10-31/layers", f.getLayer)
	mux.HandleFunc("GET /code/{what}", f.code)
	// Assign before Start so the handlers' reads of f.srv happen after it:
	// requests come from another process, which gives the race detector no
	// happens-before edge otherwise.
	f.srv = httptest.NewUnstartedServer(mux)
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// setPollWait and currentPollWait guard pollWait: tests change it while the
// server runs.
func (f *fakeAWS) setPollWait(d time.Duration) {
	f.mu.Lock()
	f.pollWait = d
	f.mu.Unlock()
}

func (f *fakeAWS) currentPollWait() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pollWait
}

func (f *fakeAWS) addTask(input string) string {
	f.mu.Lock()
	f.nextToken++
	tok := fmt.Sprintf("AAAA-token-%d-%s", f.nextToken, strings.Repeat("z", 40))
	f.mu.Unlock()
	f.tasks <- fakeTask{tok, input}
	return tok
}

func (f *fakeAWS) setFunction(fn fakeFunction) {
	f.mu.Lock()
	f.fn = fn
	f.mu.Unlock()
}

func sfnError(w http.ResponseWriter, code int, errType, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"__type": errType, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAWS) stepFunctions(w http.ResponseWriter, r *http.Request) {
	target := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
	token, _ := in["taskToken"].(string)
	switch target {
	case "GetActivityTask":
		f.mu.Lock()
		f.polls++
		n := f.polls
		hook := f.onPoll
		f.mu.Unlock()
		if hook != nil && hook(n, w, r) {
			return
		}
		select {
		case task := <-f.tasks:
			f.mu.Lock()
			f.handed = append(f.handed, task.Token)
			f.handedAt[task.Token] = time.Now()
			f.mu.Unlock()
			writeJSON(w, map[string]string{"taskToken": task.Token, "input": task.Input})
		case <-time.After(f.currentPollWait()):
			writeJSON(w, map[string]string{})
		case <-r.Context().Done():
		}
	case "SendTaskHeartbeat":
		f.mu.Lock()
		f.heartbeats[token] = append(f.heartbeats[token], time.Now())
		n := len(f.heartbeats[token])
		hook := f.onHeartbeat
		f.mu.Unlock()
		if hook != nil {
			if e := hook(token, n); e != "" {
				sfnError(w, 400, e, "task is gone")
				return
			}
		}
		writeJSON(w, map[string]string{})
	case "SendTaskSuccess", "SendTaskFailure":
		a := fakeAnswer{Token: token, Kind: strings.TrimPrefix(target, "SendTask"), At: time.Now()}
		a.Output, _ = in["output"].(string)
		a.Error, _ = in["error"].(string)
		a.Cause, _ = in["cause"].(string)
		f.mu.Lock()
		f.answers[token] = append(f.answers[token], a)
		n := len(f.answers[token])
		hook, answerHook := f.onSuccess, f.onAnswer
		f.mu.Unlock()
		f.answered <- a
		if answerHook != nil && answerHook(a, n, w) {
			return
		}
		if target == "SendTaskSuccess" && hook != nil {
			if e := hook(token); e != "" {
				sfnError(w, 400, e, "task is gone")
				return
			}
		}
		writeJSON(w, map[string]string{})
	default:
		sfnError(w, 400, "UnknownOperationException", target)
	}
}

func (f *fakeAWS) config() map[string]any {
	fn := f.fn
	s := fn.Sha
	if s == "" {
		s = sha(fn.Zip)
	}
	var layers []map[string]any
	for _, l := range fn.Layers {
		layers = append(layers, map[string]any{"Arn": l})
	}
	c := map[string]any{
		"FunctionName": fn.Name, "FunctionArn": "arn:aws:lambda:us-west-2:123456789012:function:" + fn.Name,
		"Runtime": "provided.al2023", "Handler": firstNonEmpty(fn.Handler, "bootstrap.handler"), "MemorySize": fn.Memory, "Timeout": fn.Timeout,
		"CodeSha256": s, "CodeSize": fn.Size, "RevisionId": fn.Revision, "Version": "$LATEST",
		"Environment": map[string]any{"Variables": fn.Env}, "Layers": layers,
		"PackageType": firstNonEmpty(fn.PackageType, "Zip"),
	}
	if fn.Size == 0 {
		c["CodeSize"] = len(fn.Zip)
	}
	if fn.Size < 0 {
		delete(c, "CodeSize")
	}
	if fn.NoSha {
		delete(c, "CodeSha256")
	}
	return c
}

func (f *fakeAWS) getFunction(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getFuncs++
	loc := f.fn.Location
	if loc == "" {
		loc = f.srv.URL + "/code/function?n=" + fmt.Sprint(f.getFuncs)
	}
	writeJSON(w, map[string]any{"Configuration": f.config(), "Code": map[string]any{"RepositoryType": "S3", "Location": loc}})
}

func (f *fakeAWS) getConfiguration(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getConfigs++
	writeJSON(w, f.config())
}

func (f *fakeAWS) getLayer(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("Arn")
	f.mu.Lock()
	z, ok := f.layers[arn]
	f.mu.Unlock()
	if !ok {
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(404)
		io.WriteString(w, `{"Type":"User","Message":"no such layer"}`)
		return
	}
	content := map[string]any{"Location": f.srv.URL + "/code/" + base64.URLEncoding.EncodeToString([]byte(arn)), "CodeSha256": sha(z), "CodeSize": len(z)}
	f.mu.Lock()
	hook := f.onLayer
	f.mu.Unlock()
	if hook != nil {
		hook(content)
	}
	writeJSON(w, map[string]any{"LayerVersionArn": arn, "Content": content})
}

func (f *fakeAWS) code(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.codeGets++
	n := f.codeGets
	hook := f.onCode
	z := f.fn.Zip
	what := r.PathValue("what")
	if what != "function" {
		arn, _ := base64.URLEncoding.DecodeString(what)
		z = f.layers[string(arn)]
	}
	f.mu.Unlock()
	if hook != nil && hook(n, w) {
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(z)))
	w.Write(z)
}

// answersFor returns the answers sent for token.
func (f *fakeAWS) answersFor(token string) []fakeAnswer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeAnswer(nil), f.answers[token]...)
}

// waitAnswers waits until n answers arrived in total.
func (f *fakeAWS) waitAnswers(t testing.TB, n int, within time.Duration) []fakeAnswer {
	t.Helper()
	var got []fakeAnswer
	deadline := time.After(within)
	for len(got) < n {
		select {
		case a := <-f.answered:
			got = append(got, a)
		case <-deadline:
			t.Fatalf("only %d of %d answers within %s: %+v", len(got), n, within, got)
		}
	}
	return got
}

// assertAnsweredOnce checks every token handed out got exactly one answer.
func (f *fakeAWS) assertAnsweredOnce(t testing.TB) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tok := range f.handed {
		if n := len(f.answers[tok]); n != 1 {
			t.Errorf("task %s answered %d times: %+v", tok[:14], n, f.answers[tok])
		}
	}
	for tok := range f.answers {
		found := false
		for _, h := range f.handed {
			found = found || h == tok
		}
		if !found {
			t.Errorf("answer for a token never handed out: %s", tok)
		}
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testEnv is a worker wired to a fake, with its roots in one temp folder so
// tests can check nothing was written elsewhere.
type testEnv struct {
	fake   *fakeAWS
	cfg    Config
	base   string
	logs   *syncBuffer
	report *syncBuffer
	output *syncBuffer
}

func newTestEnv(t testing.TB, fn fakeFunction) *testEnv {
	t.Helper()
	if fn.Name == "" {
		fn.Name = "test-fn"
	}
	if fn.Memory == 0 {
		fn.Memory = 512
	}
	if fn.Timeout == 0 {
		fn.Timeout = 10
	}
	if fn.Revision == "" {
		fn.Revision = "rev-1"
	}
	f := newFakeAWS(t, fn)
	base := t.TempDir()
	awsCfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", "")}
	answers, polls, lam, err := ClientsFromConfig(awsCfg, Endpoints{StepFunctions: f.srv.URL, Lambda: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{fake: f, base: base, logs: &syncBuffer{}, report: &syncBuffer{}, output: &syncBuffer{}}
	e.cfg = Config{
		ActivityARN:    "arn:aws:states:us-west-2:123456789012:activity:test",
		Function:       "arn:aws:lambda:us-west-2:123456789012:function:" + fn.Name,
		TaskRoot:       filepath.Join(base, "task"),
		WorkDir:        filepath.Join(base, "work"),
		LayerRoot:      filepath.Join(base, "opt"),
		WorkerName:     "test-worker",
		SFN:            answers,
		SFNPoll:        polls,
		Lambda:         lam,
		Logger:         NewLogger(e.logs, fn.Name, slog.LevelDebug),
		Report:         e.report,
		RuntimeStdout:  e.output,
		RuntimeStderr:  e.output,
		PollBackoff:    10 * time.Millisecond,
		MaxPollBackoff: 50 * time.Millisecond,
		EmptyPollDelay: 20 * time.Millisecond,
		FetchBackoff:   10 * time.Millisecond,
	}
	return e
}

// start creates the worker and runs it until the returned stop is called
// (which cancels, like SIGTERM, and waits for Run to return).
func (e *testEnv) start(t testing.TB) (w *Worker, stop func() time.Duration) {
	t.Helper()
	w, err := New(context.Background(), e.cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() time.Duration {
		var took time.Duration
		once.Do(func() {
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("Run did not return 30 s after the stop")
			}
			took = time.Since(start)
			w.Close()
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return w, stop
}

// assertInsideRoots fails when anything exists in the test's base folder
// other than the task root, work folder and layer root.
func (e *testEnv) assertInsideRoots(t testing.TB) {
	t.Helper()
	entries, _ := os.ReadDir(e.base)
	for _, de := range entries {
		switch de.Name() {
		case "task", "work", "opt":
		default:
			t.Errorf("written outside the roots: %s", filepath.Join(e.base, de.Name()))
		}
	}
	work, _ := os.ReadDir(filepath.Join(e.base, "work"))
	for _, de := range work {
		t.Errorf("download left behind in the work folder: %s", de.Name())
	}
}
