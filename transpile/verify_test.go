package transpile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/terraform/terraformtest"
	"github.com/stepshift/stepshift/workflow"
)

// verifyOriginal is a Cumulus-style step: a Lambda retrier, a retrier and a
// Catch for the handler's own errors, a Catch-all, and a Choice after it.
const verifyOriginal = `{
  "StartAt": "Sync",
  "States": {
    "Sync": {
      "Type": "Task",
      "Resource": "${sync_task_arn}",
      "Parameters": {"cma": {"event.$": "$", "task_config": {"bucket": "{$.meta.bucket}"}}},
      "ResultPath": "$.sync",
      "Retry": [
        {"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2},
        {"ErrorEquals": ["CMRInternalError"], "MaxAttempts": 3}
      ],
      "Catch": [
        {"ErrorEquals": ["DuplicateFile"], "ResultPath": "$.exception", "Next": "Duplicate"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Failed"}
      ],
      "Next": "Done"
    },
    "Duplicate": {"Type": "Pass", "Next": "Done"},
    "Done": {"Type": "Succeed"},
    "Failed": {"Type": "Fail", "Error": "SyncFailed"}
  }
}`

// migrateText runs RewriteTask on src's state at pointer, as migrate does.
func migrateText(t *testing.T, src, pointer string) string {
	t.Helper()
	res, ref, err := RewriteTask([]byte(src), workflow.Options{Filename: "w.asl.json"}, pointer,
		TaskRewrite{Resource: "${sync_activity_arn}", TimeoutSeconds: DefaultTimeoutSeconds, HeartbeatSeconds: DefaultHeartbeatSeconds})
	if err != nil || ref != nil {
		t.Fatalf("rewrite: %v %v", err, ref)
	}
	return string(res.Source)
}

func verifyTexts(before, after, pointer string, opts VerifyOptions) *Verification {
	return Verify(workflow.Load([]byte(before), workflow.Options{Filename: "w.asl.json"}),
		workflow.Load([]byte(after), workflow.Options{Filename: "w.asl.json"}), pointer, opts)
}

// TestVerifyRewriteKeepsBehaviour: the rewriter's own output passes, in
// every scenario: the Lambda retrier's removal changes only retry counts
// in the Lambda.* scenarios, the added heartbeat retrier only the dead
// worker's, which is compared as the Lambda's Lambda.Unknown.
func TestVerifyRewriteKeepsBehaviour(t *testing.T) {
	after := migrateText(t, verifyOriginal, "/States/Sync")
	if strings.Contains(after, "Lambda.ServiceException") || !strings.Contains(after, "States.HeartbeatTimeout") {
		t.Fatalf("the rewrite is not the one this test is about:\n%s", after)
	}
	v := verifyTexts(verifyOriginal, after, "/States/Sync", VerifyOptions{})
	if v.Skipped != "" || v.Differs() {
		t.Fatalf("a faithful migration differs: skipped %q %+v", v.Skipped, v.Differences)
	}
	// success (whole workflow, from the step), 2 Lambda errors,
	// CMRInternalError, DuplicateFile, the unnamed error, timeout, heartbeat.
	if v.Scenarios != 9 {
		t.Errorf("%d scenarios, want 9", v.Scenarios)
	}
}

