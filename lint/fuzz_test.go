package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// FuzzLint runs the whole pipeline, workflow.Load and every rule, on
// arbitrary bytes: nothing may panic (a recovered rule panic surfaces as an
// internal-error finding, which fails too), and every finding must point
// inside the file.
func FuzzLint(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(standin.ModuleRoot(), "fixtures", "rules", "*", "*.asl.json"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	corpus := standin.OptionalCorpusFiles(f, "cumulus/workflows/*.json")
	for _, s := range corpus[:min(len(corpus), 5)] {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"StartAt":"${x}","States":{"${y}":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},"End":true}}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		doc := workflow.Load(src, workflow.Options{Filename: "fuzz.asl.json"})
		for _, fd := range LintDocument(doc, Options{Express: len(src)%2 == 0}) {
			if fd.Rule == "internal-error" {
				t.Fatalf("%s", fd)
			}
			if fd.Range.Start.Byte < 0 || fd.Range.End.Byte > len(src) || fd.Range.End.Byte < fd.Range.Start.Byte {
				t.Fatalf("finding outside the file (%d bytes): %s bytes %d-%d", len(src), fd, fd.Range.Start.Byte, fd.Range.End.Byte)
			}
		}
	})
}

// FuzzParsePath: the JSONPath and intrinsic-function parsers return an
// error inside the string or nil, never panic.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$", "$$.Execution.Id", "$.a.b[0]", "$..x", "$.a[*]", "$.a[?(@.x == 1)]", "$.a[1:3:2]",
		"$['a b'].c", "$var.x", "States.Format('{} \\'q\\' {}', $.a, States.UUID())", "States.MathAdd($.a, -1)",
		"States.Array(1, 'x', true, null)", "States.Hash($.a, 'SHA-256')", "States.ArrayRange(1, 9, 2)",
		"$.[0]", "$.['a b']", `$.foo\@bar.baz\[\[.\?pretty`, "$.items.length()", "$$.Map.Item.Value", "States.Format($tpl, $.a)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []PathKind{AnyPath, ReferencePath} {
			if err := ParsePath(s, kind); err != nil && (err.Offset < 0 || err.Offset > len(s)) {
				t.Fatalf("ParsePath(%q): offset %d outside the string", s, err.Offset)
			}
		}
		if err := ParsePayloadValue(s); err != nil && (err.Offset < 0 || err.Offset > len(s)) {
			t.Fatalf("ParsePayloadValue(%q): offset %d outside the string", s, err.Offset)
		}
	})
}

// FuzzCheckJSONata: the JSONata syntax check never panics and points inside
// the expression.
func FuzzCheckJSONata(f *testing.F) {
	for _, s := range []string{"$states.input.x", "$sum($states.input.items.(price * qty))", "10 + * 2", "$a[?(@.x)]",
		"($x := 1; $x + 1)", "function($v) { $v.id }", "/a\\/b/i", "`odd name`.x", "a ? b : c", "[1..3]", "$substring(?, 0, 2)",
		"$x^(>price, <name)", "$ ~> | $ | {'a': 1}, ['b'] |", "phone", "$$.x",
		"function($v)<a<n>:n>{ $v }"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := CheckJSONata(s); err != nil && (err.Offset < 0 || err.Offset > len(s)) {
			t.Fatalf("CheckJSONata(%q): offset %d outside the expression", s, err.Offset)
		}
		if name, off, ok := JSONataTopLevelName(s); ok && (off < 0 || off+len(name) > len(s)) {
			t.Fatalf("JSONataTopLevelName(%q): %q at %d outside the expression", s, name, off)
		}
	})
}
