package transpile

import (
	"fmt"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// Defaults of `stepshift migrate`.
const (
	DefaultTimeoutSeconds   = 4 * 60 * 60 // an activity has no Lambda timeout: 4 h bounds a stuck worker
	DefaultHeartbeatSeconds = 300
)

// HeartbeatRetrier is the retrier a migrated step gets for a worker that
// died mid-task (its heartbeats stop): the task is scheduled again for
// another worker.
var HeartbeatRetrier = []member{
	{"ErrorEquals", []any{"States.HeartbeatTimeout"}},
	{"IntervalSeconds", 10},
	{"MaxAttempts", 2},
	{"BackoffRate", 2},
}

// ECSRetrier is the retrier an ecs-task-token step gets for a RunTask call
// that failed (throttled, or the cluster had no room for the task): the
// call is made again. States.TaskFailed is deliberately not retried: in a
// retrier it matches every error the handler reports too.
var ECSRetrier = []member{
	{"ErrorEquals", []any{"ECS.AmazonECSException"}},
	{"IntervalSeconds", 10},
	{"MaxAttempts", 3},
	{"BackoffRate", 2},
}

// retrier is a retrier a rewrite makes sure the state has.
type retrier struct {
	value  []member
	covers func(errorName string) bool // an existing retrier naming such an error already does the job
	note   string
}

var (
	heartbeatRetrier = retrier{HeartbeatRetrier, func(e string) bool { return e == "States.HeartbeatTimeout" || e == "States.Timeout" },
		"added a States.HeartbeatTimeout retrier"}
	ecsRetrier = retrier{ECSRetrier, func(e string) bool { return e == "ECS.AmazonECSException" },
		"added an ECS.AmazonECSException retrier (RunTask throttled or the cluster out of room)"}
)

// TaskRewrite says what a migrated Task state becomes.
type TaskRewrite struct {
	// Resource is the new Resource string: "${queue_granules_activity_arn}"
	// (templatefile style) or "${aws_sfn_activity.queue_granules.id}" (heredoc).
	Resource         string
	TimeoutSeconds   int // added when the state has none (or an invalid one)
	HeartbeatSeconds int
	// IsActivity tells whether a Resource already names an activity; the
	// workflow alone cannot know what "${x}" is, the Terraform around it can.
	IsActivity func(*workflow.Resource) bool
	// TaskToken, when set, makes the state an ecs:runTask.waitForTaskToken
	// task instead of an activity; Resource is then not used.
	TaskToken *TaskTokenRewrite
}

// Refusal is a step migrate will not rewrite, with the reason. It is a
// value for the user, not a failure of the tool.
type Refusal struct {
	State   string
	Pointer string
	Range   workflow.Range
	Reason  string
}

func (r *Refusal) Error() string { return fmt.Sprintf("%s: %s: %s", r.Range, r.State, r.Reason) }

// TaskResult is the outcome of rewriting one Task state.
type TaskResult struct {
	Source           []byte // the whole file after the rewrite (the input when nothing changed)
	AlreadyActivity  bool
	AlreadyTaskToken bool // the state already runs as ecs:runTask.waitForTaskToken
	// ParametersMoved tells that the state's own Parameters now travel in
	// STEPSHIFT_PARAMETERS, so the worker must be given --parameters-env.
	ParametersMoved bool
	// FunctionName is the lambda:invoke form's Parameters.FunctionName as
	// written (often "${x}"), so the caller can find the Lambda behind it.
	FunctionName string
	Notes        []string // what was done beyond the Resource, for the summary
}

// RewriteTask rewrites the Task state at pointer of the workflow src into
// an activity task (or, with spec.TaskToken, an ecs:runTask.waitForTaskToken
// task), as a sequence of minimal text edits: each pass loads
// the document again so the next edit sees exact offsets. Offsets are into
// src, so a heredoc body is passed alone (without the .tf around it) and
// opts.Base only moves the positions in messages.
func RewriteTask(src []byte, opts workflow.Options, pointer string, spec TaskRewrite) (*TaskResult, *Refusal, error) {
	res := &TaskResult{Source: src}
	base := opts.Base.Byte
	doc, st, refusal := loadState(src, opts, pointer)
	if refusal != nil {
		return nil, refusal, nil
	}
	refuse := func(n *workflow.Node, format string, args ...any) *Refusal {
		rng := st.NameRange
		if n != nil {
			rng = n.Range
		}
		return &Refusal{State: st.Name, Pointer: pointer, Range: rng, Reason: fmt.Sprintf(format, args...)}
	}
	if st.Type != "Task" {
		return nil, refuse(nil, "it is a %s state, not a Task", orUnknown(st.Type)), nil
	}
	r := st.Resource
	if r == nil || r.Node == nil {
		return nil, refuse(nil, "it has no Resource"), nil
	}
	if spec.TaskToken != nil && isTaskTokenState(st) {
		res.AlreadyTaskToken = true
		return res, nil, nil
	}
	if r.Kind == workflow.Activity || (spec.IsActivity != nil && spec.IsActivity(r)) {
		res.AlreadyActivity = true
		return res, nil, nil
	}
	invoke := false
	switch r.Kind {
	case workflow.LambdaARN, workflow.TerraformRef:
	case workflow.LambdaInvoke:
		if r.Pattern != "" {
			return nil, refuse(r.Node, "lambda:invoke.%s hands its task token to the Lambda; an activity worker cannot take that role", r.Pattern), nil
		}
		invoke = true
	case workflow.ServiceIntegration:
		return nil, refuse(r.Node, "it calls %s:%s, not a Lambda", r.Service, r.Action), nil
	default:
		return nil, refuse(r.Node, "its Resource %q is not a Lambda migrate can identify", r.Raw), nil
	}
	apply := func(edits []Edit) error {
		if len(edits) == 0 {
			return nil
		}
		out, err := applyEdits(res.Source, edits)
		if err != nil {
			return err
		}
		res.Source = out
		doc, st, refusal = loadState(out, opts, pointer)
		if refusal != nil {
			return fmt.Errorf("internal: the rewrite of %s broke the document: %s", pointer, refusal.Reason)
		}
		return nil
	}
	style := detectStyle(src)

	if invoke {
		fn, edits, notes, ref := invokeEdits(res.Source, base, st, style)
		if ref != nil {
			ref.State, ref.Pointer = st.Name, pointer
			return nil, ref, nil
		}
		res.FunctionName = fn
		res.Notes = append(res.Notes, notes...)
		if err := apply(edits); err != nil {
			return nil, nil, err
		}
	}
	resource := spec.Resource
	retriers := []retrier{heartbeatRetrier}
	var ecsParams []member
	if tt := spec.TaskToken; tt != nil {
		// Decided before any edit of the state, from its Parameters as the
		// handler knew them (after a lambda:invoke conversion above).
		var ref *Refusal
		var moved bool
		ecsParams, moved, ref = taskTokenParameters(res.Source, base, doc, st, tt)
		if ref != nil {
			ref.State, ref.Pointer = st.Name, pointer
			if ref.Range == (workflow.Range{}) {
				ref.Range = st.NameRange
			}
			return nil, ref, nil
		}
		res.ParametersMoved = moved
		if moved {
			res.Notes = append(res.Notes, "the state's Parameters now travel to the worker in "+ParametersEnv+", which applies them to the input as Step Functions did")
		}
		resource = TaskTokenResource
		retriers = append(retriers, ecsRetrier)
	}
	r = st.Resource
	if err := apply([]Edit{{Start: r.Node.Range.Start.Byte - base, End: r.Node.Range.End.Byte - base, Text: quoteJSON(resource)}}); err != nil {
		return nil, nil, err
	}
	if ecsParams != nil {
		var err error
		if p := st.Node.Get("Parameters"); p != nil {
			l := layoutAt(res.Source, base, p, style)
			err = apply([]Edit{{Start: p.Range.Start.Byte - base, End: p.Range.End.Byte - base, Text: renderJSON(ecsParams, l)}})
		} else {
			err = apply([]Edit{insertMemberAfter(res.Source, base, st.Node.Get("Resource"), "Parameters", ecsParams, style)})
		}
		if err != nil {
			return nil, nil, err
		}
	}
	edits, notes := retryEdits(res.Source, base, st, style, retriers)
	res.Notes = append(res.Notes, notes...)
	if err := apply(edits); err != nil {
		return nil, nil, err
	}
	edits, notes = timeoutEdits(res.Source, base, st, style, spec)
	res.Notes = append(res.Notes, notes...)
	if err := apply(edits); err != nil {
		return nil, nil, err
	}
	return res, nil, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "typeless"
	}
	return s
}

