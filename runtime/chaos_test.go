package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// fault is what the proxy does to one Step Functions call.
type fault string

const (
	faultNone         fault = ""
	faultDropBefore   fault = "drop before delivery" // connection closed, the call never reaches the service
	faultDropAfter    fault = "drop after delivery"  // the service handled it; its answer is lost
	faultServerError  fault = "503"
	faultThrottle     fault = "ThrottlingException"
	faultSlow         fault = "slow answer" // delivered; the answer comes after the client gave up
	faultInvalidOut   fault = "InvalidOutput on success"
	faultHeartbeatOut fault = "TaskTimedOut on heartbeat"
)

// proxiedAnswer is one SendTaskSuccess/SendTaskFailure the worker sent.
type proxiedAnswer struct {
	Kind, Body string // Body: the output, or error + cause
	Fault      fault
	Delivered  bool // the service received it
	Status     int  // the service's HTTP status, when delivered
}

// faultProxy sits between the worker and a real Step Functions endpoint
// and faults a seeded random share of the calls, recording every answer
// and which tokens the polls handed out.
type faultProxy struct {
	upstream  string
	rate      float64
	slowFor   time.Duration
	srv       *httptest.Server
	client    *http.Client
	mu        sync.Mutex
	rng       *rand.Rand
	faults    map[fault]int
	calls     map[string]int
	answers   map[string][]proxiedAnswer // by token
	tokenOf   map[int]string             // execution id -> token handed out
	refused   map[string]bool            // tokens whose output the "service" refuses
	successes map[string]int             // SendTaskSuccess calls per token
	lostPolls int                        // polls that took a token with them
}

