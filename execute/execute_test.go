package execute

import (
	"strings"
	"testing"
)

func mustRun(t *testing.T, def, input string, opts Options) *Result {
	t.Helper()
	d, err := ParseJSON([]byte(def))
	if err != nil {
		t.Fatalf("definition: %v", err)
	}
	m, err := Compile(d, "test")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	in, err := ParseJSON([]byte(input))
	if err != nil {
		t.Fatalf("input: %v", err)
	}
	res, err := m.Run(in, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

func always(out Outcome) Mocker { return Mocks{Default: &out} }

// sequence answers invocation i with outs[i] (the last one after that).
func sequence(outs ...Outcome) Mocker {
	return MockFunc(func(c TaskCall) (Outcome, bool) { return outs[min(c.Invocation, len(outs)-1)], true })
}

func retryDelays(res *Result) []float64 {
	var out []float64
	for _, s := range res.Steps {
		for _, r := range s.Retries {
			out = append(out, r.AfterSecs)
		}
	}
	return out
}

const lambdaARN = "arn:aws:lambda:us-east-1:123456789012:function:f"

func TestRetryBackoffAndMaxDelay(t *testing.T) {
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `",
	  "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 3, "MaxDelaySeconds": 5}],
	  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
	  "Caught": {"Type": "Pass", "End": true}}}`
	res := mustRun(t, def, `{}`, Options{Mocks: always(Outcome{Error: "Boom", Cause: "c"})})
	if got := retryDelays(res); len(got) != 3 || got[0] != 3 || got[1] != 5 || got[2] != 5 {
		t.Errorf("delays %v, want [3 5 5]", got)
	}
	if res.Seconds != 13 || res.Status != Succeeded || strings.Join(res.Path, ",") != "T,Caught" {
		t.Errorf("got %s after %gs, path %v", res.Status, res.Seconds, res.Path)
	}
	if out := MarshalJSON(res.Output); out != `{"Error":"Boom","Cause":"c"}` {
		t.Errorf("catch output %s (the error output replaces the input when ResultPath is absent)", out)
	}
}

func TestRetryMaxAttemptsZeroAndFirstMatchDecides(t *testing.T) {
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `",
	  "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}], "End": true}}}`
	res := mustRun(t, def, `{}`, Options{Mocks: always(Outcome{Error: "Boom"})})
	if len(retryDelays(res)) != 0 || res.Status != Failed || res.Error != "Boom" {
		t.Errorf("MaxAttempts 0 must not retry, nor fall through to a later retrier: %v %s", retryDelays(res), res.Status)
	}
	res = mustRun(t, def, `{}`, Options{Mocks: sequence(Outcome{Error: "Other"}, Outcome{Error: "Other"}, Outcome{Return: 1.0})})
	if got := retryDelays(res); len(got) != 2 || got[0] != 1 || got[1] != 2 || res.Status != Succeeded {
		t.Errorf("defaults IntervalSeconds 1, BackoffRate 2: %v %s", got, res.Status)
	}
}

func TestFullJitterIsSeededAndBounded(t *testing.T) {
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `",
	  "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 10, "MaxAttempts": 4, "JitterStrategy": "FULL"}], "End": true}}}`
	run := func(seed int64) []float64 {
		return retryDelays(mustRun(t, def, `{}`, Options{Seed: seed, Mocks: always(Outcome{Error: "Boom"})}))
	}
	a, b, c := run(1), run(1), run(2)
	if len(a) != 4 || strings.Join(fmtAll(a), ",") != strings.Join(fmtAll(b), ",") {
		t.Fatalf("same seed, different delays: %v %v", a, b)
	}
	if strings.Join(fmtAll(a), ",") == strings.Join(fmtAll(c), ",") {
		t.Errorf("different seeds gave the same delays %v", a)
	}
	for i, d := range a {
		if limit := 10 * float64(int(1)<<i); d < 0 || d >= limit {
			t.Errorf("delay %d = %g, want in [0, %g)", i, d, limit)
		}
	}
}

func fmtAll(fs []float64) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = formatNumber(f)
	}
	return out
}

