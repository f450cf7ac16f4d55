package transpile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// mapEntryEdits adds `key = value` to the object constructor obj of src (a
// templatefile() vars map). hclwrite cannot edit inside a function call's
// argument, so this is a text insertion placed after the last entry's line
// (after its trailing comment, if any), written in the map's own style: its
// `:` or `=`, its indentation, its commas and line endings. An entry with
// the same key and the same value already there means nothing to do.
func mapEntryEdits(src []byte, obj *hclsyntax.ObjectConsExpr, key, value string) ([]Edit, error) {
	for _, it := range obj.Items {
		if objectKeyName(it.KeyExpr) != key {
			continue
		}
		have := strings.TrimSpace(string(it.ValueExpr.Range().SliceBytes(src)))
		if have == value {
			return nil, nil
		}
		return nil, fmt.Errorf("the templatefile() map at %s already has %s = %s (want %s)", rangeString(it.KeyExpr.Range()), key, have, value)
	}
	eol := detectStyle(src).EOL
	open, close := obj.OpenRange.Start.Byte, obj.SrcRange.End.Byte-1
	if len(obj.Items) == 0 {
		inner := string(src[open+1 : close])
		if !strings.Contains(inner, "\n") {
			return []Edit{{Start: open + 1, End: close, Text: " " + key + " = " + value + " "}}, nil
		}
		indent := lineIndent(src, open)
		return []Edit{{Start: open + 1, End: open + 1, Text: eol + indent + "  " + key + " = " + value}}, nil
	}
	last := obj.Items[len(obj.Items)-1]
	keyEnd, valStart, valEnd := last.KeyExpr.Range().End.Byte, last.ValueExpr.Range().Start.Byte, last.ValueExpr.Range().End.Byte
	sep := string(src[keyEnd:valStart])
	switch {
	case strings.ContainsAny(sep, "\n#/"):
		sep = " = "
	case strings.Contains(sep, "="):
		// Keep a fmt-aligned map aligned: pad the key to the column of the last entry's "=".
		width := valStart - last.KeyExpr.Range().Start.Byte
		sep = " = "
		if pad := width - len(key) - 2; pad > 1 {
			sep = strings.Repeat(" ", pad-1) + " = "
		}
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
		if trailingComma {
			return []Edit{{Start: after + 1, End: after + 1, Text: " " + key + sep + value + ","}}, nil
		}
		return []Edit{{Start: valEnd, End: valEnd, Text: ", " + key + sep + value}}, nil
	}
	lineEnd := endOfLine(src, valEnd, close)
	indent := lineIndent(src, last.KeyExpr.Range().Start.Byte)
	entry := key + sep + value
	var edits []Edit
	switch {
	case trailingComma:
		entry += ","
	case usesCommas:
		edits = append(edits, Edit{Start: valEnd, End: valEnd, Text: ","})
	}
	if lineEnd == close {
		// The closing brace is on the last entry's line: open a new line for the entry and keep the brace after it.
		edits = append(edits, Edit{Start: lineEnd, End: lineEnd, Text: eol + indent + entry + eol + lineIndent(src, open)})
		return edits, nil
	}
	edits = append(edits, Edit{Start: lineEnd, End: lineEnd, Text: eol + indent + entry})
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
