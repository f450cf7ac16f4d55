package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/lint/report"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/usage"
	"github.com/stepshift/stepshift/workflow"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "lint",
		Usage:     "lint workflow definitions and the Lambda limits of their tasks",
		ArgsUsage: "[PATH...]  (files, folders searched for *.asl.json, .tf/.tfvars files for their deployment, - for stdin)",
		Description: "With no PATH, lints the current folder. A folder or file beside .tf files is linted with that\n" +
			"Terraform deployment: every rendering of a workflow is reported separately, with the facts of each\n" +
			"Task's Lambda. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage or configuration,\n" +
			"3 I/O or internal error.",
		Flags:  lintFlags(),
		Action: lintAction,
	})
}

func lintFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output format: " + strings.Join(report.Formats(), ", ")},
		&cli.BoolFlag{Name: "no-color", Usage: "no ANSI colour even on a terminal (NO_COLOR is honoured too)"},
		&cli.StringFlag{Name: "fail-on", Value: "error", Usage: "lowest severity that makes the exit code 1: error, warning or info"},
		&cli.BoolFlag{Name: "summary", Usage: "print a per-workflow table of every Task's Lambda facts and verdict"},
		&cli.StringFlag{Name: "today", Usage: "the date runtime deprecation rules compare with (YYYY-MM-DD; default today)"},
	}, append(inputFlags("lint"), awsFlags()...)...)
}

// inputFlags are the flags of every command that reads workflows the way
// lint does (lint, graph): configuration, standard input and the Terraform
// deployment around them. verb says what the command does with a workflow.
func inputFlags(verb string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "configuration file (default: .stepshift.hcl found by walking up from the working folder)"},
		&cli.BoolFlag{Name: "express", Usage: "lint as an Express state machine (no activities, .sync or .waitForTaskToken)"},
		&cli.StringFlag{Name: "stdin-filename", Value: "<stdin>", Usage: "the name reported for a workflow read from standard input (-)"},
		&cli.StringFlag{Name: "tf-dir", Usage: "the Terraform deployment folder (default: the folder of each workflow, when it holds .tf files)"},
		&cli.BoolFlag{Name: "no-terraform", Usage: verb + " workflow files alone, without the Terraform around them"},
		&cli.StringSliceFlag{Name: "var-file", Usage: "a Terraform variables file (repeatable), as terraform -var-file"},
		&cli.StringSliceFlag{Name: "var", Usage: "a Terraform variable NAME=VALUE (repeatable), as terraform -var"},
		&cli.StringFlag{Name: "tfstate", Usage: "terraform.tfstate or `terraform show -json` output with concrete values"},
	}
}

// lintRun is one invocation's inputs after flags are read.
type lintRun struct {
	c        *cli.Context
	cfg      *lint.Config
	failOn   lint.Severity
	stdout   io.Writer
	ioErrors []string

	sources map[string][]byte
	files   []string
	units   []*lint.Unit
	extra   []lint.Finding // findings from outside the engine (Terraform configuration problems)
	deploys []*terraform.Deployment
	// named are the folder and file arguments with what was found under
	// each; loadedAt every deployment read, by folder.
	named    []*pathArg
	loadedAt map[string]*terraform.Deployment

	notes   []string            // said on stderr, no effect on the exit code
	express map[*lint.Unit]bool // deployed EXPRESS state machines, linted as such
}

// lint runs the engine; deployed Express machines are linted as Express
// whatever --express says, since their type is known.
func (r *lintRun) lint(opts lint.Options) []lint.Finding {
	if len(r.express) == 0 {
		return lint.Lint(r.units, opts)
	}
	var standard, express []*lint.Unit
	for _, u := range r.units {
		if r.express[u] {
			express = append(express, u)
		} else {
			standard = append(standard, u)
		}
	}
	expressOpts := opts
	expressOpts.Express = true
	return append(lint.Lint(standard, opts), lint.Lint(express, expressOpts)...)
}

