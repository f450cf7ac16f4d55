// Package schemas holds the data stepshift embeds in its binary: the JSON
// Schema of Amazon States Language, the Lambda and Step Functions limits
// (profiles "aws" and "cumulus-docs") and the Lambda runtime table. It
// imports nothing of stepshift's, so every other package may use it.
package schemas

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"math/bits"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed asl.schema.json
var aslSchemaText []byte

// asltable.go holds asl.schema.json compiled, as static data.
//go:generate go test -run ^TestASLTableIsCurrent$ . -update-asl-table

// aslSchemaURL is the schema's $id; the compiler resolves $refs against it.
const aslSchemaURL = "https://github.com/stepshift/stepshift/schemas/asl.schema.json"

// ASL returns the JSON Schema (draft 2020-12) of Amazon States Language that
// stepshift validates with and that `stepshift schema asl` prints for editors.
// The caller gets its own copy.
func ASL() []byte { return bytes.Clone(aslSchemaText) }

// Violation is one place where a state machine breaks the ASL schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON Pointer of the offending value (for a
	// missing field: of the object that lacks it; for an unknown field: of
	// that field's value).
	Pointer string
	// Keyword is the JSON Schema keyword that failed ("required", "type",
	// "unevaluatedProperties", ...), for tools that group findings.
	Keyword string
	// Message is plain English naming the key, e.g. `unknown field "Foo" in a Task state`.
	Message string
}

// compiledASL is loaded on first use, not at package init: most stepshift
// processes (--help, migrate, worker) never validate a workflow, and those
// that do validate many.
var compiledASL = sync.OnceValues(func() (*aslValidator, error) {
	schema, err := loadASLSchema()
	if err != nil {
		return nil, err
	}
	return &aslValidator{schema: schema}, nil
})

// loadASLSchema returns the generated table (asltable.go) when it was
// compiled from the embedded text, as it is once the tests pass: reading
// static data costs next to nothing, while compiling the text allocates
// ~0.8 MB, page faults that cost a pre-commit hook milliseconds. After an
// edit to asl.schema.json it compiles the text instead, so the edit takes
// effect before anyone regenerates the table (and the tests say to).
func loadASLSchema() (*compiledSchema, error) {
	if len(aslSchemaText) == aslTableLen && textSum(aslSchemaText) == aslTableSum {
		return newCompiledSchema(&aslTable), nil
	}
	schema, _, err := compileASLSchema(aslSchemaText)
	return schema, err
}

// textSum is a 64-bit FNV-1a variant that reads 8 bytes a step: enough to
// tell a changed schema text from the one the table was generated from,
// in a few microseconds.
func textSum(b []byte) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for ; len(b) >= 8; b = b[8:] {
		h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(b))*prime, 27)
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * prime
	}
	return h
}

type aslValidator struct {
	schema *compiledSchema
	// doc, when set, is the schema as JSON to read the annotations (x-expect,
	// errorMessage, title) from instead of schema's table: the reference
	// test words the library's failures, which have no table behind them.
	doc any
}

// ValidateASL checks instance (a value as encoding/json's Unmarshal into `any`
// produces it; json.Number numbers are fine) against the ASL schema and
// returns one Violation per problem, sorted by pointer. An empty result means
// the schema found nothing wrong; graph checks (reachability, Next targets)
// are the linter's job.
func ValidateASL(instance any) []Violation {
	v, err := compiledASL()
	if err != nil {
		// The schema is embedded and compiled by the tests; reaching this
		// means a broken build, which must not pass silently.
		return []Violation{{Pointer: "", Keyword: "schema", Message: err.Error()}}
	}
	f := validateNode(v.schema, instance)
	if f == nil {
		return nil
	}
	var out []Violation
	v.collect(f, nil, instance, &out)
	return sortViolations(out)
}

// sortViolations orders violations by pointer, then message and keyword,
// and drops repeats (two schemas may report the same thing).
func sortViolations(vs []Violation) []Violation {
	sort.Slice(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if a.Pointer != b.Pointer {
			return a.Pointer < b.Pointer
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Keyword < b.Keyword
	})
	out := vs[:0]
	for i, v := range vs {
		if i > 0 && v == vs[i-1] {
			continue
		}
		out = append(out, v)
	}
	return out
}

// collect walks the failure tree down to its leaves. Wrappers (allOf, $ref,
// if/then groups) carry no message a person needs; ancestors are kept so a
// leaf can borrow annotations (x-other, title) from the $ref that led to it.
func (v *aslValidator) collect(f *failure, ancestors []*failure, instance any, out *[]Violation) {
	if len(f.causes) > 0 && f.kind != fNot && f.kind != fPropertyNames {
		next := append(ancestors, f)
		for _, c := range f.causes {
			v.collect(c, next, instance, out)
		}
		return
	}
	*out = append(*out, v.leaf(f, ancestors, instance)...)
}

