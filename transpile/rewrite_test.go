package transpile

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// flatten maps every pointer of a document to a canonical rendering of
// its value (containers by their member names), so two documents can be
// compared structurally, pointer by pointer.
func flatten(n *workflow.Node, out map[string]string) {
	if n == nil {
		return
	}
	switch n.Kind {
	case workflow.Object:
		var keys []string
		for _, m := range n.Members {
			keys = append(keys, m.Key)
			flatten(m, out)
		}
		out[n.Pointer] = "object:" + strings.Join(keys, ",")
	case workflow.Array:
		for _, e := range n.Elems {
			flatten(e, out)
		}
		out[n.Pointer] = "array:" + string(rune('0'+len(n.Elems)%10))
	case workflow.String:
		out[n.Pointer] = "string:" + n.Str
	case workflow.Number:
		out[n.Pointer] = "number:" + n.Num
	case workflow.Bool:
		if n.Bool {
			out[n.Pointer] = "true"
		} else {
			out[n.Pointer] = "false"
		}
	default:
		out[n.Pointer] = "other:" + n.Str
	}
}

func under(p, prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }

// assertOnlyStateChanged fails when before and after differ at any pointer
// outside the state at statePtr.
func assertOnlyStateChanged(t testing.TB, before, after *workflow.Document, statePtr string) {
	t.Helper()
	a, b := map[string]string{}, map[string]string{}
	flatten(before.Root, a)
	flatten(after.Root, b)
	for p, v := range a {
		if under(p, statePtr) {
			continue
		}
		if b[p] != v {
			t.Errorf("%s changed outside %s: %q -> %q", p, statePtr, v, b[p])
		}
	}
	for p := range b {
		if !under(p, statePtr) {
			if _, ok := a[p]; !ok {
				t.Errorf("%s appeared outside %s", p, statePtr)
			}
		}
	}
}

func activityByName(r *workflow.Resource) bool {
	return r.Interp != nil && (strings.HasSuffix(r.Interp.Expr, "_activity_arn") || strings.HasPrefix(r.Interp.Expr, "aws_sfn_activity."))
}

func specFor(st *workflow.State) TaskRewrite {
	return TaskRewrite{Resource: "${" + SnakeCase(st.Name) + "_activity_arn}", IsActivity: activityByName}
}

// checkMigratedState asserts what every migrated Task must look like.
func checkMigratedState(t testing.TB, st *workflow.State, spec TaskRewrite) {
	t.Helper()
	n := st.Node
	if r := n.Get("Resource"); r == nil || r.Str != spec.Resource {
		t.Errorf("%s: Resource = %v, want %s", st.Name, r, spec.Resource)
	}
	for _, k := range []string{"TimeoutSeconds", "HeartbeatSeconds"} {
		if n.Get(k) == nil && n.Get(k+"Path") == nil {
			t.Errorf("%s: no %s", st.Name, k)
		}
	}
	retry := n.Get("Retry")
	if retry == nil {
		t.Fatalf("%s: no Retry", st.Name)
	}
	heartbeat := false
	for i, r := range retry.Elems {
		ee := r.Get("ErrorEquals")
		if ee == nil || len(ee.Elems) == 0 {
			t.Errorf("%s: retrier %d has no error names", st.Name, i)
			continue
		}
		for _, e := range ee.Elems {
			if strings.HasPrefix(e.Str, "Lambda.") {
				t.Errorf("%s: Retry still names %s", st.Name, e.Str)
			}
			if e.Str == "States.HeartbeatTimeout" || e.Str == "States.Timeout" {
				heartbeat = true
			}
			if e.Str == "States.ALL" && i != len(retry.Elems)-1 {
				t.Errorf("%s: the States.ALL retrier is not last", st.Name)
			}
		}
	}
	if !heartbeat {
		t.Errorf("%s: no States.HeartbeatTimeout retrier", st.Name)
	}
}

func corpusWorkflows(t testing.TB) []string {
	files := standin.CorpusFiles(t, "cumulus/workflows/*.json")
	sort.Strings(files)
	return files
}

