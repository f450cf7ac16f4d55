package deployed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/usage"
)

// fakeAWS speaks just enough Lambda (restJson1) and CloudWatch Logs
// (awsJson1.1) wire protocol to inject faults the real services produce.
type fakeAWS struct {
	t testing.TB

	mu       sync.Mutex
	calls    map[string]int // GetFunctionConfiguration requests per function name, retries included
	inFlight int
	maxIn    int
	// throttleFirst: how many requests for a function answer 429 before one succeeds.
	throttleFirst map[string]int
	denied        map[string]bool
	pageTokens    []string // NextToken values received by FilterLogEvents, in order
	patterns      []string // filterPattern values received by FilterLogEvents
	logPages      [][]string
	logsThrottle  int  // FilterLogEvents requests to throttle (the first ones after page 1)
	logsDenied    bool // FilterLogEvents answers AccessDenied
	loopToken     bool // FilterLogEvents always answers the same token

	machines      []string        // state machine names ListStateMachines pages through, two a page
	machineDenied map[string]bool // DescribeStateMachine answers AccessDenied
	listDenied    bool            // ListStateMachines answers AccessDenied
	machineTokens []string        // nextToken values ListStateMachines received
	describeCalls int
}

func newFakeAWS(t *testing.T) (*fakeAWS, *httptest.Server) {
	f := &fakeAWS{t: t, calls: map[string]int{}, throttleFirst: map[string]int{}, denied: map[string]bool{}, machineDenied: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); strings.HasPrefix(target, "AWSStepFunctions.") {
		f.stepFunctions(w, r, target)
		return
	} else if target != "" {
		f.logs(w, r, target)
		return
	}
	// GET /2015-03-31/functions/{FunctionName}/configuration
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(rest, "/configuration")
	if !ok || !ok2 || r.Method != http.MethodGet {
		lambdaError(w, 404, "UnknownOperationException", "unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	name, _ = url.PathUnescape(name)
	short := name
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		short = name[i+len(":function:"):]
	}
	f.mu.Lock()
	f.calls[short]++
	n := f.calls[short]
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	time.Sleep(5 * time.Millisecond) // let concurrent calls overlap

	arn := "arn:aws:lambda:us-east-1:123456789012:function:" + short
	switch {
	case n <= f.throttleFirst[short]:
		lambdaError(w, 429, "TooManyRequestsException", "Rate exceeded")
	case f.denied[short]:
		lambdaError(w, 403, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:GetFunctionConfiguration on resource: "+arn)
	case strings.HasPrefix(short, "missing"):
		lambdaError(w, 404, "ResourceNotFoundException", "Function not found: "+arn)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Write(jsonBody(f.t, map[string]any{
			"FunctionName": short, "FunctionArn": arn, "MemorySize": 1536, "Timeout": 300,
			"EphemeralStorage": map[string]any{"Size": 10240}, "CodeSize": 5242880, "Runtime": "nodejs20.x",
			"Handler": "index.handler", "PackageType": "Zip", "LastModified": "2026-11-01T12:00:00.000+0000",
			"CodeSha256": "abc=", "RevisionId": "r1", "Version": "$LATEST",
			"Layers":      []map[string]any{{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:cma:3", "CodeSize": 1000}},
			"Environment": map[string]any{"Variables": map[string]string{"A": "1"}},
		}))
	}
}

func lambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"Type":"User","message":%q}`, msg)
}

func logsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(400)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
}

func (f *fakeAWS) logs(w http.ResponseWriter, r *http.Request, target string) {
	if target != "Logs_20140328.FilterLogEvents" {
		logsError(w, "UnknownOperationException", target)
		return
	}
	var in struct {
		LogGroupName string
		NextToken    string `json:"nextToken"`
		Pattern      string `json:"filterPattern"`
		StartTime    int64  `json:"startTime"`
		EndTime      int64  `json:"endTime"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		logsError(w, "SerializationException", err.Error())
		return
	}
	if in.LogGroupName == "" {
		var alt struct {
			LogGroupName string `json:"logGroupName"`
		}
		json.Unmarshal(body, &alt)
		in.LogGroupName = alt.LogGroupName
	}
	f.mu.Lock()
	f.patterns = append(f.patterns, in.Pattern)
	defer f.mu.Unlock()
	if f.logsDenied {
		logsError(w, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: logs:FilterLogEvents")
		return
	}
	if in.LogGroupName != "/aws/lambda/sync-granule" {
		logsError(w, "ResourceNotFoundException", "The specified log group does not exist.")
		return
	}
	if in.StartTime == 0 || in.EndTime == 0 {
		logsError(w, "InvalidParameterException", "want startTime and endTime")
		return
	}
	page := 0
	if in.NextToken != "" {
		if f.logsThrottle > 0 {
			f.logsThrottle--
			logsError(w, "ThrottlingException", "Rate exceeded")
			return
		}
		f.pageTokens = append(f.pageTokens, in.NextToken)
		fmt.Sscanf(in.NextToken, "page-%d", &page)
	}
	var events []map[string]any
	for i, msg := range f.logPages[page] {
		events = append(events, map[string]any{"logStreamName": "2026/11/01/[$LATEST]abc", "timestamp": int64(1793534400000) + int64(page*100+i)*1000, "message": msg, "eventId": fmt.Sprint(page, i)})
	}
	out := map[string]any{"events": events}
	switch {
	case f.loopToken:
		out["nextToken"] = "page-0"
	case page+1 < len(f.logPages):
		out["nextToken"] = fmt.Sprintf("page-%d", page+1)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(jsonBody(f.t, out))
}

func faultClient(t *testing.T, srv *httptest.Server, opts Options) *Client {
	standin.TestCredentials(t)
	opts.EndpointURL = srv.URL
	opts.MaxBackoff = 5 * time.Millisecond
	c, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFunctionsFaults(t *testing.T) {
	fake, srv := newFakeAWS(t)
	fake.throttleFirst["busy"] = 3
	fake.denied["secret"] = true
	client := faultClient(t, srv, Options{})

	refs := []string{"busy", "secret", "missing-task", "ok",
		"arn:aws:lambda:us-east-1:123456789012:function:ok", "ok", "busy", "123456789012:function:ok"}
	res, err := client.Functions(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].Config.MemorySize != 1536 {
		t.Errorf("throttled function was not retried to success: %v", res[0].Err)
	}
	var e *Error
	if !errors.As(res[1].Err, &e) || e.Kind != ErrAccessDenied || e.Action != "lambda:GetFunctionConfiguration" ||
		!strings.Contains(e.Message, "lambda:GetFunctionConfiguration on arn:aws:lambda:us-east-1:*:function:secret") {
		t.Errorf("access denied: %v", res[1].Err)
	}
	if !errors.As(res[2].Err, &e) || e.Kind != ErrNotFound || !strings.Contains(e.Message, "missing-task does not exist") {
		t.Errorf("missing function: %v", res[2].Err)
	}
	for _, i := range []int{3, 4, 5, 7} {
		c := res[i].Config
		if res[i].Err != nil || c == nil {
			t.Fatalf("%s: %v", refs[i], res[i].Err)
		}
		if c.EphemeralStorage != 10240 || c.Timeout != 300 || c.Runtime != "nodejs20.x" || c.CodeSize != 5242880 ||
			len(c.Layers) != 1 || c.Layers[0].CodeSize != 1000 || c.TotalCodeSize() != 5243880 || c.EnvironmentBytes != len(`{"A":"1"}`) ||
			c.LastModified != "2026-11-01T12:00:00.000+0000" || c.LogGroup != "/aws/lambda/ok" {
			t.Errorf("%s: %+v", refs[i], c)
		}
	}
	// Again, and concurrently: nothing new is fetched.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client.Functions(context.Background(), refs)
		}()
	}
	wg.Wait()
	want := map[string]int{"busy": 4, "secret": 1, "missing-task": 1, "ok": 1}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for name, n := range want {
		if fake.calls[name] != n {
			t.Errorf("%s: %d requests, want %d (one call; throttled ones retried)", name, fake.calls[name], n)
		}
	}
}

func TestFunctionsThrottledTooLong(t *testing.T) {
	fake, srv := newFakeAWS(t)
	fake.throttleFirst["busy"] = 100
	client := faultClient(t, srv, Options{MaxAttempts: 3})
	_, err := client.Function(context.Background(), "busy")
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrThrottled || !strings.Contains(e.Message, "throttled") {
		t.Fatalf("err = %v", err)
	}
	if fake.calls["busy"] != 3 {
		t.Errorf("%d attempts, want 3", fake.calls["busy"])
	}
}

func TestFunctionsBoundedConcurrency(t *testing.T) {
	fake, srv := newFakeAWS(t)
	client := faultClient(t, srv, Options{})
	var refs []string
	for i := range 40 {
		refs = append(refs, fmt.Sprintf("fn-%d", i), fmt.Sprintf("fn-%d:live", i))
	}
	res, err := client.Functions(context.Background(), refs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if fake.maxIn > DefaultConcurrency || fake.maxIn < 2 {
		t.Errorf("max concurrent calls = %d, want 2..%d", fake.maxIn, DefaultConcurrency)
	}
	if client.Calls() != 80 {
		t.Errorf("calls = %d, want 80 (qualifiers are distinct functions)", client.Calls())
	}
}

func TestParseFunctionRef(t *testing.T) {
	for _, tc := range []struct{ in, name, qual, account, region string }{
		{"sync-granule", "sync-granule", "", "", ""},
		{"sync-granule:prod", "sync-granule", "prod", "", ""},
		{"123456789012:function:x", "x", "", "123456789012", ""},
		{"123456789012:function:x:7", "x", "7", "123456789012", ""},
		{"arn:aws:lambda:us-west-2:123456789012:function:x", "x", "", "123456789012", "us-west-2"},
		{"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:x:$LATEST", "x", "$LATEST", "123456789012", "us-gov-west-1"},
	} {
		r, err := ParseFunctionRef(tc.in)
		if err != nil || r.Name != tc.name || r.Qualifier != tc.qual || r.Account != tc.account || r.Region != tc.region {
			t.Errorf("ParseFunctionRef(%q) = %+v, %v", tc.in, r, err)
		}
	}
	for _, bad := range []string{"", "arn:aws:states:us-east-1:1:stateMachine:x", "a:b:c:d:e", "x:", "arn:aws:lambda:us-east-1:1:function:"} {
		if _, err := ParseFunctionRef(bad); err == nil {
			t.Errorf("ParseFunctionRef(%q) accepted", bad)
		}
	}
}

func TestLogsPaging(t *testing.T) {
	fake, srv := newFakeAWS(t)
	for p := range 4 {
		var page []string
		for i := range 3 {
			id := fmt.Sprintf("00000000-0000-0000-0000-%012d", p*3+i)
			page = append(page, fmt.Sprintf("REPORT RequestId: %s\tDuration: %d.50 ms\tBilled Duration: 1 ms\tMemory Size: 512 MB\tMax Memory Used: %d MB\t", id, 100*(p*3+i+1), 100+p*3+i))
		}
		fake.logPages = append(fake.logPages, page)
	}
	fake.logPages[3] = append(fake.logPages[3], "2026-11-14T00:00:00.000Z\t00000000-0000-0000-0000-000000000011\tERROR\tError: ENOSPC: no space left on device, write")
	fake.logsThrottle = 2
	client := faultClient(t, srv, Options{})
	var progress []int
	end := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	read, err := client.Logs(context.Background(), "arn:aws:lambda:us-east-1:123456789012:function:sync-granule", end.AddDate(0, 0, -14), end, func(n int) { progress = append(progress, n) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(fake.pageTokens, ",") != "page-1,page-2,page-3" {
		t.Errorf("tokens sent = %v", fake.pageTokens)
	}
	if len(fake.patterns) == 0 {
		t.Error("FilterLogEvents was not called")
	}
	for _, p := range fake.patterns {
		if p != usage.CloudWatchFilterPattern {
			t.Errorf("FilterLogEvents got filterPattern %q, want the evidence pattern %q", p, usage.CloudWatchFilterPattern)
		}
	}
	if read.Pages != 4 || read.Events != 13 || read.Truncated || fmt.Sprint(progress) != "[3 6 9 13]" {
		t.Errorf("read %+v, progress %v", read, progress)
	}
	u := read.Collector.Usage("sync-granule")
	if u == nil || u.Invocations != 12 || u.DiskFull != 1 || u.MaxMemoryUsedMB != 111 || u.DurationMaxMs != 1200.5 {
		t.Errorf("usage = %+v", u)
	}

	// Bounded by pages: the note says the evidence was cut.
	fake.pageTokens = nil
	small := faultClient(t, srv, Options{MaxLogPages: 2})
	read, err = small.Logs(context.Background(), "sync-granule", end.AddDate(0, 0, -14), end, nil)
	if err != nil || !read.Truncated || read.Pages != 2 || read.Events != 6 || !strings.Contains(read.Note, "page limit") {
		t.Errorf("page-bounded read: %+v, %v", read, err)
	}

	// A service repeating a token cannot make the read loop forever.
	fake.loopToken = true
	read, err = client.Logs(context.Background(), "sync-granule", end.AddDate(0, 0, -14), end, nil)
	if err != nil || !read.Truncated || !strings.Contains(read.Note, "repeated a page token") {
		t.Errorf("looping token: %+v, %v", read, err)
	}
	fake.loopToken = false

	_, err = client.Logs(context.Background(), "no-such-function", end.AddDate(0, 0, -14), end, nil)
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrNotFound || !strings.Contains(e.Message, "/aws/lambda/no-such-function does not exist") {
		t.Errorf("missing group: %v", err)
	}
	fake.mu.Lock()
	fake.logsDenied = true
	fake.mu.Unlock()
	_, err = client.Logs(context.Background(), "sync-granule", end.AddDate(0, 0, -14), end, nil)
	if !errors.As(err, &e) || e.Kind != ErrAccessDenied || !strings.Contains(e.Message, "logs:FilterLogEvents on arn:aws:logs:us-east-1:*:log-group:/aws/lambda/sync-granule:*") {
		t.Errorf("denied: %v", err)
	}
}

func TestRejectedCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lambdaError(w, 403, "UnrecognizedClientException", "The security token included in the request is invalid.")
	}))
	t.Cleanup(srv.Close)
	client := faultClient(t, srv, Options{})
	_, err := client.Function(context.Background(), "sync-granule")
	var e *Error
	if !errors.As(err, &e) || e.Kind != ErrCredentials || !strings.Contains(e.Message, "credentials missing or rejected") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(e.Message, "testing") {
		t.Errorf("message leaks the access key: %s", e.Message)
	}
}

func TestLogsEventLimitMidPage(t *testing.T) {
	fake, srv := newFakeAWS(t)
	fake.logPages = [][]string{{"START RequestId: a", "END RequestId: a", "REPORT RequestId: a\tDuration: 1 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB"}}
	client := faultClient(t, srv, Options{MaxLogEvents: 2})
	end := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	read, err := client.Logs(context.Background(), "sync-granule", end.AddDate(0, 0, -1), end, nil)
	if err != nil || read.Events != 2 || !read.Truncated || !strings.Contains(read.Note, "1 more on the last page") {
		t.Fatalf("read %+v, %v", read, err)
	}
}

func (f *fakeAWS) stepFunctions(w http.ResponseWriter, r *http.Request, target string) {
	var in struct {
		NextToken       string `json:"nextToken"`
		StateMachineArn string `json:"stateMachineArn"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		logsError(w, "SerializationException", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	const prefix = "arn:aws:states:us-east-1:123456789012:stateMachine:"
	switch target {
	case "AWSStepFunctions.ListStateMachines":
		if f.listDenied {
			logsError(w, "AccessDeniedException", "not authorized to perform: states:ListStateMachines")
			return
		}
		start := 0
		if in.NextToken != "" {
			f.machineTokens = append(f.machineTokens, in.NextToken)
			fmt.Sscanf(in.NextToken, "from-%d", &start)
		}
		var items []map[string]any
		for _, name := range f.machines[start:min(start+2, len(f.machines))] {
			items = append(items, map[string]any{"name": name, "stateMachineArn": prefix + name, "type": "STANDARD", "creationDate": 1.7935344e9})
		}
		out := map[string]any{"stateMachines": items}
		if start+2 < len(f.machines) {
			out["nextToken"] = fmt.Sprintf("from-%d", start+2)
		}
		w.Write(jsonBody(f.t, out))
	case "AWSStepFunctions.DescribeStateMachine":
		f.describeCalls++
		name := strings.TrimPrefix(in.StateMachineArn, prefix)
		if f.machineDenied[name] {
			logsError(w, "AccessDeniedException", "not authorized to perform: states:DescribeStateMachine on resource: "+in.StateMachineArn)
			return
		}
		w.Write(jsonBody(f.t, map[string]any{"name": name, "stateMachineArn": in.StateMachineArn, "type": "EXPRESS",
			"definition": `{"Comment":"` + name + `","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
			"roleArn":    "arn:aws:iam::123456789012:role/sfn", "status": "ACTIVE", "creationDate": 1.7935344e9}))
	default:
		logsError(w, "UnknownOperationException", target)
	}
}