func lintAction(c *cli.Context) error {
	run := &lintRun{c: c, stdout: c.App.Writer, sources: map[string][]byte{}}
	var err error
	if run.failOn, err = lint.ParseSeverity(c.String("fail-on")); err != nil {
		return usageErrorf("--fail-on: %v", err)
	}
	color := !c.Bool("no-color") && os.Getenv("NO_COLOR") == "" && isTerminal(c.App.Writer)
	ropts := report.Options{Color: color, Summary: c.Bool("summary")}
	if strings.EqualFold(c.String("format"), "github") {
		ropts.StepSummary = os.Getenv("GITHUB_STEP_SUMMARY")
	}
	rep, err := report.New(c.String("format"), ropts)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	opts := lint.Options{Express: c.Bool("express")}
	if s := c.String("today"); s != "" {
		if opts.Today, err = time.Parse("2006-01-02", s); err != nil {
			return usageErrorf("--today %q: want YYYY-MM-DD", s)
		}
	}
	if err := checkVarFlags(c.StringSlice("var")); err != nil {
		return err
	}
	if run.cfg, err = loadLintConfig(c.String("config")); err != nil {
		return err
	}
	opts.Config = run.cfg
	if err := run.cfg.ApplyLimits(&opts); err != nil {
		return usageErrorf("%v", err)
	}

	since, err := checkAWSFlags(c)
	if err != nil {
		return err
	}
	acct, err := wantedAccount(c)
	if err != nil {
		return err
	}

	args := c.Args().Slice()
	if len(args) == 0 && len(c.StringSlice("state-machine")) > 0 {
		args = nil // only the deployed machines
	} else if len(args) == 0 {
		args = []string{"."}
	}
	if err := run.collect(args); err != nil {
		return err
	}
	if err := run.checkSomethingLinted(); err != nil {
		return err
	}
	if acct != nil {
		if err := acct.addStateMachines(c.Context, run); err != nil {
			return err
		}
	}
	ev, err := gatherEvidence(c.Context, c, acct, run.units, since)
	if err != nil {
		return err
	}
	run.notes = append(run.notes, ev.notes...)
	run.ioErrors = append(run.ioErrors, ev.failures...)
	findings := append(run.lint(opts), run.extra...)
	lint.SortFindings(findings)

	in := report.Input{Findings: findings, Sources: run.sources, Files: run.files, ToolVersion: version}
	for _, r := range lint.Rules() {
		in.Rules = append(in.Rules, report.RuleInfo{ID: r.ID, Summary: r.Summary, HelpURI: report.HelpURI(r.ID), DefaultSeverity: r.Severity, AWSCode: r.AWSCode})
	}
	if c.Bool("summary") || c.String("format") == "json" || ropts.StepSummary != "" {
		in.Summary = summaryRows(run.units, findings)
	}
	if ropts.StepSummary != "" {
		in.Graphs = findingGraphs(run.units, findings)
	}
	if err := rep.Report(run.stdout, in); err != nil {
		return internalErrorf("writing the report: %v", err)
	}
	for _, msg := range run.notes {
		fmt.Fprintf(c.App.ErrWriter, "stepshift: note: %s\n", msg)
	}
	for _, msg := range run.ioErrors {
		fmt.Fprintf(c.App.ErrWriter, "stepshift: %s\n", msg)
	}
	if len(run.ioErrors) > 0 {
		return &exitError{code: exitInternal}
	}
	if code := findingsExitCode(findings, run.failOn); code != exitClean {
		return &exitError{code: code}
	}
	return nil
}

// findingsExitCode is the exit code the findings call for: 3 when a rule
// crashed (the report is incomplete), 1 for a finding at or above failOn.
func findingsExitCode(findings []lint.Finding, failOn lint.Severity) int {
	code := exitClean
	for _, f := range findings {
		if f.Rule == "internal-error" {
			return exitInternal
		}
		if f.Severity >= failOn {
			code = exitFindings
		}
	}
	return code
}

// checkVarFlags rejects a --var that is not NAME=VALUE with a Terraform
// identifier for NAME, as terraform -var does, before anything is read.
func checkVarFlags(vars []string) error {
	for _, v := range vars {
		name, _, ok := strings.Cut(v, "=")
		if !ok || !hclsyntax.ValidIdentifier(name) {
			return usageErrorf("--var %q: want NAME=VALUE, NAME a Terraform variable name", v)
		}
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// loadLintConfig reads --config, or the .stepshift.hcl found walking up from
// the working folder. A bad configuration is a usage error (exit 2).
func loadLintConfig(path string) (*lint.Config, error) {
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, internalErrorf("%v", err)
		}
		found, ok := lint.FindConfig(wd)
		if !ok {
			return nil, nil
		}
		path = found
	} else if _, err := os.Stat(path); err != nil {
		return nil, usageErrorf("--config: %v", err)
	}
	cfg, diags := lint.LoadConfig(path)
	if diags.HasErrors() {
		return nil, usageErrorf("%s", formatHCLDiags(diags))
	}
	return cfg, nil
}

