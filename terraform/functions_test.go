package terraform

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// functionsModule is the module every function case is evaluated in: values
// that are known, an object with an attribute known only after apply, and a
// variable with no value (unknown, with a reason).
const functionsModule = `
variable "no_value" {}

variable "sizes" {
  default = {
    SyncGranule   = 3008
    QueueGranules = 900
  }
}

variable "empty" {
  default = ""
}

resource "aws_lambda_function" "x" {
  function_name = "x"
  memory_size   = max(lookup(var.sizes, "SyncGranule", 128), 256)
  timeout       = element([60, 900], length("ab") + 1)
  handler       = format("%s.%s", lower("INDEX"), replace("handler_v2", "/_v[0-9]+$/", ""))
}

locals {
  obj    = { a = 1 }
  list   = ["a", "b", "c"]
  partly = { known = 1024, arn = aws_lambda_function.x.arn }
  tuple  = [1024, aws_lambda_function.x.arn]
}
`

// Why reasons of the unknown values in functionsModule.
const (
	noValue    = "var.no_value has no value"
	afterApply = "aws_lambda_function.x.arn is known only after apply"
)

// fnCase is one call of a Terraform function. Exactly one of want, err and
// unknown says what Terraform does with it:
//   - want: the value `terraform console` prints (type included);
//   - err: Terraform rejects the call; the fact is unknown and its Why is the
//     diagnostic, positioned at test.tf:1:<col> and containing err;
//   - unknown: the result depends on a value not known here; the fact is
//     unknown and its Why contains this reason.
type fnCase struct {
	fn      string // the function under test (each must have ok, error and unknown cases)
	src     string
	want    cty.Value
	err     string
	col     int // the column the error diagnostic points at
	unknown string
}

func strs(ss ...string) []cty.Value {
	out := make([]cty.Value, len(ss))
	for i, s := range ss {
		out[i] = cty.StringVal(s)
	}
	return out
}