// loadState loads src and finds the state at pointer.
func loadState(src []byte, opts workflow.Options, pointer string) (*workflow.Document, *workflow.State, *Refusal) {
	doc := workflow.Load(src, opts)
	for _, d := range doc.Diagnostics {
		return doc, nil, &Refusal{Pointer: pointer, Range: d.Range, Reason: "the workflow does not load cleanly: " + d.Message}
	}
	for _, s := range doc.States {
		if s.Pointer() == pointer {
			return doc, s, nil
		}
	}
	return doc, nil, &Refusal{Pointer: pointer, Reason: "no state at " + pointer}
}

// layoutAt learns the JSON layout around member m of an object: the
// whitespace before its key, its colon, and whether the object spans lines.
func layoutAt(src []byte, base int, m *workflow.Node, style textStyle) jsonLayout {
	keyStart := m.KeyRange.Start.Byte - base
	lead := string(src[spaceBefore(src, keyStart):keyStart])
	l := jsonLayout{Unit: style.Indent, EOL: style.EOL, Colon: ": ", Comma: ", "}
	if colon := string(src[m.KeyRange.End.Byte-base : m.Range.Start.Byte-base]); strings.TrimSpace(colon) == ":" {
		l.Colon = colon
	}
	if i := strings.LastIndexByte(lead, '\n'); i >= 0 {
		l.Multiline = true
		l.Indent = lead[i+1:]
	} else {
		l.Comma = "," + lead
	}
	return l
}