// formatHCLDiags renders hcl diagnostics as "path:line:col: summary: detail" lines.
func formatHCLDiags(diags hcl.Diagnostics) string {
	var lines []string
	for _, d := range diags {
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			msg = fmt.Sprintf("%s:%d:%d: %s", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, msg)
		}
		lines = append(lines, msg)
	}
	return strings.Join(lines, "\n")
}

// skipDir reports folders a recursive search never enters.
func skipDir(name string) bool {
	switch name {
	case ".git", ".terraform", "node_modules", "vendor", ".hg", ".svn":
		return true
	}
	return false
}

func hasTerraform(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	return len(matches) > 0
}

// terraformFolders remembers hasTerraform for one run: the walk up from
// every workflow file of a folder asks about the same folders above it.
type terraformFolders map[string]bool

func (m terraformFolders) has(dir string) bool {
	dir = filepath.Clean(dir)
	v, ok := m[dir]
	if !ok {
		v = hasTerraform(dir)
		m[dir] = v
	}
	return v
}

// maxUpLevels bounds how far above a workflow file its deployment is looked for.
const maxUpLevels = 4

// pathArg is one folder or file named on the command line, and what was
// found under it, so an argument under which nothing is linted is an error.
type pathArg struct {
	path      string
	roots     []string // Terraform root folders found for it
	workflows []string // workflow files found under it
}

