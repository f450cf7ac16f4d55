package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// Step Functions API limits the worker respects when answering.
const (
	MaxOutputBytes = 256 * 1024 // SendTaskSuccess output (and any state's data)
	MaxErrorChars  = 256        // SendTaskFailure error
	MaxCauseChars  = 32768      // SendTaskFailure cause
)

// Error names the worker reports itself (the handler's own errorType is
// passed through unchanged).
const (
	ErrShuttingDown      = "Worker.ShuttingDown"
	ErrDataLimitExceeded = "States.DataLimitExceeded"
	ErrInvalidOutput     = "Runtime.InvalidResponse"
)

// StepFunctionsAPI is the part of Step Functions the worker calls;
// *sfn.Client satisfies it.
type StepFunctionsAPI interface {
	GetActivityTask(ctx context.Context, in *sfn.GetActivityTaskInput, opts ...func(*sfn.Options)) (*sfn.GetActivityTaskOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, opts ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error)
}

// Config is everything `stepshift worker` is told. Zero values take the
// documented defaults (see Defaults).
type Config struct {
	ActivityARN string        // --activity-arn
	Function    string        // --lambda-arn: name or ARN, a qualifier kept
	Heartbeat   time.Duration // --heartbeat; 0 sends none (cumulus-ecs-task's default)
	TaskRoot    string        // --directory: where the code is extracted (LAMBDA_TASK_ROOT)
	WorkDir     string        // --work-directory: downloads and scratch
	LayerRoot   string        // layers; default /opt
	Concurrency int           // --concurrency: parallel tasks, one runtime process each
	WorkerName  string        // --worker-name, sent with GetActivityTask
	Bootstrap   string        // --bootstrap: runtime executable to use before any other
	Reload      bool          // --reload: follow code updates between tasks
	ReloadEvery time.Duration // at most one GetFunctionConfiguration per this; default 1 minute
	MaxTasks    int           // --max-tasks: stop after this many tasks; 0 = no limit
	StopTimeout time.Duration // --stop-timeout: time running tasks get after a stop; default 100 s
	Region      string        // AWS_REGION given to the runtime; default from the ARN or environment
	// HideEnv names variables of this process the runtime must not inherit:
	// a one-shot worker's task token is a credential for answering the task,
	// and Lambda never shows a handler such a thing.
	HideEnv []string

	SFN     StepFunctionsAPI // answers and heartbeats
	SFNPoll StepFunctionsAPI // long polls (its HTTP timeout must exceed 60 s); nil = SFN
	Lambda  LambdaAPI        // code, layers, reload checks
	HTTP    *http.Client     // code downloads; nil = 5-minute timeout

	Logger        *slog.Logger // JSON event log; nil = NewLogger(os.Stderr, ...)
	Report        io.Writer    // REPORT lines; nil = os.Stdout
	RuntimeStdout io.Writer    // the runtime's own output; nil = os.Stdout
	RuntimeStderr io.Writer    // nil = os.Stderr

	PollBackoff    time.Duration // first delay after a poll error; default 1 s
	MaxPollBackoff time.Duration // default 60 s
	EmptyPollDelay time.Duration // pause after an empty poll answered early (emulators); default 1 s
	// PollTimeout bounds one GetActivityTask; default 70 s, past AWS's
	// 60-second long poll.
	PollTimeout time.Duration
	// AnswerTimeout bounds one SendTaskSuccess/SendTaskFailure attempt;
	// default 30 s. AnswerRetryFor bounds all attempts for one task;
	// default 2 minutes.
	AnswerTimeout  time.Duration
	AnswerRetryFor time.Duration
	// FetchBackoff is the first delay between code download attempts;
	// default 500 ms.
	FetchBackoff time.Duration
}