func TestErrorMatchingRules(t *testing.T) {
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `", "ResultPath": "$.a.b",
	  "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "TaskFailed"}, {"ErrorEquals": ["States.ALL"], "Next": "All"}], "End": true},
	  "TaskFailed": {"Type": "Pass", "End": true}, "All": {"Type": "Pass", "End": true}}}`
	cases := []struct {
		name, input string
		out         Outcome
		status      string
		path        string
		err         string
	}{
		{"custom error is a TaskFailed", `{}`, Outcome{Error: "Custom"}, Succeeded, "T,TaskFailed", ""},
		{"States.Timeout is not a TaskFailed", `{}`, Outcome{Error: "States.Timeout"}, Succeeded, "T,All", ""},
		{"States.Runtime is never caught", `{"a": "not an object"}`, Outcome{Return: 1.0}, Failed, "T", "States.Runtime"},
		// A result over the limit is the task's own failure (AWS records a
		// LambdaFunctionFailed), so catchers handle it; see TestTaskResultDataLimitIsCaught.
		{"a task result over the limit is a task failure", `{}`, Outcome{Return: strings.Repeat("x", MaxPayloadBytes)}, Succeeded, "T,TaskFailed", ""},
	}
	for _, tc := range cases {
		res := mustRun(t, def, tc.input, Options{Mocks: always(tc.out)})
		if res.Status != tc.status || strings.Join(res.Path, ",") != tc.path || res.Error != tc.err {
			t.Errorf("%s: %s %s (%s) path %v", tc.name, res.Status, res.Error, res.Cause, res.Path)
		}
	}
	// A heartbeat timeout is handled by a States.Timeout retrier or catcher
	// (the older, wider name), never by States.TaskFailed.
	hb := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
	  "HeartbeatSeconds": 10, "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "TaskFailed"}, {"ErrorEquals": ["States.Timeout"], "Next": "Timeout"}], "End": true},
	  "TaskFailed": {"Type": "Pass", "End": true}, "Timeout": {"Type": "Pass", "End": true}}}`
	if res := mustRun(t, hb, `{}`, Options{Mocks: always(Outcome{Hang: true})}); strings.Join(res.Path, ",") != "T,Timeout" {
		t.Errorf("heartbeat timeout: %s %s path %v, want the States.Timeout catcher", res.Status, res.Error, res.Path)
	}
	res := mustRun(t, def, `{"a": "not an object"}`, Options{Mocks: always(Outcome{Return: 1.0})})
	if want := "An error occurred while executing the state 'T' (entered at the event id #2). Unable to apply ReferencePath $.a.b to input {\"a\":\"not an object\"}"; res.Cause != want {
		t.Errorf("cause %q", res.Cause)
	}
}

func TestTimeoutAndHeartbeat(t *testing.T) {
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
	  "TimeoutSeconds": 60, "HeartbeatSeconds": 10, "End": true}}}`
	cases := []struct {
		name    string
		out     Outcome
		status  string
		err     string
		seconds float64
		event   string
	}{
		{"finishes in time with heartbeats", Outcome{Seconds: 50, HeartbeatEvery: 5, Return: 1.0}, Succeeded, "", 50, "ActivitySucceeded"},
		{"runs past TimeoutSeconds", Outcome{Seconds: 100, HeartbeatEvery: 5}, Failed, "States.Timeout", 60, "ActivityTimedOut"},
		{"heartbeats too rarely", Outcome{Seconds: 50, HeartbeatEvery: 20}, Failed, "States.HeartbeatTimeout", 10, "ActivityTimedOut"},
		{"never heartbeats", Outcome{Hang: true}, Failed, "States.HeartbeatTimeout", 10, "ActivityTimedOut"},
		{"short task needs no heartbeat", Outcome{Seconds: 8, Return: 1.0}, Succeeded, "", 8, "ActivitySucceeded"},
	}
	for _, tc := range cases {
		res := mustRun(t, def, `{}`, Options{Mocks: always(tc.out)})
		var types []string
		for _, e := range res.Events {
			types = append(types, e.Type)
		}
		if res.Status != tc.status || res.Error != tc.err || res.Seconds != tc.seconds || !strings.Contains(strings.Join(types, ","), tc.event) {
			t.Errorf("%s: %s %s after %gs, events %v", tc.name, res.Status, res.Error, res.Seconds, types)
		}
	}
}

