package main

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/graph"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

// Graph output formats.
const (
	graphMermaid  = "mermaid"
	graphDOT      = "dot"
	graphMarkdown = "markdown"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "graph",
		Usage:     "draw each workflow as a Mermaid or Graphviz DOT graph, with its findings and Lambda limits",
		ArgsUsage: "[PATH...]  (files, folders searched for *.asl.json, .tf/.tfvars files for their deployment, - for stdin)",
		Description: "Draws every workflow (every rendering of a Terraform deployment separately): states shaped by type,\n" +
			"Next/Default/choice edges labelled with the rule, Catch edges dashed with the error names, Parallel\n" +
			"branches and Map item processors as boxes, unreachable states marked. Each Task shows its Lambda's\n" +
			"memory and timeout when known; states with findings are coloured by the worst, with the rule IDs.\n" +
			"Several workflows print one after another (DOT: one digraph each; Mermaid: each after a %% comment\n" +
			"naming it); --format markdown prints a document with a ```mermaid block per workflow.\n" +
			"Exit codes: 0 drawn, 1 a workflow could not be drawn (it does not parse), 2 bad usage, 3 I/O error.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: graphMermaid, Usage: "mermaid, dot or markdown"},
			&cli.IntFlag{Name: "depth", Usage: "levels drawn: 1 collapses every Map and Parallel into its state, 2 draws their interiors but collapses the next level, ...; 0 draws all"},
			&cli.BoolFlag{Name: "no-findings", Usage: "draw the definition only: no lint run, no colours"},
		}, inputFlags("draw")...),
		Action: graphAction,
	})
}

func graphAction(c *cli.Context) error {
	format := strings.ToLower(c.String("format"))
	if format != graphMermaid && format != graphDOT && format != graphMarkdown {
		return usageErrorf("--format %q: want mermaid, dot or markdown", c.String("format"))
	}
	depth := c.Int("depth")
	if depth < 0 {
		return usageErrorf("--depth %d: want 0 (all levels) or more", depth)
	}
	if err := checkVarFlags(c.StringSlice("var")); err != nil {
		return err
	}
	run := &lintRun{c: c, stdout: c.App.Writer, sources: map[string][]byte{}}
	opts := lint.Options{Express: c.Bool("express")}
	if !c.Bool("no-findings") {
		var err error
		if run.cfg, err = loadLintConfig(c.String("config")); err != nil {
			return err
		}
		opts.Config = run.cfg
		if err := run.cfg.ApplyLimits(&opts); err != nil {
			return usageErrorf("%v", err)
		}
	}
	args := c.Args().Slice()
	if len(args) == 0 {
		args = []string{"."}
	}
	if err := run.collect(args); err != nil {
		return err
	}
	var findings []lint.Finding
	if !c.Bool("no-findings") {
		findings = run.lint(opts)
	}

	if len(run.units) == 0 && len(run.ioErrors) == 0 {
		fmt.Fprintf(c.App.ErrWriter, "stepshift: note: no workflow found in %s (*.asl.json files, or templatefile()/heredoc renderings in .tf files)\n", strings.Join(args, " "))
	}
	var out bytes.Buffer
	undrawn := 0
	for i, u := range run.units {
		g := unitGraph(u, findings, depth, nil)
		if g.Problem != "" {
			undrawn++
			fmt.Fprintf(c.App.ErrWriter, "stepshift: not drawn: %s\n", g.Problem)
		}
		var err error
		switch format {
		case graphMarkdown:
			err = writeMarkdownGraph(&out, "## ", g)
		case graphDOT:
			err = g.DOT(&out)
		default:
			if i > 0 {
				out.WriteString("\n")
			}
			err = g.Mermaid(&out)
		}
		if err != nil {
			return internalErrorf("drawing %s: %v", g.Title, err)
		}
	}
	if _, err := c.App.Writer.Write(out.Bytes()); err != nil {
		return internalErrorf("writing the graph: %v", err)
	}
	for _, msg := range run.ioErrors {
		fmt.Fprintf(c.App.ErrWriter, "stepshift: %s\n", msg)
	}
	if len(run.ioErrors) > 0 {
		return &exitError{code: exitInternal}
	}
	if undrawn > 0 {
		return &exitError{code: exitFindings}
	}
	return nil
}

// findingGraphs draws the units that have findings, for the GitHub job
// summary.
func findingGraphs(units []*lint.Unit, findings []lint.Finding) []*graph.Graph {
	type key struct{ file, rendering string }
	has := map[key]bool{}
	for _, f := range findings {
		has[key{f.Range.Filename, f.Rendering}] = true
	}
	var out []*graph.Graph
	for _, u := range units {
		if has[key{u.Doc.Filename, u.Label}] {
			out = append(out, unitGraph(u, findings, 0, nil))
		}
	}
	return out
}

