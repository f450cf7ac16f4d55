package transpile

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// invokeParameters are the lambda:invoke Parameters that convert exactly;
// any other (Qualifier, ClientContext, LogType, ...) changes what the
// Lambda sees in a way an activity worker cannot reproduce.
var invokeParameters = map[string]bool{"FunctionName": true, "Payload": true, "Payload.$": true, "InvocationType": true}

// invokeEdits converts the `arn:aws:states:::lambda:invoke` form: an
// activity receives the state's effective input (after InputPath and
// Parameters) and returns the handler's result directly, while lambda:invoke
// passes Parameters.Payload and returns {StatusCode, Payload, ...}. So
// Payload becomes Parameters, Payload.$ becomes the input path, and a
// `$.Payload` OutputPath or ResultSelector loses its `.Payload`. Anything
// else would change what the next state sees and is refused.
func invokeEdits(src []byte, base int, st *workflow.State, style textStyle) (function string, edits []Edit, notes []string, refusal *Refusal) {
	node := st.Node
	refuse := func(n *workflow.Node, format string, args ...any) *Refusal {
		rng := st.NameRange
		if n != nil {
			rng = n.Range
		}
		return &Refusal{Range: rng, Reason: fmt.Sprintf(format, args...)}
	}
	params := node.Get("Parameters")
	if params == nil || params.Kind != workflow.Object {
		return "", nil, nil, refuse(nil, "a lambda:invoke task without a Parameters object has no FunctionName to migrate")
	}
	var unknown []string
	for _, m := range params.Members {
		if !invokeParameters[m.Key] {
			unknown = append(unknown, m.Key)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return "", nil, nil, refuse(params, "Parameters %s of lambda:invoke have no equivalent for an activity worker", strings.Join(unknown, ", "))
	}
	if it := params.Get("InvocationType"); it != nil && !(it.Kind == workflow.String && it.Str == "RequestResponse") {
		return "", nil, nil, refuse(it, "InvocationType %s does not wait for the Lambda's result; an activity always does", strings.TrimSpace(string(src[it.Range.Start.Byte-base:it.Range.End.Byte-base])))
	}
	fn := params.Get("FunctionName")
	if fn == nil || fn.Kind != workflow.String {
		if params.Get("FunctionName.$") != nil {
			return "", nil, nil, refuse(params.Get("FunctionName.$"), "FunctionName.$ picks the Lambda at run time; one activity worker runs one Lambda")
		}
		return "", nil, nil, refuse(params, "lambda:invoke without a FunctionName")
	}
	function = fn.Str

	// Output first: refusing there must not leave half an edit behind.
	resultPath := node.Get("ResultPath")
	resultPathIsRoot := resultPath == nil || (resultPath.Kind == workflow.String && resultPath.Str == "$")
	if rs := node.Get("ResultSelector"); rs != nil {
		if rs.Kind != workflow.Object {
			return "", nil, nil, refuse(rs, "ResultSelector is not an object")
		}
		rsEdits, ref := unwrapSelector(base, rs)
		if ref != nil {
			return "", nil, nil, ref
		}
		edits = append(edits, rsEdits...)
		notes = append(notes, "ResultSelector paths now read the worker's result directly (no .Payload)")
		if op := node.Get("OutputPath"); op != nil && op.Kind == workflow.String && strings.HasPrefix(op.Str, "$.Payload") && resultPathIsRoot {
			return "", nil, nil, refuse(op, "OutputPath %q after a ResultSelector reads the selector's output, not the invoke response; review by hand", op.Str)
		}
	} else if op := node.Get("OutputPath"); op != nil && op.Kind == workflow.String && resultPathIsRoot && (op.Str == "$.Payload" || strings.HasPrefix(op.Str, "$.Payload.") || strings.HasPrefix(op.Str, "$.Payload[")) {
		if op.Str == "$.Payload" {
			edits = append(edits, deleteMember(src, base, node, op))
			notes = append(notes, "removed OutputPath $.Payload: the worker's result is the state's result itself")
		} else {
			edits = append(edits, Edit{Start: op.Range.Start.Byte - base, End: op.Range.End.Byte - base, Text: quoteJSON("$" + strings.TrimPrefix(op.Str, "$.Payload"))})
			notes = append(notes, "OutputPath now reads the worker's result directly (no .Payload)")
		}
	} else {
		return "", nil, nil, refuse(node.Get("Resource"), "the state passes on the whole invoke response (StatusCode, Payload, ...), which an activity does not produce; add OutputPath \"$.Payload\" or a ResultSelector over $.Payload first")
	}

	payload, payloadPath := params.Get("Payload"), params.Get("Payload.$")
	switch {
	case payload != nil:
		if payload.Kind != workflow.Object {
			return "", nil, nil, refuse(payload, "Payload is not an object; an activity's Parameters must be one")
		}
		edits = append(edits, Edit{Start: params.Range.Start.Byte - base, End: params.Range.End.Byte - base, Text: dedent(src, base, payload, params)})
		notes = append(notes, "Parameters.Payload became the state's Parameters")
	case payloadPath != nil:
		if payloadPath.Kind != workflow.String || !simplePath(payloadPath.Str) {
			return "", nil, nil, refuse(payloadPath, "Payload.$ is not a plain reference path ($ or $.a.b); it cannot become an InputPath exactly")
		}
		edits = append(edits, deleteMember(src, base, node, params))
		if payloadPath.Str != "$" {
			in := node.Get("InputPath")
			switch {
			case in == nil:
				edits = append(edits, insertMemberAfter(src, base, node.Get("Resource"), "InputPath", payloadPath.Str, style))
			case in.Kind == workflow.String && simplePath(in.Str):
				joined := in.Str + strings.TrimPrefix(payloadPath.Str, "$")
				if in.Str == "$" {
					joined = payloadPath.Str
				}
				edits = append(edits, Edit{Start: in.Range.Start.Byte - base, End: in.Range.End.Byte - base, Text: quoteJSON(joined)})
			default:
				return "", nil, nil, refuse(in, "InputPath and Payload.$ cannot be combined into one path exactly")
			}
		}
		notes = append(notes, fmt.Sprintf("Payload.$ %q became the input path", payloadPath.Str))
	default:
		return "", nil, nil, refuse(params, "lambda:invoke without Payload sends the Lambda no input; an activity always receives the state's input")
	}
	return function, edits, notes, nil
}

// unwrapSelector rewrites every path of a ResultSelector from the invoke
// response ($.Payload...) to the worker's result ($...).
func unwrapSelector(base int, n *workflow.Node) ([]Edit, *Refusal) {
	var edits []Edit
	var walk func(n *workflow.Node) *Refusal
	walk = func(n *workflow.Node) *Refusal {
		switch n.Kind {
		case workflow.Object:
			for _, m := range n.Members {
				if strings.HasSuffix(m.Key, ".$") {
					if m.Kind != workflow.String {
						return &Refusal{Range: m.Range, Reason: m.Key + " is not a path string"}
					}
					p := m.Str
					if !(p == "$.Payload" || strings.HasPrefix(p, "$.Payload.") || strings.HasPrefix(p, "$.Payload[")) {
						return &Refusal{Range: m.Range, Reason: fmt.Sprintf("ResultSelector %s reads %q, which is not inside the invoke response's Payload; an activity returns only the result", m.Key, p)}
					}
					edits = append(edits, Edit{Start: m.Range.Start.Byte - base, End: m.Range.End.Byte - base, Text: quoteJSON("$" + strings.TrimPrefix(p, "$.Payload"))})
					continue
				}
				if ref := walk(m); ref != nil {
					return ref
				}
			}
		case workflow.Array:
			for _, e := range n.Elems {
				if ref := walk(e); ref != nil {
					return ref
				}
			}
		}
		return nil
	}
	return edits, walk(n)
}

// simplePath accepts $ and dotted member paths ($.a.b_c), which compose by
// concatenation; filters, wildcards and brackets do not.
func simplePath(p string) bool {
	if p == "$" {
		return true
	}
	if !strings.HasPrefix(p, "$.") {
		return false
	}
	for _, seg := range strings.Split(p[2:], ".") {
		if seg == "" {
			return false
		}
		for _, r := range seg {
			if !(r == '_' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
				return false
			}
		}
	}
	return true
}

// dedent returns the text of inner re-indented to stand where outer stood:
// every line after the first loses the indentation difference between the
// two values' lines, so the moved object lines up with its new key.
func dedent(src []byte, base int, inner, outer *workflow.Node) string {
	text := string(src[inner.Range.Start.Byte-base : inner.Range.End.Byte-base])
	from := lineIndent(src, inner.KeyRange.Start.Byte-base)
	to := lineIndent(src, outer.KeyRange.Start.Byte-base)
	if len(from) <= len(to) || !strings.HasPrefix(from, to) {
		return text
	}
	extra := from[len(to):]
	lines := strings.Split(text, "\n")
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		if !strings.HasPrefix(lines[i], from) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "}") {
			return text // indentation is not uniform: keep it as written rather than guess
		}
		if strings.HasPrefix(lines[i], to+extra) {
			lines[i] = to + lines[i][len(to+extra):]
		}
	}
	return strings.Join(lines, "\n")
}
