package transpile

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/stepshift/stepshift/execute"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

// Verification is what running a migrated step's original and migrated
// definitions through the same scenarios found (docs/migrate.md,
// "Behaviour check").
type Verification struct {
	Scenarios   int // scenarios run, each on both definitions
	Differences []Difference
	// Skipped says why the step could not be checked ("" when it was): the
	// original definition does not run in the executor.
	Skipped string
}

// Difference is one scenario in which the migrated definition behaves
// otherwise than the original.
type Difference struct {
	Scenario string   // "SyncGranule throws DuplicateFile"
	Details  []string // "status FAILED vs SUCCEEDED", "SyncGranule retried 3 vs 0 times"
	// Original and Migrated are the paths of entered states.
	Original, Migrated []string
}

// Differs reports whether the check found a difference.
func (v *Verification) Differs() bool { return v != nil && len(v.Differences) > 0 }

// Differs reports whether any migrated step behaves otherwise than before.
// `migrate --write` then writes nothing unless forced.
func (p *Plan) Differs() bool {
	for _, s := range p.Steps {
		if s.Verification.Differs() {
			return true
		}
	}
	return false
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Values render the documents' interpolations (execute.CompileDocument);
	// a Resource without one becomes a placeholder ARN of the kind its name
	// suggests, so "${x_activity_arn}" is an activity.
	Values execute.Values
	// FixedResult makes the step's mocked result a constant on both sides
	// rather than an echo of the input the Lambda would have received: an
	// ecs:runTask.waitForTaskToken task's input is the ECS call, not the
	// handler's event (the worker rebuilds that; runtime tests it).
	FixedResult bool
}

// Unhandled is the error name a scenario throws for "an error no ErrorEquals
// names"; it stands for States.ALL and States.TaskFailed too.
const Unhandled = "stepshift.UnnamedError"

// lambdaCrash is what Lambda reports for a function that died mid-invocation
// (out of memory, killed, timed out): AWS's "Handle Lambda service
// exceptions" guide. A worker that dies instead stops heartbeating.
const lambdaCrash = "Lambda.Unknown"

const lambdaCrashCause = "stepshift verify: the function failed without an error type (out of memory or killed)"

// verifyMaxEvents bounds a scenario's history: a loop the mocks never leave
// (a Choice waiting for a flag no mock sets) ends the same way on both sides.
const verifyMaxEvents = 3000

// verifyInput is the execution input of every scenario: the shape of a
// Cumulus message, so InputPaths such as $.payload resolve.
func verifyInput() any {
	return map[string]any{"cumulus_meta": map[string]any{"execution_name": "stepshift-verify"}, "meta": map[string]any{}, "payload": map[string]any{}}
}

// Verify runs the original definition (before) and the migrated one
// (after), whose Task state at pointer was rewritten, through the same
// scenarios and reports where they differ in final status, output, error
// and path (and retry counts, except where the original's error is one only
// Lambda raises). See docs/migrate.md for each scenario.
func Verify(before, after *workflow.Document, pointer string, opts VerifyOptions) *Verification {
	v := &Verification{}
	orig, err := execute.CompileDocument(before, "original", opts.Values)
	if err != nil {
		v.Skipped = "the original definition does not run in the executor: " + err.Error()
		return v
	}
	mig, err := execute.CompileDocument(after, "migrated", opts.Values)
	if err != nil {
		v.Differences = append(v.Differences, Difference{Scenario: "the migrated definition is compiled", Details: []string{err.Error()}})
		return v
	}
	name := stateName(before, pointer)
	if name == "" || stateName(after, pointer) != name {
		v.Skipped = "no state at " + pointer
		return v
	}
	rel := strings.TrimPrefix(pointer, before.Definition.Pointer)
	focusOrig, err1 := focus(orig, rel, name)
	focusMig, err2 := focus(mig, strings.TrimPrefix(pointer, after.Definition.Pointer), name)
	if err1 != nil {
		v.Skipped = "the original definition does not run in the executor from " + name + ": " + err1.Error()
		return v
	}
	if err2 != nil {
		v.Differences = append(v.Differences, Difference{Scenario: "the migrated definition is compiled from " + name, Details: []string{err2.Error()}})
		return v
	}
	tasks := map[string]bool{}
	var step execute.TaskState
	for _, m := range []*execute.Machine{orig, mig} {
		for _, t := range m.Tasks() {
			tasks[t.Name] = true
			if t.Name == name && m == orig {
				step = t
			}
		}
	}
	sc := scenarioSet{step: name, tasks: tasks, fixed: opts.FixedResult}

	// The whole workflow from its StartAt, every task succeeding.
	runs := []scenarioRun{{orig, mig, scenario{name: "the workflow runs with every task succeeding", compareRetries: true}, nil, nil, nil, nil}}
	// Then from the step itself, in its own scope, so it runs whatever the
	// states before it do with a mocked input.
	for _, s := range stepScenarios(name, step) {
		runs = append(runs, scenarioRun{focusOrig, focusMig, s, nil, nil, nil, nil})
	}
	// Runs of one Machine are safe concurrently (execute's TestConcurrentRuns):
	// each side of each scenario in its own goroutine, compared in order.
	var wg sync.WaitGroup
	for i := range runs {
		r := &runs[i]
		wg.Add(2)
		go func() {
			defer wg.Done()
			r.a, r.errA = r.orig.Run(verifyInput(), execute.Options{Mocks: sc.mocker(r.s.original), NoEvents: true, MaxEvents: verifyMaxEvents})
		}()
		go func() {
			defer wg.Done()
			r.b, r.errB = r.mig.Run(verifyInput(), execute.Options{Mocks: sc.mocker(r.s.migrated), NoEvents: true, MaxEvents: verifyMaxEvents})
		}()
	}
	wg.Wait()
	for i := range runs {
		v.compare(&runs[i])
	}
	return v
}

