package transpile

import (
	"encoding/json"
	"strconv"
	"strings"
)

// member is one key of an ordered JSON object built here; Go maps would
// lose the order the Step Functions docs (and reviewers) expect.
type member struct {
	Key   string
	Value any // string, int, rawJSON, []any, []member
}

// rawJSON is JSON text written as is: a string literal prepared elsewhere
// whose Terraform interpolations must not be escaped.
type rawJSON string

// jsonLayout is how the file around an insertion writes JSON.
type jsonLayout struct {
	Multiline bool
	Indent    string // indentation of the line the value starts on
	Unit      string // one indentation level
	EOL       string
	Colon     string // between a key and its value: ": " or ":"
	Comma     string // after a comma on one line: ", " or ","
}

func (l jsonLayout) deeper() jsonLayout { l.Indent += l.Unit; return l }

// renderJSON writes v in the layout of the file it goes into.
func renderJSON(v any, l jsonLayout) string {
	var b strings.Builder
	writeJSON(&b, v, l)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, l jsonLayout) {
	switch x := v.(type) {
	case string:
		b.WriteString(quoteJSON(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case rawJSON:
		b.WriteString(string(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(l.sep())
			} else if l.Multiline {
				b.WriteString(l.EOL + l.Indent + l.Unit)
			}
			writeJSON(b, e, l.deeper())
		}
		if l.Multiline && len(x) > 0 {
			b.WriteString(l.EOL + l.Indent)
		}
		b.WriteByte(']')
	case []member:
		b.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				b.WriteString(l.sep())
			} else if l.Multiline {
				b.WriteString(l.EOL + l.Indent + l.Unit)
			}
			b.WriteString(quoteJSON(m.Key))
			b.WriteString(l.Colon)
			writeJSON(b, m.Value, l.deeper())
		}
		if l.Multiline && len(x) > 0 {
			b.WriteString(l.EOL + l.Indent)
		}
		b.WriteByte('}')
	}
}

// sep is what goes between two elements of a container at this level.
func (l jsonLayout) sep() string {
	if l.Multiline {
		return "," + l.EOL + l.Indent + l.Unit
	}
	return l.Comma
}

// quoteJSON quotes s the way ASL files do: no HTML escaping of <, >, &.
func quoteJSON(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// SnakeCase turns a state name into the Terraform identifier part the
// Cumulus docs use: "QueueGranules" → "queue_granules", "CMRStep" →
// "cmr_step", "Sync Granule-2" → "sync_granule_2".
func SnakeCase(name string) string {
	rs := []rune(name)
	var b strings.Builder
	lastUnderscore := true
	for i, r := range rs {
		isUpper := r >= 'A' && r <= 'Z'
		isLower := r >= 'a' && r <= 'z'
		isDigit := r >= '0' && r <= '9'
		if !isUpper && !isLower && !isDigit {
			if !lastUnderscore {
				b.WriteByte('_')
				lastUnderscore = true
			}
			continue
		}
		if isUpper && i > 0 && !lastUnderscore {
			prev := rs[i-1]
			prevLowerOrDigit := (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9')
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			prevUpper := prev >= 'A' && prev <= 'Z'
			if prevLowerOrDigit || (prevUpper && nextLower) {
				b.WriteByte('_')
			}
		}
		if isUpper {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
		lastUnderscore = false
	}
	s := strings.TrimRight(b.String(), "_")
	if s == "" {
		return "step"
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "step_" + s
	}
	return s
}
