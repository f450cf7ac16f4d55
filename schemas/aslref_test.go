package schemas

// The validation engine stepshift shipped until it replaced the JSON Schema
// library at run time (the library's package init alone cost 11-17 ms of
// every process start): santhosh-tekuri/jsonschema/v6. It stays as a
// test-only reference so a differential test and a fuzz target hold the
// hand-written engine (aslcheck.go) to the library's verdicts, pointers and
// keywords. The library's error tree is converted into our failure tree and
// worded by asl.go's own code, so the test compares engines, not two copies
// of the message wording.

import (
	"bytes"
	"fmt"
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
	words := &aslValidator{doc: v.doc}
	for _, f := range failuresOf(verr, instance, &out) {
		words.collect(f, nil, instance, &out)
	}
	return sortViolations(out)
}

// failuresOf converts the library's error tree into the failure tree that
// asl.go words its messages from, so the reference and ours share that
// wording and the differential test compares the two validation engines:
// which keywords fail, at which instance and schema locations, under which
// wrappers. A leaf kind our validator never reports is worded here with the
// library's own text (into odd), so a difference there still shows.
func failuresOf(e *jsonschema.ValidationError, instance any, odd *[]Violation) []*failure {
	f := &failure{schemaURL: e.SchemaURL, loc: e.InstanceLocation}
	switch k := e.ErrorKind.(type) {
	case *kind.Not:
		f.kind = fNot
	case *kind.PropertyNames:
		// jsonschema v6.0.3 hands propertyNames errors its live location
		// slice, which later validation overwrites; so find the member by
		// its name instead of trusting InstanceLocation.
		var out []*failure
		for _, loc := range membersNamed(instance, k.Property, nil) {
			out = append(out, &failure{kind: fPropertyNames, schemaURL: e.SchemaURL,
				loc: loc[:len(loc)-1], prop: k.Property})
		}
		return out
	default:
		if len(e.Causes) > 0 {
			f.kind = fGroup
			for _, c := range e.Causes {
				f.causes = append(f.causes, failuresOf(c, instance, odd)...)
			}
			return []*failure{f}
		}
		if !leafOf(f, e.ErrorKind) {
			*odd = append(*odd, Violation{Pointer: pointerOf(e.InstanceLocation),
				Keyword: strings.Join(e.ErrorKind.KeywordPath(), "/"),
				Message: keyName(instance, e.InstanceLocation) + ": " + e.ErrorKind.LocalizedString(nil)})
			return nil
		}
	}
	// The keyword a Violation carries comes from our failure kind; it must
	// be the one the library names.
	if want := strings.Join(e.ErrorKind.KeywordPath(), "/"); f.keyword() != want {
		*odd = append(*odd, Violation{Pointer: pointerOf(e.InstanceLocation), Keyword: want,
			Message: fmt.Sprintf("the library's keyword %q is %q in stepshift's failure tree", want, f.keyword())})
	}
	return []*failure{f}
}

// leafOf fills f from a leaf kind our validator reports too; it returns
// false for any other kind.
func leafOf(f *failure, k jsonschema.ErrorKind) bool {
	switch k := k.(type) {
	case *kind.FalseSchema:
		f.kind = fFalseSchema
	case *kind.Required:
		f.kind, f.names = fRequired, k.Missing
	case *kind.AdditionalProperties:
		f.kind, f.names = fAdditionalProperties, k.Properties
	case *kind.DependentRequired:
		f.kind, f.prop, f.names = fDependentRequired, k.Prop, k.Missing
	case *kind.Type:
		f.kind, f.names = fType, k.Want
	case *kind.Pattern:
		f.kind, f.pattern = fPattern, k.Want
	case *kind.Enum:
		f.kind, f.want = fEnum, k.Want
	case *kind.Const:
		f.kind, f.want = fConst, k.Want
	case *kind.Minimum:
		f.kind, f.wantRat = fMinimum, k.Want
	case *kind.Maximum:
		f.kind, f.wantRat = fMaximum, k.Want
	case *kind.ExclusiveMinimum:
		f.kind, f.wantRat = fExclusiveMinimum, k.Want
	case *kind.ExclusiveMaximum:
		f.kind, f.wantRat = fExclusiveMaximum, k.Want
	case *kind.MinItems:
		f.kind, f.wantInt, f.got = fMinItems, k.Want, k.Got
	case *kind.MaxItems:
		f.kind, f.wantInt, f.got = fMaxItems, k.Want, k.Got
	case *kind.MinProperties:
		f.kind, f.wantInt, f.got = fMinProperties, k.Want, k.Got
	case *kind.MaxProperties:
		f.kind, f.wantInt, f.got = fMaxProperties, k.Want, k.Got
	case *kind.MinLength:
		f.kind, f.wantInt, f.got = fMinLength, k.Want, k.Got
	case *kind.MaxLength:
		f.kind, f.wantInt, f.got = fMaxLength, k.Want, k.Got
	default:
		return false
	}
	return true
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