// elemLayout is layoutAt for an array element.
func elemLayout(src []byte, base int, e *workflow.Node, style textStyle) jsonLayout {
	start := e.Range.Start.Byte - base
	lead := string(src[spaceBefore(src, start):start])
	l := jsonLayout{Unit: style.Indent, EOL: style.EOL, Colon: ": ", Comma: ", "}
	if i := strings.LastIndexByte(lead, '\n'); i >= 0 {
		l.Multiline = true
		l.Indent = lead[i+1:]
	} else {
		l.Comma = "," + lead
	}
	return l
}

// deleteMember removes member m of obj with the comma and whitespace that
// belong to it, so the neighbours keep their lines.
func deleteMember(src []byte, base int, obj, m *workflow.Node) Edit {
	idx := indexOf(obj.Members, m)
	switch {
	case len(obj.Members) == 1:
		return Edit{Start: obj.Range.Start.Byte - base + 1, End: obj.Range.End.Byte - base - 1}
	case idx < len(obj.Members)-1:
		return Edit{Start: m.KeyRange.Start.Byte - base, End: obj.Members[idx+1].KeyRange.Start.Byte - base}
	default:
		return Edit{Start: obj.Members[idx-1].Range.End.Byte - base, End: m.Range.End.Byte - base}
	}
}

// deleteElems removes the elements of arr at the given indexes (sorted) as
// one edit per contiguous run.
func deleteElems(base int, arr *workflow.Node, drop map[int]bool) []Edit {
	var edits []Edit
	n := len(arr.Elems)
	kept := 0
	for i := range arr.Elems {
		if !drop[i] {
			kept++
		}
	}
	if kept == 0 {
		return []Edit{{Start: arr.Range.Start.Byte - base + 1, End: arr.Range.End.Byte - base - 1}}
	}
	for i := 0; i < n; {
		if !drop[i] {
			i++
			continue
		}
		j := i
		for j < n && drop[j] {
			j++
		}
		if j < n {
			// Run [i, j) followed by a kept element: delete up to that element's start.
			edits = append(edits, Edit{Start: arr.Elems[i].Range.Start.Byte - base, End: arr.Elems[j].Range.Start.Byte - base})
		} else {
			// Trailing run: delete from the end of the kept element before it.
			edits = append(edits, Edit{Start: arr.Elems[i-1].Range.End.Byte - base, End: arr.Elems[n-1].Range.End.Byte - base})
		}
		i = j
	}
	return edits
}

func indexOf(list []*workflow.Node, n *workflow.Node) int {
	for i, x := range list {
		if x == n {
			return i
		}
	}
	return -1
}