var functionCases = []fnCase{
	// lookup(map, key, default): the default only when the key is absent.
	{fn: "lookup", src: `lookup({a = "ay", b = "bee"}, "a", "what?")`, want: cty.StringVal("ay")},
	{fn: "lookup", src: `lookup({a = "ay", b = "bee"}, "c", "what?")`, want: cty.StringVal("what?")},
	{fn: "lookup", src: `lookup(var.sizes, "QueueGranules", 128)`, want: cty.NumberIntVal(900)},
	{fn: "lookup", src: `lookup(tomap({a = 1}), "b", 2)`, want: cty.NumberIntVal(2)},
	// The default is optional (deprecated since 0.7, still accepted).
	{fn: "lookup", src: `lookup({a = "ay"}, "a")`, want: cty.StringVal("ay")},
	// Only the looked-up element needs to be known, and the default only when used.
	{fn: "lookup", src: `lookup(local.partly, "known", 1)`, want: cty.NumberIntVal(1024)},
	{fn: "lookup", src: `lookup(var.sizes, "SyncGranule", var.no_value)`, want: cty.NumberIntVal(3008)},
	{fn: "lookup", src: `lookup({a = "ay"}, "b")`, err: `the given object has no attribute "b"`, col: 8},
	{fn: "lookup", src: `lookup(tomap({a = "ay"}), "b")`, err: `lookup failed to find key "b"`, col: 1},
	{fn: "lookup", src: `lookup(tomap({a = 1}), "b", "x")`, err: "the default value must have the same type as the map elements", col: 30},
	{fn: "lookup", src: `lookup("abc", "a", "b")`, err: "lookup() requires a map as the first argument", col: 9},
	{fn: "lookup", src: `lookup({a = 1})`, err: "Not enough function arguments", col: 15},
	{fn: "lookup", src: `lookup({a = 1}, "a", 1, 2)`, err: "lookup() takes two or three arguments, got 4", col: 1},
	{fn: "lookup", src: `lookup(var.no_value, "a", 1)`, unknown: noValue},
	{fn: "lookup", src: `lookup(local.partly, "arn", "x")`, unknown: afterApply},
	{fn: "lookup", src: `lookup(var.sizes, var.no_value, 1)`, unknown: noValue},

	// merge: later arguments win.
	{fn: "merge", src: `merge({a = "b", c = "d"}, {e = "f", c = "z"})`,
		want: cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("b"), "c": cty.StringVal("z"), "e": cty.StringVal("f")})},
	{fn: "merge", src: `merge(tomap({a = "b"}), tomap({c = "d"}))`,
		want: cty.MapVal(map[string]cty.Value{"a": cty.StringVal("b"), "c": cty.StringVal("d")})},
	{fn: "merge", src: `merge("x")`, err: "arguments must be maps or objects", col: 1},
	{fn: "merge", src: `merge(var.no_value, {a = 1})`, unknown: noValue},

	// coalesce: the first argument neither null nor "", all converted to one type.
	{fn: "coalesce", src: `coalesce("a", "b")`, want: cty.StringVal("a")},
	{fn: "coalesce", src: `coalesce("", "b")`, want: cty.StringVal("b")},
	{fn: "coalesce", src: `coalesce(1, 2)`, want: cty.NumberIntVal(1)},
	{fn: "coalesce", src: `coalesce(["", "b"]...)`, want: cty.StringVal("b")},
	{fn: "coalesce", src: `coalesce(null, var.empty, "c")`, want: cty.StringVal("c")},
	{fn: "coalesce", src: `coalesce(1, "hello")`, want: cty.StringVal("1")},
	{fn: "coalesce", src: `coalesce(true, "hello")`, want: cty.StringVal("true")},
	{fn: "coalesce", src: `coalesce({}, "hello")`, err: "all arguments must have the same type", col: 1},
	{fn: "coalesce", src: `coalesce(null, "")`, err: "no non-null, non-empty-string arguments", col: 1},
	{fn: "coalesce", src: `coalesce(var.no_value, "b")`, unknown: noValue},

	// try: the first argument that evaluates without error.
	{fn: "try", src: `try(local.obj.missing, "fallback")`, want: cty.StringVal("fallback")},
	{fn: "try", src: `try(local.obj.a, "fallback")`, want: cty.NumberIntVal(1)},
	{fn: "try", src: `try(tonumber("x"), 0)`, want: cty.NumberIntVal(0)},
	{fn: "try", src: `try()`, err: "at least one argument is required", col: 1},
	{fn: "try", src: `try(local.obj.missing)`, err: "no expression succeeded:\n- Unsupported attribute (at test.tf:1,14-22)", col: 1},
	{fn: "try", src: `try(var.no_value, 1)`, unknown: noValue},

	// can: whether its argument evaluates without error.
	{fn: "can", src: `can(local.obj.a)`, want: cty.True},
	{fn: "can", src: `can(local.obj.missing)`, want: cty.False},
	{fn: "can", src: `can(tonumber("x"))`, want: cty.False},
	{fn: "can", src: `can(tonumber("12"))`, want: cty.True},
	{fn: "can", src: `can()`, err: "Not enough function arguments", col: 5},
	{fn: "can", src: `can(1, 2)`, err: "Too many function arguments", col: 8},
	{fn: "can", src: `can(var.no_value)`, unknown: noValue},

	// concat: lists or tuples, end to end.
	{fn: "concat", src: `concat(["a", ""], ["b", "c"])`, want: cty.TupleVal(strs("a", "", "b", "c"))},
	{fn: "concat", src: `concat(tolist(["a"]), tolist(["b"]))`, want: cty.ListVal(strs("a", "b"))},
	{fn: "concat", src: `concat(["a"], "b")`, err: "all arguments must be lists or tuples", col: 16},
	{fn: "concat", src: `concat(["a"], var.no_value)`, unknown: noValue},

	// format: printf-like verbs.
	{fn: "format", src: `format("%03d", 7)`, want: cty.StringVal("007")},
	{fn: "format", src: `format("Hello, %s!", "Ander")`, want: cty.StringVal("Hello, Ander!")},
	{fn: "format", src: `format("There are %d lights", 4)`, want: cty.StringVal("There are 4 lights")},
	{fn: "format", src: `format("%s-%d", "sit", "7")`, want: cty.StringVal("sit-7")},
	{fn: "format", src: `format("%.2f", 3.14159)`, want: cty.StringVal("3.14")},
	{fn: "format", src: `format("%d", "x")`, err: `unsupported value for "%d" at 0: a number is required`, col: 1},
	{fn: "format", src: `format("%s %s", "a")`, err: `not enough arguments for "%s" at 3`, col: 1},
	{fn: "format", src: `format()`, err: "Not enough function arguments", col: 8},
	{fn: "format", src: `format("%s-x", var.no_value)`, unknown: noValue},

	// join
	{fn: "join", src: `join(", ", ["foo", "bar", "baz"])`, want: cty.StringVal("foo, bar, baz")},
	{fn: "join", src: `join(", ", ["foo"])`, want: cty.StringVal("foo")},
	{fn: "join", src: `join("-", [], ["a", "b"])`, want: cty.StringVal("a-b")},
	{fn: "join", src: `join(",", "a")`, err: "list of string required", col: 12},
	{fn: "join", src: `join(",")`, err: "at least one list is required", col: 1},
	{fn: "join", src: `join(",", ["a", var.no_value])`, unknown: noValue},

	// lower / upper
	{fn: "lower", src: `lower("HELLO")`, want: cty.StringVal("hello")},
	{fn: "lower", src: `lower("АЛЛО!")`, want: cty.StringVal("алло!")},
	{fn: "lower", src: `lower(["A"])`, err: "string required", col: 7},
	{fn: "lower", src: `lower()`, err: "Not enough function arguments", col: 7},
	{fn: "lower", src: `lower(var.no_value)`, unknown: noValue},
	{fn: "upper", src: `upper("hello")`, want: cty.StringVal("HELLO")},
	{fn: "upper", src: `upper("алло!")`, want: cty.StringVal("АЛЛО!")},
	{fn: "upper", src: `upper({})`, err: "string required", col: 7},
	{fn: "upper", src: `upper("a", "b")`, err: "Too many function arguments", col: 13},
	{fn: "upper", src: `upper(var.no_value)`, unknown: noValue},

	// min / max of numbers, strings converted.
	{fn: "min", src: `min(12, 54, 3)`, want: cty.NumberIntVal(3)},
	{fn: "min", src: `min([12, 54, 3]...)`, want: cty.NumberIntVal(3)},
	{fn: "min", src: `min("128", 256)`, want: cty.NumberIntVal(128)},
	{fn: "min", src: `min(-1.5, 0)`, want: cty.NumberFloatVal(-1.5)},
	{fn: "min", src: `min()`, err: "must pass at least one number", col: 1},
	{fn: "min", src: `min(1, "x")`, err: "a number is required", col: 9},
	{fn: "min", src: `min(1, var.no_value)`, unknown: noValue},
	{fn: "max", src: `max(12, 54, 3)`, want: cty.NumberIntVal(54)},
	{fn: "max", src: `max([12, 54, 3]...)`, want: cty.NumberIntVal(54)},
	{fn: "max", src: `max(lookup(var.sizes, "SyncGranule", 128), 10240)`, want: cty.NumberIntVal(10240)},
	{fn: "max", src: `max()`, err: "must pass at least one number", col: 1},
	{fn: "max", src: `max(["a"])`, err: "number required", col: 5},
	{fn: "max", src: `max(var.no_value, 128)`, unknown: noValue},

	// length: lists, maps, objects, tuples and strings (in characters).
	{fn: "length", src: `length([])`, want: cty.NumberIntVal(0)},
	{fn: "length", src: `length(["a", "b"])`, want: cty.NumberIntVal(2)},
	{fn: "length", src: `length({"a" = "b"})`, want: cty.NumberIntVal(1)},
	{fn: "length", src: `length(tomap({"a" = "b", "c" = "d"}))`, want: cty.NumberIntVal(2)},
	{fn: "length", src: `length("hello")`, want: cty.NumberIntVal(5)},
	{fn: "length", src: `length("👾🕹️")`, want: cty.NumberIntVal(2)},
	{fn: "length", src: `length(local.partly)`, want: cty.NumberIntVal(2)},
	{fn: "length", src: `length([1, var.no_value])`, want: cty.NumberIntVal(2)},
	{fn: "length", src: `length(5)`, err: "argument must be a string, a collection type, or a structural type", col: 8},
	{fn: "length", src: `length()`, err: "Not enough function arguments", col: 8},
	{fn: "length", src: `length(var.no_value)`, unknown: noValue},

	// element: wraps around in both directions.
	{fn: "element", src: `element(["a", "b", "c"], 1)`, want: cty.StringVal("b")},
	{fn: "element", src: `element(["a", "b", "c"], 3)`, want: cty.StringVal("a")},
	{fn: "element", src: `element(["a", "b", "c"], -1)`, want: cty.StringVal("c")},
	{fn: "element", src: `element(local.list, length(local.list) - 1)`, want: cty.StringVal("c")},
	{fn: "element", src: `element(local.tuple, 2)`, want: cty.NumberIntVal(1024)},
	{fn: "element", src: `element([], 0)`, err: "cannot use element function with an empty list", col: 1},
	{fn: "element", src: `element("abc", 0)`, err: "cannot read elements from string", col: 1},
	{fn: "element", src: `element(["a"], "x")`, err: "a number is required", col: 17},
	{fn: "element", src: `element(local.list, var.no_value)`, unknown: noValue},
	{fn: "element", src: `element(local.tuple, 1)`, unknown: afterApply},

	// contains
	{fn: "contains", src: `contains(["a", "b", "c"], "a")`, want: cty.True},
	{fn: "contains", src: `contains(["a", "b", "c"], "d")`, want: cty.False},
	{fn: "contains", src: `contains(keys(var.sizes), "SyncGranule")`, want: cty.True},
	{fn: "contains", src: `contains("abc", "a")`, err: "argument must be list, tuple, or set", col: 1},
	{fn: "contains", src: `contains(["a"])`, err: "Not enough function arguments", col: 15},
	{fn: "contains", src: `contains(["a", var.no_value], "b")`, unknown: noValue},

	// keys / values: sorted by key.
	{fn: "keys", src: `keys({a = 1, c = 2, d = 3})`, want: cty.TupleVal(strs("a", "c", "d"))},
	{fn: "keys", src: `keys({d = 1, b = 2})`, want: cty.TupleVal(strs("b", "d"))},
	{fn: "keys", src: `keys(tomap({z = 1, a = 2}))`, want: cty.ListVal(strs("a", "z"))},
	{fn: "keys", src: `keys(local.partly)`, want: cty.TupleVal(strs("arn", "known"))},
	{fn: "keys", src: `keys("x")`, err: "must have map or object type", col: 7},
	{fn: "keys", src: `keys(var.no_value)`, unknown: noValue},
	{fn: "values", src: `values({a = 3, c = 2, d = 1})`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(3), cty.NumberIntVal(2), cty.NumberIntVal(1)})},
	{fn: "values", src: `values({d = "x", b = "y"})`, want: cty.TupleVal(strs("y", "x"))},
	{fn: "values", src: `values(tomap({z = "1", a = "2"}))`, want: cty.ListVal(strs("2", "1"))},
	{fn: "values", src: `values(5)`, err: "values() requires a map as the first argument", col: 1},
	{fn: "values", src: `values(var.no_value)`, unknown: noValue},
	{fn: "values", src: `values(local.partly)`, unknown: afterApply},

	// replace: a substring, or a /regex/ with $n captures.
	{fn: "replace", src: `replace("1 + 2 + 3", "+", "-")`, want: cty.StringVal("1 - 2 - 3")},
	{fn: "replace", src: `replace("hello world", "/w.*d/", "everybody")`, want: cty.StringVal("hello everybody")},
	{fn: "replace", src: `replace("hello", "/(l+)/", "<$1>")`, want: cty.StringVal("he<ll>o")},
	{fn: "replace", src: `replace("a/b/c", "/", "-")`, want: cty.StringVal("a-b-c")},
	{fn: "replace", src: `replace("abc", "/(/", "x")`, err: "error parsing regexp", col: 1},
	{fn: "replace", src: `replace("a", "b")`, err: "Not enough function arguments", col: 17},
	{fn: "replace", src: `replace(["a"], "a", "b")`, err: "string required", col: 9},
	{fn: "replace", src: `replace(var.no_value, "a", "b")`, unknown: noValue},

	// tostring / tonumber / tolist / tomap
	{fn: "tostring", src: `tostring("hello")`, want: cty.StringVal("hello")},
	{fn: "tostring", src: `tostring(1)`, want: cty.StringVal("1")},
	{fn: "tostring", src: `tostring(true)`, want: cty.StringVal("true")},
	{fn: "tostring", src: `tostring(null)`, want: cty.NullVal(cty.String)},
	{fn: "tostring", src: `tostring([])`, err: "cannot convert tuple to string", col: 10},
	{fn: "tostring", src: `tostring(var.no_value)`, unknown: noValue},
	{fn: "tonumber", src: `tonumber(1)`, want: cty.NumberIntVal(1)},
	{fn: "tonumber", src: `tonumber("1")`, want: cty.NumberIntVal(1)},
	{fn: "tonumber", src: `tonumber("3008")`, want: cty.NumberIntVal(3008)},
	{fn: "tonumber", src: `tonumber(null)`, want: cty.NullVal(cty.Number)},
	{fn: "tonumber", src: `tonumber("no")`, err: `cannot convert "no" to number; given string must be a decimal representation of a number`, col: 11},
	{fn: "tonumber", src: `tonumber("x")`, err: `cannot convert "x" to number`, col: 11},
	{fn: "tonumber", src: `tonumber(var.no_value)`, unknown: noValue},
	{fn: "tolist", src: `tolist(["a", "b", "c"])`, want: cty.ListVal(strs("a", "b", "c"))},
	{fn: "tolist", src: `tolist(["a", "b", 3])`, want: cty.ListVal(strs("a", "b", "3"))},
	{fn: "tolist", src: `tolist("a")`, err: "cannot convert string to list of any single type", col: 9},
	{fn: "tolist", src: `tolist([{}, "a"])`, err: "cannot convert tuple to list of any single type", col: 8},
	{fn: "tolist", src: `tolist(var.no_value)`, unknown: noValue},
	{fn: "tomap", src: `tomap({"a" = 1, "b" = 2})`, want: cty.MapVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)})},
	{fn: "tomap", src: `tomap({"a" = "foo", "b" = true})`, want: cty.MapVal(map[string]cty.Value{"a": cty.StringVal("foo"), "b": cty.StringVal("true")})},
	{fn: "tomap", src: `tomap(["a"])`, err: "cannot convert tuple to map of any single type", col: 7},
	{fn: "tomap", src: `tomap(var.no_value)`, unknown: noValue},
}

