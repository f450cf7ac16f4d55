package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/stepshift/stepshift/lint"
)

// githubReporter prints GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request's diff. An annotation has no
// related locations, so they are appended to its message as "see" lines.
// GitHub shows at most 10 annotations of each kind per step; the final
// count line (plain log text) tells a reader when there are more.
type githubReporter struct{}

// GitHub's escaping (actions/toolkit's command.ts): data escapes %, CR and
// LF; property values also ":" and ",", which would end the value.
var (
	ghData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func githubCommand(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "notice"
}

// Report writes GitHub Actions workflow commands, one annotation per finding.
func (githubReporter) Report(w io.Writer, in Input) error {
	bw := bufio.NewWriter(w)
	for _, f := range in.Findings {
		var props []string
		if f.Range.Filename != "" {
			props = append(props, "file="+ghProperty.Replace(f.Range.Filename))
		}
		if f.Range.Start.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d,col=%d", f.Range.Start.Line, f.Range.Start.Column))
			if f.Range.End.Line >= f.Range.Start.Line {
				props = append(props, fmt.Sprintf("endLine=%d,endColumn=%d", f.Range.End.Line, f.Range.End.Column))
			}
		}
		props = append(props, "title="+ghProperty.Replace(f.Rule))
		msg := printable(f.Message)
		for _, rel := range f.Related {
			if pos := position(rel.Range); pos != "" {
				msg += "\nsee " + pos + ": " + printable(rel.Message)
			} else {
				msg += "\nsee: " + printable(rel.Message)
			}
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", githubCommand(f.Severity), strings.Join(props, ","), ghData.Replace(msg))
	}
	if len(in.Findings) > 0 {
		e, wn, i := counts(in.Findings)
		fmt.Fprintf(bw, "stepshift: %s, %s, %s in %s\n", plural(e, "error"), plural(wn, "warning"), plural(i, "info"),
			plural(max(len(in.Files), 1), "file"))
	}
	return bw.Flush()
}