// scenarioRun is one scenario on both machines, with the two results.
type scenarioRun struct {
	orig, mig  *execute.Machine
	s          scenario
	a, b       *execute.Result
	errA, errB error
}

// scenario is what the migrated step does in one run on each side.
type scenario struct {
	name     string
	original *execute.Outcome // nil: success
	migrated *execute.Outcome
	// compareRetries: retry counts must be equal too. Not so when the
	// original's error is one only Lambda raises: the migration removes its
	// retrier, which could never fire on an activity.
	compareRetries bool
	// mapError: the two sides fail with different names for the same
	// failure (a dead worker, a crashed Lambda); the migrated result is
	// compared with its error renamed to the original's.
	mapError bool
}

// stepScenarios lists the scenarios for a step: success; every error name
// its Retry and Catch handle (wildcards stand for an unnamed error) and one
// they do not; States.Timeout; and a worker that stops heartbeating.
func stepScenarios(name string, t execute.TaskState) []scenario {
	out := []scenario{{name: name + " succeeds", compareRetries: true}}
	seen := map[string]bool{}
	add := func(e string) {
		switch e {
		case "States.ALL", "States.TaskFailed":
			e = Unhandled
		case "States.Timeout", "States.HeartbeatTimeout":
			return // their own scenarios below
		}
		if seen[e] {
			return
		}
		seen[e] = true
		fail := &execute.Outcome{Error: e, Cause: "stepshift verify: " + name + " throws " + e}
		out = append(out, scenario{name: name + " throws " + e, original: fail, migrated: fail, compareRetries: !strings.HasPrefix(e, "Lambda.")})
	}
	for _, e := range t.RetryErrors {
		add(e)
	}
	for _, e := range t.CatchErrors {
		add(e)
	}
	add(Unhandled)
	// Runs past TimeoutSeconds while heartbeating: States.Timeout on both
	// sides (the original's own TimeoutSeconds, or the 99999999 s default).
	hang := &execute.Outcome{Hang: true, HeartbeatEvery: 1}
	out = append(out, scenario{name: name + " runs past its TimeoutSeconds (States.Timeout)", original: hang, migrated: hang, compareRetries: true})
	// A worker that dies stops heartbeating; a Lambda that dies is reported
	// as Lambda.Unknown.
	out = append(out, scenario{name: name + "'s worker dies (States.HeartbeatTimeout; under Lambda, " + lambdaCrash + ")",
		original: &execute.Outcome{Error: lambdaCrash, Cause: lambdaCrashCause},
		migrated: &execute.Outcome{Hang: true}, mapError: true})
	return out
}

// scenarioSet answers every Task of a scenario run.
type scenarioSet struct {
	step  string
	tasks map[string]bool
	fixed bool
}

// mocker answers the step with out (nil: success) and every other task
// with success.
func (s scenarioSet) mocker(out *execute.Outcome) execute.Mocker {
	return execute.MockFunc(func(call execute.TaskCall) (execute.Outcome, bool) {
		if !s.tasks[call.State] {
			// A Map's ItemReader: no items.
			return execute.Outcome{Return: []any{}}, true
		}
		if call.State == s.step && out != nil {
			return *out, true
		}
		return execute.Outcome{Return: mockResult(call, s.fixed && call.State == s.step)}, true
	})
}

