package execute

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jtypes"
)

// queryError is a JSONata expression that failed: States.QueryEvaluationError.
type queryError struct{ msg string }

func (e *queryError) Error() string { return e.msg }

// jsonataCache holds each expression compiled once per Machine. Eval works
// on a copy, so the variables bound for one evaluation never leak into the next.
type jsonataCache struct {
	exprs memo[*jsonata.Expr]
}

// isJSONataTemplate reports whether s is "{% expression %}".
func isJSONataTemplate(s string) bool {
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, "{%") && strings.HasSuffix(t, "%}") && len(t) >= 4
}

func jsonataBody(s string) string {
	t := strings.TrimSpace(s)
	return strings.TrimSpace(t[2 : len(t)-2])
}

// eval evaluates one expression with $states and the visible variables bound.
// An undefined result is (nil, false, nil).
func (c *jsonataCache) eval(expr string, states map[string]any, vars *scope, r *rng) (any, bool, error) {
	compiled, err := c.exprs.get(expr, jsonata.Compile)
	if err != nil {
		return nil, false, &queryError{fmt.Sprintf("The JSONata expression '%s' is invalid: %v", expr, err)}
	}
	cp := *compiled // Eval binds variables on the copy
	bound := map[string]any{"states": jsonataValue(states)}
	for s := vars; s != nil; s = s.parent {
		for k, v := range s.vars {
			if _, shadowed := bound[k]; !shadowed {
				bound[k] = jsonataValue(v)
			}
		}
	}
	if err := cp.RegisterVars(bound); err != nil {
		return nil, false, &queryError{err.Error()}
	}
	if err := cp.RegisterExts(awsJSONataFunctions(r)); err != nil {
		return nil, false, &queryError{err.Error()}
	}
	v, err := evalSafely(&cp)
	if errors.Is(err, jsonata.ErrUndefined) {
		if arr, ok := emptyArrayAt(expr, states, vars); ok {
			return arr, true, nil
		}
		return nil, false, nil
	}
	if err != nil {
		return nil, false, &queryError{fmt.Sprintf("An error occurred while evaluating the JSONata expression '%s': %v", expr, err)}
	}
	return normalize(v), true, nil
}

// evalSafely turns a panic inside the library into an evaluation error, so a
// user's expression can never crash a run.
func evalSafely(e *jsonata.Expr) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return e.Eval(nil)
}

// jsonataNull stands for JSON null: the library treats a nil interface as
// "no value", and a typed nil pointer as null.
var jsonataNull = (*struct{})(nil)

func jsonataValue(v any) any {
	return mapJSON(v, func(leaf any) any {
		if leaf == nil {
			return jsonataNull
		}
		return leaf
	})
}

// awsJSONataFunctions are the functions Step Functions adds to JSONata:
// $partition, $range, $hash, $random, $uuid and $parse.
func awsJSONataFunctions(r *rng) map[string]jsonata.Extension {
	return map[string]jsonata.Extension{
		"partition": {Func: func(arr []any, size float64) ([]any, error) {
			v, err := fnArrayPartition("$partition", []any{normalize(arr), size}, nil)
			if err != nil {
				return nil, err
			}
			return v.([]any), nil
		}},
		"range": {Func: func(start, end, step float64) ([]any, error) {
			v, err := fnArrayRange("$range", []any{start, end, step}, nil)
			if err != nil {
				return nil, err
			}
			return v.([]any), nil
		}},
		"hash": {Func: func(data any, alg string) (string, error) {
			s, ok := data.(string)
			if !ok {
				s = MarshalJSON(normalize(data))
			}
			h := newHash(alg)
			if h == nil {
				return "", fmt.Errorf("unsupported hash algorithm %q", alg)
			}
			h.Write([]byte(s))
			return hex.EncodeToString(h.Sum(nil)), nil
		}},
		// $string as JSONata 2.0.6 (the version AWS runs) defines it: a
		// fractional number keeps 15 significant digits, so
		// $string(0.1 + 0.2) is "0.3" (jsonata-js functions.js
		// Number(val.toPrecision(15)); the Go library leaves this as a TODO).
		"string": {Func: jsonataString, UndefinedHandler: jtypes.ArgUndefined(0), EvalContextHandler: jtypes.ArgCountEquals(0)},
		// $type must know how JSON null is bound here (jsonataNull).
		"type":   {Func: jsonataType, UndefinedHandler: jtypes.ArgUndefined(0)},
		"random": {Func: func() float64 { return r.float() }},
		"uuid":   {Func: func() string { return r.uuid() }},
		"parse": {Func: func(s string) (any, error) {
			v, err := ParseJSON([]byte(s))
			if err != nil {
				return nil, err
			}
			return jsonataValue(v), nil
		}},
	}
}

// jsonataString is JSONata's $string: a string unchanged, a function "",
// anything else its JSON text with fractional numbers cut to 15
// significant digits.
func jsonataString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case jtypes.Callable:
		return "", nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("attempting to invoke string function on Infinity or NaN")
		}
	}
	return MarshalJSON(precision15(normalize(v))), nil
}

func precision15(v any) any {
	return mapJSON(v, func(leaf any) any {
		x, ok := leaf.(float64)
		if !ok || isInteger(x) {
			return leaf
		}
		r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
		if err != nil {
			return x
		}
		return r
	})
}

// simplePath is a JSONata path of plain names from a variable: $states.input.items.
var simplePath = regexp.MustCompile(`^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$`)

// emptyArrayAt answers for a plain path the Go library finds undefined
// although it leads to an array with no values (such as []): JSONata 2.0.6,
// which AWS runs, returns that array ($states.input.items on {"items": []}
// is []), while the library flattens it away.
func emptyArrayAt(expr string, states map[string]any, vars *scope) (any, bool) {
	m := simplePath.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return nil, false
	}
	var cur any
	if m[1] == "states" {
		cur = states
	} else {
		found := false
		for s := vars; s != nil && !found; s = s.parent {
			cur, found = s.vars[m[1]]
		}
		if !found {
			return nil, false
		}
	}
	for _, name := range strings.Split(m[2], ".")[1:] {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[name]; !ok {
			return nil, false
		}
	}
	arr, ok := cur.([]any)
	return arr, ok
}

// jsonataType is JSONata's $type: "null", "number", "string", "boolean",
// "array", "object" or "function".
func jsonataType(v any) string {
	if _, ok := v.(jtypes.Callable); ok {
		return "function"
	}
	switch normalize(v).(type) {
	case nil:
		return "null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}