// diagAt is how evaluate() reports a rejected call: "file:line:col: Summary: Detail".
var diagAt = regexp.MustCompile(`^test\.tf:1:(\d+): `)

// TestFunctionsMatchTerraform evaluates every function stepshift evaluates
// through Module.Eval, comparing with what Terraform returns for the call.
func TestFunctionsMatchTerraform(t *testing.T) {
	m := Load(writeTree(t, map[string]string{"main.tf": functionsModule}), Options{}).Root
	for _, c := range functionCases {
		t.Run(c.fn+"/"+c.src, func(t *testing.T) {
			f := evalNoPanic(t, m, c.src)
			switch {
			case c.err != "":
				if f.Known {
					t.Fatalf("= %#v, want the error %q", f.Value, c.err)
				}
				loc := diagAt.FindStringSubmatch(f.Why)
				if loc == nil {
					t.Fatalf("why %q is not a positioned diagnostic (test.tf:1:<col>: ...)", f.Why)
				}
				if loc[1] != fmt.Sprint(c.col) {
					t.Errorf("diagnostic at column %s, want %d: %s", loc[1], c.col, f.Why)
				}
				if !strings.Contains(f.Why, c.err) || strings.Contains(f.Why, "panic") {
					t.Errorf("why %q, want it to say %q", f.Why, c.err)
				}
			case c.unknown != "":
				if f.Known {
					t.Fatalf("= %#v, want unknown (%s)", f.Value, c.unknown)
				}
				if !strings.Contains(f.Why, c.unknown) {
					t.Errorf("why %q, want it to mention %q", f.Why, c.unknown)
				}
				if diagAt.MatchString(f.Why) {
					t.Errorf("an unknown argument is not an error: %s", f.Why)
				}
			default:
				if !f.Known {
					t.Fatalf("unknown (%s), want %#v", f.Why, c.want)
				}
				if !f.Value.RawEquals(c.want) {
					t.Errorf("= %#v, want %#v", f.Value, c.want)
				}
			}
		})
	}
}