// TestRewriteEveryCorpusTask migrates each Task of each Cumulus workflow on
// its own and checks the acceptance properties: the result loads cleanly,
// only that state changed (structurally), it has the activity shape, the
// file kept its style, and a second run changes nothing.
func TestRewriteEveryCorpusTask(t *testing.T) {
	tasks := 0
	for _, path := range corpusWorkflows(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := workflow.Options{Filename: path}
		before := workflow.Load(src, opts)
		if len(before.Diagnostics) > 0 {
			t.Errorf("%s: corpus file does not load cleanly: %v", path, before.Diagnostics)
			continue
		}
		for _, st := range before.States {
			if st.Type != "Task" {
				continue
			}
			tasks++
			name := filepath.Base(path) + ":" + st.Name
			spec := specFor(st)
			res, refusal, err := RewriteTask(src, opts, st.Pointer(), spec)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if refusal != nil {
				t.Errorf("%s: refused: %s", name, refusal.Reason)
				continue
			}
			if res.AlreadyActivity {
				continue
			}
			after := workflow.Load(res.Source, opts)
			if len(after.Diagnostics) > 0 {
				t.Errorf("%s: result has diagnostics %v:\n%s", name, after.Diagnostics, res.Source)
				continue
			}
			assertOnlyStateChanged(t, before, after, st.Pointer())
			var migrated *workflow.State
			for _, s := range after.States {
				if s.Pointer() == st.Pointer() {
					migrated = s
				}
			}
			checkMigratedState(t, migrated, spec)
			if got, want := detectStyle(res.Source), detectStyle(src); got != want {
				t.Errorf("%s: style changed from %+v to %+v", name, want, got)
			}
			again, refusal, err := RewriteTask(res.Source, opts, st.Pointer(), spec)
			if err != nil || refusal != nil || !again.AlreadyActivity || string(again.Source) != string(res.Source) {
				t.Errorf("%s: second run is not a no-op (err %v, refusal %v)", name, err, refusal)
			}
		}
	}
	if tasks < 50 {
		t.Errorf("only %d Task states in the corpus; expected the 36 workflows to hold many more", tasks)
	}
}

func rewriteOne(t *testing.T, src string, pointer string) (string, *Refusal) {
	t.Helper()
	res, refusal, err := RewriteTask([]byte(src), workflow.Options{Filename: "t.json"}, pointer, TaskRewrite{Resource: "${x_activity_arn}", IsActivity: activityByName})
	if err != nil {
		t.Fatal(err)
	}
	if refusal != nil {
		return "", refusal
	}
	return string(res.Source), nil
}

func TestRewriteExactText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"compact-no-retry",
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${a_task_arn}","End":true}}}`,
			`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${x_activity_arn}","TimeoutSeconds":14400,"HeartbeatSeconds":300,"End":true,"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"],"IntervalSeconds":10,"MaxAttempts":2,"BackoffRate":2}]}}}`},
		{"keeps-valid-timeout-states-all-last",
			"{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"${a_task_arn}\",\n      \"TimeoutSeconds\": 600,\n      \"Retry\": [\n        {\n          \"ErrorEquals\": [\"Lambda.ServiceException\"]\n        },\n        {\n          \"ErrorEquals\": [\"States.ALL\"]\n        }\n      ],\n      \"End\": true\n    }\n  }\n}\n",
			"{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"${x_activity_arn}\",\n      \"HeartbeatSeconds\": 300,\n      \"TimeoutSeconds\": 600,\n      \"Retry\": [\n        {\n          \"ErrorEquals\": [\n            \"States.HeartbeatTimeout\"\n          ],\n          \"IntervalSeconds\": 10,\n          \"MaxAttempts\": 2,\n          \"BackoffRate\": 2\n        },\n        {\n          \"ErrorEquals\": [\"States.ALL\"]\n        }\n      ],\n      \"End\": true\n    }\n  }\n}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, refusal := rewriteOne(t, tc.in, "/States/A")
			if refusal != nil {
				t.Fatal(refusal)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestRewriteLambdaInvoke(t *testing.T) {
	in := "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Task\",\n      \"Resource\": \"arn:aws:states:::lambda:invoke\",\n      \"Parameters\": {\n        \"FunctionName\": \"${fn_arn}\",\n        \"Payload.$\": \"$.input\"\n      },\n      \"OutputPath\": \"$.Payload\",\n      \"End\": true\n    }\n  }\n}\n"
	got, refusal := rewriteOne(t, in, "/States/A")
	if refusal != nil {
		t.Fatal(refusal)
	}
	doc := workflow.Load([]byte(got), workflow.Options{})
	a := doc.Lookup("/States/A")
	if a.Get("Parameters") != nil || a.Get("OutputPath") != nil {
		t.Errorf("Parameters/OutputPath not converted:\n%s", got)
	}
	if ip := a.Get("InputPath"); ip == nil || ip.Str != "$.input" {
		t.Errorf("Payload.$ did not become InputPath:\n%s", got)
	}

	for name, bad := range map[string]string{
		"whole-response": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"End":true}}}`,
		"qualifier":      `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Qualifier":"1","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`,
		"status-code":    `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"code.$":"$.StatusCode"},"End":true}}}`,
		"task-token":     `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{"t.$":"$$.Task.Token"}},"End":true}}}`,
		"not-a-task":     `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
	} {
		if _, refusal := rewriteOne(t, bad, "/States/A"); refusal == nil || refusal.Reason == "" {
			t.Errorf("%s: not refused", name)
		}
	}
}

