package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/graph"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/transpile"
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

// writeMigrateGraph writes --graph FILE: for each workflow the plan
// changes (a template file, or a heredoc inside a .tf file), its graph
// before and after the migration, the migrated states highlighted in both.
func writeMigrateGraph(path string, d *terraform.Deployment, plan *transpile.Plan) error {
	changed := map[string]*transpile.FileChange{}
	for _, ch := range plan.Changes {
		changed[filepath.Clean(ch.Path)] = ch
	}
	// One picture per workflow: a template two modules render is one
	// definition; each heredoc is its own.
	type drawing struct {
		file     string
		before   *workflow.Document
		after    *workflow.Document
		migrated map[string]bool // pointers of the states migrated
	}
	var drawings []*drawing
	seen := map[*workflow.Document]bool{}
	heredocs := map[string][][]byte{} // .tf file → its heredoc workflow bodies after the change
	for _, rn := range d.Renderings {
		doc := rn.Document
		if doc == nil || seen[doc] {
			continue
		}
		file := filepath.Clean(doc.Filename)
		dr := &drawing{file: file, before: doc, migrated: map[string]bool{}}
		lo, hi := 0, len(doc.Source)
		if rn.Kind == terraform.Heredoc {
			lo, hi = rn.Body.Start.Byte, rn.Body.End.Byte
		}
		for _, st := range plan.Steps {
			if st.Status == transpile.StepMigrated && filepath.Clean(st.Workflow) == file && st.Range.Start.Byte >= lo && st.Range.Start.Byte < hi {
				dr.migrated[st.Pointer] = true
			}
		}
		ch := changed[file]
		if len(dr.migrated) == 0 || ch == nil {
			continue
		}
		seen[doc] = true
		if rn.Kind == terraform.Heredoc {
			if _, ok := heredocs[file]; !ok {
				heredocs[file] = heredocBodies(ch.After, file)
			}
			// The k-th workflow heredoc of the file before is the k-th after:
			// a migration rewrites heredocs, it never adds or removes one.
			k := 0
			for _, b := range heredocBodies(changed[file].Before, file) {
				if bytes.Equal(b, doc.Source) {
					break
				}
				k++
			}
			if k < len(heredocs[file]) {
				dr.after = workflow.Load(heredocs[file][k], workflow.Options{Filename: file})
			}
		} else {
			dr.after = workflow.Load(ch.After, workflow.Options{Filename: file})
		}
		drawings = append(drawings, dr)
	}
	sort.SliceStable(drawings, func(i, j int) bool { return drawings[i].file < drawings[j].file })

	var out bytes.Buffer
	fmt.Fprintf(&out, "# stepshift migrate: %d workflow(s) changed\n\n", len(drawings))
	if len(drawings) == 0 {
		out.WriteString("No workflow changes.\n")
	}
	for _, dr := range drawings {
		fmt.Fprintf(&out, "## %s\n\n", markdownText(dr.file))
		for _, side := range []struct {
			heading string
			doc     *workflow.Document
		}{{"### Before\n\n", dr.before}, {"### After\n\n", dr.after}} {
			out.WriteString(side.heading)
			if side.doc == nil {
				out.WriteString("The rewritten workflow could not be found in the new file; the diff shows the change.\n\n")
				continue
			}
			g := graph.Build(side.doc, graph.Options{Title: dr.file, Annotate: func(st *workflow.State) graph.Annotation {
				return graph.Annotation{Lines: taskLines(st), Highlight: dr.migrated[st.Pointer()]}
			}})
			out.WriteString("```mermaid\n")
			if err := g.Mermaid(&out); err != nil {
				return err
			}
			out.WriteString("```\n\n")
		}
	}
	return writeFileAtomic(path, out.Bytes())
}

// taskLines is what a migration changes in a Task, as label lines: the
// Resource it runs, and its TimeoutSeconds and HeartbeatSeconds when set.
func taskLines(st *workflow.State) []string {
	if st.Type != "Task" || st.Resource == nil {
		return nil
	}
	lines := []string{st.Resource.Raw}
	var limits []string
	for _, f := range []struct{ key, what string }{{"TimeoutSeconds", "timeout"}, {"HeartbeatSeconds", "heartbeat"}} {
		if v, ok := st.Field(f.key).Int(); ok {
			limits = append(limits, fmt.Sprintf("%s %d s", f.what, v))
		}
	}
	if len(limits) > 0 {
		lines = append(lines, strings.Join(limits, " · "))
	}
	return lines
}

// heredocBodies lists the heredoc bodies of a .tf file that hold a state
// machine ("StartAt" and "States"), in source order: the text between the
// opening line and the closing marker's line, as terraform reads them.
func heredocBodies(src []byte, filename string) [][]byte {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() || f == nil {
		return nil
	}
	var out [][]byte
	hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.TemplateExpr)
		if !ok {
			return nil
		}
		if body, _, ok := terraform.HeredocWorkflow(src, t); ok {
			out = append(out, body)
		}
		return nil
	})
	return out
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