func TestStateMachinesFaults(t *testing.T) {
	fake, srv := newFakeAWS(t)
	fake.machines = []string{"prod-A", "prod-B", "other", "prod-C", "prod-D"}
	fake.machineDenied["prod-C"] = true
	client := faultClient(t, srv, Options{})
	ms, err := client.StateMachines(context.Background(), "prod-")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(fake.machineTokens, ",") != "from-2,from-4" {
		t.Errorf("list tokens = %v", fake.machineTokens)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	if strings.Join(names, ",") != "prod-A,prod-B,prod-C,prod-D" || fake.describeCalls != 4 {
		t.Fatalf("machines = %v (%d describes)", names, fake.describeCalls)
	}
	if ms[0].Type != "EXPRESS" || !strings.Contains(ms[0].Definition, `"Comment":"prod-A"`) || ms[0].Created.IsZero() {
		t.Errorf("prod-A = %+v", ms[0])
	}
	var e *Error
	if !errors.As(ms[2].Err, &e) || e.Kind != ErrAccessDenied || !strings.Contains(e.Message, "states:DescribeStateMachine on arn:aws:states:us-east-1:123456789012:stateMachine:prod-C") {
		t.Errorf("prod-C: %v", ms[2].Err)
	}
	dir := t.TempDir()
	paths, err := SaveDefinitions(dir, ms)
	if err != nil || paths[2] != "" || paths[3] != filepath.Join(dir, "prod-D.asl.json") {
		t.Errorf("SaveDefinitions = %v, %v", paths, err)
	}

	fake.listDenied = true
	_, err = client.StateMachines(context.Background(), "prod-")
	if !errors.As(err, &e) || e.Kind != ErrAccessDenied || !strings.Contains(e.Message, "states:ListStateMachines") {
		t.Errorf("list denied: %v", err)
	}
}

func TestSaveDefinitionsStaysInDir(t *testing.T) {
	dir := t.TempDir()
	ms := []*StateMachine{{Name: "../../escape", Definition: "{}"}, {Name: "..", Definition: "{}"}, {Name: "a/b", Definition: "{}"}}
	paths, err := SaveDefinitions(dir, ms)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if filepath.Dir(p) != dir {
			t.Errorf("%s is outside %s", p, dir)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

func FuzzParseFunctionRef(f *testing.F) {
	for _, s := range []string{"x", "x:1", "123456789012:function:x:live", "arn:aws:lambda:us-east-1:123456789012:function:x", "arn:aws:lambda:::function:", ":", "a:b:c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseFunctionRef(s)
		if err != nil {
			return
		}
		if r.Name == "" || strings.Contains(r.Name, ":") || strings.Contains(r.Qualifier, ":") {
			t.Fatalf("ParseFunctionRef(%q) = %+v", s, r)
		}
		// The call parameter must name the same function again.
		again, err := ParseFunctionRef(r.functionName())
		if err != nil || again.Name != r.Name || again.Account != r.Account || again.Region != r.Region {
			t.Fatalf("ParseFunctionRef(%q).functionName() = %q reparses as %+v, %v", s, r.functionName(), again, err)
		}
	})
}

// BenchmarkFunctions measures a lint run asking for 40 distinct functions
// 4 times each against the in-process fake (5 ms per call): the bounded
// concurrency makes it ~40/8 x 5 ms, not 160 x 5 ms.
func BenchmarkFunctions(b *testing.B) {
	b.Setenv("AWS_ACCESS_KEY_ID", "testing")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	b.Setenv("AWS_REGION", "us-east-1")
	var refs []string
	for i := range 160 {
		refs = append(refs, fmt.Sprintf("fn-%d", i%40))
	}
	for b.Loop() {
		fake := &fakeAWS{t: b, calls: map[string]int{}, throttleFirst: map[string]int{}, denied: map[string]bool{}, machineDenied: map[string]bool{}}
		srv := httptest.NewServer(fake)
		client, err := New(context.Background(), Options{EndpointURL: srv.URL})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := client.Functions(context.Background(), refs); err != nil {
			b.Fatal(err)
		}
		srv.Close()
		if len(fake.calls) != 40 {
			b.Fatalf("%d functions called", len(fake.calls))
		}
	}
}

func TestFunctionsCancelledNotRemembered(t *testing.T) {
	fake, srv := newFakeAWS(t)
	client := faultClient(t, srv, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := client.Functions(ctx, []string{"ok"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
	cfg, err := client.Function(context.Background(), "ok")
	if err != nil || cfg.MemorySize != 1536 {
		t.Fatalf("after cancel: %+v, %v", cfg, err)
	}
	if fake.calls["ok"] != 1 || client.Calls() != 1 {
		t.Errorf("requests %d, calls %d; want 1, 1", fake.calls["ok"], client.Calls())
	}
}

func TestFunctionsOneCallAcrossRuns(t *testing.T) {
	fake, srv := newFakeAWS(t)
	client := faultClient(t, srv, Options{})
	ctx := context.Background()
	// Bare name first, then its ARN forms, then the name again.
	for _, refs := range [][]string{{"ok"}, {"arn:aws:lambda:us-east-1:123456789012:function:ok", "123456789012:function:ok"}, {"ok"}} {
		res, err := client.Functions(ctx, refs)
		if err != nil || res[0].Err != nil {
			t.Fatalf("%v: %v %v", refs, err, res[0].Err)
		}
	}
	// ARN first, then the bare name.
	for _, refs := range [][]string{{"123456789012:function:other"}, {"other"}} {
		if _, err := client.Functions(ctx, refs); err != nil {
			t.Fatal(err)
		}
	}
	if fake.calls["ok"] != 1 || fake.calls["other"] != 1 {
		t.Errorf("requests: ok %d, other %d; want 1 each", fake.calls["ok"], fake.calls["other"])
	}
}
