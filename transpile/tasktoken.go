package transpile

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// What an ecs-task-token step hands its one-shot worker.
const (
	// TaskTokenResource is the Resource of a migrated ecs-task-token step.
	TaskTokenResource = "arn:aws:states:::ecs:runTask.waitForTaskToken"
	// TaskTokenEnv, InputEnv and ParametersEnv are the container override
	// variables carrying $$.Task.Token, the state's input and its original
	// Parameters; the task definition's command names them to the worker.
	TaskTokenEnv  = "STEPSHIFT_TASK_TOKEN"
	InputEnv      = "STEPSHIFT_INPUT"
	ParametersEnv = "STEPSHIFT_PARAMETERS"
	// LaunchTypeEC2 is the only launch type written: Cumulus clusters are
	// EC2-backed, and FARGATE would need subnets, security groups, an
	// execution role and a task role holding the handler's permissions.
	LaunchTypeEC2 = "EC2"
)

// Sizes behind the 8 KiB rule. ECS accepts at most OverridesLimit
// characters of container overrides, JSON punctuation included.
const (
	OverridesLimit = 8192
	// TokenReserve is the longest task token Step Functions documents.
	TokenReserve = 2048
	// OffloadedMessageBytes bounds the input of an accepted step: what a
	// CMA ReplaceConfig with FullMessage leaves in a state's output
	// ({"cumulus_meta", "replace"}; cumulus_meta is a dozen short fields),
	// and the largest MaxSize accepted on the state before it.
	OffloadedMessageBytes = 2048
	// InputReserve is OffloadedMessageBytes counted twice: the input
	// travels as a JSON string, so each of its quotes is escaped.
	InputReserve = 2 * OffloadedMessageBytes
	// InterpolationReserve is what each Terraform ${...} in moved
	// Parameters is counted as: its rendered value is not known here.
	InterpolationReserve = 256
)

// TaskTokenRewrite is what an ecs-task-token rewrite writes into the state.
type TaskTokenRewrite struct {
	LaunchType     string // LaunchTypeEC2
	Cluster        string // "${queue_granules_cluster_arn}" or "${module.cumulus.ecs_cluster_arn}"
	TaskDefinition string // "${queue_granules_task_definition_arn}" or "${aws_ecs_task_definition.queue_granules.arn}"
	Container      string // the container's name in the task definition
}

// isTaskTokenState reports whether st already runs as a stepshift
// ecs-task-token step: the runTask.waitForTaskToken integration handing
// the token over in TaskTokenEnv.
func isTaskTokenState(st *workflow.State) bool {
	r := st.Resource
	if st.Type != "Task" || r == nil || r.Kind != workflow.ServiceIntegration || r.Service != "ecs" || r.Action != "runTask" || r.Pattern != "waitForTaskToken" {
		return false
	}
	return taskTokenEnvValue(st.Node, TaskTokenEnv) != nil
}

// taskTokenEnvValue finds the "Value" node of the container override
// variable name in a task-token state, nil when absent.
func taskTokenEnvValue(state *workflow.Node, name string) *workflow.Node {
	co := state.Get("Parameters").Get("Overrides").Get("ContainerOverrides")
	if co == nil || co.Kind != workflow.Array {
		return nil
	}
	for _, c := range co.Elems {
		env := c.Get("Environment")
		if env == nil || env.Kind != workflow.Array {
			continue
		}
		for _, e := range env.Elems {
			if n := e.Get("Name"); n != nil && n.Kind == workflow.String && n.Str == name {
				if v := e.Get("Value"); v != nil {
					return v
				}
				if v := e.Get("Value.$"); v != nil {
					return v
				}
			}
		}
	}
	return nil
}

