package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

// jsonReport is the part of `--format json` these tests read.
type jsonReport struct {
	Findings []struct {
		Rule, Severity, Message, File, Pointer string
		Line, Column                           int
	} `json:"findings"`
	Summary []struct {
		State       string   `json:"state"`
		Lambda      string   `json:"lambda"`
		MemoryMB    *int     `json:"memory_mb"`
		Invocations *int     `json:"invocations"`
		P95Seconds  *float64 `json:"p95_seconds"`
		MaxMemoryMB *int     `json:"max_memory_used_mb"`
		Timeouts    *int     `json:"timeouts"`
		Verdict     string   `json:"verdict"`
		Note        string   `json:"note"`
	} `json:"summary"`
}

func (r *jsonReport) find(rule, state string) (string, string, bool) {
	for _, f := range r.Findings {
		if f.Rule == rule && strings.HasSuffix(f.Pointer, "/"+state+"/Resource") {
			return f.Severity, f.Message, true
		}
	}
	return "", "", false
}

func pythonZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("index.py")
	w.Write([]byte("def handler(event, context):\n    return event\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// seedMoto deploys what a small Cumulus stack would have: two task Lambdas,
// the REPORT lines of their runs, and a state machine using both by ARN.
func seedMoto(t *testing.T, endpoint string) (syncARN, queueARN string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithBaseEndpoint(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	role := standin.CreateLambdaRole(t, endpoint, "lambda-processing")
	lam := lambda.NewFromConfig(cfg)
	create := func(name string, memory, timeout int32) string {
		out, err := lam.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Role: aws.String(role), Runtime: lambdatypes.RuntimePython312,
			Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: pythonZip(t)},
			MemorySize: aws.Int32(memory), Timeout: aws.Int32(timeout),
		})
		if err != nil {
			t.Fatalf("CreateFunction %s: %v", name, err)
		}
		return aws.ToString(out.FunctionArn)
	}
	syncARN = create("prod-SyncGranule", 3008, 900)
	queueARN = create("prod-QueueGranules", 1024, 300)

	// 20 runs of SyncGranule over two days: one timed out, peak memory 97%.
	logs := cloudwatchlogs.NewFromConfig(cfg)
	group, stream := "/aws/lambda/prod-SyncGranule", "2026/11/01/[$LATEST]0123456789abcdef"
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	var events []logtypes.InputLogEvent
	for i := range 20 {
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		ms, used, status := (i+1)*30000, 1500+i*50, ""
		if i == 19 {
			ms, used, status = 900000, 2920, "\tStatus: timeout"
		}
		msg := fmt.Sprintf("REPORT RequestId: %s\tDuration: %d.00 ms\tBilled Duration: %d ms\tMemory Size: 3008 MB\tMax Memory Used: %d MB%s", id, ms, ms, used, status)
		events = append(events, logtypes.InputLogEvent{Timestamp: aws.Int64(base.Add(time.Duration(i) * time.Hour).UnixMilli()), Message: aws.String(msg)})
	}
	if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		t.Fatal(err)
	}

	definition := `{
  "Comment": "IngestGranule as deployed",
  "StartAt": "QueueGranules",
  "States": {
    "QueueGranules": {"Type": "Task", "Resource": "` + queueARN + `", "Next": "SyncGranule"},
    "SyncGranule": {"Type": "Task", "Resource": "` + syncARN + `", "End": true}
  }
}`
	sf := sfn.NewFromConfig(cfg)
	for _, name := range []string{"prod-IngestGranule", "other-Thing"} {
		if _, err := sf.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(role)}); err != nil {
			t.Fatalf("CreateStateMachine: %v", err)
		}
	}
	return syncARN, queueARN
}

