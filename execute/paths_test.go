package execute

import "testing"

func TestJSONPathSelect(t *testing.T) {
	doc, _ := ParseJSON([]byte(`{"store": {"book": [
	  {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
	  {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
	  {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99}],
	  "bicycle": {"color": "red", "price": 19.95}}, "a.b": 1, "arr": [1, 2, 3, 4]}`))
	cases := []struct{ path, want string }{
		{"$", MarshalJSON(doc)},
		{"$.store.bicycle.color", `"red"`},
		{"$['store']['bicycle']['price']", `19.95`},
		{"$['a.b']", `1`},
		{"$.store.book[0].title", `"Sayings of the Century"`},
		{"$.store.book[-1].author", `"Herman Melville"`},
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville"]`},
		{"$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville"]`},
		{"$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
		{"$.store.book[?(@.isbn)].title", `["Moby Dick"]`},
		{"$.store.book[?(@.category == 'fiction' && @.price > 10)].title", `["Sword of Honour"]`},
		{"$.store.book[0,2].price", `[8.95,8.99]`},
		{"$.store.book[:2].price", `[8.95,12.99]`},
		{"$.arr[1:3]", `[2,3]`},
		{"$.arr[-2:]", `[3,4]`},
		{"$.arr[::2]", `[1,3]`},
		{"$.store.bicycle.*", `["red",19.95]`},
		{"$.nothing[*]", `[]`},
	}
	for _, tc := range cases {
		p, err := ParsePath(tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		v, err := p.Select(doc)
		if err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if got := MarshalJSON(v); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.path, got, tc.want)
		}
	}
	for _, missing := range []string{"$.nope", "$.store.book[7]", "$.arr.x"} {
		p, _ := ParsePath(missing)
		if _, err := p.Select(doc); err == nil {
			t.Errorf("%s: a definite path to nothing must fail", missing)
		}
	}
	p, _ := ParsePath("$.a.b[2]")
	if _, err := p.Select(map[string]any{}); err == nil || err.Error() != "No results for path: $['a']['b'][2]" {
		t.Errorf("cause wording: %v", err)
	}
	for _, bad := range []string{"a.b", "$.", "$[", "$[?(@.a ==)]", "$['a'"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("%q should not parse", bad)
		}
	}
}

func TestSetReference(t *testing.T) {
	in, _ := ParseJSON([]byte(`{"a": {"b": 1}, "l": [1, {"x": 1}]}`))
	cases := []struct{ path, want string }{
		{"$", `"v"`},
		{"$.a.c", `{"a":{"b":1,"c":"v"},"l":[1,{"x":1}]}`},
		{"$.new.deep", `{"a":{"b":1},"l":[1,{"x":1}],"new":{"deep":"v"}}`},
		{"$.l[1].y", `{"a":{"b":1},"l":[1,{"x":1,"y":"v"}]}`},
	}
	for _, tc := range cases {
		steps, err := ParseReferencePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := setReference(in, steps, "v")
		if err != nil || MarshalJSON(out) != tc.want {
			t.Errorf("%s: %s %v", tc.path, MarshalJSON(out), err)
		}
	}
	if MarshalJSON(in) != `{"a":{"b":1},"l":[1,{"x":1}]}` {
		t.Errorf("setReference changed its input: %s", MarshalJSON(in))
	}
	for _, bad := range []string{"$.a.b.c", "$.l[5]"} {
		steps, _ := ParseReferencePath(bad)
		if _, err := setReference(in, steps, "v"); err == nil {
			t.Errorf("%s must fail", bad)
		}
	}
	if _, err := ParseReferencePath("$..a"); err == nil {
		t.Error("a deep scan is not a reference path")
	}
}

func TestChoiceOperators(t *testing.T) {
	input, _ := ParseJSON([]byte(`{"s": "b", "n": 5, "t": true, "ts": "2024-05-01T10:00:00Z", "nul": null, "other": "c", "star": "a*b", "num": "5"}`))
	cases := []struct {
		rule string
		want bool
	}{
		{`{"Variable": "$.s", "StringEquals": "b"}`, true},
		{`{"Variable": "$.s", "StringLessThan": "c"}`, true},
		{`{"Variable": "$.s", "StringGreaterThanEquals": "b"}`, true},
		{`{"Variable": "$.s", "StringLessThanPath": "$.other"}`, true},
		{`{"Variable": "$.n", "StringEquals": "5"}`, false},
		{`{"Variable": "$.n", "NumericEquals": 5}`, true},
		{`{"Variable": "$.n", "NumericLessThanEquals": 4.5}`, false},
		{`{"Variable": "$.n", "NumericGreaterThan": 4}`, true},
		{`{"Variable": "$.num", "NumericEquals": 5}`, false},
		{`{"Variable": "$.t", "BooleanEquals": true}`, true},
		{`{"Variable": "$.t", "BooleanEqualsPath": "$.t"}`, true},
		{`{"Variable": "$.ts", "TimestampGreaterThan": "2024-05-01T09:59:59Z"}`, true},
		{`{"Variable": "$.ts", "TimestampEquals": "2024-05-01T12:00:00+02:00"}`, true},
		{`{"Variable": "$.ts", "TimestampLessThan": "2024-05-01t11:00:00z"}`, false},
		{`{"Variable": "$.s", "StringMatches": "*"}`, true},
		{`{"Variable": "$.star", "StringMatches": "a\\*b"}`, true},
		{`{"Variable": "$.other", "StringMatches": "a\\*b"}`, false},
		{`{"Variable": "$.star", "StringMatches": "a*"}`, true},
		{`{"Variable": "$.nope", "IsPresent": false}`, true},
		{`{"Variable": "$.nul", "IsPresent": true}`, true},
		{`{"Variable": "$.nul", "IsNull": true}`, true},
		{`{"Variable": "$.n", "IsNumeric": true}`, true},
		{`{"Variable": "$.num", "IsNumeric": true}`, false},
		{`{"Variable": "$.s", "IsString": true}`, true},
		{`{"Variable": "$.t", "IsBoolean": false}`, false},
		{`{"Variable": "$.ts", "IsTimestamp": true}`, true},
		{`{"Variable": "$.s", "IsTimestamp": true}`, false},
		{`{"Not": {"Variable": "$.s", "StringEquals": "b"}}`, false},
		{`{"Or": [{"Variable": "$.s", "StringEquals": "x"}, {"Variable": "$.n", "NumericEquals": 5}]}`, true},
		{`{"And": [{"Variable": "$.s", "StringEquals": "b"}, {"Variable": "$.n", "NumericEquals": 6}]}`, false},
	}
	for _, tc := range cases {
		m, _ := ParseJSON([]byte(tc.rule))
		r, err := compileChoiceRule(m.(map[string]any), false)
		if err != nil {
			t.Errorf("%s: %v", tc.rule, err)
			continue
		}
		got, err := r.match(&choiceEnv{input: input, context: func() any { return nil }})
		if err != nil || got != tc.want {
			t.Errorf("%s = %v (%v), want %v", tc.rule, got, err, tc.want)
		}
	}
}

func TestStringMatches(t *testing.T) {
	cases := []struct {
		s, pattern string
		want       bool
	}{
		{"log-2024.txt", "log-*.txt", true},
		{"log-.txt", "log-*.txt", true},
		{"log-2024.txt.bak", "log-*.txt", false},
		{"abc", "*b*", true},
		{"a*c", `a\*c`, true},
		{"abc", `a\*c`, false},
		{`a\c`, `a\\c`, true},
		{"", "*", true},
		{"x", "", false},
	}
	for _, tc := range cases {
		if got := stringMatches(tc.s, tc.pattern); got != tc.want {
			t.Errorf("StringMatches(%q, %q) = %v", tc.s, tc.pattern, got)
		}
	}
}

func TestIntrinsicErrors(t *testing.T) {
	env := &intrinsicEnv{input: map[string]any{"a": []any{1.0, 2.0}, "s": "x"}, context: func() any { return nil }, rand: newRNG(1)}
	bad := []string{
		"States.ArrayGetItem($.a, 2)",
		"States.ArrayPartition($.a, 0)",
		"States.ArrayRange(1, 5000, 1)",
		"States.ArrayRange(1, 5, 0)",
		"States.MathAdd($.s, 1)",
		"States.MathAdd(1, true)", // fractional operands are rounded (recorded_math_add)
		"States.Format('{} {}', 1)",
		"States.StringToJson('{nope')",
		"States.Hash($.s, 'SHA-3')",
		"States.JsonMerge($.a, $.a, false)",
		"States.Base64Decode('***')",
		"States.MathRandom(5, 1)",
		"States.ArrayLength($.s)",
	}
	for _, expr := range bad {
		c, err := parseIntrinsic(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if _, err := c.eval(env); err == nil {
			t.Errorf("%s must fail", expr)
		} else if _, ok := err.(*intrinsicError); !ok {
			t.Errorf("%s: want an intrinsic failure, got %T %v", expr, err, err)
		}
	}
	for _, unparsable := range []string{"States.Nope()", "States.Format('x'", "States.Array($.a,)", "States.Format('\\')"} {
		if _, err := parseIntrinsic(unparsable); err == nil {
			t.Errorf("%s must not parse", unparsable)
		}
	}
	c, _ := parseIntrinsic("States.MathRandom(1, 10, 7)")
	a, _ := c.eval(env)
	b, _ := c.eval(&intrinsicEnv{rand: newRNG(99)})
	if a != b || a.(float64) < 1 || a.(float64) >= 10 {
		t.Errorf("a seeded MathRandom repeats and stays in [1, 10): %v %v", a, b)
	}
	u, _ := parseIntrinsic("States.UUID()")
	v, _ := u.eval(env)
	if s := v.(string); len(s) != 36 || s[14] != '4' {
		t.Errorf("UUID %q is not a version 4 UUID", s)
	}
}
