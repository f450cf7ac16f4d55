// Command schema-bench compares two JSON Schema validators on stepshift's ASL
// schema: github.com/santhosh-tekuri/jsonschema/v6 (which stepshift uses) and
// github.com/xeipuuv/gojsonschema (which the design card first named), on
// the 36 Cumulus workflows and the 184 ASL conformance files. It is its own
// module so the main module never depends on gojsonschema.
package main

import (
	"encoding/json"
	"strings"
)

// toDraft07 renders the draft 2020-12 ASL schema in draft-07 terms, because
// gojsonschema knows drafts 4, 6 and 7 only. The rendering is mechanical:
//   - $defs becomes definitions (and every $ref follows);
//   - a $ref with sibling keywords becomes allOf [{$ref}, {siblings}], since
//     draft-07 ignores a $ref's siblings;
//   - dependentSchemas and dependentRequired become dependencies;
//   - unevaluatedProperties becomes additionalProperties, which is only
//     equivalent where an object's properties are listed beside it (true of
//     every state type in the ASL schema, not of the choice-rule wrappers).
func toDraft07(schema []byte) ([]byte, error) {
	var doc any
	if err := json.Unmarshal(schema, &doc); err != nil {
		return nil, err
	}
	out := convert(doc)
	m := out.(map[string]any)
	m["$schema"] = "http://json-schema.org/draft-07/schema#"
	return json.MarshalIndent(m, "", "  ")
}

func convert(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = convert(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		deps := map[string]any{}
		for k, e := range x {
			switch k {
			case "$defs":
				out["definitions"] = convert(e)
			case "$ref":
				out["$ref"] = strings.ReplaceAll(e.(string), "/$defs/", "/definitions/")
			case "dependentSchemas":
				for p, s := range e.(map[string]any) {
					deps[p] = convert(s)
				}
			case "dependentRequired":
				for p, s := range e.(map[string]any) {
					deps[p] = s
				}
			case "unevaluatedProperties":
				out["additionalProperties"] = convert(e)
			default:
				out[k] = convert(e)
			}
		}
		if len(deps) > 0 {
			out["dependencies"] = deps
		}
		if ref, ok := out["$ref"]; ok && len(out) > 1 {
			siblings := map[string]any{}
			for k, e := range out {
				if k != "$ref" && k != "definitions" && k != "$schema" && k != "$id" {
					siblings[k] = e
				}
			}
			if len(siblings) > 0 {
				rest := map[string]any{"allOf": []any{map[string]any{"$ref": ref}, siblings}}
				for _, k := range []string{"definitions", "$schema", "$id"} {
					if e, ok := out[k]; ok {
						rest[k] = e
					}
				}
				return rest
			}
		}
		return out
	}
	return v
}