// Defaults fills zero fields with the documented defaults.
func (c *Config) Defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.ReloadEvery <= 0 {
		c.ReloadEvery = time.Minute
	}
	if c.StopTimeout <= 0 {
		c.StopTimeout = 100 * time.Second
	}
	if c.LayerRoot == "" {
		c.LayerRoot = "/opt"
	}
	if c.TaskRoot == "" {
		c.TaskRoot = filepath.Join(os.TempDir(), "stepshift", "task")
	}
	if c.WorkDir == "" {
		c.WorkDir = filepath.Join(os.TempDir(), "stepshift", "work")
	}
	if c.PollBackoff <= 0 {
		c.PollBackoff = time.Second
	}
	if c.MaxPollBackoff <= 0 {
		c.MaxPollBackoff = 60 * time.Second
	}
	if c.EmptyPollDelay <= 0 {
		c.EmptyPollDelay = time.Second
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = pollHTTPTimeout
	}
	if c.AnswerTimeout <= 0 {
		c.AnswerTimeout = DefaultAnswerTimeout
	}
	if c.AnswerRetryFor <= 0 {
		c.AnswerRetryFor = DefaultAnswerRetryFor
	}
	if c.Region == "" {
		c.Region = regionOf(c.Function)
	}
	if c.Region == "" {
		c.Region = firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	}
	if c.SFNPoll == nil {
		c.SFNPoll = c.SFN
	}
}

// absolutePaths resolves the task root, work folder, layer root and
// --bootstrap against the working folder now. The runtime runs inside the
// task root, so a relative LAMBDA_TASK_ROOT would resolve a second time
// there and Node and Python runtimes would not find the handler.
func (c *Config) absolutePaths() error {
	for _, p := range []*string{&c.TaskRoot, &c.WorkDir, &c.LayerRoot, &c.Bootstrap} {
		if *p == "" || filepath.IsAbs(*p) {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("resolving %s against the working folder: %w", *p, err)
		}
		*p = abs
	}
	return nil
}

// regionOf returns the region of an ARN ("arn:aws:lambda:us-east-1:...").
func regionOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 6 && parts[0] == "arn" {
		return parts[3]
	}
	return ""
}

// Worker polls one activity and runs each task through the function's code.
type Worker struct {
	cfg     Config
	log     *slog.Logger
	fetcher *Fetcher

	// codeMu is held shared by every running task and exclusively by a
	// reload swapping the code, so a reload drains running tasks first.
	codeMu sync.RWMutex
	fn     atomic.Pointer[Function]
	gen    atomic.Int64
	spec   atomic.Pointer[processSpec]

	slots []*slot

	reloadMu   sync.Mutex
	lastReload time.Time

	taken      atomic.Int64 // tasks received (for --max-tasks)
	deniedOnce sync.Once
	closeOnce  sync.Once
}

// New validates cfg, fetches the function's code (unless only --bootstrap
// is given) and returns a worker ready to Run or Invoke.
func New(ctx context.Context, cfg Config) (*Worker, error) {
	cfg.Defaults()
	if err := cfg.absolutePaths(); err != nil {
		return nil, err
	}
	if cfg.Function == "" && cfg.Bootstrap == "" {
		return nil, errors.New("a Lambda function (--lambda-arn) or a runtime (--bootstrap) is required")
	}
	if cfg.Function != "" && cfg.Lambda == nil {
		return nil, errors.New("no Lambda client")
	}
	sender := cfg.Function
	if i := strings.LastIndex(sender, ":function:"); i >= 0 {
		sender = sender[i+len(":function:"):]
	}
	if cfg.Logger == nil {
		cfg.Logger = NewLogger(os.Stderr, firstNonEmpty(sender, "worker"), slog.LevelInfo)
	}
	if cfg.Report == nil {
		cfg.Report = os.Stdout
	}
	if cfg.RuntimeStdout == nil {
		cfg.RuntimeStdout = os.Stdout
	}
	if cfg.RuntimeStderr == nil {
		cfg.RuntimeStderr = os.Stderr
	}
	w := &Worker{cfg: cfg, log: cfg.Logger}
	w.fetcher = &Fetcher{Lambda: cfg.Lambda, HTTP: cfg.HTTP, WorkDir: cfg.WorkDir, Logger: cfg.Logger, Backoff: cfg.FetchBackoff}
	for i := range cfg.Concurrency {
		w.slots = append(w.slots, &slot{index: i})
	}
	if cfg.Function == "" {
		if err := os.MkdirAll(cfg.TaskRoot, 0o755); err != nil {
			return nil, err
		}
		w.install(DefaultFunction(""))
		return w, nil
	}
	fn, err := w.fetchCode(ctx, nil)
	if err != nil {
		return nil, err
	}
	w.install(fn)
	return w, nil
}