// collect turns PATH arguments into lint units: workflow files, stdin, and
// every rendering of the deployments they belong to. A workflow file a
// deployment renders is linted in that rendering's context only, once: not
// again alone, and not again as the root of its own folder when that folder
// is a module the deployment calls.
func (r *lintRun) collect(args []string) error {
	tfFolders := terraformFolders{}
	noTF := r.c.Bool("no-terraform")
	var workflows []string          // workflow files asked for, cleaned
	deployAll := map[string]bool{}  // deployment folders whose every rendering is linted
	var stdinDoc *workflow.Document // "-"
	var named []*pathArg
	for _, arg := range args {
		if arg == "-" {
			src, err := io.ReadAll(io.LimitReader(stdinReader, workflow.MaxFileBytes+1))
			if err != nil {
				return internalErrorf("reading standard input: %v", err)
			}
			stdinDoc = workflow.Load(src, workflow.Options{Filename: r.c.String("stdin-filename")})
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			switch {
			case strings.HasPrefix(arg, "-"):
				// urfave/cli stops reading flags at the first path.
				return usageErrorf("%s: flags go before paths: stepshift lint [flags] PATH...", arg)
			case !errors.Is(err, fs.ErrNotExist):
				r.ioErrors = append(r.ioErrors, fmt.Sprintf("cannot read %s: %v", arg, err))
				continue
			}
			if _, lerr := os.Lstat(arg); lerr == nil {
				// A dangling symlink: there is a path, its target is gone;
				// the same I/O error a folder walk reports for it.
				r.ioErrors = append(r.ioErrors, fmt.Sprintf("cannot read %s: %v", arg, err))
				continue
			}
			return usageErrorf("%s: no such file or folder", arg)
		}
		pa := &pathArg{path: filepath.Clean(arg)}
		named = append(named, pa)
		if st.IsDir() {
			topTF := tfFolders.has(arg)
			if topTF && !noTF {
				deployAll[pa.path] = true
				pa.roots = append(pa.roots, pa.path)
			}
			err := filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					r.ioErrors = append(r.ioErrors, err.Error())
					return nil
				}
				if d.IsDir() {
					if p != arg && skipDir(d.Name()) {
						return filepath.SkipDir
					}
					// A folder of deployments (a repository holding
					// cumulus-tf/, data-persistence-tf/, ...): each
					// folder of .tf files is a candidate root; those
					// another root calls as a module are dropped later.
					if !topTF && !noTF && p != arg && tfFolders.has(p) {
						deployAll[filepath.Clean(p)] = true
						pa.roots = append(pa.roots, filepath.Clean(p))
					}
					return nil
				}
				if strings.HasSuffix(d.Name(), ".asl.json") {
					workflows = append(workflows, filepath.Clean(p))
					pa.workflows = append(pa.workflows, filepath.Clean(p))
				}
				return nil
			})
			if err != nil {
				return internalErrorf("%v", err)
			}
			continue
		}
		switch {
		case strings.HasSuffix(arg, ".tf") || strings.HasSuffix(arg, ".tfvars"):
			if !noTF {
				dir := filepath.Clean(filepath.Dir(arg))
				deployAll[dir] = true
				pa.roots = append(pa.roots, dir)
			}
		default:
			workflows = append(workflows, filepath.Clean(arg))
			pa.workflows = append(pa.workflows, filepath.Clean(arg))
		}
	}

	tfDir := ""
	if d := r.c.String("tf-dir"); d != "" && !noTF {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return usageErrorf("--tf-dir %s: not a folder", d)
		}
		tfDir = filepath.Clean(d)
	}
	topts := terraform.Options{VarFiles: r.c.StringSlice("var-file"), Vars: r.c.StringSlice("var"), TFState: r.c.String("tfstate")}
	loadedAt := map[string]*terraform.Deployment{}
	load := func(dir string) *terraform.Deployment {
		if d, ok := loadedAt[dir]; ok {
			return d
		}
		d := terraform.Load(dir, topts)
		loadedAt[dir] = d
		return d
	}

	// Roots first: a folder another root calls as a module is that root's,
	// linted in its context, not a deployment of its own.
	moduleOf := map[string]string{} // absolute module folder → root folder calling it
	for _, dir := range slices.Sorted(maps.Keys(deployAll)) {
		for _, m := range load(dir).Modules[1:] {
			moduleOf[absPath(m.Dir)] = dir
		}
	}
	for dir := range deployAll {
		if root, ok := moduleOf[absPath(dir)]; ok && root != dir {
			delete(deployAll, dir)
		}
	}
	renderedBy := map[string]string{} // absolute workflow file → a root that renders it
	for _, dir := range slices.Sorted(maps.Keys(deployAll)) {
		for _, rn := range loadedAt[dir].Renderings {
			if rn.Document != nil {
				if _, ok := renderedBy[absPath(rn.Document.Filename)]; !ok {
					renderedBy[absPath(rn.Document.Filename)] = dir
				}
			}
		}
	}

	// foldersAbove lists the folders with Terraform above dir, nearest
	// first, up to maxUpLevels and not past a repository's top; every
	// workflow file of a folder asks the same question.
	above := map[string][]string{}
	foldersAbove := func(dir string) []string {
		start := absPath(dir)
		if ups, ok := above[start]; ok {
			return ups
		}
		var ups []string
		for up, i := start, 0; i < maxUpLevels; i++ {
			if _, err := os.Stat(filepath.Join(up, ".git")); err == nil {
				break
			}
			parent := filepath.Dir(up)
			if parent == up {
				break
			}
			up = parent
			if tfFolders.has(up) {
				ups = append(ups, up)
			}
		}
		above[start] = ups
		return ups
	}

	// Which deployment each workflow belongs to.
	tfDirFor := func(wf string) string {
		switch {
		case noTF:
			return ""
		case tfDir != "":
			return tfDir
		}
		if dir, ok := renderedBy[absPath(wf)]; ok {
			return dir
		}
		dir := filepath.Clean(filepath.Dir(wf))
		if root, ok := moduleOf[absPath(dir)]; ok {
			return root
		}
		// A template in a subfolder of its deployment (workflows/x.asl.json
		// rendered by ../main.tf), or in a local module a root above calls:
		// the nearest folder above with Terraform that renders the file.
		for _, up := range foldersAbove(dir) {
			root := up
			if wd, err := os.Getwd(); err == nil {
				if rel, err := filepath.Rel(wd, up); err == nil {
					root = rel
				}
			}
			for _, rn := range load(root).Renderings {
				if rn.Document != nil && absPath(rn.Document.Filename) == absPath(wf) {
					return root
				}
			}
		}
		if tfFolders.has(dir) {
			return dir
		}
		return ""
	}
	wanted := map[string]map[string]bool{} // deployment dir → absolute paths of the workflow files asked for
	asked := map[string]string{}           // absolute path → the path as named
	var plain []string
	for _, wf := range workflows {
		if dir := tfDirFor(wf); dir != "" {
			if wanted[dir] == nil {
				wanted[dir] = map[string]bool{}
			}
			wanted[dir][absPath(wf)] = true
			asked[absPath(wf)] = wf
		} else {
			plain = append(plain, wf)
		}
	}
	for dir := range deployAll {
		if wanted[dir] == nil {
			wanted[dir] = map[string]bool{}
		}
	}
	rendered := map[string]bool{} // by any deployment linted
	for _, dir := range slices.Sorted(maps.Keys(wanted)) {
		d := load(dir)
		r.deploys = append(r.deploys, d)
		for path, f := range d.Files {
			r.sources[filepath.Clean(path)] = f.Bytes
		}
		units := lint.DeploymentUnits(d, func(file string) bool { return deployAll[dir] || wanted[dir][absPath(file)] })
		r.extra = append(r.extra, lint.TerraformFindingsFor(d, r.cfg, units, deployAll[dir])...)
		for _, unit := range units {
			r.addUnit(unit)
			rendered[absPath(unit.Doc.Filename)] = true
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(wanted)) {
		// Workflow files in the folder that no rendering uses are linted alone.
		for _, abs := range slices.Sorted(maps.Keys(wanted[dir])) {
			if wf := asked[abs]; !rendered[abs] {
				plain = append(plain, wf)
				if tfDir != "" {
					r.notes = append(r.notes, fmt.Sprintf("no templatefile() or heredoc in %s renders %s; it is linted alone, without Lambda facts", dir, wf))
				}
			}
		}
	}
	sort.Strings(plain)
	plain = slices.Compact(plain)
	docs := loadParallel(plain)
	for i, wf := range plain {
		if docs[i].err != nil {
			r.ioErrors = append(r.ioErrors, fmt.Sprintf("cannot read %s: %v", wf, docs[i].err))
			continue
		}
		r.addUnit(&lint.Unit{Doc: docs[i].doc})
	}
	if stdinDoc != nil {
		r.addUnit(&lint.Unit{Doc: stdinDoc})
	}
	r.named, r.loadedAt = named, loadedAt
	return nil
}

