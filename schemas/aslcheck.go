package schemas

// A JSON Schema (draft 2020-12) validator for exactly the keywords
// asl.schema.json uses. It replaced santhosh-tekuri/jsonschema/v6 at run
// time because that library's package init (metaschemas, format and
// localisation tables) cost 11-17 ms of every stepshift process, including
// `stepshift --help`, while the schema itself needs a small, fixed set of
// keywords. A keyword this file does not implement makes compiling fail
// (and the tests with it) instead of being silently ignored.
//
// The evaluation order and the shape of the failure tree follow the library
// (v6.0.3, validator.go) on purpose: which failures are reported, which
// schema location each carries and which wrappers sit above it decide the
// messages asl.go builds, and the library stays as a test-only reference
// (aslref_test.go) that a differential test and a fuzz target compare
// against.
//
// A compiled schema is a schemaTable: flat slices whose entries refer to
// each other by index, not by pointer, so the same form serves a schema
// compiled at run time and one written out as Go source. The embedded
// schema ships as such source (asltable.go, go generate), which costs
// nothing at init and next to nothing on first use; compiling the text
// allocates ~0.8 MB, and in a short process every fresh page is a fault.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// nodeID picks a schemaNode out of schemaTable.nodes, counting from 1 so
// that the zero value means "no schema here"; the root is 1.
type nodeID uint16

// span is a run of entries in one of schemaTable's slices.
type span struct{ off, n uint16 }

func (s span) bounds() (lo, hi int) { return int(s.off), int(s.off) + int(s.n) }

// schemaTable is a compiled schema document.
type schemaTable struct {
	nodes      []schemaNode
	members    []member      // properties (sorted by name) and dependentSchemas
	patternsOf []patternEdge // patternProperties
	dependents []dependency  // dependentRequired
	lists      []nodeID      // allOf, anyOf
	strs       []string      // required and dependentRequired names
	values     []any         // const and enum values
	numbers    []string      // numeric bounds as written; exact (big.Rat) when compiled
	patterns   []string      // regular expressions; compiled on first use
	notes      []annotations // what asl.go words messages with
	byLocation []nodeID      // every node, sorted by loc
}

// schemaNode is one compiled (sub)schema. References to other entries of
// its table count from 1, so zero means absent.
type schemaNode struct {
	loc   string // absolute location: aslSchemaURL + "#" + JSON Pointer
	flags nodeFlags

	types    typeSet // "type"; zero when absent
	enumSet  typeSet // the types of the enum values
	constVal uint16  // "const": 1 + index in values
	enum     span    // values; nEnum tells an empty enum from none
	ref      nodeID

	// objects
	minProperties, maxProperties int32 // with nMinProperties, nMaxProperties
	required                     span  // strs
	properties                   span  // members, sorted by name
	patternProperties            span  // patternsOf
	additional                   nodeID
	propertyNames                nodeID
	dependentSchemas             span // members
	dependentRequired            span // dependents
	unevaluatedProperties        nodeID

	// arrays
	minItems, maxItems int32 // with nMinItems, nMaxItems
	items              nodeID

	// strings
	minLength, maxLength int32  // with nMinLength, nMaxLength
	pattern              uint16 // 1 + index in patterns

	// numbers: 1 + index in numbers
	minimum, maximum, exclusiveMinimum, exclusiveMaximum uint16

	// applicators
	not               nodeID
	allOf, anyOf      span // lists
	ifS, thenS, elseS nodeID

	note uint16 // 1 + index in notes
}

// nodeFlags holds a node's yes/no facts.
type nodeFlags uint16

const (
	nBoolean         nodeFlags = 1 << iota // the schema `true` or `false`
	nTrue                                  // ... and it is `true`
	nEnum                                  // "enum" is present
	nHasAdditional                         // "additionalProperties" is present
	nAdditionalFalse                       // ... and it is `false`
	nMinProperties
	nMaxProperties
	nMinItems
	nMaxItems
	nMinLength
	nMaxLength
)

