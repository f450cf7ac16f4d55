package execute

import (
	"fmt"
	"math"
	"strings"
)

// matches reports whether an ErrorEquals list handles an error, with Step
// Functions' wildcard rules: States.ALL matches every error but the terminal
// States.Runtime and States.DataLimitExceeded; States.TaskFailed matches every
// error but States.Timeout (and the terminal ones). A heartbeat timeout is a
// States.Timeout too: States.HeartbeatTimeout was added later as a narrower
// name, and a States.Timeout retrier or catcher still handles it.
func matches(errorEquals []string, e *execError) bool {
	if e.Error == "States.Runtime" {
		return false
	}
	for _, name := range errorEquals {
		switch {
		case name == e.Error:
			return true
		case name == "States.Timeout" && e.Error == "States.HeartbeatTimeout":
			return true
		case name == "States.ALL" && !e.terminal():
			return true
		case name == "States.TaskFailed" && !e.terminal() && e.Error != "States.Timeout" && e.Error != "States.HeartbeatTimeout":
			return true
		}
	}
	return false
}

// runWithRetry runs a Task, Map or Parallel state with its Retry and Catch.
func (r *runner) runWithRetry(s *stateRun) (any, string, *execError) {
	st := s.st
	counts := make([]int, len(st.retry))
	for {
		var out any
		var err *execError
		switch st.Type {
		case "Task":
			out, err = r.runTask(s)
		case "Map":
			out, err = r.runMap(s)
		case "Parallel":
			out, err = r.runParallel(s)
		}
		if err == nil {
			return out, st.transition(), nil
		}
		if r.fatal != nil {
			return nil, "", err
		}
		retried := false
		for i, rt := range st.retry {
			if !matches(rt.errors, err) {
				continue
			}
			// The first retrier whose ErrorEquals matches decides, even when it is exhausted.
			if counts[i] < rt.maxAttempts {
				delay := rt.interval * math.Pow(rt.backoff, float64(counts[i]))
				if rt.maxDelay > 0 {
					delay = math.Min(delay, rt.maxDelay)
				}
				if rt.fullJitter {
					delay = r.rnd.float() * delay
				}
				counts[i]++
				s.retries++
				r.clock += delay
				r.steps[s.step].Retries = append(r.steps[s.step].Retries, Retry{Error: err.Error, AfterSecs: delay, Attempt: counts[i], RetrierIdx: i})
				retried = true
			}
			break
		}
		if retried {
			continue
		}
		for ci, c := range st.catch {
			if !matches(c.errors, err) {
				continue
			}
			r.steps[s.step].Caught, r.steps[s.step].Next = err.Error, c.next
			errOut := map[string]any{"Error": err.Error, "Cause": err.Cause}
			var out any
			if st.jsonata {
				states := r.statesVar(s, s.rawInput, nil, false, errOut)
				v, oerr := r.outputAndAssign(s, fmt.Sprintf("Catch[%d]/", ci), c.hasOutput, c.output, c.assign, states, errOut)
				if oerr != nil {
					return nil, "", oerr
				}
				out = v
			} else {
				if aerr := r.assign(s, "", c.assign, nil, errOut); aerr != nil {
					return nil, "", aerr
				}
				switch {
				case c.rpNull:
					out = s.rawInput
				case c.resultPath == nil:
					out = errOut
				default:
					v, serr := setReference(s.rawInput, c.resultPath, errOut)
					if serr != nil {
						return nil, "", s.runtimeErr("Unable to apply ReferencePath %s to input %s", refStepsText(c.resultPath), MarshalJSON(s.rawInput))
					}
					out = v
				}
			}
			return out, c.next, nil
		}
		return nil, "", err
	}
}

// refStepsText renders a reference path back to "$.a[0]" form for causes.
func refStepsText(steps []refStep) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range steps {
		if s.isIdx {
			fmt.Fprintf(&b, "[%d]", s.index)
		} else {
			b.WriteString("." + s.name)
		}
	}
	return b.String()
}

// taskInput is the input a Task, Map or Parallel state works on: InputPath
// then Parameters (JSONPath), or Arguments (JSONata).
func (r *runner) taskInput(s *stateRun) (any, *execError) {
	st := s.st
	if st.jsonata {
		if !st.hasArguments {
			return s.rawInput, nil
		}
		return r.jsonataTemplate(s, st.arguments, r.statesVar(s, s.rawInput, nil, false, nil), "Arguments")
	}
	in, err := r.effectiveInput(s)
	if err != nil {
		return nil, err
	}
	if st.hasParameters {
		return r.payload(s, st.parameters, in, nil, "Parameters")
	}
	return in, nil
}

