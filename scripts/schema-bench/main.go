package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	jsonschema "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stepshift/stepshift/schemas"
	"github.com/xeipuuv/gojsonschema"
)

// corpus is every document the comparison validates: 36 Cumulus
// definitions and 184 conformance files (those that parse as JSON).
type document struct {
	name string
	raw  []byte
	v    any
}

func loadCorpus(root string) ([]document, error) {
	var docs []document
	files, _ := filepath.Glob(filepath.Join(root, "cumulus", "workflows", "*.json"))
	conf, _ := filepath.Glob(filepath.Join(root, "asl-conformance", "*", "*.json"))
	for _, f := range append(files, conf...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			continue
		}
		if strings.HasPrefix(filepath.Base(f), "legacy_kes_") {
			v = v.(map[string]any)["definition"]
			raw, _ = json.Marshal(v)
		}
		docs = append(docs, document{name: f, raw: raw, v: v})
	}
	return docs, nil
}

func main() {
	root := "../../../shared/corpus" // or $STEPSHIFT_CORPUS, or the first argument
	if env := os.Getenv("STEPSHIFT_CORPUS"); env != "" {
		root = env
	}
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	docs, err := loadCorpus(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("documents: %d\n", len(docs))

	// jsonschema/v6 on the 2020-12 schema.
	start := time.Now()
	sdoc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.ASL()))
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem://asl.json", sdoc); err != nil {
		panic(err)
	}
	v6, err := c.Compile("mem://asl.json")
	if err != nil {
		panic(err)
	}
	fmt.Printf("jsonschema/v6 compile 2020-12: %v\n", time.Since(start))

	// gojsonschema on the 2020-12 schema as written.
	// gojsonschema accepts the 2020-12 text without complaint but ignores
	// the keywords it does not know (unevaluatedProperties,
	// dependentSchemas, dependentRequired, $defs-relative siblings), so it
	// silently validates less: count what it still rejects.
	asWritten, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schemas.ASL()))
	fmt.Printf("gojsonschema compile 2020-12 as written: err=%v\n", err)
	if err == nil {
		rejected := 0
		for _, d := range docs {
			if res, err := asWritten.Validate(gojsonschema.NewGoLoader(d.v)); err != nil || !res.Valid() {
				rejected++
			}
		}
		fmt.Printf("gojsonschema with the 2020-12 text as written rejects %d documents\n", rejected)
	}

	d7, err := toDraft07(schemas.ASL())
	if err != nil {
		panic(err)
	}
	start = time.Now()
	gjs, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(d7))
	fmt.Printf("gojsonschema compile draft-07 rendering: %v err=%v\n", time.Since(start), err)
	if err != nil {
		os.Exit(1)
	}

	rounds := 200
	var v6Fail, gjsFail, convFail int
	t0 := time.Now()
	for r := 0; r < rounds; r++ {
		for _, d := range docs {
			if v6.Validate(d.v) != nil && r == 0 {
				v6Fail++
			}
		}
	}
	v6Time := time.Since(t0) / time.Duration(rounds)

	t0 = time.Now()
	for r := 0; r < rounds; r++ {
		for _, d := range docs {
			if len(schemas.ValidateASL(d.v)) > 0 && r == 0 {
				convFail++
			}
		}
	}
	convTime := time.Since(t0) / time.Duration(rounds)

	t0 = time.Now()
	for r := 0; r < rounds; r++ {
		for _, d := range docs {
			res, err := gjs.Validate(gojsonschema.NewGoLoader(d.v))
			if r == 0 && (err != nil || !res.Valid()) {
				gjsFail++
			}
		}
	}
	gjsTime := time.Since(t0) / time.Duration(rounds)

	t0 = time.Now()
	for r := 0; r < rounds; r++ {
		for _, d := range docs {
			gjs.Validate(gojsonschema.NewBytesLoader(d.raw))
		}
	}
	gjsBytesTime := time.Since(t0) / time.Duration(rounds)

	fmt.Printf("per pass over %d documents (mean of %d passes):\n", len(docs), rounds)
	fmt.Printf("  jsonschema/v6 Validate:              %v  (%d documents rejected)\n", v6Time, v6Fail)
	fmt.Printf("  schemas.ValidateASL (v6 + messages): %v  (%d documents rejected)\n", convTime, convFail)
	fmt.Printf("  gojsonschema Validate (Go values):   %v  (%d documents rejected)\n", gjsTime, gjsFail)
	fmt.Printf("  gojsonschema Validate (raw bytes):   %v\n", gjsBytesTime)
	fmt.Printf("  ratio gojsonschema/v6:               %.1fx\n", float64(gjsTime)/float64(v6Time))

	// What gojsonschema says about a state name with a dot, to show its paths.
	dotted := map[string]any{"StartAt": "a.b", "States": map[string]any{"a.b": map[string]any{"Type": "Task", "End": true}}}
	res, _ := gjs.Validate(gojsonschema.NewGoLoader(dotted))
	for _, e := range res.Errors() {
		fmt.Printf("  gojsonschema error on state \"a.b\": field=%q %s\n", e.Field(), e.Description())
	}
	for _, e := range schemas.ValidateASL(dotted) {
		fmt.Printf("  stepshift violation on state \"a.b\": %s %s\n", e.Pointer, e.Message)
	}
}