// unitTitle names a workflow rendering: its file, and the Terraform block
// rendering it when there is one.
func unitTitle(u *lint.Unit) string {
	if u.Label != "" {
		return u.Doc.Filename + " (" + u.Label + ")"
	}
	return u.Doc.Filename
}

// unitGraph draws one lint unit with what is known about each state: its
// Lambda's memory and timeout, the findings on it (those whose JSON
// Pointer lies inside the state and not inside a nested state), and
// whether highlight marks it.
func unitGraph(u *lint.Unit, findings []lint.Finding, depth int, highlight func(*workflow.State) bool) *graph.Graph {
	byPointer := map[string]*workflow.State{}
	for _, st := range u.Doc.States {
		byPointer[st.Pointer()] = st
	}
	type mark struct {
		severity graph.Severity
		rules    []string
	}
	marks := map[*workflow.State]*mark{}
	for _, f := range findings {
		var states []*workflow.State
		if f.Range.Filename == u.Doc.Filename && f.Rendering == u.Label && f.Pointer != "" {
			if st := stateAt(byPointer, f.Pointer); st != nil {
				states = append(states, st)
			}
		} else {
			// A fact about a function (its runtime) sits at its Terraform
			// line and names the Tasks that run it.
			for _, st := range u.Doc.States {
				if usedByState(f, u.Doc.Filename, st) {
					states = append(states, st)
				}
			}
		}
		for _, st := range states {
			m := marks[st]
			if m == nil {
				m = &mark{}
				marks[st] = m
			}
			m.severity = max(m.severity, graphSeverity(f.Severity))
			if !contains(m.rules, f.Rule) {
				m.rules = append(m.rules, f.Rule)
			}
		}
	}
	annotate := func(st *workflow.State) graph.Annotation {
		var a graph.Annotation
		if m := marks[st]; m != nil {
			a.Severity, a.Rules = m.severity, m.rules
			sort.Strings(a.Rules)
		}
		if line := lambdaLine(u.Task(st)); line != "" {
			a.Lines = append(a.Lines, line)
		}
		a.Highlight = highlight != nil && highlight(st)
		return a
	}
	return graph.Build(u.Doc, graph.Options{Title: unitTitle(u), Depth: depth, Annotate: annotate})
}

// stateAt is the innermost state whose object holds the value at pointer.
func stateAt(byPointer map[string]*workflow.State, pointer string) *workflow.State {
	for p := pointer; p != ""; {
		if st := byPointer[p]; st != nil {
			return st
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func graphSeverity(s lint.Severity) graph.Severity {
	switch s {
	case lint.Error:
		return graph.Error
	case lint.Warning:
		return graph.Warning
	}
	return graph.Info
}

// lambdaLine is a Task's Lambda memory and timeout as a label line,
// "3008 MB · 900 s", with "?" for what is unknown; "activity" for a Task
// Terraform points at an activity; "" when nothing is known.
func lambdaLine(t *terraform.Task) string {
	if t == nil {
		return ""
	}
	if t.Target.Kind == terraform.TargetActivity {
		return "activity"
	}
	l := t.Lambda
	if l == nil || (!l.MemoryMB.Known && !l.TimeoutSeconds.Known) {
		return ""
	}
	mem, timeout := "? MB", "? s"
	if l.MemoryMB.Known {
		mem = fmt.Sprintf("%d MB", l.MemoryMB.Value)
	}
	if l.TimeoutSeconds.Known {
		timeout = fmt.Sprintf("%d s", l.TimeoutSeconds.Value)
	}
	return mem + " · " + timeout
}

// writeMarkdownGraph writes a heading naming the workflow and its Mermaid
// graph in a fenced block GitHub renders. The title goes through
// markdownText; the Mermaid text cannot close the fence, since labels
// escape backticks and the title comment has none.
func writeMarkdownGraph(w io.Writer, heading string, g *graph.Graph) error {
	fmt.Fprintf(w, "%s%s\n\n```mermaid\n", heading, markdownText(g.Title))
	if err := g.Mermaid(w); err != nil {
		return err
	}
	_, err := fmt.Fprint(w, "```\n\n")
	return err
}

// markdownText keeps a file name or state name literal in Markdown: one
// line, with the characters that start emphasis, code, links or HTML
// escaped.
func markdownText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r < ' ' || r == 0x7f:
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_{}[]()<>#+-!|~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
