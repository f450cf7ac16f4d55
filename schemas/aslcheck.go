package schemas

// A JSON Schema (draft 2020-12) validator for exactly the keywords
// asl.schema.json uses. It replaced santhosh-tekuri/jsonschema/v6 at run
// time because that library's package init (metaschemas, format and
// localisation tables) cost 11-17 ms of every stepshift process, including
// `stepshift --help`, while the schema itself needs a small, fixed set of
// keywords. The embedded schema is read on first use, not at init, so any
// edit to asl.schema.json takes effect without regenerating anything; a
// keyword this file does not implement makes that first use fail (and the
// tests with it) instead of being silently ignored.
//
// The evaluation order and the shape of the failure tree follow the library
// (v6.0.3, validator.go) on purpose: which failures are reported, which
// schema location each carries and which wrappers sit above it decide the
// messages asl.go builds, and the library stays as a test-only reference
// (aslref_test.go) that a differential test and a fuzz target compare
// against.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// schemaNode is one compiled (sub)schema.
type schemaNode struct {
	loc     string // absolute location: aslSchemaURL + "#" + JSON Pointer
	boolean *bool  // set for the schemas `true` and `false`

	types    typeSet // "type"; zero when absent
	constVal *any
	enum     []any
	enumSet  typeSet
	ref      *schemaNode

	// objects
	minProperties, maxProperties *int
	required                     []string
	properties                   map[string]*schemaNode
	patternProperties            []patternSchema
	additionalFalse              bool        // "additionalProperties": false
	additional                   *schemaNode // "additionalProperties": {schema}
	hasAdditional                bool
	propertyNames                *schemaNode
	dependentSchemas             map[string]*schemaNode
	dependentRequired            map[string][]string
	unevaluatedProperties        *schemaNode

	// arrays
	minItems, maxItems *int
	items              *schemaNode

	// strings
	minLength, maxLength *int
	pattern              *regexp.Regexp

	// numbers
	minimum, maximum, exclusiveMinimum, exclusiveMaximum *big.Rat

	// applicators
	not               *schemaNode
	allOf, anyOf      []*schemaNode
	ifS, thenS, elseS *schemaNode
}

type patternSchema struct {
	re   *regexp.Regexp
	node *schemaNode
}

// typeSet is a set of JSON types; the bit order is the library's, so lists
// of wanted types read the same ("integer or string").
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
	tInvalid // a Go value that is not JSON
)

var typeNames = []string{"null", "boolean", "number", "integer", "string", "array", "object"}

func (ts typeSet) names() []string {
	var out []string
	for i, n := range typeNames {
		if ts&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// annotationKeywords carry no assertion; the validator skips them (asl.go
// reads title, x-noun, x-expect, x-other and errorMessage when it words a
// message). Keys starting "x-" are annotations too.
var annotationKeywords = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "$comment": true, "title": true,
	"description": true, "markdownDescription": true, "examples": true, "default": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "errorMessage": true,
	"format": true, // an annotation in draft 2020-12 unless a vocabulary asserts it
}

// schemaCompiler turns the schema document into schemaNodes, one per
// location, so $ref cycles (states -> state -> parallelState -> states)
// resolve to the same node.
type schemaCompiler struct {
	doc   any
	nodes map[string]*schemaNode
}

// compileASLSchema parses and compiles the embedded schema text.
func compileASLSchema(text []byte) (*schemaNode, any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("embedded ASL schema is not JSON: %w", err)
	}
	c := &schemaCompiler{doc: doc, nodes: map[string]*schemaNode{}}
	root, err := c.compile(doc, "")
	if err != nil {
		return nil, nil, fmt.Errorf("embedded ASL schema: %w", err)
	}
	return root, doc, nil
}

func (c *schemaCompiler) compile(s any, ptr string) (*schemaNode, error) {
	if n, ok := c.nodes[ptr]; ok {
		return n, nil
	}
	n := &schemaNode{loc: aslSchemaURL + "#" + ptr}
	c.nodes[ptr] = n
	switch s := s.(type) {
	case bool:
		n.boolean = &s
		return n, nil
	case map[string]any:
		for key, val := range s {
			if err := c.keyword(n, key, val, ptr); err != nil {
				return nil, fmt.Errorf("%s at %q: %w", key, "#"+ptr, err)
			}
		}
		return n, nil
	}
	return nil, fmt.Errorf("schema at %q is neither an object nor a boolean", "#"+ptr)
}

