package execute

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Values are the shapes encoding/json decodes into: nil, bool, float64,
// string, []any and map[string]any. The executor never mutates a value it
// did not just build, so states share input values safely.

// ParseJSON decodes one JSON text into a value.
func ParseJSON(b []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// MarshalJSON renders a value as compact JSON the way Step Functions prints
// it: no HTML escaping, integers without a fraction.
func MarshalJSON(v any) string {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.String()
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case float64:
		b.WriteString(formatNumber(x))
	case string:
		writeString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range memberOrder(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeJSON(b, x[k])
		}
		b.WriteByte('}')
	default:
		// Values from the JSONata library ([]string, int, ...) go through encoding/json.
		out, err := json.Marshal(x)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(out)
	}
}

// memberOrder is the order writeJSON prints an object's members in. Values
// are Go maps, which forget the written order AWS keeps, so members print
// sorted — except the error output Step Functions builds itself, which AWS
// prints as {"Error": ..., "Cause": ...} (localstack/localstack
// tests/aws/services/stepfunctions/v2/error_handling/test_states_errors.snapshot.json,
// TaskStateExited output).
func memberOrder(m map[string]any) []string {
	if _, hasCause := m["Cause"]; hasCause && len(m) == 2 {
		if _, hasError := m["Error"]; hasError {
			return []string{"Error", "Cause"}
		}
	}
	return slices.Sorted(maps.Keys(m))
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

func formatNumber(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	if isInteger(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Equal compares two values structurally (numbers by value).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// mapJSON rebuilds a JSON value's arrays and objects and replaces every other
// value (null, booleans, numbers, strings, or values of other Go types) with
// leaf's result for it.
func mapJSON(v any, leaf func(any) any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapJSON(e, leaf)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = mapJSON(e, leaf)
		}
		return out
	}
	return leaf(v)
}

// normalize turns values of other Go types (from the JSONata library) into
// the executor's value shapes.
func normalize(v any) any { return mapJSON(v, normalizeLeaf) }

func normalizeLeaf(v any) any {
	switch x := v.(type) {
	case nil, bool, float64, string:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	out, err := ParseJSON(b)
	if err != nil {
		return nil
	}
	return out
}

// typeName names a value's JSON type for error causes.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}
