package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestStepFunctionsLocalRunsActivityThroughWorker runs real executions on
// npm stepfunctions-local: a Task on an activity, the worker running a real
// aws-lambda-go bootstrap served by the fake Lambda, and a Catch reading
// the Lambda-style cause.
func TestStepFunctionsLocalRunsActivityThroughWorker(t *testing.T) {
	endpoint := sharedStepFunctionsLocal(t)
	ctx := context.Background()
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	client := sfn.NewFromConfig(awsCfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(endpoint) })

	act, err := client.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("echo-or-fail")})
	if err != nil {
		t.Fatalf("CreateActivity: %v", err)
	}
	def := fmt.Sprintf(`{
	  "StartAt": "Work",
	  "States": {
	    "Work": {"Type": "Task", "Resource": %q, "TimeoutSeconds": 60,
	      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Caught"}],
	      "End": true},
	    "Caught": {"Type": "Pass", "End": true}
	  }
	}`, aws.ToString(act.ActivityArn))
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("worker-it"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn")})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}

	// The panic handler answers {"ok":true}, or panics when asked: one
	// execution of each kind.
	e := newTestEnv(t, fakeFunction{Zip: bootstrapZip(t, "panic")})
	answers, polls, lam, err := ClientsFromConfig(awsCfg, Endpoints{StepFunctions: endpoint, Lambda: e.fake.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.SFN, e.cfg.SFNPoll, e.cfg.Lambda = answers, polls, lam
	e.cfg.ActivityARN = aws.ToString(act.ActivityArn)
	e.cfg.EmptyPollDelay = 100 * time.Millisecond
	e.cfg.Concurrency = 2
	_, stop := e.start(t)
	defer stop()

	inputs := map[string]string{"ok-1": `{"panic":false}`, "ok-2": `{"n":2}`, "boom": `{"panic":true}`}
	arns := map[string]string{}
	for name, in := range inputs {
		out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(name), Input: aws.String(in)})
		if err != nil {
			t.Fatalf("StartExecution: %v", err)
		}
		arns[name] = aws.ToString(out.ExecutionArn)
	}
	for name, arn := range arns {
		var desc *sfn.DescribeExecutionOutput
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			desc, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				t.Fatalf("DescribeExecution: %v", err)
			}
			if desc.Status != sfntypes.ExecutionStatusRunning || time.Now().After(deadline) {
				break
			}
		}
		switch name {
		case "boom":
			// stepfunctions-local 1.3.1 ends a Fail state with ExecutionSucceeded,
			// so the Catch goes to a Pass state and the test reads $.exception,
			// which is what a Cumulus workflow's Catch sees.
			var out struct {
				Exception struct{ Error, Cause string } `json:"exception"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &out); err != nil || desc.Status != sfntypes.ExecutionStatusSucceeded {
				t.Fatalf("%s: %s output %s", name, desc.Status, aws.ToString(desc.Output))
			}
			var cause map[string]any
			if err := json.Unmarshal([]byte(out.Exception.Cause), &cause); err != nil || !strings.Contains(fmt.Sprint(cause["errorMessage"]), "handler blew up") || out.Exception.Error == "" || cause["errorType"] != out.Exception.Error {
				t.Errorf("$.exception = %+v, want the Lambda-style error and cause", out.Exception)
			}
		default:
			if desc.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(desc.Output) != `{"ok":true}` {
				t.Errorf("%s: %s output %s", name, desc.Status, aws.ToString(desc.Output))
			}
		}
	}
}
