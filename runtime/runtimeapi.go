package runtime

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Lambda Runtime API limits the worker applies.
const (
	// maxResponseRead bounds what is read of a handler's response: anything
	// over MaxOutputBytes is a failure anyway, so only its size matters.
	maxResponseRead = MaxOutputBytes + 1
	// maxErrorRead bounds an error body; the cause is cut to 32,768 later.
	maxErrorRead = 1 << 20
)

// invocation is one event handed to a runtime process.
type invocation struct {
	requestID string
	payload   []byte
	deadline  time.Time
	traceID   string
	result    chan invokeResult // buffered 1; the first answer wins
	answered  atomic.Bool
}

func newInvocation(payload []byte, timeout time.Duration) *invocation {
	return &invocation{
		requestID: newUUID(),
		payload:   payload,
		deadline:  time.Now().Add(timeout),
		traceID:   newTraceID(),
		result:    make(chan invokeResult, 1),
	}
}

func (inv *invocation) deliver(r invokeResult) bool {
	if !inv.answered.CompareAndSwap(false, true) {
		return false
	}
	inv.result <- r
	return true
}

// invokeResult is the outcome of one invocation as Lambda would report it.
type invokeResult struct {
	ok        bool
	output    []byte // success: the response (at most maxResponseRead bytes)
	size      int64  // success: the full response size
	errorType string // failure: Lambda's errorType ("Sandbox.Timedout", the handler's error type, ...)
	cause     []byte // failure: Lambda-style {"errorMessage","errorType","stackTrace"}
	killed    bool   // the runtime process was killed and must be restarted
	peakKB    int64  // runtime process's peak resident memory so far
}

func failure(errorType, message string) invokeResult {
	cause, _ := json.Marshal(struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		StackTrace   []string `json:"stackTrace"`
	}{message, errorType, []string{}})
	return invokeResult{errorType: errorType, cause: cause}
}

// processSpec is how to start a runtime process for one code generation.
type processSpec struct {
	bootstrap string
	dir       string   // the task root: Lambda starts runtimes in /var/task
	env       []string // without AWS_LAMBDA_RUNTIME_API, added per process
	memoryMB  int
	timeout   time.Duration
	arn       string
	gen       int64
	stdout    io.Writer
	stderr    io.Writer
}

// runtimeProcess is one bootstrap with its own Runtime API listener: a
// fresh listener per process means a killed runtime's half-closed /next
// request can never take an event meant for its successor.
type runtimeProcess struct {
	spec    *processSpec
	cmd     *exec.Cmd
	ln      net.Listener
	srv     *http.Server
	next    chan *invocation
	exited  chan struct{}
	waitErr error

	mu      sync.Mutex
	current *invocation
	initErr *invokeResult
}

// slot runs one invocation at a time on a warm runtime process.
type slot struct {
	index int
	proc  *runtimeProcess
	mu    sync.Mutex // guards proc against a reload stopping it
}

func (s *slot) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
}

// invoke runs inv on the slot's runtime, starting or restarting it as
// needed. ctx cancelled (heartbeat says the task is gone, or the stop
// timeout ran out) kills the runtime; the result then has killed set and
// errorType "Worker.Cancelled".
func (s *slot) invoke(ctx context.Context, spec *processSpec, inv *invocation) invokeResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && (s.proc.spec.gen != spec.gen || s.proc.dead()) {
		s.proc.kill()
		s.proc = nil
	}
	if s.proc == nil {
		p, err := startProcess(spec)
		if err != nil {
			return failure("Runtime.InvalidEntrypoint", "RequestId: "+inv.requestID+" Error: "+err.Error())
		}
		s.proc = p
	}
	for attempt := 0; ; attempt++ {
		p := s.proc
		res, handed := p.run(ctx, inv)
		if res.killed {
			p.kill()
			s.proc = nil
		}
		// A runtime that exits after answering (aws-lambda-go exits after
		// reporting a panic) is noticed only by the next event; that event
		// was never handed over, so it gets a fresh runtime, as Lambda
		// gives it a fresh sandbox.
		if handed || !res.killed || attempt > 0 || res.errorType == "Worker.Cancelled" || res.errorType == "Sandbox.Timedout" || res.errorType == "Runtime.OutOfMemory" {
			return res
		}
		np, err := startProcess(spec)
		if err != nil {
			return failure("Runtime.InvalidEntrypoint", "RequestId: "+inv.requestID+" Error: "+err.Error())
		}
		s.proc = np
		inv.answered.Store(false)
	}
}