// mockResult is a successful task's result: what the Lambda was given (for
// a Cumulus CMA task, its event, the message it returns) plus a marker
// naming the state, so a result that is dropped or put elsewhere shows.
// lambda:invoke wraps it in the invoke response.
func mockResult(call execute.TaskCall, fixed bool) any {
	invoke := strings.HasSuffix(call.Resource, ":states:::lambda:invoke")
	in := call.Input
	if invoke {
		in = asObject(in)["Payload"]
	}
	marker := map[string]any{"state": call.State}
	var result any
	switch obj := asObject(in); {
	case fixed:
		result = map[string]any{"stepshift_mock": marker}
	case obj != nil:
		base := obj
		if cma := asObject(obj["cma"]); cma != nil && asObject(cma["event"]) != nil {
			base = asObject(cma["event"])
			config := map[string]any{}
			for k, val := range cma {
				if k != "event" {
					config[k] = val
				}
			}
			marker["cma"] = config
		}
		r := make(map[string]any, len(base)+1)
		for k, val := range base {
			r[k] = val
		}
		r["stepshift_mock"] = marker
		result = r
	default:
		marker["input"] = in
		result = map[string]any{"stepshift_mock": marker}
	}
	if invoke {
		return map[string]any{"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200.0}
	}
	return result
}

func asObject(v any) map[string]any { m, _ := v.(map[string]any); return m }

// compare records a scenario's difference, if any.
func (v *Verification) compare(r *scenarioRun) {
	v.Scenarios++
	s, a, b := r.s, r.a, r.b
	if r.errA != nil {
		v.Skipped = "the original definition does not run in the executor: " + r.errA.Error()
		return
	}
	if r.errB != nil {
		v.Differences = append(v.Differences, Difference{Scenario: s.name, Details: []string{r.errB.Error()}, Original: a.Path})
		return
	}
	if s.mapError {
		b = renameError(b, a)
	}
	if d := compareRuns(a, b, s.compareRetries); len(d) > 0 {
		v.Differences = append(v.Differences, Difference{Scenario: s.name, Details: d, Original: a.Path, Migrated: b.Path})
	}
}

// historyLimited tells a run the history cap ended (a loop no mock leaves).
func historyLimited(r *execute.Result) bool {
	return r.Error == "States.Runtime" && strings.Contains(r.Cause, "maximum number of history events")
}

// compareRuns lists the differences between two runs: execute.SameBehaviour,
// then the retries of each entered state. Two runs the history cap ended
// are compared on the path they share.
func compareRuns(a, b *execute.Result, retries bool) []string {
	if historyLimited(a) && historyLimited(b) {
		n := min(len(a.Path), len(b.Path))
		ca, cb := *a, *b
		ca.Path, cb.Path = a.Path[:n], b.Path[:n]
		ca.Steps, cb.Steps = a.Steps[:min(n, len(a.Steps))], b.Steps[:min(n, len(b.Steps))]
		a, b = &ca, &cb
	}
	diffs := execute.SameBehaviour(a, b)
	if !retries || len(a.Steps) != len(b.Steps) {
		return diffs
	}
	for i := range a.Steps {
		sa, sb := a.Steps[i], b.Steps[i]
		if sa.State == sb.State && len(sa.Retries) != len(sb.Retries) {
			diffs = append(diffs, fmt.Sprintf("%s retried %d vs %d times", sa.State, len(sa.Retries), len(sb.Retries)))
		}
	}
	return diffs
}

// renameError gives the migrated run b the original run a's error name and
// cause wherever it carries its own (the final error, a Catch's error
// output inside the output), so one failure named two ways compares equal.
func renameError(b, a *execute.Result) *execute.Result {
	from, to := stepError(b), stepError(a)
	if from == nil || to == nil {
		return b
	}
	c := *b
	if c.Error == from[0] && c.Cause == from[1] {
		c.Error, c.Cause = to[0], to[1]
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 2 && t["Error"] == from[0] && t["Cause"] == from[1] {
				return map[string]any{"Error": to[0], "Cause": to[1]}
			}
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, e := range t {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	c.Output = walk(c.Output)
	return &c
}

// stepError is the error a scenario's step fails with on one side: the
// mocked error, or the timeout the executor raised (empty cause).
func stepError(r *execute.Result) []string {
	switch {
	case r.Error == "States.HeartbeatTimeout":
		return []string{r.Error, r.Cause}
	case r.Error == lambdaCrash:
		return []string{r.Error, r.Cause}
	}
	for _, s := range r.Steps {
		switch s.Caught {
		case "States.HeartbeatTimeout":
			return []string{s.Caught, ""}
		case lambdaCrash:
			return []string{s.Caught, lambdaCrashCause}
		}
	}
	return nil
}

// stateName is the name of the state at pointer in doc ("" if none).
func stateName(doc *workflow.Document, pointer string) string {
	for _, s := range doc.States {
		if s.Pointer() == pointer {
			return s.Name
		}
	}
	return ""
}

// focus compiles the scope holding the state at pointer (relative to the
// definition) as a machine starting at that state: every state of the scope
// is there, so loops and Catch targets are, and the step runs whatever the
// states before it would do with the scenario's input. The top-level
// TimeoutSeconds is left out: a task that hangs to its 99999999 s default
// on the original would otherwise outlast it where the migrated task's
// TimeoutSeconds does not.
func focus(m *execute.Machine, pointer, name string) (*execute.Machine, error) {
	segs := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	if len(segs) < 2 || segs[len(segs)-2] != "States" {
		return nil, fmt.Errorf("%s is not a state", pointer)
	}
	var node any = m.Definition
	for _, seg := range segs[:len(segs)-2] {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		switch t := node.(type) {
		case map[string]any:
			node = t[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(t) {
				return nil, fmt.Errorf("no scope at %s", pointer)
			}
			node = t[i]
		default:
			return nil, fmt.Errorf("no scope at %s", pointer)
		}
	}
	scope := asObject(node)
	if scope == nil {
		return nil, fmt.Errorf("no scope at %s", pointer)
	}
	def := map[string]any{"StartAt": name, "States": scope["States"]}
	if m.QueryLanguage != "" {
		def["QueryLanguage"] = m.QueryLanguage
	}
	return execute.Compile(def, m.Name)
}

// renderValues gives the interpolations of a rendering's Task Resources the
// kind Terraform resolved (a placeholder Lambda or activity ARN); the rest
// keep their text on both sides, or the kind their name suggests.
func renderValues(r *terraform.Rendering) execute.Values {
	values := execute.Values{}
	for _, t := range r.Tasks {
		res := t.State.Resource
		if res == nil || res.Interp == nil {
			continue
		}
		switch t.Target.Kind {
		case terraform.TargetLambda:
			values[res.Interp.Expr] = execute.PlaceholderARN(workflow.LambdaARN, res.Interp.Expr)
		case terraform.TargetActivity:
			values[res.Interp.Expr] = execute.PlaceholderARN(workflow.Activity, res.Interp.Expr)
		}
	}
	return values
}

// priorSource is the workflow text step s is rewritten from: the file as
// the steps before it in this run left it, or its heredoc body.
func priorSource(f *pendingFile, r *terraform.Rendering, body [2]int) []byte {
	if r.Kind == terraform.Templatefile {
		return f.current
	}
	if b, ok := f.bodies[body]; ok {
		return b
	}
	return f.before[body[0]:body[1]]
}

// verifyStep checks the rewrite of step s from before to after (the
// workflow text, or the heredoc body) — see Verify.
func (m *migration) verifyStep(s *step, r *terraform.Rendering, before, after []byte) *Verification {
	opts := workflow.Options{Filename: s.file}
	if r.Kind != terraform.Templatefile {
		opts.Base = workflow.Pos{Line: r.Body.Start.Line, Column: r.Body.Start.Column, Byte: r.Body.Start.Byte}
	}
	return Verify(workflow.Load(before, opts), workflow.Load(after, opts), s.pointer,
		VerifyOptions{Values: renderValues(r), FixedResult: m.opts.Target == TargetECSTaskToken})
}

// verificationSummary renders a step's check for the plan summary: nothing
// when it found no difference.
func verificationSummary(loc string, o StepOutcome) string {
	v := o.Verification
	if v == nil {
		return ""
	}
	var b strings.Builder
	if v.Skipped != "" {
		fmt.Fprintf(&b, "    not verified: %s\n", v.Skipped)
	}
	for _, d := range v.Differences {
		fmt.Fprintf(&b, "%s: %s: behaviour differs when %s: %s\n", loc, o.State, d.Scenario, strings.Join(d.Details, "; "))
		fmt.Fprintf(&b, "    original path: %s\n", pathText(d.Original))
		fmt.Fprintf(&b, "    migrated path: %s\n", pathText(d.Migrated))
	}
	return b.String()
}

func pathText(p []string) string {
	if len(p) == 0 {
		return "(none)"
	}
	return strings.Join(p, " → ")
}