func TestExecutionTimeout(t *testing.T) {
	def := `{"TimeoutSeconds": 30, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 20, "Next": "W2"}, "W2": {"Type": "Wait", "Seconds": 20, "End": true}}}`
	res := mustRun(t, def, `{}`, Options{})
	if res.Status != TimedOut || res.Error != "States.Timeout" || res.Events[len(res.Events)-1].Type != "ExecutionTimedOut" {
		t.Errorf("got %s %s", res.Status, res.Error)
	}
}

func TestWaitAdvancesTheVirtualClock(t *testing.T) {
	def := `{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 90, "Next": "B"},
	  "B": {"Type": "Wait", "TimestampPath": "$.until", "Next": "C"},
	  "C": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime"}, "End": true}}}`
	res := mustRun(t, def, `{"until": "2025-01-01T01:00:00Z"}`, Options{})
	if res.Status != Succeeded || res.Seconds != 3600 || MarshalJSON(res.Output) != `{"entered":"2025-01-01T01:00:00.000Z"}` {
		t.Errorf("%s after %gs: %s %s", res.Status, res.Seconds, MarshalJSON(res.Output), res.Cause)
	}
}

func TestVariableScopes(t *testing.T) {
	def := `{"StartAt": "Set", "States": {
	  "Set": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "Map"},
	  "Map": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "In", "States": {
	    "In": {"Type": "Pass", "Assign": {"inner.$": "$"}, "Parameters": {"o.$": "$outer"}, "End": true}}}, "Next": "After"},
	  "After": {"Type": "Pass", "Parameters": {"i.$": "$inner"}, "End": true}}}`
	res := mustRun(t, def, `{"items": [1, 2]}`, Options{})
	if res.Status != Failed || res.Error != "States.Runtime" || !strings.Contains(res.Cause, "'$inner'") {
		t.Errorf("a variable assigned in a Map iteration must not be visible after it: %s %s %s", res.Status, res.Error, res.Cause)
	}
	// Assign reads the variables as they were when the state started.
	def = `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
	  "B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Next": "C"},
	  "C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old"}, "End": true}}}`
	res = mustRun(t, def, `{}`, Options{})
	if MarshalJSON(res.Output) != `{"old":1,"x":2}` {
		t.Errorf("got %s %s", MarshalJSON(res.Output), res.Cause)
	}
}

func TestMapToleratedFailures(t *testing.T) {
	def := `{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": 1,
	  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "T", "States": {
	    "T": {"Type": "Task", "Resource": "` + lambdaARN + `", "End": true}}}, "End": true}}}`
	oneFails := sequence(Outcome{Return: "a"}, Outcome{Error: "Bad", Cause: "b"}, Outcome{Return: "c"})
	res := mustRun(t, def, `[1, 2, 3]`, Options{Mocks: oneFails})
	if res.Status != Succeeded || MarshalJSON(res.Output) != `["a",{"Error":"Bad","Cause":"b"},"c"]` {
		t.Errorf("one tolerated failure: %s %s %s", res.Status, MarshalJSON(res.Output), res.Cause)
	}
	twoFail := sequence(Outcome{Error: "Bad"}, Outcome{Error: "Bad"}, Outcome{Return: "c"})
	res = mustRun(t, def, `[1, 2, 3]`, Options{Mocks: twoFail})
	if res.Status != Failed || res.Error != "States.ExceedToleratedFailureThreshold" {
		t.Errorf("two failures: %s %s", res.Status, res.Error)
	}
	inline := strings.Replace(strings.Replace(def, `"ToleratedFailureCount": 1,`, "", 1), `"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"`, `"Mode": "INLINE"`, 1)
	res = mustRun(t, inline, `[1, 2, 3]`, Options{Mocks: oneFails})
	if res.Status != Failed || res.Error != "Bad" {
		t.Errorf("an inline Map fails with its iteration's error: %s %s", res.Status, res.Error)
	}
}