// TestFunctionCasesCoverTheTable keeps the cases and the function table in
// step: every evaluated function has a value, an error and an unknown case,
// and every case names a function that is evaluated.
func TestFunctionCasesCoverTheTable(t *testing.T) {
	type kinds struct{ ok, err, unknown int }
	seen := map[string]*kinds{}
	for _, c := range functionCases {
		if _, ok := functions[c.fn]; !ok {
			t.Errorf("case %s names %s, which is not in the function table", c.src, c.fn)
			continue
		}
		if !strings.HasPrefix(c.src, c.fn+"(") {
			t.Errorf("case %s of %s does not call %s", c.src, c.fn, c.fn)
		}
		k := seen[c.fn]
		if k == nil {
			k = &kinds{}
			seen[c.fn] = k
		}
		switch {
		case c.err != "":
			k.err++
		case c.unknown != "":
			k.unknown++
		default:
			k.ok++
		}
	}
	var names []string
	for name := range functions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		k := seen[name]
		if k == nil || k.ok == 0 || k.err == 0 || k.unknown == 0 {
			t.Errorf("%s() needs value, error and unknown cases in functionCases, has %+v", name, k)
		}
	}
}

// TestFunctionsInALambda evaluates calls where stepshift meets them: the
// arguments of a Lambda in a .tf file.
func TestFunctionsInALambda(t *testing.T) {
	d := Load(writeTree(t, map[string]string{"main.tf": functionsModule}), Options{})
	noErrors(t, d)
	r := d.Root.Resource("aws_lambda_function.x")
	if r == nil {
		t.Fatal("aws_lambda_function.x not loaded")
	}
	lf := d.lambdaFacts(d.Root, r, r.Address())
	if !lf.MemoryMB.Known || lf.MemoryMB.Value != 3008 {
		t.Errorf("memory %s, want 3008", lf.MemoryMB)
	}
	if !lf.TimeoutSeconds.Known || lf.TimeoutSeconds.Value != 900 {
		t.Errorf("timeout %s, want 900 (element wraps index 3 to 1)", lf.TimeoutSeconds)
	}
	if !lf.Handler.Known || lf.Handler.Value != "index.handler" {
		t.Errorf("handler %s, want index.handler", lf.Handler)
	}
}