// sub compiles the subschema at ptr/tokens...
func (c *schemaCompiler) sub(val any, ptr string, tokens ...string) (*schemaNode, error) {
	for _, t := range tokens {
		ptr += "/" + escapeToken(t)
	}
	return c.compile(val, ptr)
}

func (c *schemaCompiler) keyword(n *schemaNode, key string, val any, ptr string) error {
	if annotationKeywords[key] || strings.HasPrefix(key, "x-") {
		return nil
	}
	var err error
	switch key {
	case "type":
		n.types, err = parseTypes(val)
	case "const":
		v := val
		n.constVal = &v
	case "enum":
		list, ok := val.([]any)
		if !ok {
			return fmt.Errorf("want an array")
		}
		n.enum = list
		for _, item := range list {
			n.enumSet |= typeOf(item)
		}
	case "$ref":
		n.ref, err = c.resolve(val)
	case "minProperties":
		n.minProperties, err = nonNegative(val)
	case "maxProperties":
		n.maxProperties, err = nonNegative(val)
	case "required":
		n.required, err = stringList(val)
	case "properties":
		n.properties, err = c.schemaMap(val, ptr, key)
	case "patternProperties":
		m, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object")
		}
		for pat, sch := range m {
			re, rerr := regexp.Compile(pat)
			if rerr != nil {
				return rerr
			}
			node, serr := c.sub(sch, ptr, key, pat)
			if serr != nil {
				return serr
			}
			n.patternProperties = append(n.patternProperties, patternSchema{re, node})
		}
	case "additionalProperties":
		n.hasAdditional = true
		if b, ok := val.(bool); ok && !b {
			n.additionalFalse = true
		} else {
			n.additional, err = c.sub(val, ptr, key)
		}
	case "propertyNames":
		n.propertyNames, err = c.sub(val, ptr, key)
	case "dependentSchemas":
		n.dependentSchemas, err = c.schemaMap(val, ptr, key)
	case "dependentRequired":
		m, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object")
		}
		n.dependentRequired = map[string][]string{}
		for prop, list := range m {
			if n.dependentRequired[prop], err = stringList(list); err != nil {
				return err
			}
		}
	case "unevaluatedProperties":
		n.unevaluatedProperties, err = c.sub(val, ptr, key)
	case "minItems":
		n.minItems, err = nonNegative(val)
	case "maxItems":
		n.maxItems, err = nonNegative(val)
	case "items":
		n.items, err = c.sub(val, ptr, key)
	case "minLength":
		n.minLength, err = nonNegative(val)
	case "maxLength":
		n.maxLength, err = nonNegative(val)
	case "pattern":
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a string")
		}
		n.pattern, err = regexp.Compile(s)
	case "minimum":
		n.minimum, err = rat(val)
	case "maximum":
		n.maximum, err = rat(val)
	case "exclusiveMinimum":
		n.exclusiveMinimum, err = rat(val)
	case "exclusiveMaximum":
		n.exclusiveMaximum, err = rat(val)
	case "not":
		n.not, err = c.sub(val, ptr, key)
	case "allOf":
		n.allOf, err = c.schemaList(val, ptr, key)
	case "anyOf":
		n.anyOf, err = c.schemaList(val, ptr, key)
	case "if":
		n.ifS, err = c.sub(val, ptr, key)
	case "then":
		n.thenS, err = c.sub(val, ptr, key)
	case "else":
		n.elseS, err = c.sub(val, ptr, key)
	default:
		return fmt.Errorf("keyword %q is not implemented by stepshift's validator (schemas/aslcheck.go); implement it there, mirroring the reference library, before using it", key)
	}
	return err
}

// resolve follows a local $ref ("#/$defs/x", or the same with the $id).
func (c *schemaCompiler) resolve(val any) (*schemaNode, error) {
	ref, ok := val.(string)
	if !ok {
		return nil, fmt.Errorf("want a string")
	}
	ref = strings.TrimPrefix(ref, aslSchemaURL)
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok || (frag != "" && !strings.HasPrefix(frag, "/")) {
		return nil, fmt.Errorf("only local JSON Pointer references are supported, got %q", val)
	}
	cur := c.doc
	if frag != "" {
		for _, tok := range strings.Split(frag[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("reference %q does not resolve", val)
			}
			if cur, ok = m[tok]; !ok {
				return nil, fmt.Errorf("reference %q does not resolve", val)
			}
		}
	}
	return c.compile(cur, frag)
}

