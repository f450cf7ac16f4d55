package execute

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// selectPath evaluates a JSONPath against the input, the context object
// ("$$") or a variable ("$name").
func selectPath(p *Path, input any, context contextFn, vars *scope) (any, error) {
	switch {
	case p.Context:
		return p.Select(context())
	case p.Var != "":
		v, ok := vars.get(p.Var)
		if !ok {
			return nil, fmt.Errorf("The variable '$%s' is not defined", p.Var)
		}
		return p.Select(v)
	}
	return p.Select(input)
}

// payload evaluates a payload template (Parameters, ResultSelector,
// ItemSelector, JSONPath Assign): "key.$" members take the value of their
// path or intrinsic function; other values are copied.
func (r *runner) payload(s *stateRun, tmpl any, input any, item *mapItem, field string) (any, *execError) {
	ctx := r.ctx(s, item)
	return r.payloadValue(s, tmpl, input, ctx, field)
}

func (r *runner) payloadValue(s *stateRun, tmpl, input any, ctx contextFn, field string) (any, *execError) {
	switch t := tmpl.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				expr, isStr := v.(string)
				if !isStr {
					return nil, s.runtimeErr("The value of the field '%s' must be a path or an intrinsic function", k)
				}
				val, err := r.dynamicValue(s, expr, input, ctx, k)
				if err != nil {
					return nil, err
				}
				out[name] = val
				continue
			}
			val, err := r.payloadValue(s, v, input, ctx, field)
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			val, err := r.payloadValue(s, v, input, ctx, field)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return tmpl, nil
}

func (r *runner) dynamicValue(s *stateRun, expr string, input any, ctx contextFn, key string) (any, *execError) {
	if isIntrinsic(expr) {
		c, err := r.m.cache.intrinsic(expr)
		if err != nil {
			return nil, &execError{Error: "States.IntrinsicFailure", Cause: s.prefix() + fmt.Sprintf("The intrinsic function '%s' in the field '%s' is invalid: %v", expr, key, err)}
		}
		v, err := c.eval(&intrinsicEnv{input: input, context: ctx, vars: s.vars, rand: r.rnd})
		if err != nil {
			var ie *intrinsicError
			if errors.As(err, &ie) {
				return nil, &execError{Error: "States.IntrinsicFailure", Cause: s.prefix() + fmt.Sprintf("Invalid arguments in %s: %s", c.Name, ie.msg)}
			}
			return nil, s.runtimeErr("The JSONPath in '%s' specified for the field '%s' could not be found in the input '%s'", expr, key, MarshalJSON(input))
		}
		return v, nil
	}
	p, err := r.m.cache.path(expr)
	if err != nil {
		return nil, s.runtimeErr("The value '%s' of the field '%s' is not a valid JSONPath: %v", expr, key, err)
	}
	v, err := selectPath(p, input, ctx, s.vars)
	if err != nil {
		if p.Var != "" {
			return nil, s.runtimeErr("The variable '$%s' specified for the field '%s' is not defined", p.Var, key)
		}
		where := MarshalJSON(input)
		if p.Context {
			where = MarshalJSON(ctx())
		}
		return nil, s.runtimeErr("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", expr, key, where)
	}
	return v, nil
}

// jsonataTemplate evaluates a JSONata field: every string "{% expr %}" inside
// it is replaced by the expression's value. An expression that is undefined,
// at the top or inside an object or array, fails the state with
// States.QueryEvaluationError naming the expression and where it was written
// ("Output", "Arguments/Input/pushLocation", "Output/list[1]"), as AWS does:
// "The JSONata expression '$states.input.pushLocation' specified for the
// field 'Arguments/Input/pushLocation' returned nothing (undefined)." (an
// AWS execution's cause quoted in a public repository; see
// fixtures/execute/recorded_jsonata_undefined.test.json).
func (r *runner) jsonataTemplate(s *stateRun, tmpl any, states map[string]any, field string) (any, *execError) {
	switch t := tmpl.(type) {
	case string:
		if !isJSONataTemplate(t) {
			return t, nil
		}
		body := jsonataBody(t)
		v, ok, err := r.m.jsonata.eval(body, states, s.vars, r.rnd)
		if err != nil {
			return nil, &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + err.Error()}
		}
		if !ok {
			return nil, &execError{Error: "States.QueryEvaluationError", Cause: s.prefix() + fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", body, field)}
		}
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, v := range t {
			val, err := r.jsonataTemplate(s, v, states, field+"/"+k)
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, v := range t {
			val, err := r.jsonataTemplate(s, v, states, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return tmpl, nil
}

// parseCache keeps each path and intrinsic call of a payload template parsed
// once per Machine; Run may be called from several goroutines.
type parseCache struct {
	paths      memo[*Path]
	intrinsics memo[*intrinsic]
}

func (c *parseCache) path(expr string) (*Path, error) { return c.paths.get(expr, ParsePath) }

func (c *parseCache) intrinsic(expr string) (*intrinsic, error) {
	return c.intrinsics.get(expr, parseIntrinsic)
}

// memo keeps what parse returned for each expression text, errors aside
// (they are reported each time); it is safe for concurrent use. Paths,
// intrinsic calls and JSONata expressions are each parsed once per Machine.
type memo[T any] struct {
	mu   sync.Mutex
	done map[string]T
}

func (m *memo[T]) get(expr string, parse func(string) (T, error)) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.done[expr]; ok {
		return v, nil
	}
	v, err := parse(expr)
	if err != nil {
		return v, err
	}
	if m.done == nil {
		m.done = map[string]T{}
	}
	m.done[expr] = v
	return v, nil
}
