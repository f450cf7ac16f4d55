package schemas_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/schemas"
)

// The hand-written validator (aslcheck.go) must give the verdicts, pointers,
// keywords and messages the JSON Schema library gives (aslref_test.go keeps
// the library as a test-only reference), on every document we have and on
// many broken variants of them.

// sameViolations compares two results as sets. The library hands
// propertyNames failures a location it later overwrites, so the reference
// reports every member of that name in the document; ours reports the one
// member at fault, which must be among the reference's.
func sameViolations(ours, ref []schemas.Violation) string {
	split := func(vs []schemas.Violation) (rest []string, names map[string]bool) {
		names = map[string]bool{}
		for _, v := range vs {
			s := fmt.Sprintf("%s %s: %s", v.Pointer, v.Keyword, v.Message)
			if v.Keyword == "propertyNames" {
				names[s] = true
				continue
			}
			rest = append(rest, s)
		}
		sort.Strings(rest)
		return rest, names
	}
	oursRest, oursNames := split(ours)
	refRest, refNames := split(ref)
	if strings.Join(oursRest, "\n") != strings.Join(refRest, "\n") {
		return fmt.Sprintf("ours:\n  %s\nreference:\n  %s", strings.Join(oursRest, "\n  "), strings.Join(refRest, "\n  "))
	}
	for n := range oursNames {
		if !refNames[n] {
			return "ours reports a propertyNames violation the reference does not: " + n
		}
	}
	if len(refNames) > 0 && len(oursNames) == 0 {
		return fmt.Sprintf("the reference reports %v, ours nothing", refNames)
	}
	return ""
}

func assertSame(t testing.TB, where string, doc any) {
	t.Helper()
	ref := schemas.ReferenceValidateASL(doc)
	if diff := sameViolations(schemas.ValidateASL(doc), ref); diff != "" {
		t.Errorf("%s: validators disagree:\n%s", where, diff)
	}
	for _, v := range ref {
		keywordsSeen[v.Keyword] = true
	}
}

// keywordsSeen collects the keywords the reference reported, so a test can
// check that the documents it compares on exercise the schema's keywords.
var keywordsSeen = map[string]bool{}

// fixtureDocuments returns every JSON document under fixtures/ (the rule,
// loader and migrate fixtures) that parses as plain JSON.
func fixtureDocuments(t testing.TB) map[string]any {
	t.Helper()
	out := map[string]any{}
	root := filepath.Join(standin.ModuleRoot(), "fixtures")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if v, err := parseJSON(data, true); err == nil {
			out[p] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 50 {
		t.Fatalf("found only %d JSON fixtures under %s", len(out), root)
	}
	return out
}

func TestValidatorMatchesLibraryOnFixtures(t *testing.T) {
	clear(keywordsSeen)
	for name, doc := range fixtureDocuments(t) {
		assertSame(t, name, doc)
		mutate(t, name, doc, 20)
	}
	for i, text := range brokenDocuments {
		doc, err := parseJSON([]byte(text), true)
		if err != nil {
			t.Fatalf("brokenDocuments[%d]: %v", i, err)
		}
		assertSame(t, fmt.Sprintf("brokenDocuments[%d]", i), doc)
		mutate(t, fmt.Sprintf("brokenDocuments[%d]", i), doc, 10)
	}
	// The comparison means little unless the broken variants break the
	// schema in many ways.
	for _, kw := range []string{"required", "type", "enum", "const", "unevaluatedProperties", "minimum",
		"minItems", "maxLength", "propertyNames", "not", "pattern", "dependentRequired"} {
		if !keywordsSeen[kw] {
			t.Errorf("no compared document failed %q; seen: %v", kw, keywordsSeen)
		}
	}
}

func TestValidatorMatchesLibraryOnCorpus(t *testing.T) {
	for _, useNumber := range []bool{false, true} {
		for name, doc := range cumulusDefinitions(t, useNumber) {
			assertSame(t, name, doc)
			mutate(t, name, doc, 60)
		}
	}
	for _, c := range conformance(t) {
		assertSame(t, c.file, c.value)
		mutate(t, c.file, c.value, 10)
	}
}

// brokenDocuments break the schema on purpose, one keyword or more each, so
// the comparison covers every kind of failure whatever the fixtures hold.
var brokenDocuments = []string{
	`{"StartAt":"A"}`,
	`{"StartAt":"A","Foo":1,"TimeoutSeconds":"60","States":{"A":{"Type":"Succeed"}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","TimeoutSeconds":0,"Foo":1,"End":true,"Retry":[{"ErrorEquals":[],"BackoffRate":0.5,"MaxAttempts":"3","JitterStrategy":"HALF"}],"Catch":[{"ErrorEquals":[true]}]}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Lambda","End":true},"B":{"Type":"Pass","Next":"A","End":false},"C":{"Type":"Pass"}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","Next":"A"},{"StringEquals":"x","Next":"A"},{"Variable":"$.x","NumericEquals":"1"},{"Not":{"Variable":"$.x","IsNull":true,"Next":"A"},"Next":"A"}],"ResultPath":"$.x"}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Choice","QueryLanguage":"JSONata","Choices":[{"Condition":"$x","Next":"A"}]}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Wait","End":true},"B":{"Type":"Wait","Seconds":1,"Timestamp":"2026-01-01T00:00:00Z","End":true},"C":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"x.y","Parameters":{"a":{"b.$":"nope"}},"QueryLanguage":"JSONata","OutputPath":"$.x","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","QueryLanguage":"JSONPath","Arguments":{},"End":true},"B":{"Type":"Pass","QueryLanguage":"XPath","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"States":{"B":{"Type":"Succeed"}}}],"End":true},"P":{"Type":"Parallel","End":true}}}`,
	`{"StartAt":"A","States":{"A":{"Type":"Map","MaxConcurrency":-1,"ToleratedFailurePercentage":101,"Label":"` + strings.Repeat("x", 41) + `","ItemReader":{"Parameters":{}},"ItemBatcher":{"MaxItems":2},"ItemProcessor":{"ProcessorConfig":{"Mode":"PARALLEL"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"Iterator":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`,
	`{"StartAt":"A","States":{"` + strings.Repeat("n", 81) + `":{"Type":"Succeed"}}}`,
	`{"StartAt":"A","States":{}}`,
	`[]`,
}

// mutate checks n seeded random breakages of doc: a member removed, a value
// replaced by one of another type or an out-of-range number, an unknown
// member added, a long state name.
func mutate(t testing.TB, name string, doc any, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(len(name)), 7))
	for i := range n {
		copyDoc := deepCopy(doc)
		paths := containers(copyDoc, nil)
		if len(paths) == 0 {
			return
		}
		target := paths[rng.IntN(len(paths))]
		what := breakAt(rng, target)
		assertSame(t, fmt.Sprintf("%s mutation %d (%s)", name, i, what), copyDoc)
	}
}