// leaf turns one failed keyword into violations.
func (v *aslValidator) leaf(f *failure, ancestors []*failure, instance any) []Violation {
	ptr := pointerOf(f.loc)
	value, _ := lookup(instance, f.loc)
	keyword := f.keyword()
	if f.kind == fNot {
		keyword = "not"
	}

	// annotation finds a string annotation on the failing schema or on a $ref
	// that led to it for the same instance value, nearest first.
	annotation := func(name string) string {
		if s, ok := v.annotation(f.schemaURL, name); ok {
			return s
		}
		for i := len(ancestors) - 1; i >= 0; i-- {
			a := ancestors[i]
			if !sameLocation(a.loc, f.loc) {
				break
			}
			if s, ok := v.annotation(a.schemaURL, name); ok {
				return s
			}
		}
		return ""
	}
	subject := keyName(instance, f.loc)
	expand := func(msg string) string {
		return strings.NewReplacer(
			"{value}", display(value),
			"{other}", strconv.Quote(annotation("x-other")),
			"{title}", annotation("title"),
		).Replace(msg)
	}

	switch f.kind {
	case fRequired:
		if msg := annotation("errorMessage"); msg != "" {
			return []Violation{{Pointer: ptr, Keyword: "required", Message: expand(msg)}}
		}
		where := v.noun(f.schemaURL, ancestors, f.loc)
		var vs []Violation
		for _, m := range f.names {
			vs = append(vs, Violation{Pointer: ptr, Keyword: "required",
				Message: fmt.Sprintf("missing required field %q in %s", m, where)})
		}
		return vs
	case fFalseSchema:
		// unevaluatedProperties/additionalProperties: false reports each
		// extra member at its own location; the owning object's title says
		// what kind of object it is.
		if len(f.loc) > 0 {
			parentURL := trimLastSegment(f.schemaURL)
			return []Violation{{Pointer: ptr, Keyword: lastSegment(f.schemaURL),
				Message: fmt.Sprintf("unknown field %q in %s", f.loc[len(f.loc)-1], v.nounOf(parentURL))}}
		}
	case fAdditionalProperties:
		where := v.nounOf(f.schemaURL)
		var vs []Violation
		for _, p := range f.names {
			vs = append(vs, Violation{Pointer: pointerOf(append(append([]string(nil), f.loc...), p)),
				Keyword: "additionalProperties", Message: fmt.Sprintf("unknown field %q in %s", p, where)})
		}
		return vs
	case fPropertyNames:
		msg := annotation("errorMessage")
		if msg == "" {
			msg = "name {value} is not allowed"
		}
		msg = strings.ReplaceAll(msg, "{value}", strconv.Quote(f.prop))
		return []Violation{{Pointer: pointerOf(append(append([]string(nil), f.loc...), f.prop)),
			Keyword: "propertyNames", Message: msg}}
	case fDependentRequired:
		return []Violation{{Pointer: ptr, Keyword: "dependentRequired",
			Message: fmt.Sprintf("%q needs %s", f.prop, quoteAll(f.names, " and "))}}
	}

	if msg := annotation("errorMessage"); msg != "" {
		return []Violation{{Pointer: ptr, Keyword: keyword, Message: subject + " " + expand(msg)}}
	}
	var msg string
	switch f.kind {
	case fType, fPattern:
		// A pattern on a typed field only ever guards the JSONata string
		// form, so a failing pattern means "wrong type" to the user.
		expect := annotation("x-expect")
		if expect == "" {
			if f.kind == fType {
				expect = withArticle(strings.Join(f.names, " or "))
			} else {
				expect = "a string matching " + strconv.Quote(f.pattern)
			}
		}
		msg = fmt.Sprintf("%s must be %s, got %s", subject, expect, jsonType(value))
	case fEnum:
		msg = fmt.Sprintf("%s must be one of %s, got %s", subject, displayAll(f.want.([]any)), display(value))
	case fConst:
		msg = fmt.Sprintf("%s must be %s, got %s", subject, display(f.want), display(value))
	case fMinimum:
		msg = fmt.Sprintf("%s must be at least %s, got %s", subject, ratString(f.wantRat), display(value))
	case fMaximum:
		msg = fmt.Sprintf("%s must be at most %s, got %s", subject, ratString(f.wantRat), display(value))
	case fExclusiveMinimum:
		msg = fmt.Sprintf("%s must be greater than %s, got %s", subject, ratString(f.wantRat), display(value))
	case fExclusiveMaximum:
		msg = fmt.Sprintf("%s must be less than %s, got %s", subject, ratString(f.wantRat), display(value))
	case fMinItems:
		msg = fmt.Sprintf("%s must have at least %d %s, got %d", subject, f.wantInt, plural(f.wantInt, "item"), f.got)
	case fMaxItems:
		msg = fmt.Sprintf("%s must have at most %d %s, got %d", subject, f.wantInt, plural(f.wantInt, "item"), f.got)
	case fMinProperties:
		msg = fmt.Sprintf("%s must have at least %d %s", subject, f.wantInt, plural(f.wantInt, "member"))
	case fMaxProperties:
		msg = fmt.Sprintf("%s must have at most %d %s", subject, f.wantInt, plural(f.wantInt, "member"))
	case fMinLength:
		msg = fmt.Sprintf("%s must be at least %d %s long, got %d", subject, f.wantInt, plural(f.wantInt, "character"), f.got)
	case fMaxLength:
		msg = fmt.Sprintf("%s must be at most %d %s long, got %d", subject, f.wantInt, plural(f.wantInt, "character"), f.got)
	case fNot, fFalseSchema:
		msg = subject + " is not allowed here"
	case fInvalidValue:
		msg = fmt.Sprintf("%s: %T is not a JSON value", subject, value)
	case fRefCycle:
		msg = subject + ": the schema's $refs loop without reading the document (a bug in asl.schema.json)"
	default:
		// Composite kinds never get here (they have causes).
		msg = subject + " is not valid here"
	}
	return []Violation{{Pointer: ptr, Keyword: keyword, Message: msg}}
}

