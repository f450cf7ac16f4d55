package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleSync = "fixtures/deployments/cumulus-tf/sync_granule_workflow.asl.json"

// exampleMocks writes the example test file's MockConfig as a standalone
// Step Functions Local mock file.
func exampleMocks(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("fixtures/deployments/cumulus-tf/sync_granule_workflow.test.json")
	if err != nil {
		t.Fatal(err)
	}
	var tf struct{ MockConfig json.RawMessage }
	if err := json.Unmarshal(src, &tf); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "mocks.json", string(tf.MockConfig))
}

func TestRunJSONFormat(t *testing.T) {
	inModuleRoot(t)
	mocks := exampleMocks(t)
	code, out, errOut := runCLI(t, `{"payload": {}}`, "run", "--mock-config", mocks, "--test-case", "TransientLambdaErrors", "--input", "-", "--format", "json", exampleSync)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Status string
		Output map[string]any
		Path   []string
		Events []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.Status != "SUCCEEDED" || strings.Join(res.Path, ",") != "SyncGranule" || res.Output["payload"] == nil {
		t.Errorf("got %+v", res)
	}
	// Two Lambda.ServiceException failures retried, then success: the history shows each attempt.
	var types []string
	for _, e := range res.Events {
		types = append(types, e["type"].(string))
	}
	want := "ExecutionStarted,TaskStateEntered,LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionFailed," +
		"LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionFailed,LambdaFunctionScheduled,LambdaFunctionStarted," +
		"LambdaFunctionSucceeded,TaskStateExited,ExecutionSucceeded"
	if strings.Join(types, ",") != want {
		t.Errorf("events:\n%s\nwant\n%s", strings.Join(types, ","), want)
	}
	// The Resource renders through Terraform: the task's ARN names the function Terraform configures.
	sched := res.Events[2]["lambdaFunctionScheduledEventDetails"].(map[string]any)
	if !strings.HasPrefix(sched["resource"].(string), "arn:aws:lambda:") || !strings.Contains(sched["resource"].(string), "SyncGranule") {
		t.Errorf("resource %v", sched["resource"])
	}
}

func TestRunTextAndExitCodes(t *testing.T) {
	inModuleRoot(t)
	mocks := exampleMocks(t)
	code, out, _ := runCLI(t, "", "run", "--mock-config", mocks, "--test-case", "SyncFails", exampleSync)
	if code != exitFindings || !strings.Contains(out, "FAILED") || !strings.Contains(out, "caught FileNotFound -> WorkflowFailed") || !strings.Contains(out, "cause: Workflow failed") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "run", "--mock-config", mocks, "--test-case", "TransientLambdaErrors", exampleSync)
	if code != exitClean || !strings.Contains(out, "retry 2 after 4s (Lambda.ServiceException)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, _, errOut := runCLI(t, "", "run", exampleSync)
	if code != exitUsage || !strings.Contains(errOut, `Task state "SyncGranule"`) {
		t.Errorf("a Task without a mock: exit %d, %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "run", "--mock-config", mocks, "--test-case", "Nope", exampleSync)
	if code != exitUsage || !strings.Contains(errOut, `no test case "Nope"`) {
		t.Errorf("unknown test case: exit %d, %s", code, errOut)
	}
}

// TestRunBadInputIsPositioned: a mock naming no state, a malformed range and
// input that is not JSON each give file:line:col and exit 2.
func TestRunBadInputIsPositioned(t *testing.T) {
	inModuleRoot(t)
	dir := t.TempDir()
	noState := writeFile(t, dir, "nostate.json", `{"StateMachines": {"sync_granule_workflow": {"TestCases": {"T": {
  "SyncGranul": "M"}}}},
 "MockedResponses": {"M": {"0": {"Return": 1}}}}`)
	badRange := writeFile(t, dir, "range.json", `{"StateMachines": {"sync_granule_workflow": {"TestCases": {"T": {"SyncGranule": "M"}}}},
 "MockedResponses": {"M": {"2-1": {"Return": 1}}}}`)
	badInput := writeFile(t, dir, "input.json", "{\n  \"a\": tru\n}")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"mock names no state", []string{"run", "--mock-config", noState, "--test-case", "T", exampleSync}, noState + `:2:3: test case "T" mocks state "SyncGranul", which state machine "sync_granule_workflow" does not have`},
		{"malformed range", []string{"run", "--mock-config", badRange, "--test-case", "T", exampleSync}, badRange + `:2:28: mocked response "M": malformed invocation range "2-1"`},
		{"input not JSON", []string{"run", "--input", badInput, exampleSync}, badInput + ":2:"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant %q", tc.name, code, errOut, tc.want)
		}
	}
}

