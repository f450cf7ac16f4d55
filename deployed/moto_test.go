package deployed

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
)

func tinyZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("index.py")
	io.WriteString(w, "def handler(event, context):\n    return event\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMotoDeployed(t *testing.T) {
	// moto first: it inherits the environment, and boto3 inside it
	// rejects the empty AWS_PROFILE the credentials helper sets.
	endpoint := standin.Moto(t)
	standin.TestCredentials(t)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithBaseEndpoint(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	role := standin.CreateLambdaRole(t, endpoint, "lambda-role")
	lam := lambda.NewFromConfig(cfg)
	code := tinyZip(t)
	created, err := lam.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName:     aws.String("sync-granule"),
		Role:             aws.String(role),
		Runtime:          lambdatypes.RuntimePython312,
		Handler:          aws.String("index.handler"),
		Code:             &lambdatypes.FunctionCode{ZipFile: code},
		MemorySize:       aws.Int32(2048),
		Timeout:          aws.Int32(900),
		EphemeralStorage: &lambdatypes.EphemeralStorage{Size: aws.Int32(4096)},
		Environment:      &lambdatypes.Environment{Variables: map[string]string{"stackName": "prod"}},
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}

	logs := cloudwatchlogs.NewFromConfig(cfg)
	group := "/aws/lambda/sync-granule"
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatalf("CreateLogGroup: %v", err)
	}
	stream := "2026/11/01/[$LATEST]0123456789abcdef"
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatalf("CreateLogStream: %v", err)
	}
	// Timestamps must be recent: CloudWatch (and moto) reject events older than 14 days.
	base := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	var events []logtypes.InputLogEvent
	const runs = 25
	for i := range runs {
		at := base.Add(time.Duration(i) * time.Minute)
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		msg := fmt.Sprintf("REPORT RequestId: %s\tDuration: %d.00 ms\tBilled Duration: %d ms\tMemory Size: 2048 MB\tMax Memory Used: %d MB\t", id, (i+1)*1000, (i+1)*1000, 1000+i*10)
		if i == runs-1 {
			events = append(events, logtypes.InputLogEvent{Timestamp: aws.Int64(at.UnixMilli() - 1), Message: aws.String(fmt.Sprintf("%s %s Task timed out after 900.00 seconds", at.UTC().Format(time.RFC3339Nano), id))})
			msg = fmt.Sprintf("REPORT RequestId: %s\tDuration: 900000.00 ms\tBilled Duration: 900000 ms\tMemory Size: 2048 MB\tMax Memory Used: 1990 MB\tStatus: timeout", id)
		}
		events = append(events, logtypes.InputLogEvent{Timestamp: aws.Int64(at.UnixMilli()), Message: aws.String(msg)})
	}
	if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		t.Fatalf("PutLogEvents: %v", err)
	}

	definition := `{"StartAt":"Sync","States":{"Sync":{"Type":"Task","Resource":"` + aws.ToString(created.FunctionArn) + `","End":true}}}`
	sf := sfn.NewFromConfig(cfg)
	var machineARNs []string
	for _, name := range []string{"DiscoverGranules", "IngestGranule", "Other"} {
		out, err := sf.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("prod-" + name), Definition: aws.String(definition), RoleArn: aws.String(role)})
		if err != nil {
			t.Fatalf("CreateStateMachine: %v", err)
		}
		machineARNs = append(machineARNs, aws.ToString(out.StateMachineArn))
	}

	client, err := New(ctx, Options{EndpointURL: endpoint})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("functions", func(t *testing.T) {
		res, err := client.Functions(ctx, []string{"sync-granule", aws.ToString(created.FunctionArn), "sync-granule", "missing-function"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res[:3] {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.Ref.Raw, r.Err)
			}
			c := r.Config
			if c.MemorySize != 2048 || c.Timeout != 900 || c.EphemeralStorage != 4096 || c.Runtime != "python3.12" ||
				c.Handler != "index.handler" || c.PackageType != "Zip" || c.CodeSize != int64(len(code)) ||
				c.FunctionArn != aws.ToString(created.FunctionArn) || c.LastModified == "" || c.CodeSha256 == "" {
				t.Errorf("%s: config %+v", r.Ref.Raw, c)
			}
			if c.EnvironmentBytes != len(`{"stackName":"prod"}`) {
				t.Errorf("EnvironmentBytes = %d", c.EnvironmentBytes)
			}
		}
		var e *Error
		if !errors.As(res[3].Err, &e) || e.Kind != ErrNotFound || !strings.Contains(e.Message, "missing-function does not exist") {
			t.Errorf("missing function: %v", res[3].Err)
		}
		if client.Calls() != 2 {
			t.Errorf("GetFunctionConfiguration calls = %d, want 2 (one per distinct function)", client.Calls())
		}
	})

	t.Run("state machines", func(t *testing.T) {
		ms, err := client.StateMachines(ctx, "prod-")
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 3 || ms[0].Name != "prod-DiscoverGranules" || ms[0].Definition != definition || ms[0].Type != "STANDARD" {
			t.Fatalf("StateMachines(prefix) = %+v", ms)
		}
		ms, err = client.StateMachines(ctx, "prod-I")
		if err != nil || len(ms) != 1 || ms[0].Name != "prod-IngestGranule" {
			t.Fatalf("StateMachines(prod-I) = %+v, %v", ms, err)
		}
		one, err := client.StateMachines(ctx, machineARNs[2])
		if err != nil || len(one) != 1 || one[0].Name != "prod-Other" || one[0].ARN != machineARNs[2] {
			t.Fatalf("StateMachines(ARN) = %+v, %v", one, err)
		}
		_, err = client.StateMachines(ctx, strings.Replace(machineARNs[2], "prod-Other", "nope", 1))
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrNotFound {
			t.Errorf("missing state machine: %v", err)
		}
		dir := filepath.Join(t.TempDir(), "defs")
		paths, err := SaveDefinitions(dir, ms)
		if err != nil || len(paths) != 1 || paths[0] != filepath.Join(dir, "prod-IngestGranule.asl.json") {
			t.Fatalf("SaveDefinitions = %v, %v", paths, err)
		}
		got, _ := os.ReadFile(paths[0])
		if string(got) != definition {
			t.Errorf("saved definition = %s", got)
		}
	})

	t.Run("logs", func(t *testing.T) {
		var progressed []int
		read, err := client.Logs(ctx, aws.ToString(created.FunctionArn), base.Add(-time.Hour), base.Add(time.Hour), func(n int) { progressed = append(progressed, n) })
		if err != nil {
			t.Fatal(err)
		}
		if read.Events != runs+1 || read.Truncated || len(progressed) == 0 || progressed[len(progressed)-1] != runs+1 {
			t.Fatalf("read %d events (truncated %v, progress %v)", read.Events, read.Truncated, progressed)
		}
		u := read.Collector.Usage("sync-granule")
		if u == nil {
			t.Fatalf("no usage for sync-granule; functions %v", read.Collector.Functions())
		}
		if u.Invocations != runs || u.Timeouts != 1 || u.MaxMemoryUsedMB != 1990 || u.MemorySizeMB != 2048 || u.DurationMaxMs != 900000 {
			t.Errorf("usage = %+v", u)
		}
		if len(u.TimeoutSeconds) != 1 || u.TimeoutSeconds[0] != 900 {
			t.Errorf("timeout seconds = %v", u.TimeoutSeconds)
		}
		if !u.First.Equal(base) || !u.Last.Equal(base.Add((runs-1)*time.Minute)) {
			t.Errorf("window = %v .. %v, want %v .. %v", u.First, u.Last, base, base.Add((runs-1)*time.Minute))
		}

		// A window with no runs reads nothing.
		empty, err := client.Logs(ctx, "sync-granule", base.Add(-10*time.Hour), base.Add(-9*time.Hour), nil)
		if err != nil || empty.Events != 0 {
			t.Errorf("empty window: %d events, %v", empty.Events, err)
		}
		_, err = client.Logs(ctx, "never-ran", base.Add(-time.Hour), base.Add(time.Hour), nil)
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrNotFound {
			t.Errorf("missing log group: %v", err)
		}
	})

	t.Run("logs bounded", func(t *testing.T) {
		small, err := New(ctx, Options{EndpointURL: endpoint, MaxLogEvents: 10})
		if err != nil {
			t.Fatal(err)
		}
		read, err := small.Logs(ctx, "sync-granule", base.Add(-time.Hour), base.Add(time.Hour), nil)
		if err != nil {
			t.Fatal(err)
		}
		if read.Events != 10 || !read.Truncated || !strings.Contains(read.Note, "event limit") {
			t.Errorf("bounded read: %d events, truncated %v, note %q", read.Events, read.Truncated, read.Note)
		}
	})
}

// jsonBody is a tiny helper for fakes: marshal or fail.
func jsonBody(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