// member is a named subschema: a property or a dependentSchemas entry.
type member struct {
	name string
	node nodeID
}

// patternEdge is a patternProperties entry.
type patternEdge struct {
	pattern uint16 // 1 + index in patterns
	node    nodeID
}

// dependency is a dependentRequired entry: name needs the names in needs.
type dependency struct {
	name  string
	needs span // strs
}

// annotations are the string annotations asl.go reads when it words a
// message; keeping them in the table spares decoding the schema document
// to look them up.
type annotations struct {
	title, noun, expect, other, errorMessage string // title, x-noun, x-expect, x-other, errorMessage

	// present has bit i set when the i-th string above is in the schema:
	// an annotation present but empty still stops the search for it.
	present uint8
}

// field returns the field that holds the annotation name and its bit in
// present; nil for any other keyword.
func (a *annotations) field(name string) (*string, uint8) {
	switch name {
	case "title":
		return &a.title, 1 << 0
	case "x-noun":
		return &a.noun, 1 << 1
	case "x-expect":
		return &a.expect, 1 << 2
	case "x-other":
		return &a.other, 1 << 3
	case "errorMessage":
		return &a.errorMessage, 1 << 4
	}
	return nil, 0
}

// get returns annotation name and whether the schema has it; a may be nil.
func (a *annotations) get(name string) (string, bool) {
	if a == nil {
		return "", false
	}
	p, bit := a.field(name)
	if p == nil || a.present&bit == 0 {
		return "", false
	}
	return *p, true
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

// compiledSchema is a schemaTable ready to validate with: room for its
// regular expressions and exact numeric bounds, which are made when a
// document first reaches them (most documents reach few).
type compiledSchema struct {
	*schemaTable
	regexps []lazy[*regexp.Regexp]
	rats    []lazy[*big.Rat]
}

// lazy is a value made on first use, by whichever goroutine gets there.
type lazy[T any] struct {
	once sync.Once
	v    T
}

func (l *lazy[T]) get(build func() T) T {
	l.once.Do(func() { l.v = build() })
	return l.v
}

func newCompiledSchema(t *schemaTable) *compiledSchema {
	return &compiledSchema{schemaTable: t,
		regexps: make([]lazy[*regexp.Regexp], len(t.patterns)),
		rats:    make([]lazy[*big.Rat], len(t.numbers))}
}

func (c *compiledSchema) node(id nodeID) *schemaNode { return &c.nodes[id-1] }

// regexp returns pattern id compiled; the compiler has checked that it
// compiles.
func (c *compiledSchema) regexp(id uint16) *regexp.Regexp {
	return c.regexps[id-1].get(func() *regexp.Regexp { return regexp.MustCompile(c.patterns[id-1]) })
}

// bound returns number id read exactly, nil for 0; the compiler has
// checked that it reads.
func (c *compiledSchema) bound(id uint16) *big.Rat {
	if id == 0 {
		return nil
	}
	return c.rats[id-1].get(func() *big.Rat {
		r, _ := new(big.Rat).SetString(c.numbers[id-1])
		return r
	})
}

// property finds the subschema of the property name, in a span of members
// sorted by name.
func (c *compiledSchema) property(s span, name string) (nodeID, bool) {
	lo, hi := s.bounds()
	ms := c.members[lo:hi]
	i, found := sort.Find(len(ms), func(i int) int { return strings.Compare(name, ms[i].name) })
	if !found {
		return 0, false
	}
	return ms[i].node, true
}

// annotationsAt returns the annotations of the schema at schemaURL. Only
// node locations carry any: every other location a failure can name is a
// container of subschemas (properties, $defs, allOf), whose members are not
// strings.
func (t *schemaTable) annotationsAt(schemaURL string) *annotations {
	i, found := sort.Find(len(t.byLocation), func(i int) int {
		return strings.Compare(schemaURL, t.nodes[t.byLocation[i]-1].loc)
	})
	if !found {
		return nil
	}
	if note := t.nodes[t.byLocation[i]-1].note; note != 0 {
		return &t.notes[note-1]
	}
	return nil
}

// isAnnotation reports whether a keyword carries no assertion; the
// validator skips these (asl.go reads some of them when it words a
// message). Keys starting "x-" are annotations too.
func isAnnotation(key string) bool {
	switch key {
	case "$schema", "$id", "$defs", "$comment", "title", "description", "markdownDescription",
		"examples", "default", "deprecated", "readOnly", "writeOnly", "errorMessage",
		"format": // an annotation in draft 2020-12 unless a vocabulary asserts it
		return true
	}
	return strings.HasPrefix(key, "x-")
}

// schemaCompiler turns the schema document into a schemaTable, one node per
// location, so $ref cycles (states -> state -> parallelState -> states)
// resolve to the same node. It visits members in sorted order, so the same
// document always gives the same table.
type schemaCompiler struct {
	doc      any
	t        *schemaTable
	ids      map[string]nodeID // by JSON Pointer
	patterns map[string]uint16
	numbers  map[string]uint16
	regexps  []*regexp.Regexp // patterns, compiled to check them
}

// compileASLSchema parses and compiles a schema text; it returns the
// decoded document too.
func compileASLSchema(text []byte) (*compiledSchema, any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("embedded ASL schema is not JSON: %w", err)
	}
	c := &schemaCompiler{doc: doc, t: &schemaTable{}, ids: map[string]nodeID{},
		patterns: map[string]uint16{}, numbers: map[string]uint16{}}
	if _, err := c.compile(doc, ""); err != nil {
		return nil, nil, fmt.Errorf("embedded ASL schema: %w", err)
	}
	t := c.t
	for _, n := range []int{len(t.nodes), len(t.members), len(t.patternsOf), len(t.dependents),
		len(t.lists), len(t.strs), len(t.values), len(t.numbers), len(t.patterns), len(t.notes)} {
		if n > math.MaxUint16 {
			return nil, nil, fmt.Errorf("embedded ASL schema: too large for 16-bit table indexes")
		}
	}
	t.byLocation = make([]nodeID, len(t.nodes))
	for i := range t.byLocation {
		t.byLocation[i] = nodeID(i + 1)
	}
	slices.SortFunc(t.byLocation, func(a, b nodeID) int { return strings.Compare(t.nodes[a-1].loc, t.nodes[b-1].loc) })
	schema := newCompiledSchema(t)
	for i, re := range c.regexps {
		schema.regexps[i].get(func() *regexp.Regexp { return re })
	}
	return schema, doc, nil
}

