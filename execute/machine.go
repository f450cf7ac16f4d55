package execute

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// Machine is a compiled state machine definition, ready to Run any number of times.
type Machine struct {
	Name          string // the workflow's name: mock files key test cases by it
	Definition    any    // the definition as a JSON value (interpolations rendered)
	QueryLanguage string // top-level QueryLanguage, "JSONPath" by default
	root          *scopeDef
	timeout       float64 // top-level TimeoutSeconds; 0 = none
	jsonata       *jsonataCache
	cache         *parseCache
}

type scopeDef struct {
	startAt string
	states  map[string]*stateDef
}

type stateDef struct {
	Name, Type string
	raw        map[string]any
	jsonata    bool // QueryLanguage JSONata
	next       string
	end        bool

	inputPath, outputPath     pathField
	parameters, resultSel     any
	hasParameters, hasResSel  bool
	resultPath                []refStep
	resultPathNull            bool
	result                    any
	hasResult                 bool
	retry                     []retrier
	catch                     []catcher
	choices                   []*choiceRule
	defaultNext               string
	branches                  []*scopeDef
	iterator                  *scopeDef
	distributed               bool
	resource                  string
	assign, output, arguments any
	hasOutput, hasArguments   bool
}

// pathField is InputPath/OutputPath: absent means "$", null means {} / discard.
type pathField struct {
	path *Path
	null bool
}

type retrier struct {
	errors      []string
	interval    float64
	maxAttempts int
	backoff     float64
	maxDelay    float64
	fullJitter  bool
}

type catcher struct {
	errors     []string
	next       string
	resultPath []refStep
	rpNull     bool
	assign     any
	output     any
	hasOutput  bool
}

// Values renders a templated definition: each interpolation's expression (as
// written inside ${ }) to the text Terraform would put there. An
// interpolation without a value keeps its source text, except in a Task's
// Resource, where it becomes a placeholder ARN (PlaceholderARN) so the step
// still classifies as a Lambda, an activity or an integration.
type Values map[string]string

// PlaceholderARN is the ARN used for a Resource whose Terraform value is not
// known: kind is workflow.LambdaARN or workflow.Activity (anything else is
// treated as a Lambda, the Cumulus convention for "*_task_arn" variables).
func PlaceholderARN(kind workflow.ResourceKind, expr string) string {
	name := placeholderName(expr)
	if kind == workflow.Activity {
		return "arn:aws:states:us-east-1:123456789012:activity:" + name
	}
	return "arn:aws:lambda:us-east-1:123456789012:function:" + name
}

var nonNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func placeholderName(expr string) string {
	s := nonNameChars.ReplaceAllString(expr, "-")
	s = strings.Trim(s, "-")
	if s == "" {
		s = "unknown"
	}
	if len(s) > 64 {
		s = s[len(s)-64:]
	}
	return s
}

// guessKind classifies an unresolved Resource interpolation by its name.
func guessKind(expr string) workflow.ResourceKind {
	if strings.Contains(strings.ToLower(expr), "activity") {
		return workflow.Activity
	}
	return workflow.LambdaARN
}

// CompileDocument compiles a loaded workflow document. name is the workflow's
// name (file name without .asl.json/.json unless overridden).
func CompileDocument(doc *workflow.Document, name string, values Values) (*Machine, error) {
	if doc.Definition == nil {
		if len(doc.Diagnostics) > 0 {
			return nil, fmt.Errorf("%s", doc.Diagnostics[0])
		}
		return nil, fmt.Errorf("%s: not a state machine", doc.Filename)
	}
	def := nodeValue(doc.Definition, values, false)
	return Compile(def, name)
}

func nodeValue(n *workflow.Node, values Values, resource bool) any {
	switch n.Kind {
	case workflow.Object:
		m := make(map[string]any, len(n.Members))
		for _, mem := range n.Members {
			if _, dup := m[mem.Key]; dup {
				continue // the first member wins, as Node.Get does
			}
			m[mem.Key] = nodeValue(mem, values, mem.Key == "Resource")
		}
		return m
	case workflow.Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			a[i] = nodeValue(e, values, false)
		}
		return a
	case workflow.String:
		if len(n.Interps) == 0 {
			return n.Str
		}
		if resource && n.WholeInterpolation() != nil {
			in := n.WholeInterpolation()
			if v, ok := values[in.Expr]; ok {
				return v
			}
			return PlaceholderARN(guessKind(in.Expr), in.Expr)
		}
		s := n.Str
		for _, in := range n.Interps {
			if v, ok := values[in.Expr]; ok {
				s = strings.Replace(s, "${"+in.Expr+"}", v, 1)
			}
		}
		return s
	case workflow.Number:
		f, _ := n.Float()
		return f
	case workflow.Bool:
		return n.Bool
	case workflow.Unknown:
		in := n.WholeInterpolation()
		if in == nil {
			return nil
		}
		if v, ok := values[in.Expr]; ok {
			if parsed, err := ParseJSON([]byte(v)); err == nil {
				return parsed
			}
			return v
		}
		if resource {
			return PlaceholderARN(guessKind(in.Expr), in.Expr)
		}
		return "${" + in.Expr + "}"
	}
	return nil
}

// Compile compiles a definition given as a JSON value.
func Compile(def any, name string) (*Machine, error) {
	m, ok := def.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the definition is not a JSON object")
	}
	mc := &Machine{Name: name, Definition: def, QueryLanguage: "JSONPath", jsonata: &jsonataCache{}, cache: &parseCache{}}
	if ql, ok := m["QueryLanguage"].(string); ok {
		mc.QueryLanguage = ql
	}
	if t, ok := m["TimeoutSeconds"].(float64); ok {
		mc.timeout = t
	}
	root, err := compileScope(m, mc.QueryLanguage == "JSONata", "")
	if err != nil {
		return nil, err
	}
	mc.root = root
	return mc, nil
}