func TestHistoryQuota(t *testing.T) {
	def := `{"StartAt": "Loop", "States": {"Loop": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "Loop"}], "Default": "End"}, "End": {"Type": "Succeed"}}}`
	res := mustRun(t, def, `{"go": true}`, Options{NoEvents: true})
	if res.Status != Failed || res.Error != "States.Runtime" || !strings.Contains(res.Cause, "25000") {
		t.Errorf("an endless loop must stop at the history quota: %s %s %s", res.Status, res.Error, res.Cause)
	}
}

func TestNoMockIsASetupError(t *testing.T) {
	d, _ := ParseJSON([]byte(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `", "End": true}}}`))
	m, _ := Compile(d, "x")
	_, err := m.Run(map[string]any{}, Options{Mocks: Mocks{}})
	if nm, ok := err.(*NoMockError); !ok || nm.State != "T" {
		t.Errorf("got %v", err)
	}
}

func TestFailStatePaths(t *testing.T) {
	def := `{"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('code {}', $.c)"}}}`
	res := mustRun(t, def, `{"e": "Custom", "c": 42}`, Options{})
	if res.Error != "Custom" || res.Cause != "code 42" {
		t.Errorf("got %q %q", res.Error, res.Cause)
	}
}

func TestIntrinsicFailureIsCatchable(t *testing.T) {
	def := `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "I", "States": {"I": {"Type": "Pass",
	  "Parameters": {"x.$": "States.ArrayGetItem($.a, 5)"}, "End": true}}}],
	  "Catch": [{"ErrorEquals": ["States.IntrinsicFailure"], "ResultPath": "$.err", "Next": "C"}], "End": true}, "C": {"Type": "Pass", "End": true}}}`
	res := mustRun(t, def, `{"a": [1]}`, Options{})
	err, _ := res.Output.(map[string]any)["err"].(map[string]any)
	if res.Status != Succeeded || err["Error"] != "States.IntrinsicFailure" || !strings.Contains(err["Cause"].(string), "States.ArrayGetItem") {
		t.Errorf("got %s %s", res.Status, MarshalJSON(res.Output))
	}
}

func TestJSONataErrors(t *testing.T) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "D"}], "Default": "D"}, "D": {"Type": "Succeed"}}}`
	res := mustRun(t, def, `{"n": 3}`, Options{})
	if res.Status != Failed || res.Error != "States.QueryEvaluationError" {
		t.Errorf("a non-boolean Condition: %s %s %s", res.Status, res.Error, res.Cause)
	}
	def = `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"a": "{% $states.input.x %}", "b": "{% $states.input.missing %}", "n": "{% null %}"}, "End": true}}}`
	res = mustRun(t, def, `{"x": [1, {"y": null}]}`, Options{})
	wantCause := "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$states.input.missing' specified for the field 'Output/b' returned nothing (undefined)."
	if res.Error != "States.QueryEvaluationError" || res.Cause != wantCause {
		t.Errorf("an undefined member fails the state: %s %s", res.Error, res.Cause)
	}
	def = `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"a": "{% $states.input.x %}", "n": ["{% null %}", 2]}, "End": true}}}`
	res = mustRun(t, def, `{"x": [1, {"y": null}]}`, Options{})
	if res.Status != Succeeded || MarshalJSON(res.Output) != `{"a":[1,{"y":null}],"n":[null,2]}` {
		t.Errorf("null is kept: %s %s", MarshalJSON(res.Output), res.Cause)
	}
	res = mustRun(t, `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% 1 + %}", "End": true}}}`, `{}`, Options{})
	if res.Error != "States.QueryEvaluationError" {
		t.Errorf("a bad expression: %s %s", res.Error, res.Cause)
	}
}

