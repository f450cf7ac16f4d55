package report

import (
	"bufio"
	"fmt"
	"io"
)

// compactReporter prints one `path:line:col: severity: message [rule]` line
// per finding, for grep and editors' quickfix lists.
type compactReporter struct{}

func (compactReporter) Report(w io.Writer, in Input) error {
	bw := bufio.NewWriter(w)
	for _, f := range in.Findings {
		fmt.Fprintf(bw, "%s: %s: %s [%s]\n", f.Range, f.Severity, f.Message, f.Rule)
	}
	return bw.Flush()
}
