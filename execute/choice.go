package execute

import (
	"fmt"
	"strings"
	"time"
)

// choiceRule is one Choice rule (or a nested condition under And/Or/Not).
type choiceRule struct {
	variable *Path
	op       string // "StringEquals", "IsPresent", ...; "And"/"Or"/"Not"; "Condition" (JSONata)
	value    any    // literal operand
	path     *Path  // the *Path variant's operand
	subs     []*choiceRule
	cond     string // JSONata Condition
	next     string
	assign   any
	output   any
	hasOut   bool
}

var comparisonOps = map[string]bool{
	"StringEquals": true, "StringLessThan": true, "StringGreaterThan": true, "StringLessThanEquals": true, "StringGreaterThanEquals": true,
	"StringMatches": true,
	"NumericEquals": true, "NumericLessThan": true, "NumericGreaterThan": true, "NumericLessThanEquals": true, "NumericGreaterThanEquals": true,
	"BooleanEquals":   true,
	"TimestampEquals": true, "TimestampLessThan": true, "TimestampGreaterThan": true, "TimestampLessThanEquals": true, "TimestampGreaterThanEquals": true,
	"IsNull": true, "IsPresent": true, "IsNumeric": true, "IsString": true, "IsBoolean": true, "IsTimestamp": true,
}

func compileChoiceRule(m map[string]any, top bool) (*choiceRule, error) {
	r := &choiceRule{}
	if top {
		r.next, _ = m["Next"].(string)
		r.assign = m["Assign"]
		r.output, r.hasOut = m["Output"]
	}
	if c, ok := m["Condition"]; ok {
		s, ok := c.(string)
		if !ok {
			return nil, fmt.Errorf("Condition must be a string")
		}
		r.op, r.cond = "Condition", s
		return r, nil
	}
	for _, op := range []string{"And", "Or"} {
		if v, ok := m[op]; ok {
			arr, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s must be an array", op)
			}
			r.op = op
			for _, e := range arr {
				sm, ok := e.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s holds a non-object", op)
				}
				sub, err := compileChoiceRule(sm, false)
				if err != nil {
					return nil, err
				}
				r.subs = append(r.subs, sub)
			}
			return r, nil
		}
	}
	if v, ok := m["Not"]; ok {
		sm, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Not must be an object")
		}
		sub, err := compileChoiceRule(sm, false)
		if err != nil {
			return nil, err
		}
		r.op, r.subs = "Not", []*choiceRule{sub}
		return r, nil
	}
	vs, ok := m["Variable"].(string)
	if !ok {
		return nil, fmt.Errorf("a Choice rule needs Variable, And, Or, Not or Condition")
	}
	vp, err := ParsePath(vs)
	if err != nil {
		return nil, err
	}
	r.variable = vp
	for k, v := range m {
		base := strings.TrimSuffix(k, "Path")
		if comparisonOps[k] {
			r.op, r.value = k, v
			return r, nil
		}
		if base != k && comparisonOps[base] {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s must be a path string", k)
			}
			p, err := ParsePath(s)
			if err != nil {
				return nil, err
			}
			r.op, r.path = base, p
			return r, nil
		}
	}
	return nil, fmt.Errorf("the Choice rule on %s has no comparison operator", vs)
}

// choiceEnv is what a rule reads.
type choiceEnv struct {
	input   any
	context contextFn
	vars    *scope
	jsonata func(expr string) (any, error)
}

// errInvalidChoicePath is a Variable or *Path operand naming nothing: States.Runtime.
type errInvalidChoicePath struct{ path string }

func (e errInvalidChoicePath) Error() string {
	return fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", e.path)
}

func (r *choiceRule) match(env *choiceEnv) (bool, error) {
	switch r.op {
	case "Condition":
		v, err := env.jsonata(r.cond)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, &queryError{fmt.Sprintf("The Condition field's expression must evaluate to a boolean but returned %s", MarshalJSON(v))}
		}
		return b, nil
	case "And", "Or":
		for _, s := range r.subs {
			ok, err := s.match(env)
			if err != nil {
				return false, err
			}
			if r.op == "Or" && ok {
				return true, nil
			}
			if r.op == "And" && !ok {
				return false, nil
			}
		}
		return r.op == "And", nil
	case "Not":
		ok, err := r.subs[0].match(env)
		return !ok && err == nil, err
	}
	v, err := selectPath(r.variable, env.input, env.context, env.vars)
	present := err == nil
	if r.op == "IsPresent" {
		want, _ := r.value.(bool)
		return present == want, nil
	}
	if !present {
		return false, errInvalidChoicePath{r.variable.Text}
	}
	operand := r.value
	if r.path != nil {
		operand, err = selectPath(r.path, env.input, env.context, env.vars)
		if err != nil {
			return false, errInvalidChoicePath{r.path.Text}
		}
	}
	switch r.op {
	case "IsNull":
		return (v == nil) == (operand == true), nil
	case "IsNumeric":
		_, ok := v.(float64)
		return ok == (operand == true), nil
	case "IsString":
		_, ok := v.(string)
		return ok == (operand == true), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == (operand == true), nil
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == (operand == true), nil
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b, nil
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(a, b), nil
	}
	switch {
	case strings.HasPrefix(r.op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		return compareOrdered(strings.Compare(a, b), strings.TrimPrefix(r.op, "String")), nil
	case strings.HasPrefix(r.op, "Numeric"):
		a, ok1 := v.(float64)
		b, ok2 := operand.(float64)
		if !ok1 || !ok2 {
			return false, nil
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return compareOrdered(c, strings.TrimPrefix(r.op, "Numeric")), nil
	case strings.HasPrefix(r.op, "Timestamp"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		ta, ok1 := parseTimestamp(a)
		tb, ok2 := parseTimestamp(b)
		if !ok1 || !ok2 {
			return false, nil
		}
		return compareOrdered(ta.Compare(tb), strings.TrimPrefix(r.op, "Timestamp")), nil
	}
	return false, fmt.Errorf("unknown operator %s", r.op)
}

func compareOrdered(c int, rel string) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// parseTimestamp accepts the RFC 3339 profile Step Functions documents: an
// uppercase T between date and time, and an uppercase Z or a numeric offset.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || s[10] != 'T' || strings.ContainsRune(s, 'z') {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// stringMatches implements StringMatches: '*' matches any run of characters;
// "\*" is a literal star and "\\" a literal backslash.
func stringMatches(s, pattern string) bool {
	type tok struct {
		lit  rune
		star bool
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			toks = append(toks, tok{lit: rs[i+1]})
			i++
			continue
		}
		toks = append(toks, tok{lit: rs[i], star: rs[i] == '*'})
	}
	str := []rune(s)
	// Iterative wildcard match with backtracking to the last star.
	si, pi, starP, starS := 0, 0, -1, 0
	for si < len(str) {
		if pi < len(toks) && !toks[pi].star && toks[pi].lit == str[si] {
			si++
			pi++
		} else if pi < len(toks) && toks[pi].star {
			starP, starS = pi, si
			pi++
		} else if starP >= 0 {
			pi = starP + 1
			starS++
			si = starS
		} else {
			return false
		}
	}
	for pi < len(toks) && toks[pi].star {
		pi++
	}
	return pi == len(toks)
}