// insertMemberAfter adds `"key": value` after member m, laid out like m.
func insertMemberAfter(src []byte, base int, m *workflow.Node, key string, value any, style textStyle) Edit {
	l := layoutAt(src, base, m, style)
	text := quoteJSON(key) + l.Colon + renderJSON(value, l)
	sep := l.Comma
	if l.Multiline {
		sep = "," + l.EOL + l.Indent
	}
	at := m.Range.End.Byte - base
	return Edit{Start: at, End: at, Text: sep + text}
}

// insertMemberBefore adds `"key": value` before member m, laid out like m.
func insertMemberBefore(src []byte, base int, m *workflow.Node, key string, value any, style textStyle) Edit {
	l := layoutAt(src, base, m, style)
	text := quoteJSON(key) + l.Colon + renderJSON(value, l)
	sep := l.Comma
	if l.Multiline {
		sep = "," + l.EOL + l.Indent
	}
	at := m.KeyRange.Start.Byte - base
	return Edit{Start: at, End: at, Text: text + sep}
}

// retryEdits removes Lambda.* error names (the new target never raises
// them), drops retriers left with none, and adds each of want the state
// does not have yet before any States.ALL retrier, which Step Functions
// requires to be last.
func retryEdits(src []byte, base int, st *workflow.State, style textStyle, want []retrier) ([]Edit, []string) {
	node := st.Node
	values := func(rs []retrier) []any {
		var v []any
		for _, r := range rs {
			v = append(v, r.value)
		}
		return v
	}
	notesOf := func(rs []retrier) []string {
		var n []string
		for _, r := range rs {
			n = append(n, r.note)
		}
		return n
	}
	retry := node.Get("Retry")
	if retry == nil {
		after := lastMember(node)
		if c := node.Get("Catch"); c != nil {
			return []Edit{insertMemberBefore(src, base, c, "Retry", values(want), style)}, notesOf(want)
		}
		return []Edit{insertMemberAfter(src, base, after, "Retry", values(want), style)}, notesOf(want)
	}
	if retry.Kind != workflow.Array {
		return nil, nil // the linter reports it; rewriting a broken Retry would hide the problem
	}
	var edits []Edit
	var notes []string
	dropRetrier := map[int]bool{}
	covered := make([]bool, len(want))
	allAt := -1
	var removed []string
	for i, r := range retry.Elems {
		ee := r.Get("ErrorEquals")
		if ee == nil || ee.Kind != workflow.Array {
			continue
		}
		dropName := map[int]bool{}
		for j, e := range ee.Elems {
			if e.Kind != workflow.String {
				continue
			}
			switch {
			case strings.HasPrefix(e.Str, "Lambda."):
				dropName[j] = true
				removed = append(removed, e.Str)
			case e.Str == "States.ALL" && allAt < 0:
				allAt = i
			}
			for k, w := range want {
				if w.covers(e.Str) {
					covered[k] = true
				}
			}
		}
		switch {
		case len(dropName) == 0:
		case len(dropName) == len(ee.Elems):
			dropRetrier[i] = true
		default:
			edits = append(edits, deleteElems(base, ee, dropName)...)
		}
	}
	if len(removed) > 0 {
		notes = append(notes, "removed Lambda error names from Retry: "+strings.Join(removed, ", "))
	}
	var missing []retrier
	for k, w := range want {
		if !covered[k] {
			missing = append(missing, w)
		}
	}
	kept := len(retry.Elems) - len(dropRetrier)
	if len(missing) > 0 {
		notes = append(notes, notesOf(missing)...)
		if kept == 0 {
			// Nothing of the old Retry survives: write the array anew in the file's layout.
			l := layoutAt(src, base, retry, style)
			return []Edit{{Start: retry.Range.Start.Byte - base, End: retry.Range.End.Byte - base, Text: renderJSON(values(missing), l)}}, notes
		}
		var ref *workflow.Node
		before := allAt >= 0
		if before {
			ref = retry.Elems[allAt]
		} else {
			lastKept := -1
			for i := range retry.Elems {
				if !dropRetrier[i] {
					lastKept = i
				}
			}
			ref = retry.Elems[lastKept]
		}
		l := elemLayout(src, base, ref, style)
		sep := l.Comma
		if l.Multiline {
			sep = "," + l.EOL + l.Indent
		}
		var b strings.Builder
		for _, m := range missing {
			if !before {
				b.WriteString(sep)
			}
			b.WriteString(renderJSON(m.value, l))
			if before {
				b.WriteString(sep)
			}
		}
		at := ref.Range.End.Byte - base
		if before {
			at = ref.Range.Start.Byte - base
		}
		edits = append(edits, Edit{Start: at, End: at, Text: b.String()})
	} else if kept == 0 {
		return []Edit{deleteMember(src, base, node, retry)}, notes
	}
	if len(dropRetrier) > 0 {
		edits = append(edits, deleteElems(base, retry, dropRetrier)...)
	}
	return mergeInsertions(edits), notes
}

