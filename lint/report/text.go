package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

// textReporter prints `path:line:col: message [rule]`, the source line with
// the range underlined, related locations as notes, and a count at the end.
type textReporter struct{ opts Options }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGray   = "\x1b[90m"
	ansiGreen  = "\x1b[32m"
)

// A minified definition is one line of up to megabytes; printing it whole
// for every finding would bury the report, so snippets show a window of the
// line around the range: some context before it, then up to the window's end.
const (
	snippetContextRunes = 40
	snippetMaxRunes     = 120
)

func (r *textReporter) paint(code, s string) string {
	if !r.opts.Color {
		return s
	}
	return code + s + ansiReset
}

func severityColor(s lint.Severity) string {
	switch s {
	case lint.Error:
		return ansiRed
	case lint.Warning:
		return ansiYellow
	}
	return ansiCyan
}

// position renders where a finding is: "path:line:col", just "path" for a
// finding about a whole file (no line), "" when there is no file either.
func position(r workflow.Range) string {
	switch {
	case r.Filename == "" && r.Start.Line < 1:
		return ""
	case r.Start.Line < 1:
		return r.Filename
	}
	return r.String()
}

// maxTaskUsesShown is how many Tasks running a function the text lists
// under a finding about the function before it gives the rest as a count.
const maxTaskUsesShown = 3

// Report writes findings for people: each with its source line underlined.
func (r *textReporter) Report(w io.Writer, in Input) error {
	bw := bufio.NewWriter(w)
	lines := lineIndex{sources: in.Sources}
	for _, f := range in.Findings {
		first, rest, _ := strings.Cut(printable(f.Message), "\n")
		if pos := position(f.Range); pos != "" {
			fmt.Fprintf(bw, "%s: ", r.paint(ansiBold, pos))
		}
		fmt.Fprintf(bw, "%s %s\n", r.paint(severityColor(f.Severity), first), r.paint(ansiGray, "["+f.Rule+"]"))
		// Further message lines are indented so that every line starting in
		// column 1 is still the start of a finding.
		for rest != "" {
			var line string
			line, rest, _ = strings.Cut(rest, "\n")
			fmt.Fprintf(bw, "  %s\n", r.paint(severityColor(f.Severity), line))
		}
		r.snippet(bw, &lines, f.Range)
		// A fact about a function names every Task that runs it; past a
		// few, the text shows where the first ones are and the count.
		uses, shown := 0, 0
		for _, rel := range f.Related {
			if strings.HasPrefix(rel.Message, lint.TaskUseNote) {
				uses++
			}
		}
		for _, rel := range f.Related {
			if strings.HasPrefix(rel.Message, lint.TaskUseNote) && uses > maxTaskUsesShown {
				if shown++; shown > maxTaskUsesShown {
					if shown == maxTaskUsesShown+1 {
						fmt.Fprintf(bw, "  and %d more Tasks\n", uses-maxTaskUsesShown)
					}
					continue
				}
				if pos := position(rel.Range); pos != "" {
					fmt.Fprintf(bw, "  %s: %s\n", r.paint(ansiBold, pos), printable(rel.Message))
				}
				continue
			}
			note := strings.ReplaceAll(printable(rel.Message), "\n", " ")
			if pos := position(rel.Range); pos != "" {
				fmt.Fprintf(bw, "  %s: %s\n", r.paint(ansiBold, pos), note)
			} else {
				fmt.Fprintf(bw, "  %s\n", note)
			}
			r.snippet(bw, &lines, rel.Range)
		}
	}
	if r.opts.Summary && len(in.Summary) > 0 {
		if len(in.Findings) > 0 {
			bw.WriteByte('\n')
		}
		if err := writeSummary(bw, in.Summary, r.paintVerdict); err != nil {
			return err
		}
	}
	if len(in.Findings) > 0 {
		e, wn, i := counts(in.Findings)
		var parts []string
		if e > 0 {
			parts = append(parts, r.paint(ansiRed, plural(e, "error")))
		}
		if wn > 0 {
			parts = append(parts, r.paint(ansiYellow, plural(wn, "warning")))
		}
		if i > 0 {
			parts = append(parts, r.paint(ansiCyan, plural(i, "info")))
		}
		fmt.Fprintf(bw, "\n%s in %s\n", strings.Join(parts, ", "), plural(max(len(in.Files), 1), "file"))
	}
	return bw.Flush()
}

// paintVerdict colours a summary verdict the way findings of that weight are
// coloured. The verdict is the table's last cell, which tabwriter does not
// pad, so the invisible colour codes cannot upset the alignment.
func (r *textReporter) paintVerdict(verdict string) string {
	switch verdict {
	case VerdictOverLimit:
		return r.paint(ansiRed, verdict)
	case VerdictNearLimit:
		return r.paint(ansiYellow, verdict)
	case VerdictOK:
		return r.paint(ansiGreen, verdict)
	}
	return verdict
}

// lineIndex finds where each line of a source starts, built once per file
// on first use so that thousands of findings in one file cost one scan.
type lineIndex struct {
	sources map[string][]byte
	starts  map[string][]int
}