// noun describes the object a required field is missing from: the title of
// the nearest schema on the way down to the failing one, for that object.
func (v *aslValidator) noun(schemaURL string, ancestors []*failure, loc []string) string {
	if n := v.nounAt(schemaURL); n != "" {
		return n
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if !sameLocation(ancestors[i].loc, loc) {
			break
		}
		if n := v.nounAt(ancestors[i].schemaURL); n != "" {
			return n
		}
	}
	return "this object"
}

// nounOf is nounAt with a fallback.
func (v *aslValidator) nounOf(schemaURL string) string {
	if n := v.nounAt(schemaURL); n != "" {
		return n
	}
	return "this object"
}

func (v *aslValidator) nounAt(schemaURL string) string {
	if n, ok := v.annotation(schemaURL, "x-noun"); ok {
		return n
	}
	if t, ok := v.annotation(schemaURL, "title"); ok {
		return withArticle(t)
	}
	return ""
}

// annotation returns the string annotation name of the schema at schemaURL
// ("<id>#/json/pointer") and whether it has one.
func (v *aslValidator) annotation(schemaURL, name string) (string, bool) {
	if v.doc != nil {
		s, ok := subschemaAt(v.doc, schemaURL)[name].(string)
		return s, ok
	}
	return v.schema.annotationsAt(schemaURL).get(name)
}

func subschemaAt(doc any, schemaURL string) map[string]any {
	_, frag, _ := strings.Cut(schemaURL, "#")
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	cur := doc
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch c := cur.(type) {
			case map[string]any:
				cur = c[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(c) {
					return nil
				}
				cur = c[i]
			default:
				return nil
			}
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

func lastSegment(schemaURL string) string {
	if i := strings.LastIndex(schemaURL, "/"); i >= 0 {
		return schemaURL[i+1:]
	}
	return schemaURL
}

func trimLastSegment(schemaURL string) string {
	if i := strings.LastIndex(schemaURL, "/"); i >= 0 && strings.Contains(schemaURL[:i], "#") {
		return schemaURL[:i]
	}
	if i := strings.Index(schemaURL, "#"); i >= 0 {
		return schemaURL[:i+1]
	}
	return schemaURL
}

func sameLocation(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// pointerOf renders an instance location as an RFC 6901 JSON Pointer.
func pointerOf(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// lookup returns the instance value at loc.
func lookup(instance any, loc []string) (any, bool) {
	cur := instance
	for _, tok := range loc {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// keyName names the value at loc the way a person reads the document:
// `"TimeoutSeconds"`, `"ErrorEquals"[0]`, or "the state machine" at the root.
func keyName(instance any, loc []string) string {
	if len(loc) == 0 {
		return "the state machine"
	}
	last := loc[len(loc)-1]
	if parent, ok := lookup(instance, loc[:len(loc)-1]); ok {
		if _, isArray := parent.([]any); isArray {
			return keyName(instance, loc[:len(loc)-1]) + "[" + last + "]"
		}
	}
	return strconv.Quote(last)
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch n := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return "integer"
		}
		if f, err := n.Float64(); err == nil && f == float64(int64(f)) && !strings.ContainsAny(string(n), "eE") {
			return "integer"
		}
		return "number"
	case float64:
		if n == float64(int64(n)) {
			return "integer"
		}
		return "number"
	case float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// display renders a value compactly for a message: strings quoted, numbers
// as written, containers by their type.
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 60 {
			x = x[:57] + "..."
		}
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprint(v)
}

func displayAll(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = display(v)
	}
	return strings.Join(parts, ", ")
}

func quoteAll(ss []string, sep string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = strconv.Quote(s)
	}
	return strings.Join(parts, sep)
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func withArticle(noun string) string {
	if noun == "" {
		return noun
	}
	switch strings.ToLower(noun[:1]) {
	case "a", "e", "i", "o", "u":
		return "an " + noun
	}
	return "a " + noun
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