// Function returns the function whose code is running now.
func (w *Worker) Function() *Function { return w.fn.Load() }

// fetchCode downloads the function into a fresh folder beside the task root
// and renames it into place; layers are fetched when they changed from old.
// The caller holds codeMu exclusively, or no runtime runs yet.
func (w *Worker) fetchCode(ctx context.Context, old *Function) (*Function, error) {
	staging, err := sameDirTemp(w.cfg.TaskRoot)
	if err != nil {
		return nil, err
	}
	fn, used, err := w.fetcher.Fetch(ctx, w.cfg.Function, staging)
	if err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	if old == nil || !slices.Equal(old.Layers, fn.Layers) {
		if err := w.fetcher.FetchLayers(ctx, fn.Layers, w.cfg.LayerRoot, MaxUnzippedBytes-used); err != nil {
			os.RemoveAll(staging)
			return nil, err
		}
	}
	// The old root goes only once the new one is complete.
	if err := os.RemoveAll(w.cfg.TaskRoot); err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	if err := os.Rename(staging, w.cfg.TaskRoot); err != nil {
		os.RemoveAll(staging)
		return nil, err
	}
	w.log.Info("function code ready", "function", fn.Name, "version", fn.Version, "codeSha256", fn.CodeSha256, "runtime", fn.Runtime, "layers", len(fn.Layers))
	return fn, nil
}

// install makes fn the code new runtime processes start with.
func (w *Worker) install(fn *Function) {
	w.fn.Store(fn)
	gen := w.gen.Add(1)
	w.spec.Store(&processSpec{
		dir:      w.cfg.TaskRoot,
		env:      w.runtimeEnv(fn),
		memoryMB: fn.MemoryMB,
		timeout:  fn.Timeout,
		arn:      firstNonEmpty(fn.ARN, fn.Name),
		gen:      gen,
		stdout:   w.cfg.RuntimeStdout,
		stderr:   w.cfg.RuntimeStderr,
	})
}

// Bootstrap finds the runtime executable in Lambda's order: --bootstrap,
// <task root>/bootstrap, <layer root>/bootstrap, /var/runtime/bootstrap
// (present in every AWS Lambda base image).
func (w *Worker) Bootstrap() (string, error) {
	candidates := []string{w.cfg.Bootstrap, filepath.Join(w.cfg.TaskRoot, "bootstrap"), filepath.Join(w.cfg.LayerRoot, "bootstrap"), "/var/runtime/bootstrap"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return c, nil
		}
	}
	return "", fmt.Errorf("no runtime bootstrap: looked for %s; build the image FROM a Lambda base image (public.ecr.aws/lambda/<runtime>) or pass --bootstrap", strings.Join(slices.DeleteFunc(candidates, func(s string) bool { return s == "" }), ", "))
}