func newFaultProxy(t testing.TB, upstream string, seed uint64, rate float64, slowFor time.Duration) *faultProxy {
	p := &faultProxy{upstream: upstream, rate: rate, slowFor: slowFor, rng: rand.New(rand.NewPCG(seed, seed)),
		faults: map[fault]int{}, calls: map[string]int{}, answers: map[string][]proxiedAnswer{}, tokenOf: map[int]string{},
		refused: map[string]bool{}, successes: map[string]int{},
		client: &http.Client{Timeout: 30 * time.Second}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

// pick decides the fault for one call of op. InvalidOutput is a verdict
// on the content, as Step Functions' is: drawn on a token's first
// SendTaskSuccess only, and then given to every SendTaskSuccess for it, so
// content the service accepted once is never refused on a resend.
func (p *faultProxy) pick(op, token string) fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	if op == "SendTaskSuccess" {
		p.successes[token]++
		if p.refused[token] {
			p.faults[faultInvalidOut]++
			return faultInvalidOut
		}
	}
	if p.rng.Float64() >= p.rate {
		return faultNone
	}
	choices := []fault{faultDropBefore, faultDropAfter, faultServerError, faultThrottle, faultSlow}
	switch {
	case op == "SendTaskSuccess" && p.successes[token] == 1:
		choices = append(choices, faultInvalidOut)
	case op == "SendTaskHeartbeat":
		choices = append(choices, faultHeartbeatOut)
	}
	f := choices[p.rng.IntN(len(choices))]
	if f == faultInvalidOut {
		p.refused[token] = true
	}
	p.faults[f]++
	return f
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	var in struct{ TaskToken, Output, Error, Cause string }
	json.Unmarshal(body, &in)
	f := p.pick(op, in.TaskToken)
	answer := op == "SendTaskSuccess" || op == "SendTaskFailure"
	record := func(delivered bool, status int) {
		if !answer {
			return
		}
		a := proxiedAnswer{Kind: strings.TrimPrefix(op, "SendTask"), Body: in.Output, Fault: f, Delivered: delivered, Status: status}
		if op == "SendTaskFailure" {
			a.Body = in.Error + "\x00" + in.Cause
		}
		p.mu.Lock()
		p.answers[in.TaskToken] = append(p.answers[in.TaskToken], a)
		p.mu.Unlock()
	}
	drop := func() {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}
	switch f {
	case faultDropBefore:
		record(false, 0)
		drop()
		return
	case faultServerError:
		record(false, 0)
		sfnError(w, 503, "ServiceUnavailable", "injected")
		return
	case faultThrottle:
		record(false, 0)
		sfnError(w, 400, "ThrottlingException", "Rate exceeded (injected)")
		return
	case faultInvalidOut:
		record(false, 0)
		sfnError(w, 400, "InvalidOutput", "The provided JSON output data is invalid (injected)")
		return
	case faultHeartbeatOut:
		sfnError(w, 400, "TaskTimedOut", "Task Timed Out (injected)")
		return
	}
	req, _ := http.NewRequest("POST", p.upstream+"/", bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		record(false, 0)
		drop()
		return
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	record(true, resp.StatusCode)
	if op == "GetActivityTask" && resp.StatusCode == 200 {
		var out struct{ TaskToken, Input string }
		json.Unmarshal(respBody, &out)
		var ev struct{ ID int }
		if out.TaskToken != "" && json.Unmarshal([]byte(out.Input), &ev) == nil {
			p.mu.Lock()
			p.tokenOf[ev.ID] = out.TaskToken
			if f == faultDropAfter || f == faultSlow {
				p.lostPolls++
			}
			p.mu.Unlock()
		}
	}
	switch f {
	case faultDropAfter:
		drop()
		return
	case faultSlow:
		select {
		case <-time.After(p.slowFor):
		case <-r.Context().Done():
		}
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(respBody)
}

var (
	chaosRanRE    = regexp.MustCompile(`CHAOS-RAN (\d+)`)
	refusedSizeRE = regexp.MustCompile(`refused the task's output \((\d+) bytes\)`)
)

// workerGoroutines counts goroutines other than pooled HTTP connections
// (their number depends on how many calls overlapped, not on leaks) and
// those serving a live runtime process (started on a slot's first task and
// kept warm; runtimeProcesses counts those).
func workerGoroutines() int {
	buf := make([]byte, 4<<20)
	buf = buf[:goruntime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "net/http.(*persistConn)") || strings.Contains(g, "net/http.(*conn).serve") || strings.Contains(g, "net/http.(*connReader)") ||
			strings.Contains(g, "created by github.com/stepshift/stepshift/runtime.startProcess") || strings.Contains(g, "created by os/exec.(*Cmd).Start") {
			continue
		}
		n++
	}
	return n
}

// runtimeProcesses counts this process's children running a bootstrap.
func runtimeProcesses() int {
	entries, _ := os.ReadDir("/proc")
	n := 0
	for _, de := range entries {
		stat, err := os.ReadFile("/proc/" + de.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(bootstrap") {
			continue
		}
		var state string
		var ppid int
		fmt.Sscan(s[i+1:], &state, &ppid)
		if ppid == os.Getpid() && state != "Z" {
			n++
		}
	}
	return n
}

func heapInUseMB() float64 {
	goruntime.GC()
	debug.FreeOSMemory()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

func selfRSSMB() float64 {
	kb, _ := procStatusKB(os.Getpid(), "VmRSS:")
	return float64(kb) / 1024
}

// TestChaosEveryExecutionEnds runs 500 executions on npm
// stepfunctions-local through a proxy faulting ~5 % of the worker's calls
// at random (seeded): dropped connections before and after delivery, 503,
// throttling, answers slower than the client's timeout, InvalidOutput on
// success, TaskTimedOut on heartbeat. Some outputs also exceed what the
// emulator accepts (32 KiB), a real refusal. It asserts every execution
// ends, no token gets conflicting answers, no handler runs twice for one
// execution, and the worker's goroutines and memory return to idle.
func TestChaosEveryExecutionEnds(t *testing.T) {
	if testing.Short() {
		t.Skip("500 executions on the emulator")
	}
	const (
		executions  = 500
		seed        = 12
		rate        = 0.05
		concurrency = 8
		budget      = 60 * time.Second
	)
	endpoint := sharedStepFunctionsLocal(t)
	ctx := context.Background()
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	client := sfn.NewFromConfig(awsCfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(endpoint) })
	act, err := client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("chaos")})
	if err != nil {
		t.Fatalf("CreateActivity: %v", err)
	}
	// stepfunctions-local times activities out by HeartbeatSeconds only
	// (from the poll, then from each heartbeat): it ends the executions
	// whose token a faulted poll lost, or whose answer never arrived.
	def := fmt.Sprintf(`{"StartAt": "Work", "States": {
	  "Work": {"Type": "Task", "Resource": %q, "HeartbeatSeconds": 4, "TimeoutSeconds": 60,
	    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Caught"}], "End": true},
	  "Caught": {"Type": "Pass", "End": true}}}`, aws.ToString(act.ActivityArn))
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("chaos"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn")})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}

	proxy := newFaultProxy(t, endpoint, seed, rate, 1500*time.Millisecond)
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "chaos")})
	answers, polls, lam, err := ClientsFromConfig(awsCfg, Endpoints{StepFunctions: proxy.srv.URL, Lambda: e.fake.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.SFN, e.cfg.SFNPoll, e.cfg.Lambda = answers, polls, lam
	e.cfg.ActivityARN = aws.ToString(act.ActivityArn)
	e.cfg.Concurrency = concurrency
	e.cfg.Heartbeat = 150 * time.Millisecond
	e.cfg.EmptyPollDelay = 50 * time.Millisecond
	e.cfg.PollTimeout = time.Second
	e.cfg.AnswerTimeout = time.Second
	e.cfg.Logger = NewLogger(io.Discard, "chaos", 0) // thousands of lines; the proxy records what matters
	_, stop := e.start(t)
	defer stop()

	time.Sleep(500 * time.Millisecond) // every slot polling: the idle state
	idleGoroutines, idleHeap, idleRSS := workerGoroutines(), heapInUseMB(), selfRSSMB()

	start := time.Now()
	r := rand.New(rand.NewPCG(seed, 1))
	arns := make([]string, executions)
	pads := make([]int, executions)
	for i := range executions {
		ev := map[string]int{"id": i}
		switch {
		case i%100 == 7:
			pads[i] = 40_000 // over stepfunctions-local's 32,768-character output limit
		case r.IntN(5) == 0:
			ev["ms"] = 300 + r.IntN(300) // long enough for heartbeats
		}
		ev["pad"] = pads[i]
		in, _ := json.Marshal(ev)
		out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(fmt.Sprintf("chaos-%d", i)), Input: aws.String(string(in))})
		if err != nil {
			t.Fatalf("StartExecution %d: %v", i, err)
		}
		arns[i] = aws.ToString(out.ExecutionArn)
	}
	running := executions
	for running > 0 && time.Since(start) < budget+30*time.Second {
		time.Sleep(500 * time.Millisecond)
		out, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: sfntypes.ExecutionStatusRunning, MaxResults: 1000})
		if err != nil {
			t.Fatalf("ListExecutions: %v", err)
		}
		running = len(out.Executions)
	}
	took := time.Since(start)
	if running > 0 {
		t.Fatalf("%d of %d executions still RUNNING %s after the start", running, executions, took)
	}

	// Outcomes, read from the emulator.
	outcomes := map[string]int{}
	for i, arn := range arns {
		desc, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		var out struct {
			ID        *int `json:"id"`
			Exception *struct{ Error, Cause string }
		}
		json.Unmarshal([]byte(aws.ToString(desc.Output)), &out)
		switch {
		case desc.Status != sfntypes.ExecutionStatusSucceeded:
			outcomes[string(desc.Status)]++
			t.Errorf("execution %d ended %s", i, desc.Status)
		case out.Exception != nil:
			outcomes["caught "+out.Exception.Error]++
			if m := refusedSizeRE.FindStringSubmatch(out.Exception.Cause); out.Exception.Error == ErrOutputRefused && (m == nil || pads[i] > 0 && len(m[1]) < 5) {
				t.Errorf("execution %d: refusal cause %q does not name the output size", i, out.Exception.Cause)
			}
		case out.ID == nil || *out.ID != i:
			t.Errorf("execution %d succeeded with output %s", i, aws.ToString(desc.Output))
		default:
			outcomes["succeeded"]++
			if pads[i] > 0 {
				t.Errorf("execution %d: a %d-byte output the emulator refuses succeeded", i, pads[i])
			}
		}
	}
	if outcomes["caught "+ErrOutputRefused] == 0 {
		t.Errorf("no execution caught %s (outcomes %v)", ErrOutputRefused, outcomes)
	}

	// Handler runs per execution: at most one (no state Retry, and the
	// worker never runs a task twice).
	runs := map[int]int{}
	for _, m := range chaosRanRE.FindAllStringSubmatch(e.output.String(), -1) {
		var id int
		fmt.Sscan(m[1], &id)
		runs[id]++
	}
	for id, n := range runs {
		if n > 1 {
			t.Errorf("execution %d's handler ran %d times", id, n)
		}
	}

	// Back to idle: no goroutine or memory left behind by the run.
	var goroutines int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		goroutines = workerGoroutines()
		if goroutines <= idleGoroutines || time.Now().After(deadline) {
			break
		}
	}
	heap, rss, procs := heapInUseMB(), selfRSSMB(), runtimeProcesses()

	// Answers per token: everything the service received and accepted is
	// one and the same answer (repeats of it after a lost response are fine).
	stop() // no answer is being resent any more
	proxy.mu.Lock()
	conflicts, resent := 0, 0
	for tok, as := range proxy.answers {
		var accepted *proxiedAnswer
		for i := range as {
			a := &as[i]
			if i > 0 {
				resent++
			}
			if !a.Delivered || a.Status != 200 {
				continue
			}
			if accepted != nil && (accepted.Kind != a.Kind || accepted.Body != a.Body) {
				conflicts++
				t.Errorf("token %s: the service received %s and then %s", tokenRef(tok), accepted.Kind, a.Kind)
			}
			accepted = a
		}
	}
	faults, calls, lostPolls := fmt.Sprint(proxy.faults), fmt.Sprint(proxy.calls), proxy.lostPolls
	proxy.mu.Unlock()

	t.Logf("%d executions in %s (%.0f/s): %v; calls %s; faults %s; polls that lost their token %d; answers sent again %d; conflicting answers %d",
		executions, took.Round(time.Millisecond), executions/took.Seconds(), outcomes, calls, faults, lostPolls, resent, conflicts)
	t.Logf("idle before/after: goroutines %d/%d, heap in use %.1f/%.1f MB, process RSS %.1f/%.1f MB; warm runtime processes after: %d",
		idleGoroutines, goroutines, idleHeap, heap, idleRSS, rss, procs)
	if procs > concurrency {
		t.Errorf("%d runtime processes alive for %d slots", procs, concurrency)
	}
	if goroutines > idleGoroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the run, %d when idle before it:\n%s", goroutines, idleGoroutines, buf[:goruntime.Stack(buf, true)])
	}
	if heap > idleHeap+16 {
		t.Errorf("heap in use %.1f MB after the run, %.1f MB idle before it", heap, idleHeap)
	}
	if took > budget {
		t.Errorf("%d executions took %s, budget %s", executions, took, budget)
	}
}