func startProcess(spec *processSpec) (*runtimeProcess, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &runtimeProcess{spec: spec, ln: ln, next: make(chan *invocation), exited: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", p.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", p.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", p.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", p.handleInitError)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)

	cmd := exec.Command(spec.bootstrap)
	cmd.Dir = spec.dir
	cmd.Env = append(append([]string(nil), spec.env...), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	cmd.Stdout = spec.stdout
	cmd.Stderr = spec.stderr
	cmd.SysProcAttr = processAttrs()
	if err := cmd.Start(); err != nil {
		p.srv.Close()
		return nil, fmt.Errorf("start runtime %s: %w", spec.bootstrap, err)
	}
	p.cmd = cmd
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

func (p *runtimeProcess) dead() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill stops the whole process group (a bootstrap script's children too)
// and the listener.
func (p *runtimeProcess) kill() {
	if p.cmd != nil && p.cmd.Process != nil && !p.dead() {
		killGroup(p.cmd.Process.Pid)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
		}
	}
	p.srv.Close()
}

// peakKB reads the process's peak resident set (VmHWM) while it lives, or
// its rusage maxrss once it has exited: real numbers for the REPORT line.
func (p *runtimeProcess) peakKB() int64 {
	if p.dead() {
		return exitedMaxRSSKB(p.cmd)
	}
	hwm, _ := procStatusKB(p.cmd.Process.Pid, "VmHWM:")
	return hwm
}

// memoryCheckEvery is how often a running invocation's resident memory is
// compared with the function's MemorySize (Lambda kills at the limit).
const memoryCheckEvery = 25 * time.Millisecond

func (p *runtimeProcess) run(ctx context.Context, inv *invocation) (res invokeResult, handed bool) {
	deadline := time.NewTimer(time.Until(inv.deadline))
	defer deadline.Stop()
	mem := time.NewTicker(memoryCheckEvery)
	defer mem.Stop()
	limitKB := int64(p.spec.memoryMB) * 1024

	for !handed {
		select {
		case p.next <- inv:
			handed = true
		case <-p.exited:
			return p.exitResult(inv), handed
		case <-deadline.C:
			return p.timeoutResult(inv), handed
		case <-ctx.Done():
			return invokeResult{errorType: "Worker.Cancelled", killed: true, peakKB: p.peakKB()}, handed
		case <-mem.C:
			if r, over := p.overMemory(inv, limitKB); over {
				return r, handed
			}
		}
	}
	for {
		select {
		case r := <-inv.result:
			r.peakKB = p.peakKB()
			return r, handed
		case <-p.exited:
			return p.exitResult(inv), handed
		case <-deadline.C:
			return p.timeoutResult(inv), handed
		case <-ctx.Done():
			return invokeResult{errorType: "Worker.Cancelled", killed: true, peakKB: p.peakKB()}, handed
		case <-mem.C:
			if r, over := p.overMemory(inv, limitKB); over {
				return r, handed
			}
		}
	}
}

func (p *runtimeProcess) overMemory(inv *invocation, limitKB int64) (invokeResult, bool) {
	if limitKB <= 0 {
		return invokeResult{}, false
	}
	rss, err := procStatusKB(p.cmd.Process.Pid, "VmRSS:")
	if err != nil || rss < limitKB {
		return invokeResult{}, false
	}
	peak := p.peakKB()
	r := failure("Runtime.OutOfMemory", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: signal: killed", inv.requestID))
	r.killed, r.peakKB = true, max(peak, rss)
	return r, true
}

func (p *runtimeProcess) timeoutResult(inv *invocation) invokeResult {
	peak := p.peakKB()
	r := failure("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.requestID, p.spec.timeout.Seconds()))
	r.killed, r.peakKB = true, peak
	return r
}

// exitResult is the outcome when the runtime exits mid-invocation: an error
// it posted before exiting (aws-lambda-go reports a panic, then exits) wins,
// then an init error, then Lambda's Runtime.ExitError.
func (p *runtimeProcess) exitResult(inv *invocation) invokeResult {
	select {
	case r := <-inv.result:
		r.killed, r.peakKB = true, p.peakKB()
		return r
	default:
	}
	p.mu.Lock()
	initErr := p.initErr
	p.mu.Unlock()
	var r invokeResult
	if initErr != nil {
		r = *initErr
	} else {
		reason := "without providing a reason"
		if p.waitErr != nil {
			reason = "with error: " + p.waitErr.Error()
		}
		r = failure("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited %s", inv.requestID, reason))
	}
	inv.answered.Store(true)
	r.killed, r.peakKB = true, p.peakKB()
	return r
}

func (p *runtimeProcess) handleNext(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-p.next:
		p.mu.Lock()
		p.current = inv
		p.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.requestID)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", p.spec.arn)
		h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

// currentFor returns the invocation a runtime is answering, or writes
// Lambda's 400 when the request ID is not the one handed out.
func (p *runtimeProcess) currentFor(w http.ResponseWriter, r *http.Request) *invocation {
	id := r.PathValue("id")
	p.mu.Lock()
	inv := p.current
	p.mu.Unlock()
	if inv == nil || inv.requestID != id || inv.answered.Load() {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID: "+id)
		return nil
	}
	return inv
}

func (p *runtimeProcess) handleResponse(w http.ResponseWriter, r *http.Request) {
	inv := p.currentFor(w, r)
	if inv == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseRead))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	size := int64(len(body))
	if size == maxResponseRead {
		rest, _ := io.Copy(io.Discard, r.Body)
		size += rest
	}
	inv.deliver(invokeResult{ok: true, output: body, size: size})
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func (p *runtimeProcess) handleError(w http.ResponseWriter, r *http.Request) {
	inv := p.currentFor(w, r)
	if inv == nil {
		return
	}
	res := readErrorBody(r)
	inv.deliver(res)
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func (p *runtimeProcess) handleInitError(w http.ResponseWriter, r *http.Request) {
	res := readErrorBody(r)
	p.mu.Lock()
	p.initErr = &res
	inv := p.current
	p.mu.Unlock()
	if inv != nil {
		inv.deliver(res)
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

// readErrorBody turns a runtime's error post into errorType + cause. The
// body is normally Lambda's {"errorMessage","errorType","stackTrace"} and is
// passed on as the cause unchanged, as Lambda passes it to Step Functions.
func readErrorBody(r *http.Request) invokeResult {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorRead))
	var parsed struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	errType := ""
	if json.Unmarshal(body, &parsed) == nil {
		errType = parsed.ErrorType
	} else {
		return failure(firstNonEmpty(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Unhandled"), string(body))
	}
	if errType == "" {
		errType = firstNonEmpty(r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Unhandled")
	}
	return invokeResult{errorType: errType, cause: bytes.TrimSpace(body)}
}

func writeAPIError(w http.ResponseWriter, code int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"errorType": errType, "errorMessage": msg})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newTraceID makes an X-Ray style trace header so runtimes that parse it
// (the X-Ray SDKs) find the shape they expect.
func newTraceID() string {
	var b [20]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), h[:24], h[24:40])
}

// procStatusKB reads one "Key:   123 kB" line of /proc/<pid>/status.
func procStatusKB(pid int, key string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, key); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	return 0, errors.New(key + " not found")
}