// runtimeEnv is the environment Lambda gives a runtime: the container's
// own (PATH, the ECS task role's credentials), then the function's
// variables, then the reserved variables, which the function cannot override.
func (w *Worker) runtimeEnv(fn *Function) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "AWS_LAMBDA_RUNTIME_API" || slices.Contains(w.cfg.HideEnv, name)
	})
	for k, v := range fn.Env {
		env = append(env, k+"="+v)
	}
	cmaDir := w.cfg.LayerRoot
	if fi, err := os.Stat(filepath.Join(w.cfg.TaskRoot, "cumulus-message-adapter")); err == nil && fi.IsDir() {
		cmaDir = filepath.Join(w.cfg.TaskRoot, "cumulus-message-adapter")
	}
	region := w.cfg.Region
	env = append(env,
		"_HANDLER="+fn.Handler,
		"LAMBDA_TASK_ROOT="+w.cfg.TaskRoot,
		"LAMBDA_RUNTIME_DIR=/var/runtime",
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION="+fn.Version,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_EXECUTION_ENV=AWS_ECS_stepshift_"+firstNonEmpty(fn.Runtime, "provided"),
		"CUMULUS_MESSAGE_ADAPTER_DIR="+cmaDir,
	)
	if region != "" {
		env = append(env, "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
	}
	// Lambda's Node and Python runtimes find layer packages through these;
	// Cumulus's message adapter layer relies on them.
	if _, set := fn.Env["NODE_PATH"]; !set && strings.HasPrefix(fn.Runtime, "nodejs") {
		major := strings.TrimSuffix(strings.TrimPrefix(fn.Runtime, "nodejs"), ".x")
		env = append(env, "NODE_PATH="+strings.Join([]string{
			filepath.Join(w.cfg.LayerRoot, "nodejs", "node"+major, "node_modules"),
			filepath.Join(w.cfg.LayerRoot, "nodejs", "node_modules"),
			"/var/runtime/node_modules", "/var/runtime", w.cfg.TaskRoot,
		}, ":"))
	}
	if _, set := fn.Env["PYTHONPATH"]; !set && strings.HasPrefix(fn.Runtime, "python") {
		env = append(env, "PYTHONPATH="+strings.Join([]string{
			filepath.Join(w.cfg.LayerRoot, "python", "lib", fn.Runtime, "site-packages"),
			filepath.Join(w.cfg.LayerRoot, "python"), "/var/runtime",
		}, ":"))
	}
	return env
}

// currentSpec returns the process spec of the installed code with its
// bootstrap resolved now (a reload may have brought one).
func (w *Worker) currentSpec() (*processSpec, error) {
	spec := w.spec.Load()
	if spec.bootstrap != "" {
		return spec, nil
	}
	bootstrap, err := w.Bootstrap()
	if err != nil {
		return nil, err
	}
	withBootstrap := *spec
	withBootstrap.bootstrap = bootstrap
	w.spec.CompareAndSwap(spec, &withBootstrap)
	return &withBootstrap, nil
}

// Result is the outcome of one invocation, as Step Functions will see it.
type Result struct {
	RequestID string
	Output    json.RawMessage // success: the handler's response
	Error     string          // failure: errorType, truncated to 256 characters
	Cause     string          // failure: Lambda-style JSON, truncated to 32,768 characters
	Duration  time.Duration
	MaxMemMB  int64
}

// Failed reports whether the invocation failed.
func (r *Result) Failed() bool { return r.Error != "" }

// Invoke runs payload once on a warm runtime (slot 0) and returns what
// Step Functions would be told. It is --lambda-input.
func (w *Worker) Invoke(ctx context.Context, payload []byte) (*Result, error) {
	spec, err := w.currentSpec()
	if err != nil {
		return nil, err
	}
	res, _ := w.invoke(ctx, w.slots[0], spec, payload)
	return res, nil
}

