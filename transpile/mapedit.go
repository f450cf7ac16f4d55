package transpile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// mapEntry is one `key = value` a migration adds to a templatefile() map.
type mapEntry struct{ Key, Value string }

// mapEntryEdits adds `key = value` to the object constructor obj of src (a
// templatefile() vars map); see mapEntriesEdits.
func mapEntryEdits(src []byte, obj *hclsyntax.ObjectConsExpr, key, value string) ([]Edit, error) {
	return mapEntriesEdits(src, obj, []mapEntry{{key, value}})
}

// mapEntriesEdits adds entries to the object constructor obj of src (a
// templatefile() vars map). hclwrite cannot edit inside a function call's
// argument, so this is one text insertion placed after the last entry's
// line (after its trailing comment, if any), written in the map's own
// style: its `:` or `=`, its indentation, its commas and line endings. The
// entries go in together so the map's separators are decided once. An
// entry with the same key and the same value already there means nothing
// to do for it.
func mapEntriesEdits(src []byte, obj *hclsyntax.ObjectConsExpr, entries []mapEntry) ([]Edit, error) {
	var todo []mapEntry
	for _, e := range entries {
		present := false
		for _, it := range obj.Items {
			if objectKeyName(it.KeyExpr) != e.Key {
				continue
			}
			have := strings.TrimSpace(string(it.ValueExpr.Range().SliceBytes(src)))
			if have != e.Value {
				return nil, fmt.Errorf("the templatefile() map at %s already has %s = %s (want %s)", rangeString(it.KeyExpr.Range()), e.Key, have, e.Value)
			}
			present = true
		}
		if !present {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	eol := detectStyle(src).EOL
	open, close := obj.OpenRange.Start.Byte, obj.SrcRange.End.Byte-1
	if len(obj.Items) == 0 {
		inner := string(src[open+1 : close])
		if !strings.Contains(inner, "\n") {
			var parts []string
			for _, e := range todo {
				parts = append(parts, e.Key+" = "+e.Value)
			}
			return []Edit{{Start: open + 1, End: close, Text: " " + strings.Join(parts, ", ") + " "}}, nil
		}
		indent := lineIndent(src, open)
		var b strings.Builder
		for _, e := range todo {
			b.WriteString(eol + indent + "  " + e.Key + " = " + e.Value)
		}
		return []Edit{{Start: open + 1, End: open + 1, Text: b.String()}}, nil
	}
	last := obj.Items[len(obj.Items)-1]
	keyEnd, valStart, valEnd := last.KeyExpr.Range().End.Byte, last.ValueExpr.Range().Start.Byte, last.ValueExpr.Range().End.Byte
	lastSep := string(src[keyEnd:valStart])
	sepFor := func(key string) string {
		switch {
		case strings.ContainsAny(lastSep, "\n#/"):
			return " = "
		case strings.Contains(lastSep, "="):
			// Keep a fmt-aligned map aligned: pad the key to the column of the last entry's "=".
			width := valStart - last.KeyExpr.Range().Start.Byte
			if pad := width - len(key) - 2; pad > 1 {
				return strings.Repeat(" ", pad-1) + " = "
			}
			return " = "
		}
		return lastSep
	}
	// Commas: a comma right after the last value is a trailing comma; a
	// comma after any earlier item means the map separates with commas.
	after := valEnd
	for after < close && (src[after] == ' ' || src[after] == '\t') {
		after++
	}
	trailingComma := after < close && src[after] == ','
	usesCommas := trailingComma
	for _, it := range obj.Items[:len(obj.Items)-1] {
		e := it.ValueExpr.Range().End.Byte
		for e < close && (src[e] == ' ' || src[e] == '\t') {
			e++
		}
		if e < close && src[e] == ',' {
			usesCommas = true
		}
	}
	multiline := bytes.Contains(src[open:close], []byte("\n"))
	if !multiline {
		var b strings.Builder
		for _, e := range todo {
			if trailingComma {
				b.WriteString(" " + e.Key + sepFor(e.Key) + e.Value + ",")
			} else {
				b.WriteString(", " + e.Key + sepFor(e.Key) + e.Value)
			}
		}
		if trailingComma {
			return []Edit{{Start: after + 1, End: after + 1, Text: b.String()}}, nil
		}
		return []Edit{{Start: valEnd, End: valEnd, Text: b.String()}}, nil
	}
	lineEnd := endOfLine(src, valEnd, close)
	indent := lineIndent(src, last.KeyExpr.Range().Start.Byte)
	var b strings.Builder
	for i, e := range todo {
		b.WriteString(eol + indent + e.Key + sepFor(e.Key) + e.Value)
		if trailingComma || (usesCommas && i < len(todo)-1) {
			b.WriteString(",")
		}
	}
	var edits []Edit
	if usesCommas && !trailingComma {
		edits = append(edits, Edit{Start: valEnd, End: valEnd, Text: ","})
	}
	if lineEnd == close {
		// The closing brace is on the last entry's line: open a new line for the entries and keep the brace after them.
		b.WriteString(eol + lineIndent(src, open))
	}
	edits = append(edits, Edit{Start: lineEnd, End: lineEnd, Text: b.String()})
	return edits, nil
}

// endOfLine returns the offset of the line break ending the line that holds
// from (before a "\r\n"), or limit when the line runs into it.
func endOfLine(src []byte, from, limit int) int {
	i := bytes.IndexByte(src[from:limit], '\n')
	if i < 0 {
		return limit
	}
	end := from + i
	if end > from && src[end-1] == '\r' {
		end--
	}
	return end
}

// objectKeyName is the literal name of an object constructor key: a bare
// identifier or a quoted string; "" for computed keys.
func objectKeyName(e hclsyntax.Expression) string {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" {
			return name
		}
		e = k.Wrapped
	}
	if t, ok := e.(*hclsyntax.TemplateExpr); ok && t.IsStringLiteral() {
		v, diags := t.Value(nil)
		if !diags.HasErrors() {
			return v.AsString()
		}
	}
	return ""
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