func (c *schemaCompiler) compile(s any, ptr string) (nodeID, error) {
	if id, ok := c.ids[ptr]; ok {
		return id, nil
	}
	// Reserve the node before compiling its subschemas, so a $ref back
	// to it finds it; fill it in when they are done.
	n := schemaNode{loc: aslSchemaURL + "#" + ptr}
	c.t.nodes = append(c.t.nodes, n)
	id := nodeID(len(c.t.nodes))
	c.ids[ptr] = id
	switch s := s.(type) {
	case bool:
		n.flags |= nBoolean
		if s {
			n.flags |= nTrue
		}
	case map[string]any:
		var note annotations
		for _, key := range slices.Sorted(maps.Keys(s)) {
			val := s[key]
			if p, bit := note.field(key); p != nil {
				if str, ok := val.(string); ok {
					*p, note.present = str, note.present|bit
				}
			}
			if err := c.keyword(&n, key, val, ptr); err != nil {
				return 0, fmt.Errorf("%s at %q: %w", key, "#"+ptr, err)
			}
		}
		if note.present != 0 {
			c.t.notes = append(c.t.notes, note)
			n.note = uint16(len(c.t.notes))
		}
	default:
		return 0, fmt.Errorf("schema at %q is neither an object nor a boolean", "#"+ptr)
	}
	c.t.nodes[id-1] = n
	return id, nil
}

