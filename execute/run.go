package execute

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Statuses as DescribeExecution names them.
const (
	Succeeded = "SUCCEEDED"
	Failed    = "FAILED"
	TimedOut  = "TIMED_OUT"
)

// MaxPayloadBytes is Step Functions' payload quota (256 KiB): a larger state
// input, output or task result fails with States.DataLimitExceeded.
const MaxPayloadBytes = 256 * 1024

// MaxHistoryEvents is the Standard workflow history quota: an execution that
// would write more events fails.
const MaxHistoryEvents = 25000

// TaskCall is one invocation of a Task state's resource, as handed to a Mocker.
type TaskCall struct {
	State      string // the Task state's name
	Invocation int    // 0-based count of this state's invocations in the run (retries included), as Step Functions Local counts
	Attempt    int    // 0 for the first attempt of this entry into the state, 1 for the first retry, ...
	Resource   string // the Resource ARN
	Input      any    // the task's input (after InputPath and Parameters/Arguments)
}

// Outcome is what a mocked task does.
type Outcome struct {
	Return any    // the integration's whole response (the task result)
	Error  string // non-empty: the task fails with this error name
	Cause  string
	// Seconds is how long the task runs on the virtual clock; a task whose
	// Seconds exceed the state's TimeoutSeconds fails with States.Timeout.
	Seconds float64
	// HeartbeatEvery is the gap between the heartbeats the task sends (0: it
	// sends none); a gap longer than HeartbeatSeconds fails the task with
	// States.HeartbeatTimeout.
	HeartbeatEvery float64
	// Hang: the task never finishes (only a timeout ends it).
	Hang bool
}

// Mocker answers Task invocations. ok is false when nothing is mocked for the state.
type Mocker interface {
	Mock(call TaskCall) (out Outcome, ok bool)
}

// MockFunc adapts a function to Mocker.
type MockFunc func(call TaskCall) (Outcome, bool)

// Mock calls f.
func (f MockFunc) Mock(call TaskCall) (Outcome, bool) { return f(call) }

// Options configure one run.
type Options struct {
	Mocks         Mocker
	Seed          int64     // MathRandom, UUID, $random and FULL jitter draw from a generator seeded with it
	StartTime     time.Time // the virtual clock's start; zero = 2025-01-01T00:00:00Z
	ExecutionName string    // $$.Execution.Name; "" = "local"
	// MaxEvents caps the history (0 = MaxHistoryEvents, as AWS; negative = no cap).
	MaxEvents int
	// NoEvents skips recording the history (Result.Events stays empty); the
	// history cap still counts events.
	NoEvents bool
}

// NoMockError is a Task with nothing mocked for it: a problem in the test
// set-up, not an execution failure.
type NoMockError struct {
	State      string
	Invocation int
}

func (e *NoMockError) Error() string {
	return fmt.Sprintf("no mocked response for Task state %q (invocation %d)", e.State, e.Invocation)
}

// Result is one finished execution.
type Result struct {
	Status string
	Output any // SUCCEEDED only
	Error  string
	Cause  string
	Path   []string // the entered state names in order (inner Map/Parallel states included)
	Steps  []Step   // one per entered state, with its retries and the catch taken
	Events []Event
	// Seconds is the execution's duration on the virtual clock.
	Seconds float64
}

// Step is one entry into a state.
type Step struct {
	State   string
	Retries []Retry // each retry taken, in order
	Caught  string  // the error a Catch handled ("" if none)
	Next    string  // the Catch's Next
}

// Retry is one retry of a state.
type Retry struct {
	Error      string
	AfterSecs  float64 // the delay before the retry
	Attempt    int     // 1 for the first retry
	RetrierIdx int
}

// execError is a failure inside the run.
type execError struct {
	Error, Cause string
	// taskFailure marks an error AWS reports as the task's own failure
	// (LambdaFunctionFailed/TaskFailed), such as a task result over the size
	// limit: Retry and Catch then handle it as any task error, States.ALL
	// included (localstack/localstack
	// tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.snapshot.json,
	// *_catch_state_all_data_limit_exceeded_*).
	taskFailure bool
}

func (e *execError) terminal() bool {
	return !e.taskFailure && (e.Error == "States.Runtime" || e.Error == "States.DataLimitExceeded")
}

// errHistoryLimit stops the run when the history quota is reached.
var errHistoryLimit = errors.New("history limit")

