package workflow

import (
	"bytes"
	"sort"
	"unicode/utf8"
)

// lineTable turns byte offsets into line:column positions. Lines end at "\n"
// (so "\r\n" is one break); columns count runes from the line start.
type lineTable struct {
	filename string
	src      []byte
	starts   []int // byte offset of each line start; starts[0] == 0
	base     Pos   // where src begins in the file (heredoc bodies)

	// cache of the last lookup: positions are mostly asked for in increasing
	// order, so counting runes from the previous answer keeps long lines linear.
	cacheLine, cacheByte, cacheCol int
}

func newLineTable(filename string, src []byte, base Pos) *lineTable {
	n := bytes.Count(src, []byte{'\n'})
	starts := make([]int, 1, n+1)
	for off := 0; ; {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		starts = append(starts, off)
	}
	if base.Line == 0 {
		base = Pos{Line: 1, Column: 1}
	}
	return &lineTable{filename: filename, src: src, starts: starts, base: base, cacheLine: -1}
}

// pos returns the position of byte offset off (clamped to the source).
func (lt *lineTable) pos(off int) Pos {
	if off < 0 {
		off = 0
	}
	if off > len(lt.src) {
		off = len(lt.src)
	}
	line := lt.cacheLine
	switch {
	case line >= 0 && off >= lt.cacheByte && (line+1 >= len(lt.starts) || off < lt.starts[line+1]):
		// same line as the last answer, at or after it
	case line >= 0 && off >= lt.cacheByte && (line+2 >= len(lt.starts) || off < lt.starts[line+2]):
		// the next line: the common step while indexing pretty-printed JSON
		line++
		lt.cacheLine, lt.cacheByte, lt.cacheCol = line, lt.starts[line], 0
	default:
		line = sort.Search(len(lt.starts), func(i int) bool { return lt.starts[i] > off }) - 1
		lt.cacheLine, lt.cacheByte, lt.cacheCol = line, lt.starts[line], 0
	}
	col := lt.cacheCol + runeCount(lt.src[lt.cacheByte:off])
	lt.cacheByte, lt.cacheCol = off, col
	p := Pos{Line: line + lt.base.Line, Column: col + 1, Byte: off + lt.base.Byte}
	if line == 0 {
		p.Column += lt.base.Column - 1
	}
	return p
}

// rangeOf returns the Range of src[start:end].
func (lt *lineTable) rangeOf(start, end int) Range {
	return Range{Filename: lt.filename, Start: lt.pos(start), End: lt.pos(end)}
}

// runeCount counts runes, with a fast path for ASCII. Invalid bytes count one each.
func runeCount(b []byte) int {
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return i + utf8.RuneCount(b[i:])
		}
	}
	return len(b)
}