// TestTaskResultDataLimitIsCaught follows AWS's recorded executions in
// localstack/localstack
// tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.snapshot.json
// (test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response
// and the lambda:invoke variant): a States.ALL catcher handles a task result
// over 256 KiB, and the cause names the resource, not the state.
func TestTaskResultDataLimitIsCaught(t *testing.T) {
	big := Outcome{Return: strings.Repeat("x", MaxPayloadBytes)}
	for _, tc := range []struct{ resource, named string }{
		{lambdaARN, lambdaARN},
		{"arn:aws:states:::lambda:invoke", "lambda"},
	} {
		def := `{"StartAt": "InvokeLambda", "States": {"InvokeLambda": {"Type": "Task", "Resource": "` + tc.resource + `", "Next": "ProcessResult",
		  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandleGeneralError"}]},
		  "ProcessResult": {"Type": "Pass", "End": true}, "HandleGeneralError": {"Type": "Pass", "End": true}}}`
		res := mustRun(t, def, `{}`, Options{Mocks: always(big)})
		// AWS prints the error output Error first, then Cause.
		if out := MarshalJSON(res.Output); !strings.HasPrefix(out, `{"Error":"States.DataLimitExceeded","Cause":"The state/task`) {
			t.Errorf("%s: error output printed as %s", tc.resource, out)
		}
		want := map[string]any{"Error": "States.DataLimitExceeded", "Cause": "The state/task '" + tc.named + "' returned a result with a size exceeding the maximum number of bytes service limit."}
		if res.Status != Succeeded || strings.Join(res.Path, ",") != "InvokeLambda,HandleGeneralError" || MarshalJSON(res.Output) != MarshalJSON(want) {
			t.Errorf("%s: %s %s (%s) path %v output %s", tc.resource, res.Status, res.Error, res.Cause, res.Path, MarshalJSON(res.Output))
		}
	}
}

func TestDataLimitOnStateOutput(t *testing.T) {
	def := `{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": true}}}`
	big := strings.Repeat("x", MaxPayloadBytes/2)
	res := mustRun(t, def, `{"s": "`+big+`"}`, Options{})
	if res.Error != "States.DataLimitExceeded" {
		t.Errorf("got %s %s", res.Status, res.Error)
	}
}

// TestScenarioAPI: what the migration check does — run a definition and a
// changed copy with "state X throws E every time" mocks and compare.
func TestScenarioAPI(t *testing.T) {
	orig := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `",
	  "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 2}],
	  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "F"}], "End": true}, "F": {"Type": "Fail", "Error": "E"}}}`
	migrated := strings.Replace(orig, lambdaARN, "arn:aws:states:us-east-1:123456789012:activity:t", 1)
	broken := strings.Replace(migrated, `"Next": "F"`, `"Next": "G"`, 1)
	broken = strings.Replace(broken, `"F": {"Type": "Fail", "Error": "E"}`, `"F": {"Type": "Fail", "Error": "E"}, "G": {"Type": "Succeed"}`, 1)
	compile := func(def string) *Machine {
		d, _ := ParseJSON([]byte(def))
		m, err := Compile(d, "w")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := compile(orig), compile(migrated), compile(broken)
	tasks := a.Tasks()
	if len(tasks) != 1 || strings.Join(tasks[0].RetryErrors, ",") != "Lambda.ServiceException" || strings.Join(tasks[0].CatchErrors, ",") != "States.ALL" {
		t.Fatalf("tasks %+v", tasks)
	}
	success := Mocks{Default: &Outcome{Return: map[string]any{"ok": true}}}
	for _, mocks := range []Mocker{success, Override(success, "T", Outcome{Error: "Custom"}), Override(success, "T", Outcome{Hang: true})} {
		ra, _ := a.Run(map[string]any{}, Options{Mocks: mocks})
		rb, _ := b.Run(map[string]any{}, Options{Mocks: mocks})
		rc, _ := c.Run(map[string]any{}, Options{Mocks: mocks})
		if d := SameBehaviour(ra, rb); len(d) != 0 {
			t.Errorf("a Resource change alone must keep behaviour: %v", d)
		}
		if ra.Status == Failed && len(SameBehaviour(ra, rc)) == 0 {
			t.Errorf("a changed Catch target must show: %v vs %v", ra.Path, rc.Path)
		}
	}
}

// TestConcurrentRuns: one Machine runs from several goroutines (the
// migration check runs scenarios in parallel); -race checks the caches.
func TestConcurrentRuns(t *testing.T) {
	def, _ := ParseJSON([]byte(`{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Assign": {"v": "{% $states.input.n * 2 %}"}, "Next": "Q"},
	  "Q": {"Type": "Pass", "QueryLanguage": "JSONPath", "Parameters": {"v.$": "$v", "f.$": "States.Format('{}', $v)"}, "End": true}}}`))
	m, err := Compile(def, "c")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan string)
	for i := 0; i < 4; i++ {
		go func(n float64) {
			res, err := m.Run(map[string]any{"n": n}, Options{})
			if err != nil {
				done <- err.Error()
				return
			}
			done <- MarshalJSON(res.Output)
		}(float64(i))
	}
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		seen[<-done] = true
	}
	for i := 0; i < 4; i++ {
		want := `{"f":"` + formatNumber(float64(2*i)) + `","v":` + formatNumber(float64(2*i)) + `}`
		if !seen[want] {
			t.Errorf("missing %s in %v", want, seen)
		}
	}
}