// afterResult applies ResultSelector (JSONPath), then the common output steps.
func (r *runner) afterResult(s *stateRun, result any) (any, *execError) {
	if !s.st.jsonata && s.st.hasResSel {
		v, err := r.payload(s, s.st.resultSel, result, nil, "ResultSelector")
		if err != nil {
			return nil, err
		}
		result = v
	}
	return r.finish(s, result, nil)
}

// resourceKind tells which history events a Task writes.
func resourceKind(res string) (kind, resourceType, resource string) {
	switch {
	case strings.HasPrefix(res, "arn:") && strings.Contains(res, ":lambda:") && strings.Contains(res, ":function:"):
		return "LambdaFunction", "lambda", res
	case strings.Contains(res, ":activity:"):
		return "Activity", "activity", res
	case strings.HasPrefix(res, "arn:") && strings.Contains(res, ":states:::"):
		rest := res[strings.Index(res, ":states:::")+len(":states:::"):]
		svc, action, _ := strings.Cut(rest, ":")
		return "Task", svc, action
	}
	return "Task", "unknown", res
}

func (r *runner) timeouts(s *stateRun) (timeout, heartbeat float64, err *execError) {
	st := s.st
	timeout = num(st.raw, "TimeoutSeconds", 0)
	heartbeat = num(st.raw, "HeartbeatSeconds", 0)
	in := s.rawInput
	for key, dst := range map[string]*float64{"TimeoutSecondsPath": &timeout, "HeartbeatSecondsPath": &heartbeat} {
		p, ok := st.raw[key].(string)
		if !ok {
			continue
		}
		path, perr := ParsePath(p)
		var v any
		if perr == nil {
			v, perr = selectPath(path, in, r.ctx(s, nil), s.vars)
		}
		f, isNum := v.(float64)
		if perr != nil || !isNum || f <= 0 || !isInteger(f) {
			return 0, 0, s.runtimeErr("Invalid path '%s': The %s parameter does not reference a positive integer.", p, key)
		}
		*dst = f
	}
	if st.jsonata {
		states := r.statesVar(s, s.rawInput, nil, false, nil)
		for key, dst := range map[string]*float64{"TimeoutSeconds": &timeout, "HeartbeatSeconds": &heartbeat} {
			if str, ok := st.raw[key].(string); ok && isJSONataTemplate(str) {
				v, jerr := r.jsonataTemplate(s, str, states, key)
				if jerr != nil {
					return 0, 0, jerr
				}
				f, isNum := v.(float64)
				if !isNum || f <= 0 {
					return 0, 0, &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + fmt.Sprintf("The %s field must evaluate to a positive integer but returned %s", key, MarshalJSON(v))}
				}
				*dst = f
			}
		}
	}
	if timeout == 0 {
		timeout = 99999999 // Step Functions' default for a Task
	}
	return timeout, heartbeat, nil
}