func (c *schemaCompiler) schemaMap(val any, ptr, key string) (map[string]*schemaNode, error) {
	m, ok := val.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want an object")
	}
	out := make(map[string]*schemaNode, len(m))
	for name, sch := range m {
		node, err := c.sub(sch, ptr, key, name)
		if err != nil {
			return nil, err
		}
		out[name] = node
	}
	return out, nil
}

func (c *schemaCompiler) schemaList(val any, ptr, key string) ([]*schemaNode, error) {
	list, ok := val.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("want a non-empty array")
	}
	out := make([]*schemaNode, len(list))
	for i, sch := range list {
		node, err := c.sub(sch, ptr, key, strconv.Itoa(i))
		if err != nil {
			return nil, err
		}
		out[i] = node
	}
	return out, nil
}

func parseTypes(val any) (typeSet, error) {
	var names []any
	switch v := val.(type) {
	case string:
		names = []any{v}
	case []any:
		names = v
	default:
		return 0, fmt.Errorf("want a string or an array")
	}
	var ts typeSet
	for _, name := range names {
		found := false
		for i, n := range typeNames {
			if name == n {
				ts |= 1 << i
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown type %v", name)
		}
	}
	return ts, nil
}

func nonNegative(val any) (*int, error) {
	n, ok := val.(json.Number)
	if !ok {
		return nil, fmt.Errorf("want a number")
	}
	i, err := strconv.Atoi(n.String())
	if err != nil || i < 0 {
		return nil, fmt.Errorf("want a non-negative integer, got %s", n)
	}
	return &i, nil
}

func stringList(val any) ([]string, error) {
	list, ok := val.([]any)
	if !ok {
		return nil, fmt.Errorf("want an array of strings")
	}
	out := make([]string, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("want an array of strings")
		}
		out[i] = s
	}
	return out, nil
}

func rat(val any) (*big.Rat, error) {
	n, ok := val.(json.Number)
	if !ok {
		return nil, fmt.Errorf("want a number")
	}
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return nil, fmt.Errorf("bad number %s", n)
	}
	return r, nil
}

