package schemas_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/schemas"
)

// decode parses JSON the way callers do; useNumber exercises json.Number.
func decode(t testing.TB, data []byte, useNumber bool) any {
	t.Helper()
	v, err := parseJSON(data, useNumber)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v
}

// parseJSON decodes one JSON document into `any`, numbers as json.Number
// when useNumber (as the loader and the fuzz targets read them).
func parseJSON(data []byte, useNumber bool) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if useNumber {
		dec.UseNumber()
	}
	var v any
	err := dec.Decode(&v)
	return v, err
}

// cumulusDefinitions returns the 36 Cumulus workflows, the legacy Kes
// records unwrapped to their inner definition.
func cumulusDefinitions(t testing.TB, useNumber bool) map[string]any {
	t.Helper()
	files := standin.CorpusFiles(t, "cumulus/workflows/*.json")
	if len(files) != 36 {
		t.Fatalf("want 36 Cumulus workflows, got %d", len(files))
	}
	out := make(map[string]any, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v := decode(t, data, useNumber)
		if strings.HasPrefix(filepath.Base(f), "legacy_kes_") {
			v = v.(map[string]any)["definition"]
		}
		out[filepath.Base(f)] = v
	}
	return out
}

type labelled struct {
	file, label string
	value       any
}

func conformance(t testing.TB) []labelled {
	t.Helper()
	dir := filepath.Join(standin.CorpusDir(t), "asl-conformance")
	tsv, err := os.ReadFile(filepath.Join(dir, "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []labelled
	for _, line := range strings.Split(strings.TrimSpace(string(tsv)), "\n")[1:] {
		file, label, _ := strings.Cut(line, "\t")
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			v = nil // not JSON at all: the loader reports it, not the schema
		}
		out = append(out, labelled{file, label, v})
	}
	if len(out) != 184 {
		t.Fatalf("want 184 conformance files, got %d", len(out))
	}
	return out
}

func assertPlainMessages(t *testing.T, where string, vs []schemas.Violation) {
	t.Helper()
	for _, v := range vs {
		for _, word := range []string{"oneOf", "anyOf", "allOf", "jsonschema", "validation failed"} {
			if strings.Contains(v.Message, word) {
				t.Errorf("%s: message at %q mentions %q: %s", where, v.Pointer, word, v.Message)
			}
		}
		if v.Message == "" || v.Keyword == "" {
			t.Errorf("%s: empty message or keyword: %+v", where, v)
		}
	}
}

func TestCumulusWorkflowsHaveNoViolations(t *testing.T) {
	for _, useNumber := range []bool{false, true} {
		for name, def := range cumulusDefinitions(t, useNumber) {
			if vs := schemas.ValidateASL(def); len(vs) > 0 {
				t.Errorf("%s (UseNumber=%v): %v", name, useNumber, vs)
			}
		}
	}
}

func TestConformanceCorpus(t *testing.T) {
	caught, invalid := 0, 0
	for _, c := range conformance(t) {
		if c.value == nil {
			continue
		}
		vs := schemas.ValidateASL(c.value)
		assertPlainMessages(t, c.file, vs)
		switch c.label {
		case "valid":
			if len(vs) > 0 {
				t.Errorf("valid file %s: %v", c.file, vs)
			}
		case "invalid":
			invalid++
			if len(vs) > 0 {
				caught++
			}
		}
	}
	t.Logf("the schema alone catches %d of %d invalid conformance files", caught, invalid)
	// The rest need graph, JSONPath or JSONata checks the linter does.
	// Guard against the schema silently getting weaker.
	if caught < 57 {
		t.Errorf("schema catches %d invalid conformance files, want at least 57", caught)
	}
}

func TestInvalidSnippets(t *testing.T) {
	wrap := func(state string) string {
		return `{"StartAt":"A","States":{"A":` + state + `}}`
	}
	cases := []struct {
		name, doc, pointer, message string
	}{
		{"missing States", `{"StartAt":"A"}`, "", `missing required field "States" in the top level of the state machine`},
		{"missing StartAt", `{"States":{"A":{"Type":"Succeed"}}}`, "", `missing required field "StartAt" in the top level of the state machine`},
		{"unknown top-level field", `{"StartAt":"A","Foo":1,"States":{"A":{"Type":"Succeed"}}}`, "/Foo", `unknown field "Foo" in the top level of the state machine`},
		{"top TimeoutSeconds string", `{"StartAt":"A","TimeoutSeconds":"60","States":{"A":{"Type":"Succeed"}}}`, "/TimeoutSeconds", `"TimeoutSeconds" must be an integer, got string`},
		{"unknown field in Task", wrap(`{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Foo":1,"End":true}`), "/States/A/Foo", `unknown field "Foo" in a Task state`},
		{"Task TimeoutSeconds string", wrap(`{"Type":"Task","Resource":"r","TimeoutSeconds":"60","End":true}`), "/States/A/TimeoutSeconds", `"TimeoutSeconds" must be an integer, got string`},
		{"Task TimeoutSeconds float", wrap(`{"Type":"Task","Resource":"r","TimeoutSeconds":1.5,"End":true}`), "/States/A/TimeoutSeconds", `"TimeoutSeconds" must be an integer, got number`},
		{"Task TimeoutSeconds zero", wrap(`{"Type":"Task","Resource":"r","TimeoutSeconds":0,"End":true}`), "/States/A/TimeoutSeconds", `"TimeoutSeconds" must be at least 1, got 0`},
		{"Task without Resource", wrap(`{"Type":"Task","End":true}`), "/States/A", `missing required field "Resource" in a Task state`},
		{"state without Type", wrap(`{"End":true}`), "/States/A", `missing required field "Type" in a state`},
		{"unknown Type", wrap(`{"Type":"Lambda","End":true}`), "/States/A/Type", `"Type" must be one of "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", got "Lambda"`},
		{"Next and End", wrap(`{"Type":"Pass","Next":"A","End":true}`), "/States/A/End", `"End" cannot be set together with "Next": a state either ends or moves on`},
		{"neither Next nor End", wrap(`{"Type":"Pass"}`), "/States/A", `missing "Next" or "End": a Pass state must either move on or end`},
		{"End false", wrap(`{"Type":"Pass","End":false}`), "/States/A/End", `"End" must be true when present (leave it out and set "Next" instead)`},
		{"Choice without Choices", wrap(`{"Type":"Choice","Default":"A"}`), "/States/A", `missing required field "Choices" in a Choice state`},
		{"Choice with ResultPath", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"A"}],"ResultPath":"$.x"}`), "/States/A/ResultPath", `unknown field "ResultPath" in a Choice state`},
		{"choice rule without Next", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true}]}`), "/States/A/Choices/0", `missing required field "Next" in a Choice rule`},
		{"choice rule without comparison", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.x","Next":"A"}]}`), "/States/A/Choices/0", `a choice rule needs a comparison (such as "StringEquals" with "Variable"), "And", "Or", "Not" or a JSONata "Condition"`},
		{"comparison without Variable", wrap(`{"Type":"Choice","Choices":[{"StringEquals":"x","Next":"A"}]}`), "/States/A/Choices/0", `"StringEquals" needs "Variable"`},
		{"NumericEquals string", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":"1","Next":"A"}]}`), "/States/A/Choices/0/NumericEquals", `"NumericEquals" must be a number, got string`},
		{"nested rule with Next", wrap(`{"Type":"Choice","Choices":[{"Not":{"Variable":"$.x","IsNull":true,"Next":"A"},"Next":"A"}]}`), "/States/A/Choices/0/Not/Next", `"Next" is not allowed in a rule nested inside And, Or or Not; only top-level rules name Next`},
		{"JSONata Condition not an expression", wrap(`{"Type":"Choice","QueryLanguage":"JSONata","Choices":[{"Condition":"$x","Next":"A"}]}`), "/States/A/Choices/0/Condition", `"Condition" must be a JSONata expression "{% ... %}" (or a boolean), got "$x"`},
		{"Wait without duration", wrap(`{"Type":"Wait","End":true}`), "/States/A", `missing the wait: a Wait state needs one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath"`},
		{"Wait Seconds and Timestamp", wrap(`{"Type":"Wait","Seconds":1,"Timestamp":"2026-01-01T00:00:00Z","End":true}`), "/States/A/Timestamp", `"Timestamp" cannot be set together with "Seconds"`},
		{"Fail Error and ErrorPath", wrap(`{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`), "/States/A/ErrorPath", `"ErrorPath" cannot be set together with "Error"`},
		{"Succeed with Next", wrap(`{"Type":"Succeed","Next":"A"}`), "/States/A/Next", `unknown field "Next" in a Succeed state`},
		{"empty ErrorEquals", wrap(`{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":[]}]}`), "/States/A/Retry/0/ErrorEquals", `"ErrorEquals" must have at least 1 item, got 0`},
		{"BackoffRate below 1", wrap(`{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":0.5}]}`), "/States/A/Retry/0/BackoffRate", `"BackoffRate" must be at least 1, got 0.5`},
		{"MaxAttempts string", wrap(`{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":"3"}]}`), "/States/A/Retry/0/MaxAttempts", `"MaxAttempts" must be an integer, got string`},
		{"JitterStrategy", wrap(`{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["States.ALL"],"JitterStrategy":"HALF"}]}`), "/States/A/Retry/0/JitterStrategy", `"JitterStrategy" must be one of "FULL", "NONE", got "HALF"`},
		{"unknown retrier field", wrap(`{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["States.ALL"],"Interval":3}]}`), "/States/A/Retry/0/Interval", `unknown field "Interval" in a Retrier`},
		{"catcher without Next", wrap(`{"Type":"Task","Resource":"r","End":true,"Catch":[{"ErrorEquals":["States.ALL"]}]}`), "/States/A/Catch/0", `missing required field "Next" in a Catcher`},
		{"ErrorEquals item not string", wrap(`{"Type":"Task","Resource":"r","End":true,"Catch":[{"ErrorEquals":[true],"Next":"A"}]}`), "/States/A/Catch/0/ErrorEquals/0", `"ErrorEquals"[0] must be an error name string, got boolean`},
		{"InputPath not a path", wrap(`{"Type":"Pass","InputPath":"x.y","End":true}`), "/States/A/InputPath", `"InputPath" must be a path starting with "$" or null, got "x.y"`},
		{"dollar key not a path", wrap(`{"Type":"Pass","Parameters":{"a":{"b.$":"nope"}},"End":true}`), "/States/A/Parameters/a/b.$", `"b.$" ends with ".$", so its value must be a path starting with "$" or an intrinsic function call like States.Format(...), got "nope"`},
		{"JSONPath field in JSONata state", wrap(`{"Type":"Pass","QueryLanguage":"JSONata","OutputPath":"$.x","End":true}`), "/States/A/OutputPath", `"OutputPath" is a JSONPath field; a state with "QueryLanguage": "JSONata" uses Arguments, Output and Assign instead`},
		{"JSONata field in JSONPath state", wrap(`{"Type":"Task","Resource":"r","QueryLanguage":"JSONPath","Arguments":{},"End":true}`), "/States/A/Arguments", `"Arguments" is a JSONata field; it needs "QueryLanguage": "JSONata"`},
		{"bad QueryLanguage", wrap(`{"Type":"Pass","QueryLanguage":"XPath","End":true}`), "/States/A/QueryLanguage", `"QueryLanguage" must be one of "JSONPath", "JSONata", got "XPath"`},
		{"Parallel without Branches", wrap(`{"Type":"Parallel","End":true}`), "/States/A", `missing required field "Branches" in a Parallel state`},
		{"branch without StartAt", wrap(`{"Type":"Parallel","Branches":[{"States":{"B":{"Type":"Succeed"}}}],"End":true}`), "/States/A/Branches/0", `missing required field "StartAt" in a Parallel branch`},
		{"Map without processor", wrap(`{"Type":"Map","End":true}`), "/States/A", `missing required field "ItemProcessor" (or the older "Iterator") in a Map state`},
		{"Map ItemProcessor and Iterator", wrap(`{"Type":"Map","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"Iterator":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/Iterator", `"Iterator" cannot be set together with "ItemProcessor"`},
		{"Map bad ProcessorConfig mode", wrap(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"PARALLEL"},"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/ItemProcessor/ProcessorConfig/Mode", `"Mode" must be one of "INLINE", "DISTRIBUTED", got "PARALLEL"`},
		{"Map MaxConcurrency negative", wrap(`{"Type":"Map","MaxConcurrency":-1,"Iterator":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/MaxConcurrency", `"MaxConcurrency" must be at least 0, got -1`},
		{"Map ToleratedFailurePercentage over 100", wrap(`{"Type":"Map","ToleratedFailurePercentage":101,"Iterator":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/ToleratedFailurePercentage", `"ToleratedFailurePercentage" must be at most 100, got 101`},
		{"Map Label too long", wrap(`{"Type":"Map","Label":"` + strings.Repeat("x", 41) + `","Iterator":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/Label", `"Label" must be at most 40 characters long, got 41`},
		{"ItemReader without Resource", wrap(`{"Type":"Map","ItemReader":{"Parameters":{}},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/ItemReader", `missing required field "Resource" in an ItemReader`},
		{"ItemBatcher unknown field", wrap(`{"Type":"Map","ItemBatcher":{"MaxItems":2},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}`), "/States/A/ItemBatcher/MaxItems", `unknown field "MaxItems" in an ItemBatcher`},
		{"state name too long", `{"StartAt":"A","States":{"` + strings.Repeat("n", 81) + `":{"Type":"Succeed"}}}`, "/States/" + strings.Repeat("n", 81), `state name "` + strings.Repeat("n", 81) + `" is longer than 80 characters`},
		{"States empty", `{"StartAt":"A","States":{}}`, "/States", `"States" must have at least 1 member`},
		{"not an object", `[]`, "", `the state machine must be an object, got array`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, useNumber := range []bool{false, true} {
				vs := schemas.ValidateASL(decode(t, []byte(c.doc), useNumber))
				assertPlainMessages(t, c.name, vs)
				found := false
				for _, v := range vs {
					if v.Pointer == c.pointer && v.Message == c.message {
						found = true
					}
				}
				if !found {
					t.Errorf("UseNumber=%v: want %q at %q, got %+v", useNumber, c.message, c.pointer, vs)
				}
			}
		})
	}
}

// Terraform templates leave "${...}" strings where ARNs and names go; the
// schema must accept them there so the linter has nothing to filter.
func TestTemplatedStringsAcceptedWhereTheyMayStand(t *testing.T) {
	doc := `{"StartAt":"${start}","States":{"A":{"Type":"Task","Resource":"${queue_granules_task_arn}",
	  "Parameters":{"cma":{"event.$":"$","task_config":{"queue":"${queue_url}"}}},
	  "ResultPath":"${result_path}","Next":"${next}"},
	  "B":{"Type":"Map","ItemsPath":"${items}","Iterator":{"StartAt":"C","States":{"C":{"Type":"Succeed"}}},"End":true}}}`
	if vs := schemas.ValidateASL(decode(t, []byte(doc), false)); len(vs) > 0 {
		t.Errorf("templated strings rejected: %v", vs)
	}
}

func TestASLSchemaIsEditorReady(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(schemas.ASL(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["$id"] == nil || doc["title"] == nil {
		t.Errorf("schema lacks $schema/$id/title: %v %v %v", doc["$schema"], doc["$id"], doc["title"])
	}
	// Every state type's fields carry a description (directly or via $ref)
	// so editors show hover help.
	defs := doc["$defs"].(map[string]any)
	for _, st := range []string{"passState", "taskState", "choiceState", "waitState", "succeedState", "failState", "parallelState", "mapState"} {
		def := defs[st].(map[string]any)
		if def["title"] == nil || def["description"] == nil {
			t.Errorf("%s lacks title/description", st)
		}
		for name, p := range def["properties"].(map[string]any) {
			pm := p.(map[string]any)
			if pm["description"] == nil && pm["$ref"] == nil {
				t.Errorf("%s.%s has no description", st, name)
			}
		}
	}
	if bytes.Contains(schemas.ASL(), []byte(`"oneOf"`)) {
		t.Error("the schema uses oneOf; dispatch with if/then so messages name the key")
	}
}

func FuzzValidateASL(f *testing.F) {
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsNull":true}],"Next":"A"}]}}}`))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Map","Iterator":{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":"x"}}}}}}`))
	f.Add([]byte(`[1,{"a/b~c":null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSON(data, true)
		if err != nil {
			return
		}
		for _, vi := range schemas.ValidateASL(v) {
			if vi.Message == "" {
				t.Fatalf("empty message: %+v", vi)
			}
			if vi.Pointer != "" && !strings.HasPrefix(vi.Pointer, "/") {
				t.Fatalf("bad pointer %q", vi.Pointer)
			}
		}
	})
}

func BenchmarkValidateCumulusCorpus(b *testing.B) {
	defs := cumulusDefinitions(b, false)
	list := make([]any, 0, len(defs))
	for _, d := range defs {
		list = append(list, d)
	}
	schemas.ValidateASL(list[0]) // compile outside the timer
	b.ResetTimer()
	for b.Loop() {
		for _, d := range list {
			if vs := schemas.ValidateASL(d); len(vs) > 0 {
				b.Fatal(vs)
			}
		}
	}
}