// TestLintAWSAgainstMoto runs `stepshift lint --aws` against a real moto
// server: deployed state machines by name prefix, their Lambdas' deployed
// configuration, and CloudWatch Logs usage evidence.
func TestLintAWSAgainstMoto(t *testing.T) {
	endpoint := standin.SharedMoto(t)
	standin.TestCredentials(t)
	syncARN, _ := seedMoto(t, endpoint)

	t.Run("state machines with logs", func(t *testing.T) {
		saved := t.TempDir()
		code, out, errOut := runCLI(t, "", "lint", "--aws", "--endpoint-url", endpoint, "--state-machine", "prod-",
			"--save-definitions", saved, "--since", "14d", "--format", "json")
		if code != exitFindings {
			t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitFindings, out, errOut)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		file := filepath.Join(saved, "prod-IngestGranule.asl.json")
		if _, err := os.Stat(file); err != nil {
			t.Fatalf("--save-definitions wrote no %s: %v", file, err)
		}
		if _, err := os.Stat(filepath.Join(saved, "other-Thing.asl.json")); err == nil {
			t.Errorf("a machine outside the prefix was saved")
		}
		sev, msg, ok := rep.find("lambda-timeout", "SyncGranule")
		if !ok || sev != "warning" || !strings.Contains(msg, `"prod-SyncGranule"`) || !strings.Contains(msg, "900 s timeout (deployed configuration)") {
			t.Errorf("lambda-timeout on SyncGranule from the deployed 900 s: %s %q (found %v)", sev, msg, ok)
		}
		sev, msg, ok = rep.find("usage-duration", "SyncGranule")
		if !ok || sev != "error" || !strings.Contains(msg, "1 of 20 runs timed out at 900 s") {
			t.Errorf("usage-duration error with the CloudWatch evidence: %s %q", sev, msg)
		}
		sev, msg, ok = rep.find("usage-memory", "SyncGranule")
		if !ok || sev != "warning" || !strings.Contains(msg, "2,920 of 3,008 MB") {
			t.Errorf("usage-memory warning at 97%%: %s %q", sev, msg)
		}
		if _, _, ok := rep.find("usage-duration", "QueueGranules"); ok {
			t.Errorf("QueueGranules has no logs and must have no usage finding")
		}
		for _, f := range rep.Findings {
			if f.File != file {
				t.Errorf("finding %s points at %s, want the saved copy %s", f.Rule, f.File, file)
			}
		}
		// The position is the Resource in the saved copy.
		src, _ := os.ReadFile(file)
		line := strings.Split(string(src), "\n")
		for _, f := range rep.Findings {
			if f.Rule == "usage-duration" && (f.Line < 1 || f.Line > len(line) || !strings.Contains(line[f.Line-1], syncARN)) {
				t.Errorf("usage-duration at line %d, which is not the SyncGranule Resource:\n%s", f.Line, src)
			}
		}
		var syncRow bool
		for _, r := range rep.Summary {
			if r.State == "SyncGranule" {
				syncRow = true
				if r.Invocations == nil || *r.Invocations != 20 || r.Timeouts == nil || *r.Timeouts != 1 || r.MaxMemoryMB == nil || *r.MaxMemoryMB != 2920 ||
					r.MemoryMB == nil || *r.MemoryMB != 3008 || r.Verdict != "over limit" || r.Note == "" {
					t.Errorf("summary row: %+v", r)
				}
			}
		}
		if !syncRow {
			t.Errorf("no summary row for SyncGranule: %s", out)
		}
	})

	t.Run("workflow file with drift", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "ingest.asl.json", `{
  "StartAt": "QueueGranules",
  "States": {
    "QueueGranules": {"Type": "Task", "Resource": "${queue_granules_task_arn}", "End": true}
  }
}`)
		writeFile(t, dir, "main.tf", `resource "aws_lambda_function" "queue_granules" {
  function_name = "prod-QueueGranules"
  role          = "arn:aws:iam::123456789012:role/lambda-processing"
  handler       = "index.handler"
  runtime       = "python3.12"
  s3_bucket     = "internal"
  s3_key        = "queue-granules.zip"
  memory_size   = 512
  timeout       = 300
}

resource "aws_sfn_state_machine" "ingest" {
  name     = "prod-Ingest"
  role_arn = "arn:aws:iam::123456789012:role/sfn"
  definition = templatefile("${path.module}/ingest.asl.json", {
    queue_granules_task_arn = aws_lambda_function.queue_granules.arn
  })
}
`)
		code, out, errOut := runCLI(t, "", "lint", "--no-color", "--aws", "--endpoint-url", endpoint, dir)
		if code != exitClean {
			t.Errorf("a warning alone exits %d, want %d\n%s%s", code, exitClean, out, errOut)
		}
		want := `memory_size is 1,024 MB deployed but 512 MB in the configuration`
		if !strings.Contains(out, want) || !strings.Contains(out, "[lambda-drift]") || !strings.Contains(out, "main.tf:8:") {
			t.Errorf("want the drift with the configured line; got:\n%s\n%s", out, errOut)
		}
	})

	t.Run("missing state machine", func(t *testing.T) {
		code, _, errOut := runCLI(t, "", "lint", "--aws", "--endpoint-url", endpoint, "--state-machine", "nothing-")
		if code != exitInternal || !strings.Contains(errOut, "no state machine is named nothing-") {
			t.Errorf("exit %d, stderr %s", code, errOut)
		}
	})
}