func TestTestCommandExample(t *testing.T) {
	inModuleRoot(t)
	code, out, errOut := runCLI(t, "", "test", "fixtures/deployments/cumulus-tf")
	if code != exitClean || !strings.Contains(out, "--- PASS: sync_granule_workflow/TransientLambdaErrors") || !strings.HasSuffix(out, "PASS\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "test", "--format", "junit", "fixtures/deployments/cumulus-tf")
	var suites struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil || code != exitClean || len(suites.Suites) != 2 || suites.Suites[0].Tests == 0 {
		t.Errorf("junit: exit %d %v %+v\n%s", code, err, suites, out)
	}
}

// TestTestCommandFailures: a case whose expectation differs fails with exit
// 1 and says what differs; a test file that is not JSON is exit 2 with its position.
func TestTestCommandFailures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "w.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}`)
	writeFile(t, dir, "w.test.json", `{"MockConfig": {"StateMachines": {"w": {"TestCases": {"Ok": {"A": "R"}, "Wrong": {"A": "R"}}}},
  "MockedResponses": {"R": {"0": {"Return": {"StatusCode": 200, "Payload": 1}}}}},
 "TestCases": {"Ok": {"Input": {}, "Expected": {"Status": "SUCCEEDED", "Output": {"StatusCode": 200, "Payload": 1}, "Path": ["A"]}},
   "Wrong": {"Input": {}, "Expected": {"Status": "SUCCEEDED", "Output": {"Payload": 2}}}}}`)
	code, out, _ := runCLI(t, "", "test", dir)
	if code != exitFindings || !strings.Contains(out, "--- PASS: w/Ok") || !strings.Contains(out, "--- FAIL: w/Wrong") ||
		!strings.Contains(out, `output: got {"Payload":1,"StatusCode":200}, want {"Payload":2}`) {
		t.Errorf("exit %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad")
	os.Mkdir(bad, 0o755)
	writeFile(t, bad, "w.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`)
	writeFile(t, bad, "w.test.json", "{\"TestCases\": {\n  \"x\": [}")
	code, _, errOut := runCLI(t, "", "test", bad)
	if code != exitUsage || !strings.Contains(errOut, filepath.Join(bad, "w.test.json")+":2:") {
		t.Errorf("not JSON: exit %d\n%s", code, errOut)
	}
}

// BenchmarkTestProcessExample: `stepshift test` on the bundled example as a
// process (budget: under 150 ms wall).
func BenchmarkTestProcessExample(b *testing.B) {
	benchProcess(b, exitClean, "test", "fixtures/deployments/cumulus-tf")
}

// TestRunRendersActivityPlaceholders: a Resource Terraform resolves to an
// aws_sfn_activity known only after apply runs as an activity (Activity*
// events), the Lambda beside it as a Lambda with its configured function name.
func TestRunRendersActivityPlaceholders(t *testing.T) {
	inModuleRoot(t)
	mocks := writeFile(t, t.TempDir(), "m.json", `{"StateMachines": {"python_reference_workflow": {"TestCases": {"T": {"Reference Task": "R", "Reference Activity": "R"}}}},
 "MockedResponses": {"R": {"0-1": {"Return": {"payload": {}}}}}}`)
	code, out, errOut := runCLI(t, "", "run", "--mock-config", mocks, "--test-case", "T", "--format", "json", "fixtures/deployments/python-nested/python_reference_workflow.asl.json")
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`"resource": "arn:aws:lambda:us-east-1:123456789012:function:nsidc-prod-PythonReferenceTask"`,
		`"type": "ActivityScheduled"`,
		`"resource": "arn:aws:states:us-east-1:123456789012:activity:python_processing_service_id"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}