func (r *runner) runTask(s *stateRun) (any, *execError) {
	st := s.st
	in, err := r.taskInput(s)
	if err != nil {
		return nil, err
	}
	if size := jsonSize(in); size > MaxPayloadBytes {
		return nil, &execError{Error: "States.DataLimitExceeded", Cause: fmt.Sprintf("The state/task '%s' has an input with a size exceeding the maximum number of bytes service limit.", st.Name)}
	}
	timeout, heartbeat, err := r.timeouts(s)
	if err != nil {
		return nil, err
	}
	kind, resourceType, resource := resourceKind(st.resource)
	detail := func(extra map[string]any) map[string]any {
		if kind == "Task" {
			extra["resourceType"] = resourceType
			extra["resource"] = resource
		}
		return extra
	}
	lower := strings.ToLower(kind[:1]) + kind[1:]
	switch kind {
	case "LambdaFunction":
		r.event("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", map[string]any{
			"resource": st.resource, "input": jsonText{in}, "inputDetails": notTruncated, "timeoutInSeconds": timeout})
	case "Activity":
		d := map[string]any{"resource": st.resource, "input": jsonText{in}, "inputDetails": notTruncated, "timeoutInSeconds": timeout}
		if heartbeat > 0 {
			d["heartbeatInSeconds"] = heartbeat
		}
		r.event("ActivityScheduled", "activityScheduledEventDetails", d)
	default:
		d := detail(map[string]any{"region": "us-east-1", "parameters": jsonText{in}, "timeoutInSeconds": timeout})
		if heartbeat > 0 {
			d["heartbeatInSeconds"] = heartbeat
		}
		r.event("TaskScheduled", "taskScheduledEventDetails", d)
	}
	if kind == "Activity" {
		r.event("ActivityStarted", "activityStartedEventDetails", map[string]any{"workerName": "stepshift-mock"})
	} else if kind == "LambdaFunction" {
		r.event("LambdaFunctionStarted", "", nil)
	} else {
		r.event("TaskStarted", "taskStartedEventDetails", detail(map[string]any{}))
	}
	call := TaskCall{State: st.Name, Invocation: r.invocations[st.Name], Attempt: s.retries, Resource: st.resource, Input: in}
	r.invocations[st.Name]++
	var out Outcome
	ok := false
	if r.opts.Mocks != nil {
		out, ok = r.opts.Mocks.Mock(call)
	}
	if !ok {
		r.fatal = &NoMockError{st.Name, call.Invocation}
		return nil, &execError{Error: "States.Runtime", Cause: "no mock"}
	}
	duration := out.Seconds
	if out.Hang {
		duration = math.Inf(1)
	}
	gap := duration
	if out.HeartbeatEvery > 0 {
		gap = out.HeartbeatEvery
	}
	var timedOut string
	switch {
	case heartbeat > 0 && gap > heartbeat && heartbeat < timeout && duration > heartbeat:
		timedOut = "States.HeartbeatTimeout"
		r.clock += heartbeat
	case duration > timeout:
		timedOut = "States.Timeout"
		r.clock += timeout
	default:
		r.clock += duration
	}
	if timedOut != "" {
		r.event(kind+"TimedOut", lower+"TimedOutEventDetails", detail(map[string]any{"error": timedOut, "cause": ""}))
		return nil, &execError{Error: timedOut, Cause: ""}
	}
	if out.Error != "" {
		r.event(kind+"Failed", lower+"FailedEventDetails", detail(map[string]any{"error": out.Error, "cause": out.Cause}))
		return nil, &execError{Error: out.Error, Cause: out.Cause}
	}
	result := out.Return
	if size := jsonSize(result); size > MaxPayloadBytes {
		// AWS names the resource, not the state: the Lambda ARN, or the
		// integration's service ("lambda" for lambda:invoke), and reports the
		// failure as the task's.
		name := st.resource
		if kind == "Task" {
			name = resourceType
		}
		cause := fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", name)
		r.event(kind+"Failed", lower+"FailedEventDetails", detail(map[string]any{"error": "States.DataLimitExceeded", "cause": cause}))
		return nil, &execError{Error: "States.DataLimitExceeded", Cause: cause, taskFailure: true}
	}
	r.event(kind+"Succeeded", lower+"SucceededEventDetails", detail(map[string]any{"output": jsonText{result}, "outputDetails": notTruncated}))
	return r.afterResult(s, result)
}

func (r *runner) runParallel(s *stateRun) (any, *execError) {
	in, err := r.taskInput(s)
	if err != nil {
		return nil, err
	}
	r.event("ParallelStateStarted", "", nil)
	results := make([]any, len(s.st.branches))
	for i, b := range s.st.branches {
		out, berr := r.runScope(b, in, &scope{vars: map[string]any{}, parent: s.vars}, nil)
		if berr != nil {
			r.event("ParallelStateFailed", "", nil)
			return nil, berr
		}
		results[i] = out
	}
	r.event("ParallelStateSucceeded", "", nil)
	return r.afterResult(s, results)
}