type runner struct {
	m           *Machine
	opts        Options
	rnd         *rng
	start       time.Time
	clock       float64   // seconds since start
	chunks      [][]Event // the history, in chunks
	eventCount  int
	maxEvents   int
	invocations map[string]int
	path        []string
	steps       []Step
	execInput   any
	execCtx     map[string]any // $$.Execution, built once per run
	machineCtx  map[string]any // $$.StateMachine
	fatal       error          // NoMockError or errHistoryLimit
}

// Run executes the machine on input.
func (m *Machine) Run(input any, opts Options) (*Result, error) {
	r := &runner{m: m, opts: opts, rnd: newRNG(opts.Seed), start: opts.StartTime, invocations: map[string]int{}, execInput: input}
	if r.start.IsZero() {
		r.start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r.maxEvents = opts.MaxEvents
	if r.maxEvents == 0 {
		r.maxEvents = MaxHistoryEvents
	}
	if opts.ExecutionName == "" {
		r.opts.ExecutionName = "local"
	}
	r.event("ExecutionStarted", "executionStartedEventDetails", map[string]any{
		"input": jsonText{input}, "inputDetails": notTruncated,
		"roleArn": "arn:aws:iam::123456789012:role/stepshift-local",
	})
	res := &Result{}
	var out any
	var eerr *execError
	if size := jsonSize(input); size > MaxPayloadBytes {
		eerr = &execError{Error: "States.DataLimitExceeded", Cause: fmt.Sprintf("The execution input has a size of %d bytes, exceeding the maximum of %d bytes.", size, MaxPayloadBytes)}
	} else {
		out, eerr = r.runScope(m.root, input, &scope{vars: map[string]any{}}, nil)
	}
	if r.fatal != nil && !errors.Is(r.fatal, errHistoryLimit) {
		return nil, r.fatal
	}
	if errors.Is(r.fatal, errHistoryLimit) {
		eerr = &execError{Error: "States.Runtime", Cause: fmt.Sprintf("The execution reached the maximum number of history events (%d).", r.maxEvents)}
		r.maxEvents = -1
	}
	switch {
	case eerr == nil && m.timeout > 0 && r.clock > m.timeout:
		r.clock = m.timeout
		res.Status, res.Error, res.Cause = TimedOut, "States.Timeout", ""
		r.event("ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": "States.Timeout", "cause": ""})
	case eerr == nil:
		res.Status, res.Output = Succeeded, out
		r.event("ExecutionSucceeded", "executionSucceededEventDetails", map[string]any{
			"output": jsonText{out}, "outputDetails": notTruncated})
	default:
		res.Status, res.Error, res.Cause = Failed, eerr.Error, eerr.Cause
		if eerr.Error == "States.Timeout" && m.timeout > 0 && r.clock >= m.timeout {
			res.Status = TimedOut
			r.event("ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": eerr.Error, "cause": eerr.Cause})
		} else {
			r.event("ExecutionFailed", "executionFailedEventDetails", map[string]any{"error": eerr.Error, "cause": eerr.Cause})
		}
	}
	res.Path, res.Steps, res.Seconds = r.path, r.steps, r.clock
	if len(r.chunks) == 1 {
		res.Events = r.chunks[0]
	} else if len(r.chunks) > 1 {
		res.Events = make([]Event, 0, r.eventCount)
		for _, c := range r.chunks {
			res.Events = append(res.Events, c...)
		}
	}
	return res, nil
}

// scope is a variable scope: a Map iteration or Parallel branch reads the
// variables of the scopes around it but assigns only its own.
type scope struct {
	vars   map[string]any
	parent *scope
}