// sub compiles the subschema at ptr/tokens...
func (c *schemaCompiler) sub(val any, ptr string, tokens ...string) (nodeID, error) {
	for _, t := range tokens {
		ptr += "/" + escapeToken(t)
	}
	return c.compile(val, ptr)
}

func (c *schemaCompiler) keyword(n *schemaNode, key string, val any, ptr string) error {
	if isAnnotation(key) {
		return nil
	}
	var err error
	switch key {
	case "type":
		n.types, err = parseTypes(val)
	case "const":
		c.t.values = append(c.t.values, val)
		n.constVal = uint16(len(c.t.values))
	case "enum":
		list, ok := val.([]any)
		if !ok {
			return fmt.Errorf("want an array")
		}
		n.flags |= nEnum
		n.enum = span{uint16(len(c.t.values)), uint16(len(list))}
		c.t.values = append(c.t.values, list...)
		for _, item := range list {
			n.enumSet |= typeOf(item)
		}
	case "$ref":
		n.ref, err = c.resolve(val)
	case "minProperties":
		n.minProperties, err = c.size(n, nMinProperties, val)
	case "maxProperties":
		n.maxProperties, err = c.size(n, nMaxProperties, val)
	case "required":
		n.required, err = c.stringList(val)
	case "properties":
		n.properties, err = c.schemaMap(val, ptr, key)
	case "patternProperties":
		m, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("want an object")
		}
		var edges []patternEdge
		for _, pat := range slices.Sorted(maps.Keys(m)) {
			re, err := c.pattern(pat)
			if err != nil {
				return err
			}
			node, err := c.sub(m[pat], ptr, key, pat)
			if err != nil {
				return err
			}
			edges = append(edges, patternEdge{re, node})
		}
		n.patternProperties = span{uint16(len(c.t.patternsOf)), uint16(len(edges))}
		c.t.patternsOf = append(c.t.patternsOf, edges...)
	case "additionalProperties":
		n.flags |= nHasAdditional
		if b, ok := val.(bool); ok && !b {
			n.flags |= nAdditionalFalse
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
		var deps []dependency
		for _, prop := range slices.Sorted(maps.Keys(m)) {
			needs, err := c.stringList(m[prop])
			if err != nil {
				return err
			}
			deps = append(deps, dependency{prop, needs})
		}
		n.dependentRequired = span{uint16(len(c.t.dependents)), uint16(len(deps))}
		c.t.dependents = append(c.t.dependents, deps...)
	case "unevaluatedProperties":
		n.unevaluatedProperties, err = c.sub(val, ptr, key)
	case "minItems":
		n.minItems, err = c.size(n, nMinItems, val)
	case "maxItems":
		n.maxItems, err = c.size(n, nMaxItems, val)
	case "items":
		n.items, err = c.sub(val, ptr, key)
	case "minLength":
		n.minLength, err = c.size(n, nMinLength, val)
	case "maxLength":
		n.maxLength, err = c.size(n, nMaxLength, val)
	case "pattern":
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a string")
		}
		n.pattern, err = c.pattern(s)
	case "minimum":
		n.minimum, err = c.number(val)
	case "maximum":
		n.maximum, err = c.number(val)
	case "exclusiveMinimum":
		n.exclusiveMinimum, err = c.number(val)
	case "exclusiveMaximum":
		n.exclusiveMaximum, err = c.number(val)
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
func (c *schemaCompiler) resolve(val any) (nodeID, error) {
	ref, ok := val.(string)
	if !ok {
		return 0, fmt.Errorf("want a string")
	}
	ref = strings.TrimPrefix(ref, aslSchemaURL)
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok || (frag != "" && !strings.HasPrefix(frag, "/")) {
		return 0, fmt.Errorf("only local JSON Pointer references are supported, got %q", val)
	}
	cur := c.doc
	if frag != "" {
		for _, tok := range strings.Split(frag[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			m, ok := cur.(map[string]any)
			if !ok {
				return 0, fmt.Errorf("reference %q does not resolve", val)
			}
			if cur, ok = m[tok]; !ok {
				return 0, fmt.Errorf("reference %q does not resolve", val)
			}
		}
	}
	return c.compile(cur, frag)
}

// schemaMap compiles an object of subschemas into members sorted by name.
func (c *schemaCompiler) schemaMap(val any, ptr, key string) (span, error) {
	m, ok := val.(map[string]any)
	if !ok {
		return span{}, fmt.Errorf("want an object")
	}
	out := make([]member, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		node, err := c.sub(m[name], ptr, key, name)
		if err != nil {
			return span{}, err
		}
		out = append(out, member{name, node})
	}
	// The subschemas' own members went in first; these go in together.
	s := span{uint16(len(c.t.members)), uint16(len(out))}
	c.t.members = append(c.t.members, out...)
	return s, nil
}

func (c *schemaCompiler) schemaList(val any, ptr, key string) (span, error) {
	list, ok := val.([]any)
	if !ok || len(list) == 0 {
		return span{}, fmt.Errorf("want a non-empty array")
	}
	out := make([]nodeID, len(list))
	for i, sch := range list {
		node, err := c.sub(sch, ptr, key, strconv.Itoa(i))
		if err != nil {
			return span{}, err
		}
		out[i] = node
	}
	s := span{uint16(len(c.t.lists)), uint16(len(out))}
	c.t.lists = append(c.t.lists, out...)
	return s, nil
}

func (c *schemaCompiler) stringList(val any) (span, error) {
	list, ok := val.([]any)
	if !ok {
		return span{}, fmt.Errorf("want an array of strings")
	}
	s := span{uint16(len(c.t.strs)), uint16(len(list))}
	for _, item := range list {
		str, ok := item.(string)
		if !ok {
			return span{}, fmt.Errorf("want an array of strings")
		}
		c.t.strs = append(c.t.strs, str)
	}
	return s, nil
}

// pattern checks that a regular expression compiles and returns its
// number, the same for the same text.
func (c *schemaCompiler) pattern(text string) (uint16, error) {
	if id, ok := c.patterns[text]; ok {
		return id, nil
	}
	re, err := regexp.Compile(text)
	if err != nil {
		return 0, err
	}
	c.t.patterns = append(c.t.patterns, text)
	c.regexps = append(c.regexps, re)
	id := uint16(len(c.t.patterns))
	c.patterns[text] = id
	return id, nil
}

// number checks a numeric bound and returns its number, the same for the
// same text.
func (c *schemaCompiler) number(val any) (uint16, error) {
	n, ok := val.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want a number")
	}
	if id, ok := c.numbers[n.String()]; ok {
		return id, nil
	}
	if _, ok := new(big.Rat).SetString(n.String()); !ok {
		return 0, fmt.Errorf("bad number %s", n)
	}
	c.t.numbers = append(c.t.numbers, n.String())
	id := uint16(len(c.t.numbers))
	c.numbers[n.String()] = id
	return id, nil
}

// size reads a count bound (minItems, maxLength, ...) and marks it present.
func (c *schemaCompiler) size(n *schemaNode, flag nodeFlags, val any) (int32, error) {
	num, ok := val.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want a number")
	}
	i, err := strconv.ParseInt(num.String(), 10, 32)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("want a non-negative integer, got %s", num)
	}
	n.flags |= flag
	return int32(i), nil
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
	schema   *compiledSchema
	node     *schemaNode
	value    any
	loc      []string
	uneval   map[string]struct{} // object members no schema has evaluated yet, when someone needs to know
	failures []*failure
	boolOnly bool // only the verdict matters
	depth    int  // schemas applied to this same value above this one
}