// invoke runs one event and writes the REPORT line.
func (w *Worker) invoke(ctx context.Context, s *slot, spec *processSpec, payload []byte) (*Result, invokeResult) {
	inv := newInvocation(payload, spec.timeout)
	start := time.Now()
	raw := s.invoke(ctx, spec, inv)
	elapsed := time.Since(start)
	res := &Result{RequestID: inv.requestID, Duration: elapsed, MaxMemMB: usedMB(raw.peakKB)}
	switch {
	case raw.ok && raw.size > MaxOutputBytes:
		res.Error = ErrDataLimitExceeded
		res.Cause = causeJSON(ErrDataLimitExceeded, fmt.Sprintf("The state/task '%s' returned a result with a size of %d bytes, exceeding the maximum number of bytes service limit (%d).", w.fn.Load().Name, raw.size, MaxOutputBytes))
	case raw.ok && !json.Valid(raw.output):
		res.Error = ErrInvalidOutput
		res.Cause = causeJSON(ErrInvalidOutput, "the handler's response is not JSON: "+truncateChars(string(raw.output), 200))
	case raw.ok:
		res.Output = raw.output
	default:
		res.Error = truncateChars(raw.errorType, MaxErrorChars)
		res.Cause = truncateCause(raw.cause, MaxCauseChars)
	}
	fmt.Fprintln(w.cfg.Report, ReportLine(inv.requestID, elapsed, spec.memoryMB, res.MaxMemMB))
	return res, raw
}

func causeJSON(errType, msg string) string {
	b, _ := json.Marshal(struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}{msg, errType, []string{}})
	return string(b)
}

// truncateChars cuts s to at most n characters (the Step Functions limits
// count characters), never splitting a UTF-8 sequence.
func truncateChars(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i]
}

// truncateCause fits a Lambda error JSON into n characters and keeps it
// JSON when it can: the stack trace goes first, then the message is cut, so
// a workflow's Catch still parses errorMessage out of the cause.
func truncateCause(cause []byte, n int) string {
	if utf8.RuneCount(cause) <= n {
		return string(cause)
	}
	var e struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}
	if json.Unmarshal(cause, &e) == nil {
		// Shortening the stack can only help when the cause fits without
		// one; otherwise skip straight to cutting the message.
		stack := e.StackTrace
		e.StackTrace = []string{}
		if b, _ := json.Marshal(e); utf8.RuneCount(b) <= n {
			e.StackTrace = stack
			for len(e.StackTrace) > 0 {
				e.StackTrace = e.StackTrace[:len(e.StackTrace)/2]
				if b, _ := json.Marshal(e); utf8.RuneCount(b) <= n {
					return string(b)
				}
			}
		}
		e.StackTrace = []string{}
		e.ErrorType = truncateChars(e.ErrorType, MaxErrorChars)
		b, _ := json.Marshal(e)
		over := utf8.RuneCount(b) - n
		msg := []rune(e.ErrorMessage)
		for over > 0 && len(msg) > 0 {
			// Escaping can make a character cost up to 6 in JSON; cut
			// generously and re-measure.
			cut := min(len(msg), over+len("... (truncated)"))
			msg = msg[:len(msg)-cut]
			e.ErrorMessage = string(msg) + "... (truncated)"
			b, _ = json.Marshal(e)
			over = utf8.RuneCount(b) - n
		}
		if over <= 0 {
			return string(b)
		}
	}
	return truncateChars(string(cause), n)
}

// Run polls the activity until ctx is cancelled (SIGTERM), --max-tasks is
// reached, or a fatal error. After cancellation: polls already in flight
// finish (a task they bring is failed with Worker.ShuttingDown so the
// workflow's retrier resends it), running tasks get StopTimeout, then are
// failed with Worker.ShuttingDown.
func (w *Worker) Run(ctx context.Context) error {
	if w.cfg.ActivityARN == "" {
		return errors.New("an activity (--activity-arn) is required")
	}
	if w.cfg.SFN == nil {
		return errors.New("no Step Functions client")
	}
	if _, err := w.currentSpec(); err != nil {
		return err
	}
	hard, finished := w.graceful(ctx, "stop requested: no new polls; running tasks get until the stop timeout")
	w.log.Info("worker started", "activityArn", w.cfg.ActivityARN, "concurrency", w.cfg.Concurrency, "workerName", w.cfg.WorkerName)
	var wg sync.WaitGroup
	for _, s := range w.slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.slotLoop(ctx, hard, s)
		}()
	}
	wg.Wait()
	finished()
	w.log.Info("worker stopped", "tasks", w.taken.Load())
	return nil
}

