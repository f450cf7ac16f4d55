package schemas

// The validator stepshift shipped until it replaced the JSON Schema library
// at run time (the library's package init alone cost 11-17 ms of every
// process start): santhosh-tekuri/jsonschema/v6 plus the code that turns its
// error tree into Violations. It stays as a test-only reference so a
// differential test and a fuzz target hold the hand-written validator to the
// library's verdicts, pointers, keywords and messages.

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// referenceCompiledASL is compiled on first use: compiling costs far more than a
// validation, and most stepshift runs validate many documents.
var referenceCompiledASL = sync.OnceValues(referenceCompile)

func referenceCompile() (*referenceValidator, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(aslSchemaText))
	if err != nil {
		return nil, fmt.Errorf("embedded ASL schema is not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(aslSchemaURL, doc); err != nil {
		return nil, fmt.Errorf("embedded ASL schema: %w", err)
	}
	sch, err := c.Compile(aslSchemaURL)
	if err != nil {
		return nil, fmt.Errorf("embedded ASL schema does not compile: %w", err)
	}
	return &referenceValidator{schema: sch, doc: doc}, nil
}

type referenceValidator struct {
	schema *jsonschema.Schema
	doc    any // the schema as JSON, to read our annotations (x-expect, errorMessage, title)
}

// referenceValidateASL checks instance (a value as encoding/json's Unmarshal into `any`
// produces it; json.Number numbers are fine) against the ASL schema and
// returns one Violation per problem, sorted by pointer. An empty result means
// the schema found nothing wrong; graph checks (reachability, Next targets)
// are the linter's job.
func referenceValidateASL(instance any) []Violation {
	v, err := referenceCompiledASL()
	if err != nil {
		// The schema is embedded and compiled by the tests; reaching this
		// means a broken build, which must not pass silently.
		return []Violation{{Pointer: "", Keyword: "schema", Message: err.Error()}}
	}
	err = v.schema.Validate(instance)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []Violation{{Keyword: "schema", Message: err.Error()}}
	}
	var out []Violation
	v.collect(verr, nil, instance, &out)
	return sortViolations(out)
}

// collect walks the error tree down to its leaves. Wrappers (allOf, $ref,
// if/then groups) carry no message a person needs; ancestors are kept so a
// leaf can borrow annotations (x-other, title) from the $ref that led to it.
func (v *referenceValidator) collect(e *jsonschema.ValidationError, ancestors []*jsonschema.ValidationError, instance any, out *[]Violation) {
	if len(e.Causes) > 0 {
		switch e.ErrorKind.(type) {
		case *kind.Not, *kind.PropertyNames:
			// leaves with a meaning of their own; their causes explain less
		default:
			next := append(ancestors, e)
			for _, c := range e.Causes {
				v.collect(c, next, instance, out)
			}
			return
		}
	}
	*out = append(*out, v.leaf(e, ancestors, instance)...)
}

