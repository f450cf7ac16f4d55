package lint

import "testing"

// TestPathDialect pins the JSONPath dialect docs/jsonpath.md describes to
// the examples AWS and the ASL spec document, each with the kinds of field
// that accept it: "any" is InputPath, OutputPath, a Choice "Variable", a
// ".$" value and the fields that read a value (SecondsPath, ItemsPath,
// MaxConcurrencyPath, ...); "ref" is ResultPath. A change to the parser that
// rejects a documented path, or starts accepting a rejected one, fails here.
func TestPathDialect(t *testing.T) {
	for _, c := range []struct {
		path     string
		any, ref bool
		source   string
	}{
		// The ASL spec's reference-path examples (states-language.net, "Reference Paths").
		{"$.store.book", true, true, "ASL spec"},
		{`$.store\.book`, true, true, "ASL spec"},
		{`$.\stor\e.boo\k`, true, true, "ASL spec"},
		{"$.store.book.title", true, true, "ASL spec"},
		{`$.foo.\.bar`, true, true, "ASL spec"},
		{`$.foo\@bar.baz\[\[.\?pretty`, true, true, "ASL spec"},
		{"$.&Ж中.\U00010346", true, true, "ASL spec"},
		{"$.ledgers.branch[0].pending.count", true, true, "ASL spec"},
		{"$.ledgers.branch[0]", true, true, "ASL spec"},
		{"$.ledgers[0][22][315].foo", true, true, "ASL spec"},
		{"$['store']['book']", true, true, "ASL spec"},
		{"$['store'][0]['book']", true, true, "ASL spec"},
		// The Step Functions developer guide (Paths; InputPath, ResultPath and OutputPath).
		{"$.foo", true, true, "AWS paths"},
		{"$.car.cdr", true, true, "AWS paths"},
		{"$.jar[?(@.a >= 5)]", true, false, "AWS paths"},
		{"$.a[0:2]", true, false, "AWS InputPath"},
		{"$.library.movies[?(@.year == 1992)]", true, false, "AWS InputPath"},
		{"$..director", true, false, "AWS InputPath"},
		{"$.taskresult", true, true, "AWS ResultPath"},
		{"$", true, true, "AWS ResultPath"},
		{"$$.Execution.Id", true, false, "AWS context object"},
		{"$$.Map.Item.Value", true, false, "AWS context object"},
		{"$$.Task.Token", true, false, "AWS context object"},
		// The context object is read-only: never in ResultPath.
		// Variables (Assign): readable wherever a path reads a value, never in ResultPath.
		{"$productName", true, false, "AWS workflow variables"},
		{"$order.numItems", true, false, "AWS workflow variables"},
		{"$waitTime", true, false, "AWS workflow variables"},
		{"$x[0].y", true, false, "AWS workflow variables"},
		// A dot before a bracket: deployed aws-samples use "$.[0]" in ResultSelector.
		{"$.[0]", true, true, "aws-samples"},
		{"$.['a b']", true, true, "Jayway grammar"},
		{"$.detail.[*]", true, false, "Jayway grammar"},
		// Jayway trims the path before compiling it: trailing spaces are dropped.
		{"$$.Execution.Name ", true, false, "aws-samples"},
		{"$.a  ", true, true, "Jayway grammar"},
		{"$.a. ", false, false, "ends with a dot once trimmed"},
		// Jayway reads the first significant character inside brackets.
		{"$[ 'a' ]", true, true, "Jayway grammar"},
		{"$.a[ 'b', \"c\" ]", true, false, "Jayway grammar"},
		{"$.a[ * ]", true, false, "Jayway grammar"},
		{"$.a[ 0 ]", true, true, "Jayway grammar"},
		{"$.a[ ?(@.b > 1) ]", true, false, "Jayway grammar"},
		{"$.a[? (@.b)]", true, false, "Jayway grammar"},
		{"$.a[ ?(@.b) x]", false, false, "junk after a filter"},
		{"$.a[ 'b' x]", false, false, "junk after a quoted name"},
		{"$.detail-type", true, true, "EventBridge events"},
		{"$['detail-type']", true, true, "EventBridge events"},
		// Jayway's path functions parse (they fail at run time, not at validation).
		{"$.items.length()", true, false, "Jayway grammar"},
		// Rejected.
		{"", false, false, "not a path"},
		{"foo", false, false, "not a path"},
		{"$.", false, false, "ends with a dot"},
		{"$.a..", false, false, "ends with a dot"},
		{"$...a", false, false, "three dots"},
		{"$.a b", false, false, "blank in a name"},
		{"$.a[", false, false, "unclosed bracket"},
		{"$.a[]", false, false, "empty bracket"},
		{"$.a['b]", false, false, "unclosed quote"},
		{"$.a[*]", true, false, "wildcard in ResultPath"},
		{"$.a.*", true, false, "wildcard in ResultPath"},
		{"$..a", true, false, "deep scan in ResultPath"},
		{"$.length().a", false, false, "a function must end the path"},
	} {
		if got := ParsePath(c.path, AnyPath) == nil; got != c.any {
			t.Errorf("%s %q as a path: accepted = %v, want %v (%v)", c.source, c.path, got, c.any, ParsePath(c.path, AnyPath))
		}
		if got := ParsePath(c.path, ReferencePath) == nil; got != c.ref {
			t.Errorf("%s %q as ResultPath: accepted = %v, want %v (%v)", c.source, c.path, got, c.ref, ParsePath(c.path, ReferencePath))
		}
	}
}