// TestVerifyDetectsDifferences: hand-made migrations that change routing,
// results or retries must each be reported, with both paths.
func TestVerifyDetectsDifferences(t *testing.T) {
	good := migrateText(t, verifyOriginal, "/States/Sync")
	cases := []struct {
		name, old, new, scenario, detail string
	}{
		{"dropped Catch", `{"ErrorEquals": ["DuplicateFile"], "ResultPath": "$.exception", "Next": "Duplicate"},`, ``,
			"Sync throws DuplicateFile", "path [Sync, Duplicate, Done] vs [Sync, Failed]"},
		{"changed Next", `"Next": "Done"
    },`, `"Next": "Failed"
    },`, "Sync succeeds", "status SUCCEEDED vs FAILED"},
		{"changed Catch target", `"Next": "Duplicate"`, `"Next": "Done"`, "Sync throws DuplicateFile", "path"},
		{"dropped handler retrier", `{"ErrorEquals": ["CMRInternalError"], "MaxAttempts": 3}`, `{"ErrorEquals": ["CMRInternalError"], "MaxAttempts": 1}`,
			"Sync throws CMRInternalError", "Sync retried 3 vs 1 times"},
		{"result discarded", `"ResultPath": "$.sync",`, `"ResultPath": null,`, "Sync succeeds", "output"},
		{"task input changed", `"bucket": "{$.meta.bucket}"`, `"bucket": "{$.meta.other}"`, "Sync succeeds", "output"},
		{"Catch-all narrowed", `{"ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Failed"}`,
			`{"ErrorEquals": ["CMRInternalError"], "ResultPath": "$.exception", "Next": "Failed"}`, "Sync throws stepshift.UnnamedError", "path [Sync, Failed] vs [Sync]"},
		{"a Catch for the dead worker alone", `"ErrorEquals": ["DuplicateFile"]`, `"ErrorEquals": ["States.HeartbeatTimeout"]`,
			"worker dies", "path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(good, c.old) {
				t.Fatalf("the migrated text has no %q:\n%s", c.old, good)
			}
			broken := strings.Replace(good, c.old, c.new, 1)
			v := verifyTexts(verifyOriginal, broken, "/States/Sync", VerifyOptions{})
			if !v.Differs() {
				t.Fatalf("no difference found (skipped %q):\n%s", v.Skipped, broken)
			}
			found := false
			for _, d := range v.Differences {
				if strings.Contains(d.Scenario, c.scenario) && strings.Contains(strings.Join(d.Details, "; "), c.detail) {
					found = true
					if len(d.Original) == 0 || len(d.Migrated) == 0 {
						t.Errorf("a difference without both paths: %+v", d)
					}
				}
			}
			if !found {
				t.Errorf("want a difference when %s naming %q, got %+v", c.scenario, c.detail, v.Differences)
			}
		})
	}
}

// TestVerifyLambdaInvoke: the lambda:invoke form's conversion (Payload to
// Parameters, $.Payload selectors unwrapped) keeps behaviour, and a
// conversion that forgets to unwrap a selector is caught.
func TestVerifyLambdaInvoke(t *testing.T) {
	orig := `{"StartAt": "Q", "States": {
  "Q": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "${queue_task_arn}", "Payload": {"cma": {"event.$": "$"}}},
    "ResultSelector": {"granules.$": "$.Payload.payload", "m.$": "$.Payload.stepshift_mock"},
    "ResultPath": "$.q",
    "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
    "Next": "E"},
  "E": {"Type": "Succeed"}}}`
	after := migrateText(t, orig, "/States/Q")
	if strings.Contains(after, "lambda:invoke") {
		t.Fatalf("not converted:\n%s", after)
	}
	if v := verifyTexts(orig, after, "/States/Q", VerifyOptions{}); v.Differs() || v.Skipped != "" {
		t.Fatalf("the invoke conversion differs: %q %+v\n%s", v.Skipped, v.Differences, after)
	}
	broken := strings.Replace(after, `"$.payload"`, `"$.Payload.payload"`, 1)
	if broken == after {
		t.Fatalf("no selector to break:\n%s", after)
	}
	if v := verifyTexts(orig, broken, "/States/Q", VerifyOptions{}); !v.Differs() {
		t.Errorf("a selector still reading $.Payload must differ:\n%s", broken)
	}
}

// TestVerifyNestedStep: a step inside a Map iterator or a Parallel branch
// runs from its own scope, so the check reaches it though the Map's
// ItemsPath finds nothing in the scenario input.
func TestVerifyNestedStep(t *testing.T) {
	orig := `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.payload.granules", "End": true,
  "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "T", "States": {
      "T": {"Type": "Task", "Resource": "${t_task_arn}", "Catch": [{"ErrorEquals": ["Bad"], "Next": "Recover"}], "End": true},
      "Recover": {"Type": "Pass", "Result": "recovered", "End": true}}}]}}}}}}`
	ptr := "/States/M/Iterator/States/P/Branches/0/States/T"
	after := migrateText(t, orig, ptr)
	if v := verifyTexts(orig, after, ptr, VerifyOptions{}); v.Differs() || v.Skipped != "" {
		t.Fatalf("nested: %q %+v", v.Skipped, v.Differences)
	}
	broken := strings.Replace(after, `"Next": "Recover"`, `"Next": "T"`, 1)
	v := verifyTexts(orig, broken, ptr, VerifyOptions{})
	if !v.Differs() {
		t.Fatal("a nested Catch sent back to the step must differ")
	}
	if d := v.Differences[0]; !strings.Contains(d.Scenario, "T throws Bad") || strings.Join(d.Original, ",") != "T,Recover" {
		t.Errorf("want the scenario on T with the original path T, Recover: %+v", v.Differences)
	}
}

