package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

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

func (r *textReporter) Report(w io.Writer, in Input) error {
	bw := bufio.NewWriter(w)
	for _, f := range in.Findings {
		fmt.Fprintf(bw, "%s: %s %s\n",
			r.paint(ansiBold, f.Range.String()),
			r.paint(severityColor(f.Severity), f.Message),
			r.paint(ansiGray, "["+f.Rule+"]"))
		r.snippet(bw, in.Sources, f.Range)
		for _, rel := range f.Related {
			fmt.Fprintf(bw, "  %s: %s\n", r.paint(ansiBold, rel.Range.String()), rel.Message)
			r.snippet(bw, in.Sources, rel.Range)
		}
	}
	if r.opts.Summary && len(in.Summary) > 0 {
		if len(in.Findings) > 0 {
			bw.WriteByte('\n')
		}
		if err := writeSummary(bw, in.Summary); err != nil {
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

// snippet prints the source line of rng with a gutter and underlines the
// range: "^" at the start, "~" to its end or the end of the line. The
// underline repeats the line's tabs so it lines up in any tab width.
func (r *textReporter) snippet(w *bufio.Writer, sources map[string][]byte, rng workflow.Range) {
	src, ok := sources[rng.Filename]
	start := rng.Start.Byte
	if !ok || start < 0 || start > len(src) || rng.Start.Line < 1 {
		return
	}
	lineStart := bytes.LastIndexByte(src[:start], '\n') + 1
	lineEnd := len(src)
	if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
		lineEnd = start + i
	}
	line := bytes.TrimRight(src[lineStart:lineEnd], "\r")
	if start-lineStart > len(line) || !utf8.Valid(line) {
		return
	}
	end := min(max(rng.End.Byte, start), lineStart+len(line))
	var under strings.Builder
	for _, c := range string(line[:start-lineStart]) {
		if c == '\t' {
			under.WriteByte('\t')
		} else {
			under.WriteByte(' ')
		}
	}
	width := utf8.RuneCount(src[start:end])
	under.WriteByte('^')
	if width > 1 {
		under.WriteString(strings.Repeat("~", width-1))
	}
	gutter := fmt.Sprintf("%5d | ", rng.Start.Line)
	fmt.Fprintf(w, "%s%s\n", r.paint(ansiGray, gutter), line)
	fmt.Fprintf(w, "%s%s\n", r.paint(ansiGray, "      | "), r.paint(ansiGreen, under.String()))
}