// taskTokenParameters builds the Parameters of the ECS request. The
// state's own Parameters, when it has some, cannot stay where they are
// (that field now holds the request) and Step Functions cannot apply them
// to the input and stringify the result in one step, so they travel as a
// string in ParametersEnv and the worker applies them exactly (the
// `.$` paths it accepts are $ and plain $.a.b ones). It refuses what could
// not arrive intact and what would not fit the override limit.
func taskTokenParameters(src []byte, base int, doc *workflow.Document, st *workflow.State, tt *TaskTokenRewrite) ([]member, bool, *Refusal) {
	env := []any{
		[]member{{"Name", TaskTokenEnv}, {"Value.$", "$$.Task.Token"}},
		[]member{{"Name", InputEnv}, {"Value.$", "States.JsonToString($)"}},
	}
	moved := false
	templateSize := 0
	if p := st.Node.Get("Parameters"); p != nil {
		text, size, ref := parametersTemplate(src, base, doc, p)
		if ref != nil {
			return nil, false, ref
		}
		env = append(env, []member{{"Name", ParametersEnv}, {"Value", rawJSON(text)}})
		moved, templateSize = true, size
	}
	if need := overridesSize(tt.Container, moved) + TokenReserve + InputReserve + templateSize; need > OverridesLimit {
		var at workflow.Range
		if p := st.Node.Get("Parameters"); p != nil {
			at = p.Range
		}
		return nil, false, &Refusal{Range: at, Reason: fmt.Sprintf(
			"its Parameters take %d characters of container overrides; with the task token (%d) and a bounded input (%d) that is %d, over ECS's %d; use the activity target",
			templateSize, TokenReserve, InputReserve, need, OverridesLimit)}
	}
	launch := tt.LaunchType
	if launch == "" {
		launch = LaunchTypeEC2
	}
	return []member{
		{"LaunchType", launch},
		{"Cluster", tt.Cluster},
		{"TaskDefinition", tt.TaskDefinition},
		{"Overrides", []member{{"ContainerOverrides", []any{[]member{
			{"Name", tt.Container},
			{"Environment", env},
		}}}}},
	}, moved, nil
}

// overridesSize is the length of the containerOverrides structure ECS
// receives, without the three variables' values.
func overridesSize(container string, withParameters bool) int {
	type kv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	env := []kv{{TaskTokenEnv, ""}, {InputEnv, ""}}
	if withParameters {
		env = append(env, kv{ParametersEnv, ""})
	}
	b, _ := json.Marshal(map[string]any{"containerOverrides": []any{map[string]any{"name": container, "environment": env}}})
	return len(b)
}

// parametersTemplate renders the Parameters value p as a JSON string
// literal holding its minified text: quotes and backslashes escaped,
// Terraform interpolations left verbatim so templatefile() still fills
// them in. size is the literal's length in the API request, each
// interpolation counted as InterpolationReserve.
func parametersTemplate(src []byte, base int, doc *workflow.Document, p *workflow.Node) (string, int, *Refusal) {
	if p.Kind != workflow.Object {
		return "", 0, &Refusal{Range: p.Range, Reason: "its Parameters are not a JSON object the worker can apply"}
	}
	var bad *Refusal
	var walk func(n *workflow.Node)
	walk = func(n *workflow.Node) {
		if bad != nil {
			return
		}
		switch n.Kind {
		case workflow.Unknown:
			bad = &Refusal{Range: n.Range, Reason: "its Parameters hold a bare Terraform interpolation, whose rendered JSON cannot be carried inside a string exactly"}
		case workflow.Object:
			for _, m := range n.Members {
				if strings.HasSuffix(m.Key, ".$") && !(m.Kind == workflow.String && !m.IsTemplated() && simplePath(m.Str)) {
					bad = &Refusal{Range: m.Range, Reason: fmt.Sprintf("Parameters field %q is not $ or a plain path ($.a.b); the one-shot worker applies only those exactly", m.Key)}
					return
				}
				walk(m)
			}
		case workflow.Array:
			for _, e := range n.Elems {
				walk(e)
			}
		}
	}
	walk(p)
	if bad != nil {
		return "", 0, bad
	}
	start, end := p.Range.Start.Byte-base, p.Range.End.Byte-base
	text := src[start:end]
	if i := strings.Index(strings.ReplaceAll(string(text), "%%{", ""), "%{"); i >= 0 {
		return "", 0, &Refusal{Range: p.Range, Reason: "its Parameters hold a Terraform %{...} directive, which cannot be carried inside a string exactly"}
	}
	interps := map[int]int{} // start → end, offsets into src
	for _, in := range doc.Interpolations {
		if s := in.Range.Start.Byte - base; s >= start && s < end {
			interps[s] = in.Range.End.Byte - base
		}
	}
	var b strings.Builder
	size := 0
	b.WriteByte('"')
	escape := func(c byte) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
			size += 2
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
			size += 6
		default:
			b.WriteByte(c)
			size++
		}
	}
	inString := false
	for i := start; i < end; {
		if e, ok := interps[i]; ok {
			b.Write(src[i:e])
			size += max(e-i, InterpolationReserve)
			i = e
			continue
		}
		c := src[i]
		switch {
		case inString && c == '\\' && i+1 < end:
			escape(c)
			escape(src[i+1])
			i += 2
			continue
		case inString && c == '"':
			inString = false
		case !inString && isJSONSpace(c):
			i++
			continue
		case !inString && c == '"':
			inString = true
		}
		escape(c)
		i++
	}
	b.WriteByte('"')
	return b.String(), size, nil
}