// checkSomethingLinted fails a folder or file argument under which no state
// machine definition was found: a CI gate pointed at the wrong folder must
// not pass.
func (r *lintRun) checkSomethingLinted() error {
	for _, pa := range r.named {
		found := len(pa.workflows) > 0
		unread := 0
		for _, dir := range pa.roots {
			d := r.loadedAt[dir]
			if d == nil {
				continue
			}
			for _, rn := range d.Renderings {
				if rn.Document != nil {
					found = true
				} else {
					unread++
				}
			}
			// A template that cannot be read is an error finding of its
			// own (exit 1), which already fails the gate.
			found = found || (unread > 0 && d.Diagnostics.HasErrors())
		}
		switch {
		case found:
		case unread > 0:
			return usageErrorf("no state machine definitions found under %s: none of its %d templates could be read (a module not downloaded yet? run terraform init)", pa.path, unread)
		default:
			return usageErrorf("no state machine definitions found under %s (no *.asl.json file, and no templatefile() or heredoc definition in its Terraform)", pa.path)
		}
	}
	return nil
}

// absPath is p made absolute, for comparing folders reached by different
// relative paths; p itself when that fails.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

func (r *lintRun) addUnit(u *lint.Unit) {
	name := u.Doc.Filename
	// A heredoc document's Source is only its body; the whole .tf file is
	// already there from the deployment, and snippets need the whole file.
	if _, ok := r.sources[name]; !ok && u.Doc.Source != nil {
		r.sources[name] = u.Doc.Source
	}
	seen := false
	for _, f := range r.files {
		seen = seen || f == name
	}
	if !seen {
		r.files = append(r.files, name)
	}
	r.units = append(r.units, u)
}

type loaded struct {
	doc *workflow.Document
	err error
}