// TestIntrinsicDialect pins the documented intrinsic function calls (the
// developer guide's examples of each function) and the malformed calls AWS
// rejects.
func TestIntrinsicDialect(t *testing.T) {
	for _, c := range []struct {
		call string
		ok   bool
	}{
		{"States.Format('Hello, my name is {}.', $.name)", true},
		{"States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)", true},
		{"States.Format('Today is {}', $$.DayOfWeek)", true},
		{"States.Format('Hello {}, your application has been approved.', $inputPayload.foo[1].bar)", true},
		{"States.Format($.template, $.name)", true},
		{"States.Format($tpl, $.a, $.b)", true},
		{"States.StringToJson($.someString)", true},
		{"States.JsonToString($.someJson)", true},
		{"States.Array('Foo', 2020, $.someJson, null)", true},
		{"States.ArrayPartition($.inputArray,4)", true},
		{"States.ArrayContains($.inputArray, $.lookingFor)", true},
		{"States.ArrayRange(1, 9, 2)", true},
		{"States.ArrayGetItem($.inputArray, $.index)", true},
		{"States.ArrayLength($.inputArray)", true},
		{"States.ArrayUnique($.inputArray)", true},
		{"States.Base64Encode($.input)", true},
		{"States.Base64Decode($.base64)", true},
		{"States.Hash($.Data, $.Algorithm)", true},
		{"States.Hash($.Data, 'SHA-1')", true},
		{"States.JsonMerge($.json1, $.json2, false)", true},
		{"States.MathRandom($.start, $.end)", true},
		{"States.MathRandom($.start, $.end, $.seed)", true},
		{"States.MathAdd($.value1, $.step)", true},
		{"States.MathAdd(States.ArrayLength($$.Execution.Input.machines),-1)", true},
		{"States.StringSplit($.inputString, $.splitter)", true},
		{"States.UUID()", true},
		{"States.Format('{}_{}',$$.Execution.Name,$['test-batch']['batch_id'])", true},
		{"States.Format('{} and {}', $.a)", false},
		{"States.MathAdd('-1', 'abc')", false},
		{"States.Hash($.Data, 'SHA-999')", false},
		{"States.UUID(1)", false},
		{"States.Nope($.a)", false},
		{"States.Format('x'", false},
		{"States.Array($.a b)", false},
	} {
		if err := ParsePayloadValue(c.call); (err == nil) != c.ok {
			t.Errorf("%s: accepted = %v, want %v (%v)", c.call, err == nil, c.ok, err)
		}
	}
}