// validateNode validates value against the schema's root and returns the
// failure tree, nil when valid.
func validateNode(schema *compiledSchema, value any) *failure {
	return schema.validate(1, value)
}

// validate validates value, as a document of its own, against node id.
func (c *compiledSchema) validate(id nodeID, value any) *failure {
	node := c.node(id)
	e := evaluation{schema: c, node: node, value: value, uneval: unevalFor(value, node, false)}
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
	if s.flags&nBoolean != 0 {
		if s.flags&nTrue != 0 {
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
	if s.constVal != 0 {
		if want := e.schema.values[s.constVal-1]; !jsonEqual(v, want) {
			f := e.fail(fConst)
			if f != invalid {
				f.want = want
			}
			return nil, f
		}
	}
	if s.flags&nEnum != 0 {
		lo, hi := s.enum.bounds()
		enum := e.schema.values[lo:hi:hi]
		matched := false
		if s.enumSet&t != 0 {
			for _, item := range enum {
				if jsonEqual(v, item) {
					matched = true
					break
				}
			}
		}
		if !matched {
			f := e.fail(fEnum)
			if f != invalid {
				f.want = enum
			}
			return nil, f
		}
	}
	if s.ref != 0 {
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
		if obj, ok := v.(map[string]any); ok && s.unevaluatedProperties != 0 {
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
func (e *evaluation) self(id nodeID, boolOnly bool) *failure {
	node := e.schema.node(id)
	sub := evaluation{schema: e.schema, node: node, value: e.value, loc: e.loc,
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
func (e *evaluation) member(id nodeID, value any, token string) *failure {
	node := e.schema.node(id)
	loc := make([]string, len(e.loc)+1)
	copy(loc, e.loc)
	loc[len(e.loc)] = token
	sub := evaluation{schema: e.schema, node: node, value: value, loc: loc,
		uneval: unevalFor(value, node, false), boolOnly: e.boolOnly}
	_, f := sub.run()
	return f
}

// unevalFor lists an object's members when the schema, or the caller,
// needs to know which ones no keyword evaluates.
func unevalFor(value any, node *schemaNode, callerNeeds bool) map[string]struct{} {
	obj, ok := value.(map[string]any)
	if !ok || node.flags&nHasAdditional != 0 || !(callerNeeds || node.unevaluatedProperties != 0) {
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
	e.size(len(obj), s.flags, nMinProperties, s.minProperties, nMaxProperties, s.maxProperties, fMinProperties, fMaxProperties)
	if s.required.n > 0 {
		lo, hi := s.required.bounds()
		if missing := e.missing(obj, e.schema.strs[lo:hi]); missing != nil {
			f := e.fail(fRequired)
			if f != invalid {
				f.names = missing
			}
			e.add(f)
		}
	}
	if e.boolOnly && len(e.failures) > 0 {
		return
	}
	plo, phi := s.patternProperties.bounds()
	patterns := e.schema.patternsOf[plo:phi]
	var extra []string
	for name, value := range obj {
		if e.boolOnly && len(e.failures) > 0 {
			return
		}
		evaluated := false
		if sch, ok := e.schema.property(s.properties, name); ok {
			evaluated = true
			e.add(e.member(sch, value, name))
		}
		for _, pp := range patterns {
			if e.schema.regexp(pp.pattern).MatchString(name) {
				evaluated = true
				e.add(e.member(pp.node, value, name))
			}
		}
		if !evaluated && s.flags&nHasAdditional != 0 {
			evaluated = true
			if s.flags&nAdditionalFalse != 0 {
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
	if s.propertyNames != 0 {
		for name := range obj {
			// Each name is validated as a document of its own; the
			// failure is reported on the object, naming the member.
			if e.schema.validate(s.propertyNames, name) != nil {
				f := e.fail(fPropertyNames)
				if f != invalid {
					f.schemaURL = e.schema.node(s.propertyNames).loc
					f.prop = name
				}
				e.add(f)
			}
		}
	}
	lo, hi := s.dependentSchemas.bounds()
	for _, dep := range e.schema.members[lo:hi] {
		if _, ok := obj[dep.name]; ok {
			e.add(e.self(dep.node, false))
		}
	}
	lo, hi = s.dependentRequired.bounds()
	for _, dep := range e.schema.dependents[lo:hi] {
		if _, ok := obj[dep.name]; ok {
			nlo, nhi := dep.needs.bounds()
			if missing := e.missing(obj, e.schema.strs[nlo:nhi]); missing != nil {
				f := e.fail(fDependentRequired)
				if f != invalid {
					f.prop = dep.name
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
// lower and upper bound, either of which may be absent (its flag unset).
func (e *evaluation) size(n int, flags, hasLeast nodeFlags, least int32, hasMost nodeFlags, most int32, tooFew, tooMany failureKind) {
	bound := func(kind failureKind, want int32) {
		f := e.fail(kind)
		if f != invalid {
			f.wantInt, f.got = int(want), n
		}
		e.add(f)
	}
	if flags&hasLeast != 0 && n < int(least) {
		bound(tooFew, least)
	}
	if flags&hasMost != 0 && n > int(most) {
		bound(tooMany, most)
	}
}

func (e *evaluation) array(arr []any) {
	s := e.node
	e.size(len(arr), s.flags, nMinItems, s.minItems, nMaxItems, s.maxItems, fMinItems, fMaxItems)
	if s.items != 0 {
		for i, item := range arr {
			e.add(e.member(s.items, item, strconv.Itoa(i)))
		}
	}
}

func (e *evaluation) str(str string) {
	s := e.node
	if s.flags&(nMinLength|nMaxLength) != 0 {
		e.size(utf8.RuneCountInString(str), s.flags, nMinLength, s.minLength, nMaxLength, s.maxLength, fMinLength, fMaxLength)
	}
	if s.pattern != 0 {
		if re := e.schema.regexp(s.pattern); !re.MatchString(str) {
			f := e.fail(fPattern)
			if f != invalid {
				f.pattern = re.String()
			}
			e.add(f)
		}
	}
}

func (e *evaluation) number(v any) {
	s := e.node
	if s.minimum == 0 && s.maximum == 0 && s.exclusiveMinimum == 0 && s.exclusiveMaximum == 0 {
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
	minimum, maximum := e.schema.bound(s.minimum), e.schema.bound(s.maximum)
	exclusiveMinimum, exclusiveMaximum := e.schema.bound(s.exclusiveMinimum), e.schema.bound(s.exclusiveMaximum)
	bound(fMinimum, minimum, minimum != nil && num.Cmp(minimum) < 0)
	bound(fMaximum, maximum, maximum != nil && num.Cmp(maximum) > 0)
	bound(fExclusiveMinimum, exclusiveMinimum, exclusiveMinimum != nil && num.Cmp(exclusiveMinimum) <= 0)
	bound(fExclusiveMaximum, exclusiveMaximum, exclusiveMaximum != nil && num.Cmp(exclusiveMaximum) >= 0)
}

// applicators runs not, allOf, anyOf and if/then/else, in the library's order.
func (e *evaluation) applicators() {
	s := e.node
	if s.not != 0 && e.self(s.not, true) == nil {
		e.add(e.fail(fNot))
	}
	if s.allOf.n > 0 {
		lo, hi := s.allOf.bounds()
		var causes []*failure
		for _, sch := range e.schema.lists[lo:hi] {
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
	if s.anyOf.n > 0 {
		lo, hi := s.anyOf.bounds()
		matched := false
		var causes []*failure
		for _, sch := range e.schema.lists[lo:hi] {
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
	if s.ifS != 0 {
		if e.self(s.ifS, true) == nil {
			if s.thenS != 0 {
				e.add(e.self(s.thenS, false))
			}
		} else if s.elseS != 0 {
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
