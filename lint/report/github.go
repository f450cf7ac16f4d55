package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stepshift/stepshift/graph"
	"github.com/stepshift/stepshift/lint"
)

// githubReporter prints GitHub Actions workflow commands, which the runner
// turns into annotations on the pull request's diff. An annotation has no
// related locations, so they are appended to its message as "see" lines.
// GitHub shows at most 10 annotations of each kind per step; the final
// count line (plain log text) tells a reader when there are more.
type githubReporter struct{ opts Options }

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
// With Options.StepSummary set it also appends the job summary.
func (r githubReporter) Report(w io.Writer, in Input) error {
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
	if err := bw.Flush(); err != nil {
		return err
	}
	if r.opts.StepSummary == "" {
		return nil
	}
	return appendStepSummary(r.opts.StepSummary, in)
}

// appendStepSummary adds the run's Markdown job summary to the file GitHub
// names in $GITHUB_STEP_SUMMARY. The runner collects that file after the
// step, and other commands of the same step may have written to it
// already, so the summary is appended (GitHub's documented way), in one
// write, rather than replacing the file.
func appendStepSummary(path string, in Input) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("job summary: %w", err)
	}
	budget := stepSummaryMax
	if st, err := f.Stat(); err == nil {
		budget -= int(st.Size())
	}
	var b bytes.Buffer
	if err := writeStepSummary(&b, in, budget); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("job summary %s: %w", path, err)
	}
	return f.Close()
}

// markdownCell keeps a value inside one table cell: one line, a "|" that
// would end the cell escaped, and the characters Markdown or HTML read as
// markup escaped too.
func markdownCell(s string) string {
	var b strings.Builder
	for _, r := range printable(s) {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_[]<>|&#~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stepSummaryMax is the most a step's summary file may hold: GitHub drops
// the whole summary ("$GITHUB_STEP_SUMMARY upload aborted, supports content
// up to a size of 1024k") when it is larger.
const stepSummaryMax = 1024 * 1024

// stepSummaryReserve is room kept for the line saying what was left out.
const stepSummaryReserve = 256

// writeStepSummary writes the job summary: the counts, the per-Task limits
// table, and a Mermaid graph of each workflow with findings (in.Graphs,
// drawn by the caller, which knows the Terraform facts). Rows and graphs
// that would take it past budget bytes are left out, and a line says how
// many, so GitHub still shows the rest.
func writeStepSummary(b *bytes.Buffer, in Input, budget int) error {
	budget -= stepSummaryReserve
	rowsLeft, graphsLeft := 0, 0
	e, w, i := counts(in.Findings)
	fmt.Fprintf(b, "## stepshift lint\n\n%s, %s, %s in %s\n\n", plural(e, "error"), plural(w, "warning"), plural(i, "info"),
		plural(max(len(in.Files), 1), "file"))
	if len(in.Summary) > 0 {
		b.WriteString("### Lambda limits per Task\n\n")
		b.WriteString("| Workflow | State | Lambda | Memory | Timeout | /tmp | Package (zip / unzipped) | Verdict |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|\n")
		for _, r := range in.Summary {
			wf := r.Workflow
			if r.Rendering != "" {
				wf += " (" + r.Rendering + ")"
			}
			lambda := r.Lambda
			if lambda == "" {
				lambda = "?"
			}
			pkg := bytesCell(r.ZippedBytes)
			if r.UnzippedBytes != nil {
				pkg += " / " + bytesCell(r.UnzippedBytes)
			}
			verdict := r.Verdict
			if r.Note != "" {
				verdict += ": " + r.Note
			}
			cells := []string{wf, r.State, lambda, intCell(r.MemoryMB, " MB"), intCell(r.TimeoutSeconds, " s"), intCell(r.TmpMB, " MB"), pkg, verdict}
			for k, c := range cells {
				cells[k] = markdownCell(c)
			}
			row := fmt.Sprintf("| %s |\n", strings.Join(cells, " | "))
			if rowsLeft > 0 || b.Len()+len(row) > budget {
				rowsLeft++
				continue
			}
			b.WriteString(row)
		}
		b.WriteString("\n")
	}
	for _, g := range in.Graphs {
		var block bytes.Buffer
		if err := writeGraphBlock(&block, g); err != nil {
			return err
		}
		if graphsLeft > 0 || b.Len()+block.Len() > budget {
			graphsLeft++
			continue
		}
		b.Write(block.Bytes())
	}
	if rowsLeft > 0 || graphsLeft > 0 {
		fmt.Fprintf(b, "_%s and %s left out: GitHub shows at most 1 MiB of a step's summary; the annotations and `stepshift lint --summary` have them all._\n\n",
			plural(rowsLeft, "table row"), plural(graphsLeft, "graph"))
	}
	return nil
}

// writeGraphBlock writes one workflow's graph as a fenced Mermaid block
// under a heading; labels escape backticks, so the fence cannot close early.
func writeGraphBlock(b *bytes.Buffer, g *graph.Graph) error {
	fmt.Fprintf(b, "### %s\n\n```mermaid\n", markdownCell(g.Title))
	if err := g.Mermaid(b); err != nil {
		return err
	}
	b.WriteString("```\n\n")
	return nil
}