// graceful returns the context running tasks use: it outlives ctx (the
// stop signal) by StopTimeout, so a task near its end still answers, and is
// cancelled after that so a stuck one is failed with Worker.ShuttingDown.
// finished must be called once no task runs any more.
func (w *Worker) graceful(ctx context.Context, stopMessage string) (hard context.Context, finished func()) {
	hard, hardCancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			w.log.Info(stopMessage, "stopTimeout", w.cfg.StopTimeout.String())
		case <-done:
			return
		}
		select {
		case <-time.After(w.cfg.StopTimeout):
			w.log.Warn("stop timeout reached: failing running tasks with " + ErrShuttingDown)
			hardCancel()
		case <-done:
		}
	}()
	var once sync.Once
	return hard, func() {
		once.Do(func() {
			close(done)
			hardCancel()
		})
	}
}

// reserve claims one task of --max-tasks before polling.
func (w *Worker) reserve() bool {
	n := w.taken.Add(1)
	if w.cfg.MaxTasks > 0 && n > int64(w.cfg.MaxTasks) {
		w.taken.Add(-1)
		return false
	}
	return true
}

func (w *Worker) slotLoop(stop, hard context.Context, s *slot) {
	backoff := time.Duration(0)
	for {
		if stop.Err() != nil {
			return
		}
		if w.cfg.Reload && w.cfg.Function != "" {
			w.maybeReload(hard)
		}
		if !w.reserve() {
			return
		}
		start := time.Now()
		// In-flight polls outlive the stop signal: a token AWS hands out
		// must be answered, not dropped with the connection.
		pollCtx, cancelPoll := context.WithTimeout(hard, w.cfg.PollTimeout)
		out, err := w.cfg.SFNPoll.GetActivityTask(pollCtx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(w.cfg.ActivityARN), WorkerName: workerName(w.cfg.WorkerName)})
		cancelPoll()
		if err != nil {
			w.taken.Add(-1)
			if hard.Err() != nil {
				return
			}
			backoff = nextBackoff(backoff, w.cfg.PollBackoff, w.cfg.MaxPollBackoff)
			w.logPollError(err, backoff)
			sleepCtx(stop, backoff)
			continue
		}
		backoff = 0
		token := aws.ToString(out.TaskToken)
		if token == "" {
			w.taken.Add(-1)
			// Real AWS holds an empty poll for 60 s; an emulator answers at
			// once, and looping on that would burn a core. A slot polls at
			// most once per EmptyPollDelay; the jitter keeps slots apart.
			if elapsed := time.Since(start); elapsed < w.cfg.EmptyPollDelay {
				sleepCtx(stop, w.cfg.EmptyPollDelay-elapsed+rand.N(w.cfg.EmptyPollDelay/4+1))
			}
			continue
		}
		if stop.Err() != nil {
			w.log.Info("task arrived after the stop: failing it so it is retried", "task", tokenRef(token))
			_ = w.answer(hard, token, nil, &Result{Error: ErrShuttingDown, Cause: causeJSON(ErrShuttingDown, "the worker was stopping when this task arrived; retry it")})
			return
		}
		// Failures to answer are logged inside; the loop goes on polling.
		_ = w.runTask(hard, s, token, []byte(aws.ToString(out.Input)))
	}
}

func workerName(n string) *string {
	if n == "" {
		return nil
	}
	return aws.String(truncateChars(n, 80))
}

