package workflow

import "fmt"

// Pos is a point in a source file. Line and Column are 1-based; Column counts
// characters (runes), so a tab or a multibyte character counts 1. Byte is the
// 0-based byte offset into the file.
type Pos struct {
	Line   int
	Column int
	Byte   int
}

// Range is the half-open span [Start, End) of Filename.
type Range struct {
	Filename string
	Start    Pos
	End      Pos
}

// String renders the start as "path:line:col", the form editors and CI logs link.
func (r Range) String() string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// IsZero reports whether r was never set.
func (r Range) IsZero() bool { return r == Range{} }