var replacements = []any{
	nil, true, false, "", "x.y", "$.ok", "{% $x %}", json.Number("0"), json.Number("-1"),
	json.Number("1.5"), json.Number("101"), json.Number("100000000"), 2.0, []any{}, []any{"States.ALL"},
	map[string]any{}, map[string]any{"Type": "Succeed"}, "Task", "Pass", "JSONata", strings.Repeat("n", 81),
}

func breakAt(rng *rand.Rand, c any) string {
	switch c := c.(type) {
	case map[string]any:
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		switch op := rng.IntN(4); {
		case op == 0 && len(keys) > 0:
			k := keys[rng.IntN(len(keys))]
			delete(c, k)
			return "delete " + k
		case op == 1:
			k := []string{"Foo", "Next", "End", "Resource", "Arguments", "Output", "ResultPath", "Iterator", "Default", strings.Repeat("n", 90)}[rng.IntN(10)]
			c[k] = replacements[rng.IntN(len(replacements))]
			return "add " + k
		case len(keys) > 0:
			k := keys[rng.IntN(len(keys))]
			c[k] = replacements[rng.IntN(len(replacements))]
			return "replace " + k
		}
	case []any:
		if len(c) > 0 {
			i := rng.IntN(len(c))
			c[i] = replacements[rng.IntN(len(replacements))]
			return fmt.Sprintf("replace item %d", i)
		}
	}
	return "none"
}

// containers lists every object and array in v.
func containers(v any, out []any) []any {
	switch c := v.(type) {
	case map[string]any:
		out = append(out, c)
		for _, k := range slices.Sorted(maps.Keys(c)) {
			out = containers(c[k], out)
		}
	case []any:
		out = append(out, c)
		for _, x := range c {
			out = containers(x, out)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, x := range c {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(c))
		for i, x := range c {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

// FuzzValidatorMatchesLibrary feeds arbitrary JSON to both validators.
func FuzzValidatorMatchesLibrary(f *testing.F) {
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsNull":true}],"Next":"A"}]}}}`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Map","Iterator":{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":"x"}}}}}}`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","QueryLanguage":"JSONata","Arguments":{},"Output":"{% $x %}","Retry":[{"ErrorEquals":[],"BackoffRate":0.5}],"End":true}}}`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}}}],"Next":"A","End":false}}}`))
	f.Add([]byte(`[1,{"a/b~c":null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSON(data, true)
		if err != nil {
			return
		}
		assertSame(t, "fuzz input", v)
	})
}

// BenchmarkValidateCumulusCorpusReference is BenchmarkValidateCumulusCorpus
// with the library, for comparison.
func BenchmarkValidateCumulusCorpusReference(b *testing.B) {
	defs := cumulusDefinitions(b, false)
	schemas.ReferenceValidateASL(defs["cnm_workflow.asl.json"]) // compile outside the timer
	b.ResetTimer()
	for b.Loop() {
		for _, d := range defs {
			if vs := schemas.ReferenceValidateASL(d); len(vs) > 0 {
				b.Fatal(vs)
			}
		}
	}
}