func compileScope(m map[string]any, jsonataDefault bool, where string) (*scopeDef, error) {
	start, ok := m["StartAt"].(string)
	if !ok {
		return nil, fmt.Errorf("%sStartAt is missing", where)
	}
	states, ok := m["States"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%sStates is missing", where)
	}
	sc := &scopeDef{startAt: start, states: make(map[string]*stateDef, len(states))}
	if _, ok := states[start]; !ok {
		return nil, fmt.Errorf("%sStartAt names %q, which is not a state", where, start)
	}
	for name, v := range states {
		sm, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("state %q is not an object", name)
		}
		st, err := compileState(name, sm, jsonataDefault)
		if err != nil {
			return nil, fmt.Errorf("state %q: %v", name, err)
		}
		sc.states[name] = st
	}
	return sc, nil
}

func optPath(m map[string]any, key string) (pathField, error) {
	v, ok := m[key]
	if !ok {
		return pathField{}, nil
	}
	if v == nil {
		return pathField{null: true}, nil
	}
	s, ok := v.(string)
	if !ok {
		return pathField{}, fmt.Errorf("%s must be a string or null", key)
	}
	p, err := ParsePath(s)
	if err != nil {
		return pathField{}, fmt.Errorf("%s: %v", key, err)
	}
	return pathField{path: p}, nil
}

func refPath(m map[string]any, key string) ([]refStep, bool, error) {
	v, ok := m[key]
	if !ok {
		return nil, false, nil
	}
	if v == nil {
		return nil, true, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, false, fmt.Errorf("%s must be a string or null", key)
	}
	steps, err := ParseReferencePath(s)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %v", key, err)
	}
	return steps, false, nil
}

func num(m map[string]any, key string, def float64) float64 {
	if f, ok := m[key].(float64); ok {
		return f
	}
	return def
}

func stringList(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func compileState(name string, m map[string]any, jsonataDefault bool) (*stateDef, error) {
	st := &stateDef{Name: name, raw: m}
	st.Type, _ = m["Type"].(string)
	st.jsonata = jsonataDefault
	if ql, ok := m["QueryLanguage"].(string); ok {
		st.jsonata = ql == "JSONata"
	}
	st.next, _ = m["Next"].(string)
	st.end, _ = m["End"].(bool)
	var err error
	if st.inputPath, err = optPath(m, "InputPath"); err != nil {
		return nil, err
	}
	if st.outputPath, err = optPath(m, "OutputPath"); err != nil {
		return nil, err
	}
	if st.resultPath, st.resultPathNull, err = refPath(m, "ResultPath"); err != nil {
		return nil, err
	}
	st.parameters, st.hasParameters = m["Parameters"]
	st.resultSel, st.hasResSel = m["ResultSelector"]
	st.result, st.hasResult = m["Result"]
	st.assign = m["Assign"]
	st.output, st.hasOutput = m["Output"]
	st.arguments, st.hasArguments = m["Arguments"]
	st.resource, _ = m["Resource"].(string)
	st.defaultNext, _ = m["Default"].(string)
	for _, r := range asArray(m["Retry"]) {
		rm, _ := r.(map[string]any)
		rt := retrier{
			errors:      stringList(rm["ErrorEquals"]),
			interval:    num(rm, "IntervalSeconds", 1),
			maxAttempts: int(num(rm, "MaxAttempts", 3)),
			backoff:     num(rm, "BackoffRate", 2),
			maxDelay:    num(rm, "MaxDelaySeconds", 0),
		}
		rt.fullJitter = rm["JitterStrategy"] == "FULL"
		st.retry = append(st.retry, rt)
	}
	for _, c := range asArray(m["Catch"]) {
		cm, _ := c.(map[string]any)
		ct := catcher{errors: stringList(cm["ErrorEquals"]), assign: cm["Assign"]}
		ct.next, _ = cm["Next"].(string)
		ct.output, ct.hasOutput = cm["Output"]
		if ct.resultPath, ct.rpNull, err = refPath(cm, "ResultPath"); err != nil {
			return nil, err
		}
		st.catch = append(st.catch, ct)
	}
	switch st.Type {
	case "Choice":
		for _, c := range asArray(m["Choices"]) {
			cm, ok := c.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("a Choice rule is not an object")
			}
			r, err := compileChoiceRule(cm, true)
			if err != nil {
				return nil, err
			}
			st.choices = append(st.choices, r)
		}
	case "Parallel":
		for i, b := range asArray(m["Branches"]) {
			bm, ok := b.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("branch %d is not an object", i)
			}
			sc, err := compileScope(bm, jsonataDefault, fmt.Sprintf("branch %d: ", i))
			if err != nil {
				return nil, err
			}
			st.branches = append(st.branches, sc)
		}
	case "Map":
		it, ok := m["ItemProcessor"].(map[string]any)
		if !ok {
			it, ok = m["Iterator"].(map[string]any)
		}
		if !ok {
			return nil, fmt.Errorf("ItemProcessor is missing")
		}
		if pc, ok := it["ProcessorConfig"].(map[string]any); ok && pc["Mode"] == "DISTRIBUTED" {
			st.distributed = true
		}
		sc, err := compileScope(it, jsonataDefault, "ItemProcessor: ")
		if err != nil {
			return nil, err
		}
		st.iterator = sc
	case "Pass", "Task", "Wait", "Succeed", "Fail":
	default:
		return nil, fmt.Errorf("unknown Type %q", st.Type)
	}
	return st, nil
}

func asArray(v any) []any { a, _ := v.([]any); return a }