// TestLintAWSAccessDenied injects the fault moto cannot: one function's
// GetFunctionConfiguration is denied. The message names the IAM action, the
// other task is still linted with its deployed facts, and the exit code is 3.
func TestLintAWSAccessDenied(t *testing.T) {
	standin.TestCredentials(t)
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		arn := "arn:aws:lambda:us-east-1:123456789012:function:"
		// GET /2015-03-31/functions/{name or ARN}/configuration
		name := strings.TrimSuffix(r.URL.Path, "/configuration")
		name = name[strings.LastIndexAny(name, "/:")+1:]
		mu.Lock()
		calls[name]++
		mu.Unlock()
		switch name {
		case "secret":
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"message":"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:GetFunctionConfiguration on resource: %ssecret"}`, arn)
		case "open":
			fmt.Fprintf(w, `{"FunctionName":"open","FunctionArn":"%sopen","MemorySize":10240,"Timeout":900,"Runtime":"python3.12","PackageType":"Zip","CodeSize":100}`, arn)
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"message":"Function not found"}`)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	wf := writeFile(t, dir, "flow.asl.json", `{
  "StartAt": "Open",
  "States": {
    "Open": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:open", "Next": "Secret"},
    "OpenAgain": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "open", "Payload.$": "$"}, "Next": "Secret"},
    "Secret": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:secret", "Next": "Gone"},
    "Gone": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:gone", "End": true}
  }
}`)
	code, out, errOut := runCLI(t, "", "lint", "--no-color", "--aws", "--endpoint-url", srv.URL, "--region", "us-east-1", wf)
	if code != exitInternal {
		t.Errorf("exit %d, want %d (an AWS call failed)", code, exitInternal)
	}
	if !strings.Contains(errOut, "lambda:GetFunctionConfiguration") || !strings.Contains(errOut, "secret") {
		t.Errorf("stderr must name the denied action and function:\n%s", errOut)
	}
	if !strings.Contains(errOut, "note:") || !strings.Contains(errOut, "gone") {
		t.Errorf("a function that does not exist is a note:\n%s", errOut)
	}
	if !strings.Contains(out, `flow.asl.json:4:42: Lambda "open" (arn:aws:lambda:us-east-1:123456789012:function:open) has 10,240 MB of memory (deployed configuration), 100% of the 10,240 MB Lambda allows`) {
		t.Errorf("the readable function is still linted with its deployed facts:\n%s", out)
	}
	if calls["open"] != 1 {
		t.Errorf("GetFunctionConfiguration for open: %d calls, want one per distinct function per run", calls["open"])
	}
	if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "testing") && strings.Contains(errOut, "secret_access") {
		t.Errorf("stack trace or credentials on stderr: %s", errOut)
	}
}

func TestLintAWSFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lint", "--since", "14d", "."}, "--since needs --aws"},
		{[]string{"lint", "--aws", "--since", "fortnight", "."}, `--since "fortnight"`},
		{[]string{"lint", "--aws", "--save-definitions", "x", "."}, "--save-definitions needs --state-machine"},
		{[]string{"lint", "--logs", "/nonexistent/logs", "fixtures/rules/usage-memory"}, "--logs"},
	} {
		inModuleRoot(t)
		code, _, errOut := runCLI(t, "", c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errOut, exitUsage, c.want)
		}
	}
}

func TestParseSince(t *testing.T) {
	for in, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute, "1.5d": 36 * time.Hour} {
		if got, err := parseSince(in); err != nil || got != want {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "-3d", "0h", "soon"} {
		if _, err := parseSince(bad); err == nil {
			t.Errorf("parseSince(%q) accepted", bad)
		}
	}
}

// TestDeployedExpressMachinesLintAsExpress: a deployed machine's type decides
// how it is linted (moto reports every machine as STANDARD, so the units are
// built here as addStateMachines builds them).
func TestDeployedExpressMachinesLintAsExpress(t *testing.T) {
	def := []byte(`{"StartAt": "Wait", "States": {"Wait": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:prod-Wait", "TimeoutSeconds": 60, "HeartbeatSeconds": 30, "End": true}}}`)
	standard := &lint.Unit{Doc: workflow.Load(def, workflow.Options{Filename: "standard.asl.json"})}
	express := &lint.Unit{Doc: workflow.Load(def, workflow.Options{Filename: "express.asl.json"})}
	run := &lintRun{units: []*lint.Unit{standard, express}, express: map[*lint.Unit]bool{express: true}}
	var files []string
	for _, f := range run.lint(lint.Options{}) {
		if f.Rule == "express-unsupported" {
			files = append(files, f.Range.Filename)
		}
	}
	if len(files) != 1 || files[0] != "express.asl.json" {
		t.Errorf("express-unsupported on %v, want only the EXPRESS machine", files)
	}
}

// TestLintAWSDeadEndpointFailsFast: nothing listening at --endpoint-url is
// an answer, not a reason to retry for a minute and a half.
func TestLintAWSDeadEndpointFailsFast(t *testing.T) {
	standin.TestCredentials(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close() // the port is free again: connections are refused
	dir := t.TempDir()
	wf := writeFile(t, dir, "flow.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a", "End": true}}}`)
	start := time.Now()
	code, _, errOut := runCLI(t, "", "lint", "--aws", "--endpoint-url", dead, "--region", "us-east-1", wf)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("a refused connection took %s to report", took.Round(time.Second))
	}
	if code != exitInternal || !strings.Contains(errOut, "refused") {
		t.Errorf("exit %d, stderr %q; want exit 3 naming the refused connection", code, errOut)
	}
}