func TestMapItemReaderAndBatcher(t *testing.T) {
	def := `{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCountPath": "$.tolerate",
	  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}},
	  "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": "r1"}},
	  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Count", "States": {
	    "Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)", "run.$": "$.BatchInput.run"}, "End": true}}}, "End": true}}}`
	items := Mocks{ByState: map[string]Outcome{"M": {Return: []any{1.0, 2.0, 3.0}}}}
	res := mustRun(t, def, `{"tolerate": 0}`, Options{Mocks: items})
	if res.Status != Succeeded || MarshalJSON(res.Output) != `[{"n":2,"run":"r1"},{"n":1,"run":"r1"}]` {
		t.Errorf("got %s %s %s", res.Status, MarshalJSON(res.Output), res.Cause)
	}
	res = mustRun(t, def, `{"tolerate": 0}`, Options{Mocks: Mocks{}})
	if res.Status != Failed || res.Error != "States.ItemReaderFailed" {
		t.Errorf("no items mocked: %s %s", res.Status, res.Error)
	}
}

// TestJSONataStringPrecision: AWS runs JSONata 2.0.6, whose $string keeps 15
// significant digits of a fractional number (jsonata-js functions.js,
// Number(val.toPrecision(15))), so 0.1 + 0.2 prints as "0.3".
func TestJSONataStringPrecision(t *testing.T) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {
	  "sum": "{% $string(0.1 + 0.2) %}", "nested": "{% $string($states.input) %}", "int": "{% $string(5) %}",
	  "str": "{% $string('x') %}", "null": "{% $string(null) %}", "path": "{% $states.input.t[0].$string() %}"}, "End": true}}}`
	res := mustRun(t, def, `{"t": [1.23456789012345678, {"u": 0.30000000000000004}]}`, Options{})
	want := `{"int":"5","nested":"{\"t\":[1.23456789012346,{\"u\":0.3}]}","null":"null","path":"1.23456789012346","str":"x","sum":"0.3"}`
	if got := MarshalJSON(res.Output); res.Status != Succeeded || got != want {
		t.Errorf("got %s %s %s", res.Status, got, res.Cause)
	}
}

// TestChoiceConditionUndefined: an undefined Condition is named like every
// undefined JSONata field, by its place in the state.
func TestChoiceConditionUndefined(t *testing.T) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
	  {"Condition": "{% $states.input.a = 1 %}", "Next": "D"}, {"Condition": "{% $states.input.nope %}", "Next": "D"}], "Default": "D"},
	  "D": {"Type": "Succeed"}}}`
	res := mustRun(t, def, `{"a": 2}`, Options{})
	want := "An error occurred while executing the state 'C' (entered at the event id #2). The JSONata expression '$states.input.nope' specified for the field 'Choices[1]/Condition' returned nothing (undefined)."
	if res.Error != "States.QueryEvaluationError" || res.Cause != want {
		t.Errorf("got %s %s", res.Error, res.Cause)
	}
	if res := mustRun(t, def, `{"a": 1}`, Options{}); res.Status != Succeeded {
		t.Errorf("the first rule matches before the undefined one is evaluated: %s %s", res.Status, res.Cause)
	}
}

