package transpile

import (
	"bytes"
	"fmt"
	"sort"
)

// Edit replaces the bytes [Start, End) of a source with Text. Edits are the
// only way this package changes a user's file, so that everything outside
// them stays byte for byte as written.
type Edit struct {
	Start, End int
	Text       string
}

// applyEdits returns src with the edits applied. Edits must not overlap;
// insertions at the same offset keep their order.
func applyEdits(src []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var out bytes.Buffer
	out.Grow(len(src) + 256)
	at := 0
	for _, e := range sorted {
		if e.Start < at || e.End < e.Start || e.End > len(src) {
			return nil, fmt.Errorf("internal: overlapping or out-of-range edit [%d,%d) after %d (len %d)", e.Start, e.End, at, len(src))
		}
		out.Write(src[at:e.Start])
		out.WriteString(e.Text)
		at = e.End
	}
	out.Write(src[at:])
	return out.Bytes(), nil
}

// textStyle is how a file lays out its text, learnt from the file itself so
// inserted lines look like their neighbours.
type textStyle struct {
	EOL    string // "\n" or "\r\n"
	Indent string // one level of indentation: "  ", "    " or "\t"
}

// detectStyle finds the line ending and indentation unit of src. A file
// that mixes line endings is written with the one it uses most; the indent
// unit is the smallest positive step between consecutive lines' indentation.
func detectStyle(src []byte) textStyle {
	st := textStyle{EOL: "\n", Indent: "  "}
	crlf := bytes.Count(src, []byte("\r\n"))
	if lf := bytes.Count(src, []byte("\n")); crlf > 0 && crlf*2 >= lf {
		st.EOL = "\r\n"
	}
	prev := 0
	best := 0
	tabs, spaces := 0, 0
	for _, line := range bytes.Split(src, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n > 0 {
			if line[0] == '\t' {
				tabs++
			} else {
				spaces++
			}
		}
		if d := n - prev; d > 0 && (best == 0 || d < best) {
			best = d
		}
		prev = n
	}
	switch {
	case tabs > spaces:
		st.Indent = "\t"
	case best > 0 && best <= 8:
		st.Indent = string(bytes.Repeat([]byte(" "), best))
	}
	return st
}

// lineIndent returns the whitespace that starts the line holding offset.
func lineIndent(src []byte, offset int) string {
	start := bytes.LastIndexByte(src[:offset], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// spaceBefore returns the start of the run of whitespace that ends at offset.
func spaceBefore(src []byte, offset int) int {
	for offset > 0 && isJSONSpace(src[offset-1]) {
		offset--
	}
	return offset
}

// spaceAfter returns the end of the run of whitespace that starts at offset.
func spaceAfter(src []byte, offset int) int {
	for offset < len(src) && isJSONSpace(src[offset]) {
		offset++
	}
	return offset
}

func isJSONSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