// cmaOf returns the CMA configuration a Task state hands its Lambda:
// Parameters.cma (Parameters.Payload.cma for lambda:invoke), or for a
// state already migrated to ecs-task-token the cma of the Parameters it
// carries in ParametersEnv. nil when none.
func cmaOf(st *workflow.State) any {
	if isTaskTokenState(st) {
		v := taskTokenEnvValue(st.Node, ParametersEnv)
		if v == nil || v.Kind != workflow.String {
			return nil
		}
		var params map[string]any
		if json.Unmarshal([]byte(v.Str), &params) != nil {
			return nil
		}
		return params["cma"]
	}
	p := st.Node.Get("Parameters")
	if st.Resource != nil && st.Resource.Kind == workflow.LambdaInvoke {
		p = p.Get("Payload")
	}
	return nodeValue(p.Get("cma"))
}

// nodeValue turns a node into the value encoding/json would give, so the
// two places a CMA configuration can sit are read alike.
func nodeValue(n *workflow.Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case workflow.Object:
		m := map[string]any{}
		for _, c := range n.Members {
			m[c.Key] = nodeValue(c)
		}
		return m
	case workflow.Array:
		var a []any
		for _, e := range n.Elems {
			a = append(a, nodeValue(e))
		}
		return a
	case workflow.String:
		return n.Str
	case workflow.Number:
		if f, ok := n.Float(); ok {
			return f
		}
		return n.Num
	case workflow.Bool:
		return n.Bool
	}
	return nil
}

// taskTokenRefusal is why a step cannot run as ecs:runTask.waitForTaskToken
// because its input might not fit the 8 KiB of container overrides; ""
// when it is accepted. What is accepted:
//
//   - the step's own Parameters.cma has a ReplaceConfig (the Cumulus
//     recipe's minimum; it keeps the step's output offloaded as well);
//   - the step is not the first state of the workflow, a Parallel branch
//     or a Map iterator (that input is the execution's or item's, which no
//     ReplaceConfig bounds), and no Catch leads to it (a Catch passes on
//     the failed state's input with the error);
//   - every state that leads to it is either a Task whose Parameters.cma
//     ReplaceConfig offloads the whole message (FullMessage true, or Path
//     "$") with no MaxSize or one of at most OffloadedMessageBytes, and
//     whose output is that message (no ResultSelector, ResultPath "$"), or
//     a Choice, a Wait or a Pass without Result, Parameters or ResultPath
//     whose own predecessors are all accepted in turn.
func taskTokenRefusal(st *workflow.State) string {
	if rc, _ := asMap(cmaOf(st))["ReplaceConfig"]; rc == nil {
		return "its input may exceed the 8 KiB ECS container-override limit and no CMA ReplaceConfig offloads it; use the activity target"
	}
	seen := map[*workflow.State]bool{}
	var reach func(s *workflow.State) string
	reach = func(s *workflow.State) string {
		if seen[s] {
			return ""
		}
		seen[s] = true
		if start := s.Scope.StartAt(); start != nil && start.Kind == workflow.String && start.Str == s.Name {
			where := "the workflow's first state, so it receives the execution's input"
			if s.Scope.Parent != nil {
				where = fmt.Sprintf("the first state of a branch of %q, so it receives that state's input", s.Scope.Parent.Name)
			}
			if s == st {
				return "it is " + where + ", which no ReplaceConfig bounds"
			}
			return fmt.Sprintf("%q, which leads to it, is %s, which no ReplaceConfig bounds", s.Name, where)
		}
		for _, f := range feeders(s) {
			if f.catch {
				return fmt.Sprintf("a Catch of %q leads to it, passing on that state's input with the error", f.from.Name)
			}
			switch f.from.Type {
			case "Choice", "Wait":
				if r := reach(f.from); r != "" {
					return r
				}
			case "Pass":
				for _, k := range []string{"Result", "Parameters", "ResultPath"} {
					if f.from.Node.Get(k) != nil {
						return fmt.Sprintf("the Pass state %q, which leads to it, sets %s, so its output is not bounded", f.from.Name, k)
					}
				}
				if r := reach(f.from); r != "" {
					return r
				}
			case "Task":
				if r := boundedOutput(f.from); r != "" {
					return r
				}
			default:
				return fmt.Sprintf("the %s state %q, which leads to it, passes on output no ReplaceConfig bounds", orUnknown(f.from.Type), f.from.Name)
			}
		}
		return ""
	}
	if r := reach(st); r != "" {
		return "its input may exceed the 8 KiB ECS container-override limit: " + r + "; use the activity target"
	}
	return ""
}

