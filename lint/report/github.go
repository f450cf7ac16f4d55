package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/stepshift/stepshift/lint"
)

// githubReporter prints GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request's diff.
type githubReporter struct{}

// GitHub's escaping: data escapes %, CR and LF; properties also ":" and ",".
var (
	ghData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func (githubReporter) Report(w io.Writer, in Input) error {
	bw := bufio.NewWriter(w)
	for _, f := range in.Findings {
		cmd := "notice"
		switch f.Severity {
		case lint.Error:
			cmd = "error"
		case lint.Warning:
			cmd = "warning"
		}
		fmt.Fprintf(bw, "::%s file=%s,line=%d,col=%d,endLine=%d,endColumn=%d,title=%s::%s\n", cmd,
			ghProperty.Replace(f.Range.Filename), f.Range.Start.Line, f.Range.Start.Column,
			f.Range.End.Line, f.Range.End.Column, ghProperty.Replace(f.Rule), ghData.Replace(f.Message))
	}
	return bw.Flush()
}