func escapeToken(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// failureKind names what failed; composite kinds (group, ref, allOf, anyOf,
// root) carry causes, the rest are leaves.
type failureKind uint8

const (
	fRoot failureKind = iota // the whole document (the library's kind.Schema)
	fGroup
	fRef
	fAllOf
	fAnyOf
	fFalseSchema
	fInvalidValue
	fRefCycle
	fType
	fConst
	fEnum
	fMinProperties
	fMaxProperties
	fRequired
	fAdditionalProperties
	fPropertyNames
	fDependentRequired
	fMinItems
	fMaxItems
	fMinLength
	fMaxLength
	fPattern
	fMinimum
	fMaximum
	fExclusiveMinimum
	fExclusiveMaximum
	fNot
)

// failure is one node of the failure tree: the library's ValidationError.
type failure struct {
	kind      failureKind
	schemaURL string   // location of the schema whose keyword failed
	loc       []string // instance location
	causes    []*failure

	names   []string // fRequired, fDependentRequired: missing; fAdditionalProperties: extra; fType: wanted types
	prop    string   // fPropertyNames: the name; fDependentRequired: the property that needs others
	want    any      // fConst: the value; fEnum: []any
	wantRat *big.Rat // numeric bounds
	wantInt int      // size bounds
	got     int      // size found
	pattern string   // fPattern
}

// keyword is the JSON Schema keyword of a failure, as the library's
// KeywordPath joined with "/".
func (f *failure) keyword() string {
	switch f.kind {
	case fRef:
		return "$ref"
	case fAllOf:
		return "allOf"
	case fAnyOf:
		return "anyOf"
	case fType:
		return "type"
	case fConst:
		return "const"
	case fEnum:
		return "enum"
	case fMinProperties:
		return "minProperties"
	case fMaxProperties:
		return "maxProperties"
	case fRequired:
		return "required"
	case fAdditionalProperties:
		return "additionalProperties"
	case fPropertyNames:
		return "propertyNames"
	case fDependentRequired:
		return "dependentRequired/" + f.prop
	case fMinItems:
		return "minItems"
	case fMaxItems:
		return "maxItems"
	case fMinLength:
		return "minLength"
	case fMaxLength:
		return "maxLength"
	case fPattern:
		return "pattern"
	case fMinimum:
		return "minimum"
	case fMaximum:
		return "maximum"
	case fExclusiveMinimum:
		return "exclusiveMinimum"
	case fExclusiveMaximum:
		return "exclusiveMaximum"
	}
	return ""
}

// invalid is what a validation in boolean mode (if, not: only the verdict
// matters) returns instead of a failure tree.
var invalid = &failure{kind: fGroup}

// maxSelfDepth bounds how many schemas may apply to one value in a chain
// ($ref, allOf, if, ...): deeper means a $ref cycle that consumes no input.
const maxSelfDepth = 64

// evaluation is the validation of one value against one schema (the
// library's validator struct).
type evaluation struct {
	node     *schemaNode
	value    any
	loc      []string
	uneval   map[string]struct{} // object members no schema has evaluated yet, when someone needs to know
	failures []*failure
	boolOnly bool // only the verdict matters
	depth    int  // schemas applied to this same value above this one
}

// validateNode validates value (at loc) against node and returns the
// failure tree, nil when valid.
func validateNode(node *schemaNode, value any) *failure {
	e := evaluation{node: node, value: value, uneval: unevalFor(value, node, false)}
	if _, f := e.run(); f != nil {
		causes := []*failure{f}
		if f.kind == fGroup {
			causes = f.causes
		}
		return &failure{kind: fRoot, schemaURL: node.loc, causes: causes}
	}
	return nil
}

func (e *evaluation) fail(kind failureKind) *failure {
	if e.boolOnly {
		return invalid
	}
	return &failure{kind: kind, schemaURL: e.node.loc, loc: append([]string(nil), e.loc...)}
}

func (e *evaluation) add(f *failure) {
	if f != nil {
		e.failures = append(e.failures, f)
	}
}

// run validates and returns, when valid, the members still unevaluated.
func (e *evaluation) run() (map[string]struct{}, *failure) {
	s := e.node
	v := e.value
	if s.boolean != nil {
		if *s.boolean {
			return e.uneval, nil
		}
		return nil, e.fail(fFalseSchema)
	}
	if e.depth > maxSelfDepth {
		return nil, e.fail(fRefCycle)
	}
	t := typeOf(v)
	if t == tInvalid {
		return nil, e.fail(fInvalidValue)
	}
	if s.types != 0 {
		if s.types&t == 0 && !(s.types&tInteger != 0 && t == tNumber && isInteger(v)) {
			f := e.fail(fType)
			if f != invalid {
				f.names = s.types.names()
			}
			return nil, f
		}
	}
	if s.constVal != nil && !jsonEqual(v, *s.constVal) {
		f := e.fail(fConst)
		if f != invalid {
			f.want = *s.constVal
		}
		return nil, f
	}
	if s.enum != nil {
		matched := false
		if s.enumSet&t != 0 {
			for _, item := range s.enum {
				if jsonEqual(v, item) {
					matched = true
					break
				}
			}
		}
		if !matched {
			f := e.fail(fEnum)
			if f != invalid {
				f.want = s.enum
			}
			return nil, f
		}
	}
	if s.ref != nil {
		if f := e.self(s.ref, false); f != nil {
			if f == invalid {
				e.add(f)
			} else {
				r := e.fail(fRef)
				if f.kind == fGroup {
					r.causes = f.causes
				} else {
					r.causes = []*failure{f}
				}
				e.add(r)
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		e.object(v)
	case []any:
		e.array(v)
	case string:
		e.str(v)
	case bool, nil:
	default:
		e.number(v)
	}
	if len(e.failures) == 0 || !e.boolOnly {
		e.applicators()
		if obj, ok := v.(map[string]any); ok && s.unevaluatedProperties != nil {
			for name := range e.uneval {
				if member, ok := obj[name]; ok {
					e.add(e.member(s.unevaluatedProperties, member, name))
				}
			}
			e.uneval = nil
		}
	}
	switch len(e.failures) {
	case 0:
		return e.uneval, nil
	case 1:
		return nil, e.failures[0]
	}
	g := e.fail(fGroup)
	if g != invalid {
		g.causes = e.failures
	}
	return nil, g
}

// self validates the same value against another schema (the library's
// validateSelf); on success the members it evaluated count as evaluated.
func (e *evaluation) self(node *schemaNode, boolOnly bool) *failure {
	sub := evaluation{node: node, value: e.value, loc: e.loc,
		uneval:   unevalFor(e.value, node, len(e.uneval) > 0),
		boolOnly: e.boolOnly || boolOnly, depth: e.depth + 1}
	left, f := sub.run()
	if f == nil {
		for name := range e.uneval {
			if _, still := left[name]; !still {
				delete(e.uneval, name)
			}
		}
	}
	return f
}

// member validates a member or item of the value (the library's validateVal).
func (e *evaluation) member(node *schemaNode, value any, token string) *failure {
	loc := make([]string, len(e.loc)+1)
	copy(loc, e.loc)
	loc[len(e.loc)] = token
	sub := evaluation{node: node, value: value, loc: loc,
		uneval: unevalFor(value, node, false), boolOnly: e.boolOnly}
	_, f := sub.run()
	return f
}

// unevalFor lists an object's members when the schema, or the caller,
// needs to know which ones no keyword evaluates.
func unevalFor(value any, node *schemaNode, callerNeeds bool) map[string]struct{} {
	obj, ok := value.(map[string]any)
	if !ok || node.hasAdditional || !(callerNeeds || node.unevaluatedProperties != nil) {
		return nil
	}
	out := make(map[string]struct{}, len(obj))
	for k := range obj {
		out[k] = struct{}{}
	}
	return out
}

func (e *evaluation) object(obj map[string]any) {
	s := e.node
	e.size(len(obj), s.minProperties, s.maxProperties, fMinProperties, fMaxProperties)
	if missing := e.missing(obj, s.required); missing != nil {
		f := e.fail(fRequired)
		if f != invalid {
			f.names = missing
		}
		e.add(f)
	}
	if e.boolOnly && len(e.failures) > 0 {
		return
	}
	var extra []string
	for name, value := range obj {
		if e.boolOnly && len(e.failures) > 0 {
			return
		}
		evaluated := false
		if sch, ok := s.properties[name]; ok {
			evaluated = true
			e.add(e.member(sch, value, name))
		}
		for _, pp := range s.patternProperties {
			if pp.re.MatchString(name) {
				evaluated = true
				e.add(e.member(pp.node, value, name))
			}
		}
		if !evaluated && s.hasAdditional {
			evaluated = true
			if s.additionalFalse {
				extra = append(extra, name)
			} else {
				e.add(e.member(s.additional, value, name))
			}
		}
		if evaluated {
			delete(e.uneval, name)
		}
	}
	if len(extra) > 0 {
		f := e.fail(fAdditionalProperties)
		if f != invalid {
			f.names = extra
		}
		e.add(f)
	}
	if s.propertyNames != nil {
		for name := range obj {
			// Each name is validated as a document of its own; the
			// failure is reported on the object, naming the member.
			if validateNode(s.propertyNames, name) != nil {
				f := e.fail(fPropertyNames)
				if f != invalid {
					f.schemaURL = s.propertyNames.loc
					f.prop = name
				}
				e.add(f)
			}
		}
	}
	for name, sch := range s.dependentSchemas {
		if _, ok := obj[name]; ok {
			e.add(e.self(sch, false))
		}
	}
	for name, needs := range s.dependentRequired {
		if _, ok := obj[name]; ok {
			if missing := e.missing(obj, needs); missing != nil {
				f := e.fail(fDependentRequired)
				if f != invalid {
					f.prop = name
					f.names = missing
				}
				e.add(f)
			}
		}
	}
}

func (e *evaluation) missing(obj map[string]any, names []string) []string {
	var out []string
	for _, name := range names {
		if _, ok := obj[name]; !ok {
			if e.boolOnly {
				return []string{}
			}
			out = append(out, name)
		}
	}
	return out
}

// size checks a count (members, items, characters) against the schema's
// lower and upper bound, either of which may be absent.
func (e *evaluation) size(n int, least, most *int, tooFew, tooMany failureKind) {
	bound := func(kind failureKind, want int) {
		f := e.fail(kind)
		if f != invalid {
			f.wantInt, f.got = want, n
		}
		e.add(f)
	}
	if least != nil && n < *least {
		bound(tooFew, *least)
	}
	if most != nil && n > *most {
		bound(tooMany, *most)
	}
}

func (e *evaluation) array(arr []any) {
	s := e.node
	e.size(len(arr), s.minItems, s.maxItems, fMinItems, fMaxItems)
	if s.items != nil {
		for i, item := range arr {
			e.add(e.member(s.items, item, strconv.Itoa(i)))
		}
	}
}

func (e *evaluation) str(str string) {
	s := e.node
	if s.minLength != nil || s.maxLength != nil {
		e.size(utf8.RuneCountInString(str), s.minLength, s.maxLength, fMinLength, fMaxLength)
	}
	if s.pattern != nil && !s.pattern.MatchString(str) {
		f := e.fail(fPattern)
		if f != invalid {
			f.pattern = s.pattern.String()
		}
		e.add(f)
	}
}

func (e *evaluation) number(v any) {
	s := e.node
	if s.minimum == nil && s.maximum == nil && s.exclusiveMinimum == nil && s.exclusiveMaximum == nil {
		return
	}
	num, ok := numberRat(v)
	if !ok {
		return
	}
	bound := func(kind failureKind, want *big.Rat, broken bool) {
		if want != nil && broken {
			f := e.fail(kind)
			if f != invalid {
				f.wantRat = want
			}
			e.add(f)
		}
	}
	bound(fMinimum, s.minimum, s.minimum != nil && num.Cmp(s.minimum) < 0)
	bound(fMaximum, s.maximum, s.maximum != nil && num.Cmp(s.maximum) > 0)
	bound(fExclusiveMinimum, s.exclusiveMinimum, s.exclusiveMinimum != nil && num.Cmp(s.exclusiveMinimum) <= 0)
	bound(fExclusiveMaximum, s.exclusiveMaximum, s.exclusiveMaximum != nil && num.Cmp(s.exclusiveMaximum) >= 0)
}

// applicators runs not, allOf, anyOf and if/then/else, in the library's order.
func (e *evaluation) applicators() {
	s := e.node
	if s.not != nil && e.self(s.not, true) == nil {
		e.add(e.fail(fNot))
	}
	if len(s.allOf) > 0 {
		var causes []*failure
		for _, sch := range s.allOf {
			if f := e.self(sch, false); f != nil {
				causes = append(causes, f)
				if e.boolOnly {
					break
				}
			}
		}
		if causes != nil {
			f := e.fail(fAllOf)
			if f != invalid {
				f.causes = causes
			}
			e.add(f)
		}
	}
	if len(s.anyOf) > 0 {
		matched := false
		var causes []*failure
		for _, sch := range s.anyOf {
			if f := e.self(sch, false); f != nil {
				causes = append(causes, f)
			} else {
				matched = true
				if len(e.uneval) == 0 {
					break // nothing left that a later branch could evaluate
				}
			}
		}
		if !matched {
			f := e.fail(fAnyOf)
			if f != invalid {
				f.causes = causes
			}
			e.add(f)
		}
	}
	if s.ifS != nil {
		if e.self(s.ifS, true) == nil {
			if s.thenS != nil {
				e.add(e.self(s.thenS, false))
			}
		} else if s.elseS != nil {
			e.add(e.self(s.elseS, false))
		}
	}
}

// typeOf classifies a decoded JSON value; integers are numbers here, as in
// the library, and "integer" is checked on top.
func typeOf(v any) typeSet {
	switch v := v.(type) {
	case nil:
		return tNull
	case bool:
		return tBoolean
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return tInvalid
		}
		return tNumber
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return tInvalid
		}
		return tNumber
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return tNumber
	case string:
		return tString
	case []any:
		return tArray
	case map[string]any:
		return tObject
	}
	return tInvalid
}

// numberRat reads a number exactly, as the library does (via its %v text).
func numberRat(v any) (*big.Rat, bool) {
	var text string
	switch n := v.(type) {
	case json.Number:
		text = string(n)
	case float64:
		text = strconv.FormatFloat(n, 'g', -1, 64)
	default:
		text = fmt.Sprint(v)
	}
	return new(big.Rat).SetString(text)
}

func isInteger(v any) bool {
	r, ok := numberRat(v)
	return ok && r.IsInt()
}

// jsonEqual is JSON equality: numbers compare by value (1 == 1.0).
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !jsonEqual(av, bv) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	}
	if typeOf(a) != tNumber || typeOf(b) != tNumber {
		return false
	}
	ar, ok1 := numberRat(a)
	br, ok2 := numberRat(b)
	return ok1 && ok2 && ar.Cmp(br) == 0
}