// boundedOutput is why the output of Task s (the input of the step after
// it) is not bounded by a ReplaceConfig; "" when it is.
func boundedOutput(s *workflow.State) string {
	if s.Resource != nil && s.Resource.Kind == workflow.LambdaInvoke {
		// Its result is the invoke response; only $.Payload is the handler's.
		if op := s.Node.Get("OutputPath"); op == nil || op.Kind != workflow.String || op.Str != "$.Payload" {
			return fmt.Sprintf("%q, which leads to it, passes on the whole lambda:invoke response (no OutputPath \"$.Payload\")", s.Name)
		}
	}
	if s.Node.Get("ResultSelector") != nil {
		return fmt.Sprintf("%q, which leads to it, has a ResultSelector, so its output is not the offloaded message", s.Name)
	}
	if rp := s.Node.Get("ResultPath"); rp != nil && !(rp.Kind == workflow.String && rp.Str == "$") {
		what := "null"
		if rp.Kind == workflow.String {
			what = strconv.Quote(rp.Str)
		}
		return fmt.Sprintf("%q, which leads to it, has ResultPath %s, so its output carries its own input, which no ReplaceConfig bounds", s.Name, what)
	}
	rc := asMap(asMap(cmaOf(s))["ReplaceConfig"])
	if rc == nil {
		return fmt.Sprintf("%q, which leads to it, has no CMA ReplaceConfig, so its whole message arrives here", s.Name)
	}
	if full, _ := rc["FullMessage"].(bool); !full && rc["Path"] != "$" {
		return fmt.Sprintf("the ReplaceConfig of %q, which leads to it, offloads only %v, not the whole message (FullMessage)", s.Name, rc["Path"])
	}
	if ms, ok := rc["MaxSize"]; ok {
		if n, isNum := ms.(float64); !isNum || n > OffloadedMessageBytes {
			return fmt.Sprintf("the ReplaceConfig of %q, which leads to it, keeps messages of up to MaxSize %v bytes in its output (at most %d accepted)", s.Name, ms, OffloadedMessageBytes)
		}
	}
	return ""
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// feed is one transition into a state.
type feed struct {
	from  *workflow.State
	catch bool
}

// feeders lists the transitions into s from states of its scope: Next,
// a Choice's rules and Default, and Catch.
func feeders(s *workflow.State) []feed {
	names := func(n *workflow.Node) bool { return n != nil && n.Kind == workflow.String && n.Str == s.Name }
	var out []feed
	for _, o := range s.Scope.States {
		n := o.Node
		if n == nil || n.Kind != workflow.Object {
			continue
		}
		into := names(n.Get("Next")) || names(n.Get("Default"))
		if ch := n.Get("Choices"); ch != nil {
			for _, c := range ch.Elems {
				into = into || names(c.Get("Next"))
			}
		}
		if into {
			out = append(out, feed{from: o})
		}
		if c := n.Get("Catch"); c != nil {
			for _, k := range c.Elems {
				if names(k.Get("Next")) {
					out = append(out, feed{from: o, catch: true})
					break
				}
			}
		}
	}
	return out
}