// line returns the bytes of line n (1-based) of file without its line
// ending, and the offset where it starts.
func (x *lineIndex) line(file string, n int) (line []byte, start int, ok bool) {
	src, found := x.sources[file]
	if !found || n < 1 {
		return nil, 0, false
	}
	starts, built := x.starts[file]
	if !built {
		starts = []int{0}
		for i, c := range src {
			if c == '\n' {
				starts = append(starts, i+1)
			}
		}
		if x.starts == nil {
			x.starts = map[string][]int{}
		}
		x.starts[file] = starts
	}
	if n > len(starts) {
		return nil, 0, false
	}
	start = starts[n-1]
	end := len(src)
	if n < len(starts) {
		end = starts[n] - 1
	}
	return bytes.TrimSuffix(src[start:end], []byte("\r")), start, true
}

// snippet prints the source line of rng with a gutter and underlines the
// range: "^" at its start, "~" to its end or the end of the line. The line
// and column decide the place (they are what the header printed); the byte
// offset is used when it agrees, which spares counting runes from the start
// of a long line. The underline repeats the line's tabs so it lines up at
// any tab width, and doubles for wide (East Asian) characters.
func (r *textReporter) snippet(w *bufio.Writer, lines *lineIndex, rng workflow.Range) {
	line, lineStart, ok := lines.line(rng.Filename, rng.Start.Line)
	if !ok || rng.Start.Column < 1 {
		return
	}
	// A rune takes 1 to 4 bytes, so an offset outside those bounds was not
	// set (or not set for this line) by whoever made the range.
	start, col := rng.Start.Byte-lineStart, rng.Start.Column-1
	if start < col || start > 4*col || start > len(line) || start < len(line) && !utf8.RuneStart(line[start]) {
		start = runeOffset(line, rng.Start.Column-1)
		if start < 0 {
			return
		}
	}
	runes := 1 // to the end of the first line when the range spans lines
	if rng.End.Line == rng.Start.Line {
		runes = max(rng.End.Column-rng.Start.Column, 1)
	} else if rng.End.Line > rng.Start.Line {
		runes = len(line) // the underline stops at the end of the line or window
	}

	// The window: from the start of the line when the range starts early
	// enough to be seen with some of itself, else from snippetContextRunes
	// before the range; up to snippetMaxRunes in all. A rune takes at most 4
	// bytes, so a far start needs no counting.
	from := 0
	if start > 4*snippetMaxRunes || utf8.RuneCount(line[:start]) > snippetMaxRunes-snippetContextRunes {
		from = start
		for i := 0; i < snippetContextRunes && from > 0; i++ {
			_, size := utf8.DecodeLastRune(line[:from])
			from -= size
		}
	}
	to := from
	for i := 0; i < snippetMaxRunes && to < len(line); i++ {
		_, size := utf8.DecodeRune(line[to:])
		to += size
	}

	var text, under strings.Builder
	if from > 0 {
		text.WriteString("…")
		under.WriteByte(' ')
	}
	for i := from; i < to; {
		c, size := utf8.DecodeRune(line[i:])
		shown := displayRune(c)
		text.WriteRune(shown)
		cells := 1
		if k := width.LookupRune(shown).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
			cells = 2
		}
		switch {
		case i < start && c == '\t':
			under.WriteByte('\t')
		case i < start:
			under.WriteString("  "[:cells])
		case i == start:
			under.WriteString("^~"[:cells])
			runes--
		case runes > 0:
			under.WriteString("~~"[:cells])
			runes--
		}
		i += size
	}
	if start == len(line) { // a range at the end of the line (or an empty line)
		under.WriteByte('^')
	}
	if to < len(line) {
		text.WriteString("…")
	}
	gutter := fmt.Sprintf("%5d | ", rng.Start.Line)
	fmt.Fprintf(w, "%s%s\n", r.paint(ansiGray, gutter), text.String())
	fmt.Fprintf(w, "%s%s\n", r.paint(ansiGray, "      | "), r.paint(ansiGreen, under.String()))
}

// runeOffset returns the byte offset of the n-th rune of line (0-based), or
// -1 when the line is shorter; n == the line's length is its end.
func runeOffset(line []byte, n int) int {
	off := 0
	for ; n > 0; n-- {
		if off >= len(line) {
			return -1
		}
		_, size := utf8.DecodeRune(line[off:])
		off += size
	}
	return off
}

// displayRune keeps a source character one cell wide and harmless on a
// terminal: control characters (an escape sequence in a file must not drive
// the reader's terminal) and invalid UTF-8 show as U+FFFD. Tabs stay.
func displayRune(c rune) rune {
	if c == '\t' {
		return c
	}
	if c == utf8.RuneError || unicode.IsControl(c) {
		return utf8.RuneError
	}
	return c
}

// printable makes a message safe for a terminal: control characters other
// than tab and newline (which the reporters lay out themselves) are shown
// escaped, as \x1b, so that a state name cannot inject terminal escapes.
func printable(s string) string {
	clean := true
	for _, c := range s {
		if c != '\n' && c != '\t' && (unicode.IsControl(c) || c == utf8.RuneError) {
			clean = false
			break
		}
	}
	if clean {
		return strings.ReplaceAll(s, "\r\n", "\n")
	}
	var b strings.Builder
	for _, c := range strings.ReplaceAll(s, "\r\n", "\n") {
		if c != '\n' && c != '\t' && unicode.IsControl(c) {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