// TestVerifySkipsWhatDoesNotRun: an original the executor cannot compile is
// not verified (and says why); a migrated one that does not compile is a
// difference.
func TestVerifySkipsWhatDoesNotRun(t *testing.T) {
	bad := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "${t_task_arn}", "Next": "Nowhere", "InputPath": "$$$"}}}`
	v := verifyTexts(bad, bad, "/States/T", VerifyOptions{})
	if v.Skipped == "" || v.Differs() {
		t.Errorf("want skipped, got %+v", v)
	}
	after := migrateText(t, verifyOriginal, "/States/Sync")
	broken := strings.Replace(after, `"ResultPath": "$.sync"`, `"ResultPath": "$$$"`, 1)
	if v := verifyTexts(verifyOriginal, broken, "/States/Sync", VerifyOptions{}); !v.Differs() {
		t.Errorf("a migrated definition that does not compile must differ: %+v", v)
	}
}

// TestPlanSummaryReportsDifferences: the summary names the state's
// position, the scenario and both paths.
func TestPlanSummaryReportsDifferences(t *testing.T) {
	p := &Plan{Dir: "/d", Steps: []StepOutcome{{State: "Sync", Status: StepMigrated, Activities: []string{"sync"},
		Range: workflow.Range{Filename: "/d/w.asl.json", Start: workflow.Pos{Line: 4, Column: 5}},
		Verification: &Verification{Scenarios: 9, Differences: []Difference{{Scenario: "Sync throws DuplicateFile",
			Details: []string{"path [Sync, Duplicate, Done] vs [Sync, Failed]"}, Original: []string{"Sync", "Duplicate", "Done"}, Migrated: []string{"Sync", "Failed"}}}}}}}
	want := "w.asl.json:4:5: Sync: behaviour differs when Sync throws DuplicateFile: path [Sync, Duplicate, Done] vs [Sync, Failed]\n" +
		"    original path: Sync → Duplicate → Done\n    migrated path: Sync → Failed\n"
	if s := p.Summary(); !strings.Contains(s, want) || !p.Differs() {
		t.Errorf("summary:\n%s\nwant:\n%s", s, want)
	}
}

// TestVerifyBundledExample migrates every Lambda Task of the bundled
// example deployment (fixtures/deployments/cumulus-tf), to activities and
// to ecs:runTask.waitForTaskToken, and checks the behaviour check ran on
// each migrated step and found no difference.
func TestVerifyBundledExample(t *testing.T) {
	terraformtest.EnsureBigZip(t)
	dir := filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf")
	for _, target := range []string{TargetActivity, TargetECSTaskToken} {
		d := terraform.Load(dir, terraform.Options{})
		plan, err := Migrate(d, Options{AllLambda: true, DesiredCount: 1, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		verified := 0
		for _, s := range plan.Steps {
			if s.Status != StepMigrated {
				continue
			}
			switch v := s.Verification; {
			case v == nil || v.Skipped != "":
				t.Errorf("%s: %s not verified: %+v", target, s.State, v)
			case v.Differs():
				t.Errorf("%s: %s behaves otherwise:\n%s", target, s.State, plan.Summary())
			default:
				verified++
			}
		}
		t.Logf("%s: %d migrated steps verified", target, verified)
		if min := map[string]int{TargetActivity: 14, TargetECSTaskToken: 1}[target]; verified < min {
			t.Errorf("%s: %d steps verified, want at least %d:\n%s", target, verified, min, plan.Summary())
		}
	}
}

// TestVerifyCatchOnLambdaUnknown: the rewriter keeps a Catch on
// Lambda.Unknown (a Lambda out of memory or timed out), which an activity
// never raises; a dead worker then takes another route, and the check
// says so on the real rewrite.
func TestVerifyCatchOnLambdaUnknown(t *testing.T) {
	orig := strings.Replace(verifyOriginal, `"ErrorEquals": ["DuplicateFile"]`, `"ErrorEquals": ["Lambda.Unknown"]`, 1)
	v := verifyTexts(orig, migrateText(t, orig, "/States/Sync"), "/States/Sync", VerifyOptions{})
	if len(v.Differences) != 1 || !strings.Contains(v.Differences[0].Scenario, "worker dies") ||
		strings.Join(v.Differences[0].Original, ",") != "Sync,Duplicate,Done" || strings.Join(v.Differences[0].Migrated, ",") != "Sync,Failed" {
		t.Errorf("want one difference, the dead worker's: %+v", v.Differences)
	}
}

// verifyCase is one rewrite to check: the documents and the state.
type verifyCase struct {
	before, after *workflow.Document
	pointer       string
	values        map[string]string
}

// rewriteCases rewrites every Lambda Task of src on its own, as migrate
// does, and returns each rewrite.
func rewriteCases(tb testing.TB, src []byte, opts workflow.Options, values map[string]string) []verifyCase {
	doc := workflow.Load(src, opts)
	var out []verifyCase
	for _, st := range doc.States {
		if st.Type != "Task" {
			continue
		}
		res, ref, err := RewriteTask(src, opts, st.Pointer(), TaskRewrite{Resource: "${" + SnakeCase(st.Name) + "_activity_arn}",
			TimeoutSeconds: DefaultTimeoutSeconds, HeartbeatSeconds: DefaultHeartbeatSeconds})
		if err != nil || ref != nil || res.AlreadyActivity {
			continue
		}
		out = append(out, verifyCase{doc, workflow.Load(res.Source, opts), st.Pointer(), values})
	}
	return out
}

func benchVerify(b *testing.B, cases []verifyCase) {
	if len(cases) == 0 {
		b.Fatal("no step to verify")
	}
	scenarios := 0
	// CPU time too: wall time on a shared machine measures the queue.
	cpu := func() float64 {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
	}
	start := cpu()
	for b.Loop() {
		scenarios = 0
		for _, c := range cases {
			v := Verify(c.before, c.after, c.pointer, VerifyOptions{Values: c.values})
			if v.Skipped != "" || v.Differs() {
				b.Fatalf("%s: %+v", c.pointer, v)
			}
			scenarios += v.Scenarios
		}
	}
	b.ReportMetric((cpu()-start)/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(len(cases)), "steps")
	b.ReportMetric(float64(scenarios), "scenarios")
}

// BenchmarkVerifyExample: the behaviour check of every Lambda Task of the
// bundled example's workflows, each rewritten on its own (what
// `migrate --all-lambda` adds to the plan; --over-limit checks a subset).
func BenchmarkVerifyExample(b *testing.B) {
	d := terraform.Load(filepath.Join(standin.ModuleRoot(), "fixtures", "deployments", "cumulus-tf"), terraform.Options{})
	var cases []verifyCase
	seen := map[string]bool{}
	for _, r := range d.Renderings {
		if r.Document == nil || seen[r.Filename()] {
			continue
		}
		seen[r.Filename()] = true
		cases = append(cases, rewriteCases(b, r.Document.Source, workflow.Options{Filename: r.Filename()}, renderValues(r))...)
	}
	benchVerify(b, cases)
}

// BenchmarkVerifyCorpus: the behaviour check of every Task of the 36
// Cumulus workflows, each rewritten on its own.
func BenchmarkVerifyCorpus(b *testing.B) {
	var cases []verifyCase
	for _, path := range corpusWorkflows(b) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		cases = append(cases, rewriteCases(b, src, workflow.Options{Filename: filepath.Base(path)}, nil)...)
	}
	benchVerify(b, cases)
}

// FuzzVerify: any pair of documents, the first Task of the first as the
// step, never panics the check; a document the executor cannot run is a
// skip or a difference, never a crash.
func FuzzVerify(f *testing.F) {
	f.Add(verifyOriginal, strings.Replace(verifyOriginal, "${sync_task_arn}", "${sync_activity_arn}", 1))
	f.Add(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`,
		`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${t_activity_arn}","HeartbeatSeconds":1,"TimeoutSeconds":2,"End":true}}}`)
	f.Add(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"x","End":true}}},"End":true}}}`,
		`{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"y","Next":"T"}}},"End":true}}}`)
	f.Fuzz(func(t *testing.T, before, after string) {
		b := workflow.Load([]byte(before), workflow.Options{Filename: "b.asl.json"})
		a := workflow.Load([]byte(after), workflow.Options{Filename: "a.asl.json"})
		for _, st := range b.States {
			if st.Type == "Task" {
				v := Verify(b, a, st.Pointer(), VerifyOptions{})
				if v == nil || (v.Scenarios == 0 && v.Skipped == "" && !v.Differs()) {
					t.Fatalf("an empty verdict: %+v", v)
				}
				return
			}
		}
	})
}

// TestVerifyGoldenCases: every migrated step of the golden migrations
// (templatefile and heredoc styles, lambda:invoke, ecs-task-token, the
// deployment shapes) was verified and behaves as before.
func TestVerifyGoldenCases(t *testing.T) {
	terraformtest.EnsureBigZip(t)
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			plan, err := Migrate(terraform.Load(c.dir, terraform.Options{}), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range plan.Steps {
				if s.Status != StepMigrated {
					continue
				}
				n++
				if v := s.Verification; v == nil || v.Skipped != "" || v.Differs() || v.Scenarios < 5 {
					t.Errorf("%s: %+v\n%s", s.State, v, plan.Summary())
				}
			}
			if n == 0 {
				t.Fatalf("nothing migrated:\n%s", plan.Summary())
			}
		})
	}
}