// FuzzRewrite rewrites a Task of arbitrary documents to an activity or,
// when pick's top bit is set, to ecs:runTask.waitForTaskToken: the
// rewriter and the ecs-task-token input rule must never panic or fail
// internally, and whatever the rewriter writes must load cleanly, differ
// only inside the state, and be left alone by a second run.
func FuzzRewrite(f *testing.F) {
	seeds := standin.OptionalCorpusFiles(f, "cumulus/workflows/*.json")
	for _, path := range seeds[:min(len(seeds), 8)] {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src, uint8(0))
		}
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"a":1}},"ResultSelector":{"x.$":"$.Payload.x"},"Retry":[{"ErrorEquals":["Lambda.A","States.ALL"]}],"End":true}}}`), uint8(0))
	f.Add([]byte("{\r\n\t\"StartAt\": \"A\",\r\n\t\"States\": {\r\n\t\t\"A\": {\r\n\t\t\t\"Type\": \"Task\",\r\n\t\t\t\"Resource\": \"${a}\",\r\n\t\t\t\"Retry\": []\r\n\t\t}\r\n\t}\r\n}"), uint8(0))
	f.Add([]byte(wf("A", `"A":{"Type":"Task","Resource":"${a}",`+cmaFull+`,"Next":"T"},`+cmaTarget)), uint8(0x81))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${a}","Parameters":{"k":"${lookup(m, \"x\")}","p.$":"$.a.b","l":[1,{"q.$":"$"}]},"Retry":[{"ErrorEquals":["Lambda.A","States.ALL"]}],"End":true}}}`), uint8(0x80))
	f.Fuzz(func(t *testing.T, src []byte, pick uint8) {
		before := workflow.Load(src, workflow.Options{})
		if len(before.Diagnostics) > 0 {
			return
		}
		var tasks []*workflow.State
		for _, s := range before.States {
			if s.Type == "Task" {
				tasks = append(tasks, s)
			}
		}
		if len(tasks) == 0 {
			return
		}
		st := tasks[int(pick&0x7f)%len(tasks)]
		spec := specFor(st)
		if pick&0x80 != 0 {
			spec = ecsSpec()
			_ = taskTokenRefusal(st)
		}
		res, refusal, err := RewriteTask(src, workflow.Options{}, st.Pointer(), spec)
		if err != nil {
			t.Fatalf("internal error: %v", err)
		}
		if refusal != nil || res.AlreadyActivity || res.AlreadyTaskToken {
			return
		}
		after := workflow.Load(res.Source, workflow.Options{})
		if len(after.Diagnostics) > 0 {
			t.Fatalf("result does not load: %v\n%s", after.Diagnostics, res.Source)
		}
		assertOnlyStateChanged(t, before, after, st.Pointer())
		if spec.TaskToken != nil {
			again, refusal, err := RewriteTask(res.Source, workflow.Options{}, st.Pointer(), spec)
			if err != nil || refusal != nil || !again.AlreadyTaskToken {
				t.Fatalf("second ecs-task-token run is not a no-op: %v %v\n%s", err, refusal, res.Source)
			}
		}
	})
}
