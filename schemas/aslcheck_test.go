package schemas

import (
	"strings"
	"sync"
	"testing"
)

// A keyword the validator does not implement must stop the build's tests,
// not be skipped: the schema would silently check less than it says.
func TestUnimplementedKeywordFailsCompilation(t *testing.T) {
	for _, kw := range []string{`"oneOf":[{"type":"string"}]`, `"uniqueItems":true`, `"$dynamicRef":"#x"`, `"multipleOf":2`} {
		_, _, err := compileASLSchema([]byte(`{"type":"object","properties":{"a":{` + kw + `}}}`))
		if err == nil || !strings.Contains(err.Error(), "not implemented") {
			t.Errorf("%s: want a not-implemented error, got %v", kw, err)
		}
	}
	if _, _, err := compileASLSchema([]byte(`{"$ref":"#/$defs/missing"}`)); err == nil {
		t.Error("a dangling $ref compiled")
	}
}

// A $ref loop that reads no input ends in a violation, not a stack overflow.
func TestRefCycleIsReported(t *testing.T) {
	root, _, err := compileASLSchema([]byte(`{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`))
	if err != nil {
		t.Fatal(err)
	}
	if validateNode(root, map[string]any{}) == nil {
		t.Error("a $ref cycle validated")
	}
}

// BenchmarkCompileASLSchema is compiling the embedded text: what the first
// ValidateASL of a process pays only when asltable.go is stale
// (BenchmarkLoadASLSchema is the usual cost).
func BenchmarkCompileASLSchema(b *testing.B) {
	for b.Loop() {
		if _, _, err := compileASLSchema(aslSchemaText); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileASLSchemaReference is the same for the library.
func BenchmarkCompileASLSchemaReference(b *testing.B) {
	for b.Loop() {
		referenceCompiledASL = sync.OnceValues(referenceCompile)
		if _, err := referenceCompiledASL(); err != nil {
			b.Fatal(err)
		}
	}
}
