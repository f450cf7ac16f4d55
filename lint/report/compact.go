package report

import (
	"bufio"
	"fmt"
	"io"
)

// compactReporter prints one `path:line:col: severity: message [rule]` line
// per finding, for grep and editors' quickfix lists (Vim's errorformat
// `%f:%l:%c: %m`). A finding about a whole file starts `path: `. Newlines in
// a message become spaces so that one line is always one finding.
type compactReporter struct{}

// Report writes one finding per line, `path:line:col: severity: message [rule]`.
func (compactReporter) Report(w io.Writer, in Input) error {
	bw := bufio.NewWriter(w)
	for _, f := range in.Findings {
		if pos := position(f.Range); pos != "" {
			fmt.Fprintf(bw, "%s: ", pos)
		}
		fmt.Fprintf(bw, "%s: %s [%s]\n", f.Severity, oneLine.Replace(printable(f.Message)), f.Rule)
	}
	return bw.Flush()
}