// TestJSONataTopLevelName: AWS refuses a JSONata expression that reads a
// field name at its top level (UNSUPPORTED_JSONATA_EXPRESSION); names that
// are path steps, predicates, group-bys, lambda bodies, keywords or
// variables are fine.
func TestJSONataTopLevelName(t *testing.T) {
	for _, c := range []struct {
		expr, name string
	}{
		{"phone", "phone"},
		{"$states.input.a & b", "b"},
		{"$sum(items)", "items"},
		{"{'a': value}", "value"},
		{"[first, 2]", "first"},
		{"`odd name`", "odd name"},
		{"$states.input.phone", ""},
		{"$states.input.items[price > 10].name", ""},
		{"$states.input.(a + b)", ""},
		{"$states.input.{ 'k': v }", ""},
		{"$states.input.items{ type: $sum(price) }", ""},
		{"$map($states.input.items, function($v) { $v.price * qty })", ""},
		{"$map($states.input.items, function($v)<o:n> { $v.price })", ""},
		{"($x := $states.input.n; $x + 1)", ""},
		{"$states.input.ok ? 'yes' : 'no'", ""},
		{"true and false or null", ""},
		{"$count($states.result.Payload) > 0", ""},
		{"$states.context.Execution.Id & '-' & $uuid()", ""},
		{"-$states.input.n", ""},
		{"$states.input ~> | $ | {'x': 1} |", ""},  // transforms are not judged
		{"$states.input.items^(>price, name)", ""}, // order-by terms read each item
		{"$map($states.input.l, function($v)<a<n>:n>{ $count($v) })", ""},
		{"1 + 2 /* a comment */", ""},
		{"/ab+c/i", ""},
		{"$$", "$$"},
		{"$states.input.items[$$.x = 1]", "$$"},
		{"'$$ in a string'", ""},
	} {
		name, _, ok := JSONataTopLevelName(c.expr)
		if c.name == "" && ok {
			t.Errorf("%q: reported top-level name %q, want none", c.expr, name)
		}
		if c.name != "" && (!ok || name != c.name) {
			t.Errorf("%q: got %q (%v), want %q", c.expr, name, ok, c.name)
		}
	}
}

// TestCheckJSONataGrammar: expressions of the JSONata 2.0 grammar that
// Step Functions accepts parse, and the malformed ones AWS refuses as
// INVALID_JSONATA_EXPRESSION (floci-io/floci#2745's measured set) do not.
func TestCheckJSONataGrammar(t *testing.T) {
	for _, c := range []struct {
		expr string
		ok   bool
	}{
		{"$states.input.items^(>price)", true},
		{"$states.input.items^(<name, >price)", true},
		{"$states.input.items^(price)", true},
		{"$x := 1", true},
		{`$contains("hello$world", /^hello\$/)`, true},
		{"$states.input.items[price > 10]", true},
		{`$states.input ~> | $ | {"a": 1}, ["b"] |`, true},
		{`$states.input ~> | items | {"seen": true} |`, true},
		{`| $ | {"a": 1}`, false},
		{"a[1,2)", false},
		{`"unterminated`, false},
		{"1 +", false},
		{`{"a":}`, false},
		{"$x :=", false},
		{`$match("a", /abc`, false},
		{"$states.input.items[>price]", false},
	} {
		if err := CheckJSONata(c.expr); (err == nil) != c.ok {
			t.Errorf("%q: parses = %v, want %v (%v)", c.expr, err == nil, c.ok, err)
		}
	}
}

// TestCheckJSONataSignaturesTransforms: function signatures, transforms,
// object constructors and blocks parse as the JSONata 2.0 parser reads them
// (an object constructor takes key ":" value pairs, a block may end with
// ";"), and their broken forms do not.
func TestCheckJSONataSignaturesTransforms(t *testing.T) {
	for _, expr := range []string{
		"$map($states.input.l, function($v)<s-:s>{ $v })",
		"$map($states.input.l, function($v, $i)<x-n?:a<n>>{ [$i] })",
		"λ($a){ $a * 2 }(3)",
		"$states.input ~> | $ | {'x': 1}, ['y'] |",
		"$states.input ~> |items|{'total': price * qty}|",
		"$states.input.a > 1 ? 'big' : 'small'",
		"$f(?, 2)",
		"($x := 1; $x;)",
		"{'a': $states.input.x ? 1, 'b': 2}",
		"{'a': $states.input.x ? 1 : 2, 'b': {'c': [1, {'d': 2}]}}",
		"$map($states.input, function($v) { {'S': $v} })",
		"$map($states.input, function($v)<o:o> { ($a := 1; {'k': $a}) })",
		"$states.input.l{type: $sum(v)}",
		"{$string($states.input.k): /x:y/}",
	} {
		if err := CheckJSONata(expr); err != nil {
			t.Errorf("%q: %v, want it accepted", expr, err)
		}
	}
	for _, expr := range []string{
		"{1}",
		"{'a'}",
		"{'a': 1, 'b'}",
		"{'a': 1 : 2}",
		"function($a)<n:n { $a }",
		"$states.input ~> | $ | {}",
		"$states.input ~> | $ | {} ) |",
	} {
		if err := CheckJSONata(expr); err == nil {
			t.Errorf("%q: accepted, want a syntax error", expr)
		}
	}
}