// loadParallel loads workflow files on all cores, keeping their order.
func loadParallel(paths []string) []loaded {
	out := make([]loaded, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), max(len(paths), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i].doc, out[i].err = workflow.LoadFile(paths[i])
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// summaryRows builds the per-task table: each Task state's Lambda facts and a
// verdict from the limit and usage findings on that state.
func summaryRows(units []*lint.Unit, findings []lint.Finding) []report.SummaryRow {
	var rows []report.SummaryRow
	for _, u := range units {
		for _, st := range u.Doc.States {
			if st.Type != "Task" {
				continue
			}
			row := report.SummaryRow{Workflow: u.Doc.Filename, Rendering: u.Label, State: st.Name, Verdict: report.VerdictOK}
			task := u.Tasks[st]
			switch {
			case st.Resource != nil && st.Resource.Kind == workflow.Activity,
				task != nil && task.Target.Kind == terraform.TargetActivity:
				row.Verdict = report.VerdictActivity
			case task != nil && task.Lambda != nil:
				l := task.Lambda
				row.Lambda = l.Address
				if l.FunctionName.Known && l.FunctionName.Value != "" {
					row.Lambda = l.FunctionName.Value
				}
				row.MemoryMB = knownInt(l.MemoryMB)
				row.TimeoutSeconds = knownInt(l.TimeoutSeconds)
				row.TmpMB = knownInt(l.TmpMB)
				if l.Package.ZippedBytes.Known {
					v := l.Package.ZippedBytes.Value
					row.ZippedBytes = &v
				}
				if l.Package.UnzippedBytes.Known {
					v := l.Package.UnzippedBytes.Value
					row.UnzippedBytes = &v
				}
				if row.MemoryMB == nil || row.TimeoutSeconds == nil {
					row.Verdict = report.VerdictUnknown
					row.Note = l.MemoryMB.Why
					if row.Note == "" {
						row.Note = l.TimeoutSeconds.Why
					}
				} else if task.Target.Note != "" {
					// How the function was matched (by function_name, by
					// Cumulus naming, an instance of a count/for_each
					// resource), since the verdict rests on it.
					row.Note = task.Target.Note
				}
			default:
				row.Verdict = report.VerdictUnknown
				if task != nil {
					row.Note = task.Target.Why
				} else {
					// A file linted alone: an unknown verdict still says why.
					row.Note = "linted without Terraform: no templatefile() or heredoc followed renders this file, so its Task's Lambda is not known"
				}
			}
			if us := u.Usage[u.FunctionName(st)]; us != nil {
				addUsageColumns(&row, us)
			}
			if task != nil && task.Lambda != nil && task.Lambda.MemoryMB.Source == terraform.SourceAWS {
				row.Note = "facts from the deployed configuration"
			}
			prefix := st.Pointer() + "/"
			for _, f := range findings {
				onState := f.Range.Filename == u.Doc.Filename && f.Rendering == u.Label && (f.Pointer == st.Pointer() || strings.HasPrefix(f.Pointer, prefix))
				if !onState && !usedByState(f, u.Doc.Filename, st) {
					continue
				}
				// The verdict is about fitting in Lambda: limits, usage and a
				// runtime Lambda no longer runs; a runtime that is only
				// deprecated, a missing retrier or drift is not a limit.
				if !isLimitRule(f.Rule) && f.Rule != "task-timeout" && (f.Rule != "lambda-runtime" || f.Severity != lint.Error) {
					continue
				}
				switch {
				case f.Severity == lint.Error:
					row.Verdict = report.VerdictOverLimit
				case f.Severity == lint.Warning && row.Verdict != report.VerdictOverLimit:
					row.Verdict = report.VerdictNearLimit
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// usedByState reports whether f is a finding about a function (at its
// Terraform line) that names the Task state st among the Tasks running it.
func usedByState(f lint.Finding, file string, st *workflow.State) bool {
	if st.Node == nil {
		return false
	}
	for _, r := range f.Related {
		if strings.HasPrefix(r.Message, lint.TaskUseNote) && r.Range.Filename == file &&
			r.Range.Start.Byte >= st.Node.Range.Start.Byte && r.Range.End.Byte <= st.Node.Range.End.Byte {
			return true
		}
	}
	return false
}

// addUsageColumns fills the table's evidence columns from a function's logs.
func addUsageColumns(row *report.SummaryRow, us *usage.Usage) {
	seconds := func(ms float64) *float64 { v := ms / 1000; return &v }
	count := func(n int) *int { return &n }
	row.Invocations = count(us.Invocations)
	if us.Invocations > 0 {
		row.P50Seconds, row.P95Seconds, row.MaxSeconds = seconds(us.DurationP50Ms), seconds(us.DurationP95Ms), seconds(us.DurationMaxMs)
		row.MaxMemoryMB = count(us.MaxMemoryUsedMB)
	}
	row.Timeouts, row.OutOfMemory, row.DiskFull = count(us.Timeouts), count(us.OutOfMemory), count(us.DiskFull)
}

func knownInt(f terraform.Fact[int]) *int {
	if !f.Known {
		return nil
	}
	v := f.Value
	return &v
}