// leaf turns one failed keyword into violations.
func (v *referenceValidator) leaf(e *jsonschema.ValidationError, ancestors []*jsonschema.ValidationError, instance any) []Violation {
	ptr := pointerOf(e.InstanceLocation)
	value, _ := lookup(instance, e.InstanceLocation)
	own := v.subschema(e.SchemaURL)
	keyword := strings.Join(e.ErrorKind.KeywordPath(), "/")
	if _, isNot := e.ErrorKind.(*kind.Not); isNot {
		keyword = "not"
	}

	// annotation finds a string annotation on the failing schema or on a $ref
	// that led to it for the same instance value, nearest first.
	annotation := func(name string) string {
		if s, ok := own[name].(string); ok {
			return s
		}
		for i := len(ancestors) - 1; i >= 0; i-- {
			a := ancestors[i]
			if !sameLocation(a.InstanceLocation, e.InstanceLocation) {
				break
			}
			if s, ok := v.subschema(a.SchemaURL)[name].(string); ok {
				return s
			}
		}
		return ""
	}
	subject := keyName(instance, e.InstanceLocation)
	expand := func(msg string) string {
		return strings.NewReplacer(
			"{value}", display(value),
			"{other}", strconv.Quote(annotation("x-other")),
			"{title}", annotation("title"),
		).Replace(msg)
	}

	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		if msg := annotation("errorMessage"); msg != "" {
			return []Violation{{Pointer: ptr, Keyword: "required", Message: expand(msg)}}
		}
		where := v.noun(e.SchemaURL, ancestors, e.InstanceLocation)
		var vs []Violation
		for _, m := range k.Missing {
			vs = append(vs, Violation{Pointer: ptr, Keyword: "required",
				Message: fmt.Sprintf("missing required field %q in %s", m, where)})
		}
		return vs
	case *kind.FalseSchema:
		// unevaluatedProperties/additionalProperties: false reports each
		// extra member at its own location; the owning object's title says
		// what kind of object it is.
		if len(e.InstanceLocation) > 0 {
			parentURL := trimLastSegment(e.SchemaURL)
			return []Violation{{Pointer: ptr, Keyword: lastSegment(e.SchemaURL),
				Message: fmt.Sprintf("unknown field %q in %s", e.InstanceLocation[len(e.InstanceLocation)-1], v.nounOf(parentURL))}}
		}
	case *kind.AdditionalProperties:
		where := v.nounOf(e.SchemaURL)
		var vs []Violation
		for _, p := range k.Properties {
			vs = append(vs, Violation{Pointer: pointerOf(append(append([]string(nil), e.InstanceLocation...), p)),
				Keyword: "additionalProperties", Message: fmt.Sprintf("unknown field %q in %s", p, where)})
		}
		return vs
	case *kind.PropertyNames:
		msg := annotation("errorMessage")
		if msg == "" {
			msg = "name {value} is not allowed"
		}
		msg = strings.ReplaceAll(msg, "{value}", strconv.Quote(k.Property))
		// jsonschema v6.0.3 hands propertyNames errors its live location
		// slice, which later validation overwrites; so find the member by
		// its name instead of trusting InstanceLocation.
		var vs []Violation
		for _, loc := range membersNamed(instance, k.Property, nil) {
			vs = append(vs, Violation{Pointer: pointerOf(loc), Keyword: "propertyNames", Message: msg})
		}
		return vs
	case *kind.DependentRequired:
		return []Violation{{Pointer: ptr, Keyword: "dependentRequired",
			Message: fmt.Sprintf("%q needs %s", k.Prop, quoteAll(k.Missing, " and "))}}
	}

	if msg := annotation("errorMessage"); msg != "" {
		return []Violation{{Pointer: ptr, Keyword: keyword, Message: subject + " " + expand(msg)}}
	}
	var msg string
	switch k := e.ErrorKind.(type) {
	case *kind.Type, *kind.Pattern:
		// A pattern on a typed field only ever guards the JSONata string
		// form, so a failing pattern means "wrong type" to the user.
		expect := annotation("x-expect")
		if expect == "" {
			if t, ok := k.(*kind.Type); ok {
				expect = withArticle(strings.Join(t.Want, " or "))
			} else {
				expect = "a string matching " + strconv.Quote(k.(*kind.Pattern).Want)
			}
		}
		msg = fmt.Sprintf("%s must be %s, got %s", subject, expect, jsonType(value))
	case *kind.Enum:
		msg = fmt.Sprintf("%s must be one of %s, got %s", subject, displayAll(k.Want), display(value))
	case *kind.Const:
		msg = fmt.Sprintf("%s must be %s, got %s", subject, display(k.Want), display(value))
	case *kind.Minimum:
		msg = fmt.Sprintf("%s must be at least %s, got %s", subject, ratString(k.Want), display(value))
	case *kind.Maximum:
		msg = fmt.Sprintf("%s must be at most %s, got %s", subject, ratString(k.Want), display(value))
	case *kind.ExclusiveMinimum:
		msg = fmt.Sprintf("%s must be greater than %s, got %s", subject, ratString(k.Want), display(value))
	case *kind.ExclusiveMaximum:
		msg = fmt.Sprintf("%s must be less than %s, got %s", subject, ratString(k.Want), display(value))
	case *kind.MinItems:
		msg = fmt.Sprintf("%s must have at least %d %s, got %d", subject, k.Want, plural(k.Want, "item"), k.Got)
	case *kind.MaxItems:
		msg = fmt.Sprintf("%s must have at most %d %s, got %d", subject, k.Want, plural(k.Want, "item"), k.Got)
	case *kind.MinProperties:
		msg = fmt.Sprintf("%s must have at least %d %s", subject, k.Want, plural(k.Want, "member"))
	case *kind.MaxProperties:
		msg = fmt.Sprintf("%s must have at most %d %s", subject, k.Want, plural(k.Want, "member"))
	case *kind.MinLength:
		msg = fmt.Sprintf("%s must be at least %d %s long, got %d", subject, k.Want, plural(k.Want, "character"), k.Got)
	case *kind.MaxLength:
		msg = fmt.Sprintf("%s must be at most %d %s long, got %d", subject, k.Want, plural(k.Want, "character"), k.Got)
	case *kind.Not, *kind.FalseSchema:
		msg = subject + " is not allowed here"
	default:
		// Composite kinds never reach here (they have causes); anything
		// else gets the library's text, prefixed with the key it is about.
		msg = subject + ": " + e.ErrorKind.LocalizedString(nil)
	}
	return []Violation{{Pointer: ptr, Keyword: keyword, Message: msg}}
}

// noun describes the object a required field is missing from: the title of
// the nearest schema on the way down to the failing one, for that object.
func (v *referenceValidator) noun(schemaURL string, ancestors []*jsonschema.ValidationError, loc []string) string {
	if n := v.nounAt(schemaURL); n != "" {
		return n
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		if !sameLocation(ancestors[i].InstanceLocation, loc) {
			break
		}
		if n := v.nounAt(ancestors[i].SchemaURL); n != "" {
			return n
		}
	}
	return "this object"
}

// nounOf is nounAt with a fallback.
func (v *referenceValidator) nounOf(schemaURL string) string {
	if n := v.nounAt(schemaURL); n != "" {
		return n
	}
	return "this object"
}

func (v *referenceValidator) nounAt(schemaURL string) string {
	s := v.subschema(schemaURL)
	if n, ok := s["x-noun"].(string); ok {
		return n
	}
	if t, ok := s["title"].(string); ok {
		return withArticle(t)
	}
	return ""
}

// subschema resolves a compiled schema location ("<id>#/json/pointer") in
// the schema document; it returns nil when it is not an object schema.
func (v *referenceValidator) subschema(schemaURL string) map[string]any {
	_, frag, _ := strings.Cut(schemaURL, "#")
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	var cur any = v.doc
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

// membersNamed returns the locations of every object member called name.
func membersNamed(v any, name string, at []string) [][]string {
	var out [][]string
	switch c := v.(type) {
	case map[string]any:
		for k, child := range c {
			loc := append(append([]string(nil), at...), k)
			if k == name {
				out = append(out, loc)
			}
			out = append(out, membersNamed(child, name, loc)...)
		}
	case []any:
		for i, child := range c {
			out = append(out, membersNamed(child, name, append(append([]string(nil), at...), strconv.Itoa(i)))...)
		}
	}
	return out
}