func (s *scope) get(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// mapItem is the $$.Map.Item of an iteration.
type mapItem struct {
	index int
	value any
}

func (r *runner) now() time.Time {
	return r.start.Add(time.Duration(r.clock * float64(time.Second)))
}

func (r *runner) event(typ, detailsKey string, details any) int {
	r.eventCount++
	if r.maxEvents > 0 && r.eventCount > r.maxEvents && r.fatal == nil {
		r.fatal = errHistoryLimit
	}
	if r.opts.NoEvents {
		return r.eventCount
	}
	ev := Event{Timestamp: r.now(), Type: typ, ID: r.eventCount, PreviousEventID: r.eventCount - 1, DetailsKey: detailsKey, Details: details}
	// Fixed-size chunks, joined once at the end: growing one slice of
	// 100,000 events by doubling spends more time copying than running.
	if n := len(r.chunks); n == 0 || len(r.chunks[n-1]) == cap(r.chunks[n-1]) {
		size := 4096
		if n == 0 {
			size = 64 // most executions are short
		}
		r.chunks = append(r.chunks, make([]Event, 0, size))
	}
	last := &r.chunks[len(r.chunks)-1]
	*last = append(*last, ev)
	return r.eventCount
}

func (r *runner) contextObject(st *stateDef, entered float64, retryCount int, item *mapItem) map[string]any {
	if r.execCtx == nil {
		r.execCtx = map[string]any{
			"Id":           "arn:aws:states:us-east-1:123456789012:execution:" + r.m.Name + ":" + r.opts.ExecutionName,
			"Input":        r.execInput,
			"Name":         r.opts.ExecutionName,
			"RoleArn":      "arn:aws:iam::123456789012:role/stepshift-local",
			"StartTime":    formatTime(r.start),
			"RedriveCount": 0.0,
		}
		r.machineCtx = map[string]any{
			"Id":   "arn:aws:states:us-east-1:123456789012:stateMachine:" + r.m.Name,
			"Name": r.m.Name,
		}
	}
	ctx := map[string]any{"Execution": r.execCtx, "StateMachine": r.machineCtx}
	if st != nil {
		ctx["State"] = map[string]any{
			"EnteredTime": formatTime(r.start.Add(time.Duration(entered * float64(time.Second)))),
			"Name":        st.Name,
			"RetryCount":  float64(retryCount),
		}
		if strings.HasSuffix(st.resource, ".waitForTaskToken") {
			ctx["Task"] = map[string]any{"Token": "stepshift-local-task-token"}
		}
	}
	if item != nil {
		ctx["Map"] = map[string]any{"Item": map[string]any{"Index": float64(item.index), "Value": item.value}}
	}
	return ctx
}

// contextFn yields the context object ("$$") when a path asks for it:
// building it for every state would dominate large Map runs.
type contextFn func() any

func (r *runner) ctx(s *stateRun, item *mapItem) contextFn {
	var v any
	return func() any {
		if v == nil {
			v = r.contextObject(s.st, s.entered, s.retries, item)
		}
		return v
	}
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (r *runner) runScope(sc *scopeDef, input any, vars *scope, item *mapItem) (any, *execError) {
	name := sc.startAt
	for {
		if r.fatal != nil {
			return nil, &execError{Error: "States.Runtime", Cause: "stopped"}
		}
		st, ok := sc.states[name]
		if !ok {
			return nil, &execError{Error: "States.Runtime", Cause: fmt.Sprintf("The state '%s' does not exist in the state machine definition.", name)}
		}
		out, next, err := r.runState(st, input, vars)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		input, name = out, next
	}
}

// stateRun holds what one entry into a state needs while it runs.
type stateRun struct {
	st        *stateDef
	enteredID int
	entered   float64
	rawInput  any
	vars      *scope
	step      int // index into r.steps
	retries   int
}

func (s *stateRun) runtimeErr(format string, args ...any) *execError {
	return &execError{Error: "States.Runtime", Cause: s.prefix() + fmt.Sprintf(format, args...)}
}

func (s *stateRun) prefix() string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", s.st.Name, s.enteredID)
}

func (r *runner) runState(st *stateDef, input any, vars *scope) (any, string, *execError) {
	s := &stateRun{st: st, rawInput: input, vars: vars, entered: r.clock}
	s.enteredID = r.event(st.Type+"StateEntered", "stateEnteredEventDetails", &StateDetails{Name: st.Name, Input: jsonText{input}, InputDetails: notTruncated})
	r.path = append(r.path, st.Name)
	r.steps = append(r.steps, Step{State: st.Name})
	s.step = len(r.steps) - 1
	var out any
	var next string
	var err *execError
	switch st.Type {
	case "Pass":
		out, next, err = r.runPass(s)
	case "Task", "Map", "Parallel":
		out, next, err = r.runWithRetry(s)
	case "Choice":
		out, next, err = r.runChoice(s)
	case "Wait":
		out, next, err = r.runWait(s)
	case "Succeed":
		out, err = r.simpleOutput(s)
	case "Fail":
		return nil, "", r.runFail(s)
	}
	if err != nil {
		return nil, "", err
	}
	if size := jsonSize(out); size > MaxPayloadBytes {
		return nil, "", &execError{Error: "States.DataLimitExceeded", Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.Name)}
	}
	r.event(st.Type+"StateExited", "stateExitedEventDetails", &StateDetails{Name: st.Name, Output: jsonText{out}, OutputDetails: notTruncated})
	if r.m.timeout > 0 && r.clock > r.m.timeout {
		return nil, "", &execError{Error: "States.Timeout", Cause: ""}
	}
	return out, next, nil
}