// evalNoPanic is evalIn, failing the test (not the run) when evaluation panics.
func evalNoPanic(t *testing.T, m *Module, src string) (f Fact[cty.Value]) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("evaluating %s panicked: %v", src, r)
		}
	}()
	return evalIn(t, m, src)
}

// TestSelectingFunctionsKeepWhereTheValueWasWritten: lookup, element,
// coalesce, try and the to* conversions return (a conversion of) one of their
// arguments, so the fact points where that argument was written.
func TestSelectingFunctionsKeepWhereTheValueWasWritten(t *testing.T) {
	m := Load(writeTree(t, map[string]string{"main.tf": `variable "mem" {
  default = "3008"
}
locals {
  list = [
    128,
    256,
  ]
  key = "b"
  m   = { a = 1, b = 2 }
  obj = { timeout = 900 }
}
`}), Options{}).Root
	for _, c := range []struct {
		src  string
		want cty.Value
		line int
	}{
		{`tonumber(var.mem)`, cty.NumberIntVal(3008), 2},
		{`tostring(var.mem)`, cty.StringVal("3008"), 2},
		{`element(local.list, 1)`, cty.NumberIntVal(256), 7},
		{`element(local.list, 2)`, cty.NumberIntVal(128), 6},
		{`lookup(local.m, local.key, 0)`, cty.NumberIntVal(2), 10},
		{`lookup(local.m, local.key)`, cty.NumberIntVal(2), 10},
		{`coalesce("", var.mem)`, cty.StringVal("3008"), 2},
		{`try(local.obj.memory, local.obj.timeout)`, cty.NumberIntVal(900), 11},
		{`tolist(local.list)[1]`, cty.NumberIntVal(256), 7},
		{`tomap(local.m)["a"]`, cty.NumberIntVal(1), 10},
	} {
		t.Run(c.src, func(t *testing.T) {
			f := evalNoPanic(t, m, c.src)
			if !f.Known {
				t.Fatalf("unknown (%s), want %#v", f.Why, c.want)
			}
			if !f.Value.RawEquals(c.want) {
				t.Errorf("= %#v, want %#v", f.Value, c.want)
			}
			if filepath.Base(f.Range.Filename) != "main.tf" || f.Range.Start.Line != c.line {
				t.Errorf("written at %s:%d, want main.tf:%d", f.Range.Filename, f.Range.Start.Line, c.line)
			}
		})
	}
}