func nextBackoff(prev, first, limit time.Duration) time.Duration {
	next := first
	if prev > 0 {
		next = prev * 2
	}
	if next > limit {
		next = limit
	}
	// Full jitter over the upper half keeps a fleet of workers from
	// retrying in lockstep while still backing off.
	return next/2 + rand.N(next/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (w *Worker) logPollError(err error, wait time.Duration) {
	code := errorCode(err)
	if code == "AccessDeniedException" || code == "AccessDenied" || code == "UnrecognizedClientException" {
		w.deniedOnce.Do(func() {
			w.log.Error("not allowed to poll the activity: grant the worker's ECS task role states:GetActivityTask on it", "activityArn", w.cfg.ActivityARN, "code", code, "error", err.Error())
		})
		return
	}
	w.log.Warn("poll failed, backing off", "code", code, "error", err.Error(), "wait_ms", wait.Milliseconds())
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// runTask runs one task on slot s and answers it: the part of the polling
// loop a one-shot worker shares. It returns nil once Step Functions accepted
// the answer, and an error when the task could not be answered (the answer
// failed, or Step Functions no longer waits for the token).
func (w *Worker) runTask(hard context.Context, s *slot, token string, input []byte) error {
	w.codeMu.RLock()
	defer w.codeMu.RUnlock()
	log := w.log.With("task", tokenRef(token))
	spec, err := w.currentSpec()
	if err != nil {
		return w.answer(hard, token, log, &Result{Error: "Runtime.InvalidEntrypoint", Cause: causeJSON("Runtime.InvalidEntrypoint", err.Error())})
	}
	taskCtx, cancel := context.WithCancelCause(hard)
	defer cancel(nil)
	var hbDone chan struct{}
	if w.cfg.Heartbeat > 0 {
		hbDone = make(chan struct{})
		go w.heartbeat(taskCtx, cancel, token, log, hbDone)
	}
	res, raw := w.invoke(taskCtx, s, spec, input)
	// Heartbeats stop before the answer goes out: none may follow it.
	cancel(nil)
	if hbDone != nil {
		<-hbDone
	}
	if errors.Is(context.Cause(taskCtx), errTaskGone) && raw.errorType == "Worker.Cancelled" {
		log.Warn("Step Functions says the task is gone (timed out): its invocation was stopped", "requestId", res.RequestID)
		return errTaskGone
	}
	if raw.errorType == "Worker.Cancelled" {
		res.Error = ErrShuttingDown
		res.Cause = causeJSON(ErrShuttingDown, "the worker stopped before the task finished; retry it")
	}
	return w.answer(hard, token, log, res)
}

func (w *Worker) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, token string, log *slog.Logger, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(w.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := w.cfg.SFN.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return
		case taskGone(err):
			cancel(errTaskGone)
			return
		default:
			log.Warn("heartbeat failed", "code", errorCode(err), "error", redactToken(err.Error(), token))
		}
	}
}

// maybeReload follows code updates between tasks: at most once per
// ReloadEvery it compares CodeSha256/RevisionId and, when they changed,
// fetches the new code, drains running tasks, and swaps it in.
func (w *Worker) maybeReload(ctx context.Context) {
	if !w.reloadMu.TryLock() {
		return
	}
	defer w.reloadMu.Unlock()
	if !w.lastReload.IsZero() && time.Since(w.lastReload) < w.cfg.ReloadEvery {
		return
	}
	w.lastReload = time.Now()
	cur := w.fn.Load()
	out, err := w.cfg.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(w.cfg.Function)})
	if err != nil {
		w.log.Warn("reload check failed (needs lambda:GetFunctionConfiguration); keeping the running code", "code", errorCode(err), "error", err.Error())
		return
	}
	if aws.ToString(out.CodeSha256) == cur.CodeSha256 && aws.ToString(out.RevisionId) == cur.RevisionID {
		return
	}
	w.log.Info("function changed: draining and reloading", "oldCodeSha256", cur.CodeSha256, "newCodeSha256", aws.ToString(out.CodeSha256), "revisionId", aws.ToString(out.RevisionId))
	w.codeMu.Lock()
	defer w.codeMu.Unlock()
	for _, s := range w.slots {
		s.stop()
	}
	fn, err := w.fetchCode(ctx, cur)
	if err != nil {
		w.log.Error("reload failed; keeping the running code", "error", err.Error())
		return
	}
	w.install(fn)
}

// Close stops every runtime process.
func (w *Worker) Close() error {
	w.closeOnce.Do(func() {
		for _, s := range w.slots {
			s.stop()
		}
	})
	return nil
}