func (st *stateDef) transition() string {
	if st.end {
		return ""
	}
	return st.next
}

// effectiveInput applies InputPath (JSONPath states).
func (r *runner) effectiveInput(s *stateRun) (any, *execError) {
	if s.st.jsonata {
		return s.rawInput, nil
	}
	if s.st.inputPath.null {
		return map[string]any{}, nil
	}
	if s.st.inputPath.path == nil {
		return s.rawInput, nil
	}
	v, err := selectPath(s.st.inputPath.path, s.rawInput, r.ctx(s, nil), s.vars)
	if err != nil {
		return nil, s.runtimeErr("Invalid path '%s' : %v", s.st.inputPath.path.Text, err)
	}
	return v, nil
}

// outputAndAssign evaluates a JSONata Output, when there is one (else the
// value is out), and Assign against the same $states: a state, a Choice
// rule and a Catcher do the same.
// outputAndAssign evaluates a JSONata Output and Assign; prefix places them
// in the state for error causes ("" for the state's own, "Choices[1]/" or
// "Catch[0]/" for a rule's or catcher's).
func (r *runner) outputAndAssign(s *stateRun, prefix string, hasOutput bool, output, assign any, states map[string]any, out any) (any, *execError) {
	if hasOutput {
		v, err := r.jsonataTemplate(s, output, states, prefix+"Output")
		if err != nil {
			return nil, err
		}
		out = v
	}
	if err := r.assign(s, prefix, assign, states, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// finish applies ResultPath and OutputPath (JSONPath) or Output (JSONata),
// and Assign, to a state's result.
func (r *runner) finish(s *stateRun, result any, item *mapItem) (any, *execError) {
	st := s.st
	if st.jsonata {
		states := r.statesVar(s, s.rawInput, result, true, nil)
		out := result
		if !st.hasOutput && (st.Type == "Choice" || st.Type == "Wait" || st.Type == "Succeed") {
			out = s.rawInput
		}
		if st.Type == "Pass" && !st.hasOutput {
			out = s.rawInput
		}
		return r.outputAndAssign(s, "", st.hasOutput, st.output, st.assign, states, out)
	}
	if st.assign != nil {
		if err := r.assign(s, "", st.assign, nil, result); err != nil {
			return nil, err
		}
	}
	var out any
	switch {
	case st.resultPathNull:
		out = s.rawInput
	case st.resultPath == nil && st.Type != "Choice" && st.Type != "Wait" && st.Type != "Succeed":
		out = result
	case st.Type == "Choice" || st.Type == "Wait" || st.Type == "Succeed":
		out = result
	default:
		v, err := setReference(s.rawInput, st.resultPath, result)
		if err != nil {
			return nil, s.runtimeErr("Unable to apply ReferencePath %s to input %s", refText(st.raw["ResultPath"]), MarshalJSON(s.rawInput))
		}
		out = v
	}
	return r.outputPath(s, out)
}

func refText(v any) string { s, _ := v.(string); return s }

func (r *runner) outputPath(s *stateRun, out any) (any, *execError) {
	if s.st.outputPath.null {
		return map[string]any{}, nil
	}
	if s.st.outputPath.path == nil {
		return out, nil
	}
	v, err := selectPath(s.st.outputPath.path, out, r.ctx(s, nil), s.vars)
	if err != nil {
		return nil, s.runtimeErr("Invalid path '%s' : %v", s.st.outputPath.path.Text, err)
	}
	return v, nil
}

// assign evaluates Assign and stores the variables in the state's scope. In
// JSONPath states "$" is the state's result; in JSONata states $states is bound.
func (r *runner) assign(s *stateRun, prefix string, assign any, states map[string]any, result any) *execError {
	m, ok := assign.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	var v any
	var err *execError
	if s.st.jsonata {
		v, err = r.jsonataTemplate(s, m, states, prefix+"Assign")
	} else {
		v, err = r.payload(s, m, result, nil, "Assign")
	}
	if err != nil {
		return err
	}
	// Every value is computed before any is stored: Assign sees the variables as they were.
	for k, val := range v.(map[string]any) {
		s.vars.vars[strings.TrimSuffix(k, ".$")] = val
	}
	return nil
}

func (r *runner) statesVar(s *stateRun, input, result any, hasResult bool, errorOutput any) map[string]any {
	states := map[string]any{
		"input":   input,
		"context": r.ctx(s, nil)(),
	}
	if hasResult {
		states["result"] = result
	}
	if errorOutput != nil {
		states["errorOutput"] = errorOutput
	}
	return states
}

func (r *runner) runPass(s *stateRun) (any, string, *execError) {
	st := s.st
	if st.jsonata {
		out, err := r.finish(s, s.rawInput, nil)
		return out, st.transition(), err
	}
	in, err := r.effectiveInput(s)
	if err != nil {
		return nil, "", err
	}
	result := in
	if st.hasParameters {
		if result, err = r.payload(s, st.parameters, in, nil, "Parameters"); err != nil {
			return nil, "", err
		}
	}
	if st.hasResult {
		result = st.result
	}
	out, err := r.finish(s, result, nil)
	return out, st.transition(), err
}

func (r *runner) simpleOutput(s *stateRun) (any, *execError) {
	if s.st.jsonata {
		return r.finish(s, s.rawInput, nil)
	}
	in, err := r.effectiveInput(s)
	if err != nil {
		return nil, err
	}
	return r.finish(s, in, nil)
}

func (r *runner) runChoice(s *stateRun) (any, string, *execError) {
	st := s.st
	in, err := r.effectiveInput(s)
	if err != nil {
		return nil, "", err
	}
	env := &choiceEnv{input: in, context: r.ctx(s, nil), vars: s.vars}
	states := r.statesVar(s, s.rawInput, nil, false, nil)
	ruleIdx := 0
	env.jsonata = func(expr string) (any, error) {
		if !isJSONataTemplate(expr) {
			return nil, &queryError{fmt.Sprintf("The Condition '%s' is not a JSONata expression ({%% ... %%})", expr)}
		}
		v, ok, err := r.m.jsonata.eval(jsonataBody(expr), states, s.vars, r.rnd)
		if err == nil && !ok {
			// Named as every undefined JSONata field is (see jsonataTemplate).
			return nil, &queryError{fmt.Sprintf("The JSONata expression '%s' specified for the field 'Choices[%d]/Condition' returned nothing (undefined).", jsonataBody(expr), ruleIdx)}
		}
		return v, err
	}
	for i, rule := range st.choices {
		ruleIdx = i
		ok, merr := rule.match(env)
		if merr != nil {
			return nil, "", r.ruleError(s, merr)
		}
		if !ok {
			continue
		}
		if st.jsonata {
			out, err := r.outputAndAssign(s, fmt.Sprintf("Choices[%d]/", i), rule.hasOut, rule.output, rule.assign, states, s.rawInput)
			if err != nil {
				return nil, "", err
			}
			return out, rule.next, nil
		}
		if err := r.assign(s, "", rule.assign, nil, in); err != nil {
			return nil, "", err
		}
		out, err := r.outputPath(s, in)
		return out, rule.next, err
	}
	if st.defaultNext == "" {
		return nil, "", &execError{Error: "States.NoChoiceMatched", Cause: "No Matches!"}
	}
	out, err := r.finish(s, in, nil)
	return out, st.defaultNext, err
}

func (r *runner) ruleError(s *stateRun, err error) *execError {
	var qe *queryError
	if errors.As(err, &qe) {
		return &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + qe.msg}
	}
	return s.runtimeErr("%v", err)
}

// waitPathValue reads what a Wait state's SecondsPath or TimestampPath p
// selects from in; found is false when it selects nothing.
func (r *runner) waitPathValue(s *stateRun, p string, in any) (v any, found bool, err *execError) {
	path, perr := ParsePath(p)
	if perr != nil {
		return nil, false, s.runtimeErr("Invalid path '%s' : %v", p, perr)
	}
	v, serr := selectPath(path, in, r.ctx(s, nil), s.vars)
	return v, serr == nil, nil
}

func (r *runner) runWait(s *stateRun) (any, string, *execError) {
	st := s.st
	in, err := r.effectiveInput(s)
	if err != nil {
		return nil, "", err
	}
	var wait float64
	var until string
	hasUntil := false
	states := r.statesVar(s, s.rawInput, nil, false, nil)
	get := func(key string) (any, bool, *execError) {
		v, ok := st.raw[key]
		if !ok {
			return nil, false, nil
		}
		if str, isStr := v.(string); isStr && st.jsonata && isJSONataTemplate(str) {
			out, err := r.jsonataTemplate(s, str, states, key)
			return out, true, err
		}
		return v, true, nil
	}
	if v, ok, err := get("Seconds"); err != nil {
		return nil, "", err
	} else if ok {
		f, isNum := v.(float64)
		if !isNum || f < 0 {
			return nil, "", s.runtimeErr("The Seconds value %s is not a non-negative number", MarshalJSON(v))
		}
		wait = f
	}
	if v, ok, err := get("Timestamp"); err != nil {
		return nil, "", err
	} else if ok {
		until, hasUntil = fmt.Sprint(v), true
	}
	if p, ok := st.raw["SecondsPath"].(string); ok {
		v, found, perr := r.waitPathValue(s, p, in)
		if perr != nil {
			return nil, "", perr
		}
		f, isNum := v.(float64)
		if !found || !isNum || f < 0 {
			return nil, "", s.runtimeErr("Invalid path '%s': The SecondsPath parameter does not reference a valid number.", p)
		}
		wait = f
	}
	if p, ok := st.raw["TimestampPath"].(string); ok {
		v, found, perr := r.waitPathValue(s, p, in)
		if perr != nil {
			return nil, "", perr
		}
		str, isStr := v.(string)
		if !found || !isStr {
			return nil, "", s.runtimeErr("Invalid path '%s': The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string.", p)
		}
		until, hasUntil = str, true
	}
	if hasUntil {
		t, ok := parseTimestamp(until)
		if !ok {
			return nil, "", s.runtimeErr("The Timestamp '%s' is not a valid ISO-8601 extended offset date-time format string.", until)
		}
		wait = math.Max(0, t.Sub(r.now()).Seconds())
	}
	r.clock += wait
	out, ferr := r.finish(s, in, nil)
	return out, st.transition(), ferr
}

func (r *runner) runFail(s *stateRun) *execError {
	st := s.st
	errName, _ := st.raw["Error"].(string)
	cause, _ := st.raw["Cause"].(string)
	if st.jsonata {
		states := r.statesVar(s, s.rawInput, nil, false, nil)
		for key, dst := range map[string]*string{"Error": &errName, "Cause": &cause} {
			if str, ok := st.raw[key].(string); ok && isJSONataTemplate(str) {
				v, err := r.jsonataTemplate(s, str, states, key)
				if err != nil {
					return err
				}
				sv, isStr := v.(string)
				if !isStr {
					return &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + fmt.Sprintf("The %s field must evaluate to a string but returned %s", key, MarshalJSON(v))}
				}
				*dst = sv
			}
		}
	}
	for key, dst := range map[string]*string{"ErrorPath": &errName, "CausePath": &cause} {
		p, ok := st.raw[key].(string)
		if !ok {
			continue
		}
		var v any
		var err error
		if isIntrinsic(p) {
			var c *intrinsic
			if c, err = parseIntrinsic(p); err == nil {
				v, err = c.eval(&intrinsicEnv{input: s.rawInput, context: r.ctx(s, nil), vars: s.vars, rand: r.rnd})
			}
		} else {
			var path *Path
			if path, err = ParsePath(p); err == nil {
				v, err = selectPath(path, s.rawInput, r.ctx(s, nil), s.vars)
			}
		}
		str, isStr := v.(string)
		if err != nil || !isStr {
			return s.runtimeErr("The %s '%s' does not reference a string in the input %s", key, p, MarshalJSON(s.rawInput))
		}
		*dst = str
	}
	return &execError{Error: errName, Cause: cause}
}

// jsonSize is the length of v's compact JSON text.
func jsonSize(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case bool:
		if x {
			return 4
		}
		return 5
	case float64:
		return len(formatNumber(x))
	case string:
		n := 2
		for i := 0; i < len(x); i++ {
			c := x[i]
			if c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' {
				n += 2
			} else if c < 0x20 {
				n += 6
			} else {
				n++
			}
		}
		return n
	case []any:
		n := 2 + max(0, len(x)-1)
		for _, e := range x {
			n += jsonSize(e)
		}
		return n
	case map[string]any:
		n := 2 + max(0, len(x)-1)
		for k, e := range x {
			n += jsonSize(k) + 1 + jsonSize(e)
		}
		return n
	}
	return len(MarshalJSON(v))
}
