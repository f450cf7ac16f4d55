package lint

import (
	"encoding/json"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// ReportInString records a finding on the characters [off, off+n) of a
// string value's decoded text (a JSONPath error's column), mapped back
// through JSON escapes to the source. n <= 0 marks one character.
func (p *Pass) ReportInString(s *workflow.Node, off, n int, format string, args ...any) *Finding {
	if s == nil || s.Kind != workflow.String {
		return p.Report(s, format, args...)
	}
	start := p.sourceOffset(s, off)
	end := start + 1
	if n > 0 {
		end = p.sourceOffset(s, off+n)
	}
	if end > s.Range.End.Byte-1 {
		end = max(s.Range.End.Byte-1, start)
	}
	base := s.Range.Start.Byte - p.Doc.PosAt(0).Byte // Source-relative offsets
	_ = base
	r := p.rangeOfBytes(start, end)
	return p.ReportRange(r, s.Pointer, format, args...)
}

// rangeOfBytes turns absolute byte positions of the document's file into a
// Range. Document ranges carry file offsets (a heredoc starts at its Base),
// RangeAt wants offsets into Source.
func (p *Pass) rangeOfBytes(start, end int) workflow.Range {
	base := p.Doc.PosAt(0).Byte
	return p.Doc.RangeAt(start-base, end-base)
}

// sourceOffset maps a byte offset of a string's decoded value to the file
// byte offset of the character in its JSON literal.
func (p *Pass) sourceOffset(s *workflow.Node, off int) int {
	base := p.Doc.PosAt(0).Byte
	src := p.Doc.Source
	i := s.Range.Start.Byte - base + 1 // after the opening quote
	end := s.Range.End.Byte - base - 1
	if i < 0 || end > len(src) || i > end {
		return s.Range.Start.Byte
	}
	decoded := 0
	for i < end && decoded < off {
		if src[i] == '\\' && i+1 < end {
			if src[i+1] == 'u' && i+6 <= end {
				// a \uXXXX escape decodes to 1-4 bytes; count its UTF-8 length
				var r rune
				for _, c := range src[i+2 : i+6] {
					r <<= 4
					switch {
					case c >= '0' && c <= '9':
						r |= rune(c - '0')
					case c >= 'a' && c <= 'f':
						r |= rune(c-'a') + 10
					case c >= 'A' && c <= 'F':
						r |= rune(c-'A') + 10
					}
				}
				decoded += len(string(r))
				i += 6
				continue
			}
			decoded++
			i += 2
			continue
		}
		decoded++
		i++
	}
	return i + base
}

// isUnder reports whether pointer is ptr itself or inside it.
func isUnder(pointer, ptr string) bool {
	return pointer == ptr || (strings.HasPrefix(pointer, ptr) && len(pointer) > len(ptr) && pointer[len(ptr)] == '/')
}

// toValue converts a node to what encoding/json decodes into `any` (numbers
// as json.Number), for the schema validator. The first of duplicate keys
// wins, as Node.Get does. Bare interpolations become their source text.
func toValue(n *workflow.Node) any {
	switch n.Kind {
	case workflow.Object:
		m := make(map[string]any, len(n.Members))
		for _, c := range n.Members {
			if _, dup := m[c.Key]; !dup {
				m[c.Key] = toValue(c)
			}
		}
		return m
	case workflow.Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			a[i] = toValue(e)
		}
		return a
	case workflow.String:
		return n.Str
	case workflow.Number:
		return json.Number(n.Num)
	case workflow.Bool:
		return n.Bool
	case workflow.Null:
		return nil
	}
	if len(n.Interps) > 0 {
		return "${" + n.Interps[0].Expr + "}"
	}
	return nil
}