// TestJSONataFieldNamesInRulesAndCatchers: a Choice rule's or a catcher's own
// Output and Assign are named under the rule or catcher.
func TestJSONataFieldNamesInRulesAndCatchers(t *testing.T) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
	  {"Condition": "{% false %}", "Next": "D"}, {"Condition": "{% true %}", "Next": "D", "Output": {"v": "{% $states.input.nope %}"}}]},
	  "D": {"Type": "Succeed"}}}`
	res := mustRun(t, def, `{}`, Options{})
	if !strings.HasSuffix(res.Cause, "specified for the field 'Choices[1]/Output/v' returned nothing (undefined).") {
		t.Errorf("choice rule: %s %s", res.Error, res.Cause)
	}
	def = `{"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + lambdaARN + `", "End": true,
	  "Catch": [{"ErrorEquals": ["Other"], "Next": "D"}, {"ErrorEquals": ["States.ALL"], "Next": "D", "Assign": {"x": "{% $states.input.nope %}"}}]},
	  "D": {"Type": "Succeed"}}}`
	res = mustRun(t, def, `{}`, Options{Mocks: always(Outcome{Error: "Boom"})})
	if !strings.HasSuffix(res.Cause, "specified for the field 'Catch[1]/Assign/x' returned nothing (undefined).") {
		t.Errorf("catcher: %s %s", res.Error, res.Cause)
	}
}

// TestJSONataEmptyArrayPath: JSONata 2.0.6 (what AWS runs) returns the empty
// array a plain path leads to; the Go library reports it undefined, which
// would now fail the field.
func TestJSONataEmptyArrayPath(t *testing.T) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"list": "{% $states.input.arr %}"}, "Next": "P"},
	  "P": {"Type": "Pass", "Output": {"v": "{% $list %}", "w": "{% $states.input.deep.arr %}", "n": "{% $count($states.input.arr) %}"}, "End": true}}}`
	res := mustRun(t, def, `{"arr": [], "deep": {"arr": []}}`, Options{})
	if got := MarshalJSON(res.Output); res.Status != Succeeded || got != `{"n":0,"v":[],"w":[]}` {
		t.Errorf("got %s %s %s", res.Status, got, res.Cause)
	}
	res = mustRun(t, def, `{"deep": {}}`, Options{})
	if res.Error != "States.QueryEvaluationError" {
		t.Errorf("a missing member is still undefined: %s %s", res.Status, res.Cause)
	}
}

// TestJSONataType: $type names JSON null "null" as JSONata does.
func TestJSONataType(t *testing.T) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {
	  "n": "{% $type($states.input.n) %}", "a": "{% $type($states.input.a) %}", "o": "{% $type($states.input) %}",
	  "s": "{% $type('x') %}", "b": "{% $type(true) %}", "x": "{% $type(1.5) %}", "f": "{% $type($sum) %}"}, "End": true}}}`
	res := mustRun(t, def, `{"n": null, "a": [1]}`, Options{})
	want := `{"a":"array","b":"boolean","f":"function","n":"null","o":"object","s":"string","x":"number"}`
	if got := MarshalJSON(res.Output); got != want {
		t.Errorf("got %s %s", got, res.Cause)
	}
}