// mergeInsertions orders edits so that an insertion at the start of a
// deleted range survives: it is moved to the deletion's end.
func mergeInsertions(edits []Edit) []Edit {
	for i := range edits {
		if edits[i].Start != edits[i].End {
			continue
		}
		for _, d := range edits {
			if d.Start < edits[i].Start && edits[i].Start < d.End {
				edits[i].Start, edits[i].End = d.End, d.End
			}
		}
	}
	return edits
}

func lastMember(n *workflow.Node) *workflow.Node { return n.Members[len(n.Members)-1] }

// timeoutEdits adds TimeoutSeconds and HeartbeatSeconds after Resource when
// absent, and replaces values Step Functions would reject. Without a
// timeout an activity task whose worker is gone waits for a year.
func timeoutEdits(src []byte, base int, st *workflow.State, style textStyle, spec TaskRewrite) ([]Edit, []string) {
	node := st.Node
	resource := node.Get("Resource")
	var edits []Edit
	var notes []string
	timeout := spec.TimeoutSeconds
	if timeout <= 0 {
		timeout = DefaultTimeoutSeconds
	}
	heartbeat := spec.HeartbeatSeconds
	if heartbeat <= 0 {
		heartbeat = DefaultHeartbeatSeconds
	}
	var add []member
	haveTimeout := int64(0)
	if node.Get("TimeoutSecondsPath") == nil {
		t := node.Get("TimeoutSeconds")
		if v, ok := intValue(t); ok && v > 0 && v <= 99999999 {
			haveTimeout = v
		} else if t != nil {
			edits = append(edits, Edit{Start: t.Range.Start.Byte - base, End: t.Range.End.Byte - base, Text: fmt.Sprint(timeout)})
			notes = append(notes, fmt.Sprintf("replaced the invalid TimeoutSeconds with %d", timeout))
			haveTimeout = int64(timeout)
		} else {
			add = append(add, member{"TimeoutSeconds", timeout})
			notes = append(notes, fmt.Sprintf("added TimeoutSeconds %d", timeout))
			haveTimeout = int64(timeout)
		}
	}
	if node.Get("HeartbeatSecondsPath") == nil {
		if haveTimeout > 0 && int64(heartbeat) >= haveTimeout {
			heartbeat = int(max(1, haveTimeout/2))
		}
		h := node.Get("HeartbeatSeconds")
		if v, ok := intValue(h); ok && v > 0 && (haveTimeout == 0 || v < haveTimeout) {
			// valid: keep
		} else if h != nil {
			edits = append(edits, Edit{Start: h.Range.Start.Byte - base, End: h.Range.End.Byte - base, Text: fmt.Sprint(heartbeat)})
			notes = append(notes, fmt.Sprintf("replaced the invalid HeartbeatSeconds with %d", heartbeat))
		} else {
			add = append(add, member{"HeartbeatSeconds", heartbeat})
			notes = append(notes, fmt.Sprintf("added HeartbeatSeconds %d", heartbeat))
		}
	}
	if len(add) > 0 {
		l := layoutAt(src, base, resource, style)
		sep := l.Comma
		if l.Multiline {
			sep = "," + l.EOL + l.Indent
		}
		var b strings.Builder
		for _, m := range add {
			b.WriteString(sep + quoteJSON(m.Key) + l.Colon + renderJSON(m.Value, l))
		}
		at := resource.Range.End.Byte - base
		edits = append(edits, Edit{Start: at, End: at, Text: b.String()})
	}
	return edits, notes
}

func intValue(n *workflow.Node) (int64, bool) {
	if n == nil || n.Kind != workflow.Number {
		return 0, false
	}
	return n.Int()
}