func (r *runner) runMap(s *stateRun) (any, *execError) {
	st := s.st
	var items []any
	var in any
	var err *execError
	states := map[string]any(nil)
	if st.jsonata {
		in = s.rawInput
		states = r.statesVar(s, s.rawInput, nil, false, nil)
	} else if in, err = r.effectiveInput(s); err != nil {
		return nil, err
	}
	switch {
	case st.raw["ItemReader"] != nil:
		if r.opts.Mocks == nil {
			return nil, &execError{Error: "States.ItemReaderFailed", Cause: s.prefix() + "The ItemReader has no mocked response"}
		}
		call := TaskCall{State: st.Name, Invocation: r.invocations[st.Name], Resource: fmt.Sprint(asMapAny(st.raw["ItemReader"])["Resource"]), Input: st.raw["ItemReader"]}
		r.invocations[st.Name]++
		out, ok := r.opts.Mocks.Mock(call)
		if !ok {
			return nil, &execError{Error: "States.ItemReaderFailed", Cause: s.prefix() + fmt.Sprintf("No mocked response gives the items the ItemReader of '%s' reads", st.Name)}
		}
		if out.Error != "" {
			return nil, &execError{Error: "States.ItemReaderFailed", Cause: out.Cause}
		}
		arr, isArr := out.Return.([]any)
		if !isArr {
			return nil, &execError{Error: "States.ItemReaderFailed", Cause: s.prefix() + "The mocked ItemReader response is not a JSON array"}
		}
		items = arr
	case st.jsonata && st.raw["Items"] != nil:
		v, jerr := r.jsonataTemplate(s, st.raw["Items"], states, "Items")
		if jerr != nil {
			return nil, jerr
		}
		arr, isArr := v.([]any)
		if !isArr {
			return nil, &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + fmt.Sprintf("The Items field must evaluate to a JSON array but returned %s", MarshalJSON(v))}
		}
		items = arr
	case st.jsonata:
		arr, isArr := in.([]any)
		if !isArr {
			return nil, &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + "The Map state's input must be a JSON array when Items is not set"}
		}
		items = arr
	default:
		itemsPath := "$"
		if p, ok := st.raw["ItemsPath"].(string); ok {
			itemsPath = p
		}
		path, perr := ParsePath(itemsPath)
		if perr != nil {
			return nil, s.runtimeErr("Invalid path '%s' : %v", itemsPath, perr)
		}
		v, serr := selectPath(path, in, r.ctx(s, nil), s.vars)
		if serr != nil {
			return nil, s.runtimeErr("Invalid path '%s' : %v", itemsPath, serr)
		}
		arr, isArr := v.([]any)
		if !isArr {
			return nil, s.runtimeErr("Item path %s does not reference a JSON array: %s", itemsPath, MarshalJSON(v))
		}
		items = arr
	}
	items = r.batch(st, items)
	r.event("MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(items)})
	selector, hasSelector := st.raw["ItemSelector"]
	if !hasSelector && !st.jsonata {
		selector, hasSelector = st.raw["Parameters"]
	}
	toleratedCount := num(st.raw, "ToleratedFailureCount", -1)
	toleratedPct := num(st.raw, "ToleratedFailurePercentage", -1)
	for key, dst := range map[string]*float64{"ToleratedFailureCountPath": &toleratedCount, "ToleratedFailurePercentagePath": &toleratedPct} {
		p, ok := st.raw[key].(string)
		if !ok {
			continue
		}
		path, perr := r.m.cache.path(p)
		var v any
		if perr == nil {
			v, perr = selectPath(path, in, r.ctx(s, nil), s.vars)
		}
		f, isNum := v.(float64)
		if perr != nil || !isNum || f < 0 {
			return nil, s.runtimeErr("Invalid path '%s': The %s parameter does not reference a non-negative number.", p, key)
		}
		*dst = f
	}
	tolerate := st.distributed || toleratedCount >= 0 || toleratedPct >= 0
	failures := 0
	results := make([]any, len(items))
	for i, item := range items {
		r.event("MapIterationStarted", "mapIterationStartedEventDetails", &IterationDetails{st.Name, i})
		itemInput := item
		if hasSelector {
			mi := &mapItem{index: i, value: item}
			var serr *execError
			if st.jsonata {
				ist := r.statesVar(s, s.rawInput, nil, false, nil)
				ist["context"] = r.ctx(s, mi)()
				itemInput, serr = r.jsonataTemplate(s, selector, ist, "ItemSelector")
			} else {
				itemInput, serr = r.payload(s, selector, in, mi, "ItemSelector")
			}
			if serr != nil {
				return nil, serr
			}
		}
		out, ierr := r.runScope(st.iterator, itemInput, &scope{vars: map[string]any{}, parent: s.vars}, nil)
		if ierr != nil {
			r.event("MapIterationFailed", "mapIterationFailedEventDetails", &IterationDetails{st.Name, i})
			if !tolerate || ierr.terminal() || r.fatal != nil {
				r.event("MapStateFailed", "", nil)
				return nil, ierr
			}
			failures++
			results[i] = map[string]any{"Error": ierr.Error, "Cause": ierr.Cause}
			continue
		}
		r.event("MapIterationSucceeded", "mapIterationSucceededEventDetails", &IterationDetails{st.Name, i})
		results[i] = out
	}
	if failures > 0 {
		exceeded := true
		if toleratedCount >= 0 && float64(failures) <= toleratedCount {
			exceeded = false
		}
		if toleratedPct >= 0 && len(items) > 0 && float64(failures)*100/float64(len(items)) <= toleratedPct {
			exceeded = false
		}
		if exceeded {
			r.event("MapStateFailed", "", nil)
			return nil, &execError{Error: "States.ExceedToleratedFailureThreshold", Cause: "The specified tolerated failure threshold was exceeded"}
		}
	}
	r.event("MapStateSucceeded", "", nil)
	return r.afterResult(s, results)
}

// batch groups items as ItemBatcher asks: {"Items": [...]} plus BatchInput.
func (r *runner) batch(st *stateDef, items []any) []any {
	b, ok := st.raw["ItemBatcher"].(map[string]any)
	if !ok {
		return items
	}
	size := int(num(b, "MaxItemsPerBatch", 0))
	if size <= 0 {
		size = len(items)
	}
	out := []any{}
	for i := 0; i < len(items); i += max(size, 1) {
		batch := map[string]any{"Items": append([]any{}, items[i:min(i+size, len(items))]...)}
		if bi, ok := b["BatchInput"]; ok {
			batch["BatchInput"] = bi
		}
		out = append(out, batch)
	}
	return out
}

func asMapAny(v any) map[string]any { m, _ := v.(map[string]any); return m }
