//go:build !stepshift_lean

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/transpile"
	"github.com/stepshift/stepshift/usage"
)

func init() {
	cmd := migrateCommand
	cmd.Flags = append([]cli.Flag{
		&cli.StringSliceFlag{Name: "step", Usage: "migrate every Task state called `NAME` (File.asl.json:NAME: only that workflow file's); repeatable"},
		&cli.BoolFlag{Name: "all-lambda", Usage: "migrate every Lambda Task state"},
		&cli.BoolFlag{Name: "over-limit", Usage: "migrate every Task with an error-level Lambda limit or usage finding"},
		&cli.StringFlag{Name: "target", Value: transpile.TargetActivity, Usage: "activity (the Cumulus recipe: a polled activity) or ecs-task-token (ecs:runTask.waitForTaskToken: one ECS task per execution, for steps whose input a CMA ReplaceConfig keeps small)"},
		&cli.DurationFlag{Name: "timeout", Value: transpile.DefaultTimeoutSeconds * time.Second, Usage: "TimeoutSeconds to add where a step has none"},
		&cli.DurationFlag{Name: "heartbeat", Value: transpile.DefaultHeartbeatSeconds * time.Second, Usage: "HeartbeatSeconds to add where a step has none"},
		&cli.StringFlag{Name: "image", Usage: "worker image `REF`; default: a new variable stepshift_worker_image"},
		&cli.IntFlag{Name: "desired-count", Value: 1, Usage: "workers per migrated step"},
		&cli.StringFlag{Name: "cumulus-version", Usage: "Cumulus release for cumulus_ecs_service (default: the one the deployment pins)"},
		&cli.StringFlag{Name: "autoscale", Usage: "scale workers on the activity backlog between `MIN:MAX`"},
		&cli.BoolFlag{Name: "write", Usage: "apply the changes (atomically: all files or none)"},
		&cli.BoolFlag{Name: "check", Usage: "exit 1 when a migration is pending, change nothing"},
		&cli.BoolFlag{Name: "force", Usage: "write (--write, --out) even when a migrated step behaves otherwise than before in the behaviour check"},
		&cli.StringFlag{Name: "out", Usage: "write a migrated copy of the deployment to `DIR`"},
		&cli.StringFlag{Name: "graph", Usage: "also write a Markdown `FILE` with before/after Mermaid graphs of each changed workflow (stdout's diff is unchanged)"},
		&cli.StringSliceFlag{Name: "var-file", Usage: "Terraform variable file, as terraform -var-file"},
		&cli.StringSliceFlag{Name: "var", Usage: "Terraform variable NAME=VALUE, as terraform -var"},
	}, evidenceFlags()...)
	cmd.Action = migrateAction
	commands = append(commands, &cmd)
}

func migrateAction(c *cli.Context) error {
	dir := "."
	switch c.NArg() {
	case 0:
	case 1:
		// Clean, so the deployment's file names match the cleaned names
		// lint gives its findings ("./x.asl.json" is "x.asl.json").
		dir = filepath.Clean(c.Args().First())
	default:
		return usageErrorf("migrate takes at most one deployment folder, got %d arguments", c.NArg())
	}
	opts := transpile.Options{
		Steps:            c.StringSlice("step"),
		AllLambda:        c.Bool("all-lambda"),
		Target:           c.String("target"),
		TimeoutSeconds:   int(c.Duration("timeout") / time.Second),
		HeartbeatSeconds: int(c.Duration("heartbeat") / time.Second),
		Image:            c.String("image"),
		DesiredCount:     c.Int("desired-count"),
		CumulusVersion:   c.String("cumulus-version"),
	}
	if opts.TimeoutSeconds <= 0 || opts.HeartbeatSeconds <= 0 {
		return usageErrorf("--timeout and --heartbeat must be at least 1s")
	}
	if a := c.String("autoscale"); a != "" {
		as, err := transpile.ParseAutoscale(a)
		if err != nil {
			return usageErrorf("%v", err)
		}
		opts.Autoscale = as
	}
	if len(opts.Steps) == 0 && !opts.AllLambda && !c.Bool("over-limit") {
		return usageErrorf("choose steps with --step NAME, --all-lambda or --over-limit")
	}
	modes := 0
	for _, f := range []string{"write", "check", "out"} {
		if c.IsSet(f) {
			modes++
		}
	}
	if modes > 1 {
		return usageErrorf("--write, --check and --out exclude each other")
	}
	if c.IsSet("out") {
		out := c.String("out")
		if out == "" {
			return usageErrorf("--out needs a folder")
		}
		if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
			return usageErrorf("--out %s exists and is not empty", out)
		}
	}
	if err := checkVarFlags(c.StringSlice("var")); err != nil {
		return err
	}
	d := terraform.Load(dir, terraform.Options{VarFiles: c.StringSlice("var-file"), Vars: c.StringSlice("var")})
	if d.Diagnostics.HasErrors() {
		for _, diag := range d.Diagnostics {
			fmt.Fprintln(c.App.ErrWriter, diag.Error())
		}
		return usageErrorf("the deployment in %s does not load; fix the errors above first", dir)
	}
	since, err := checkAWSFlags(c)
	if err != nil {
		return err
	}
	units := lint.DeploymentUnits(d, nil)
	byFunction, err := addMigrateEvidence(c, units, since)
	if err != nil {
		return err
	}
	opts.MaxMemoryUsedMB = peakMemory(byFunction)
	if c.Bool("over-limit") {
		tasks, err := overLimitTasks(units)
		if err != nil {
			return err
		}
		opts.Tasks = tasks
	}
	plan, err := transpile.Migrate(d, opts)
	if err != nil {
		var se *transpile.SelectionError
		if errors.As(err, &se) {
			return usageErrorf("%v", err)
		}
		return internalErrorf("%v", err)
	}
	if p := c.String("graph"); p != "" {
		if err := writeMigrateGraph(p, d, plan); err != nil {
			return internalErrorf("--graph %s: %v", p, err)
		}
	}
	out, errw := c.App.Writer, c.App.ErrWriter
	// The behaviour check (transpile/verify.go) found a step that routes an
	// outcome otherwise: a finding, and nothing is written unless forced.
	differs := plan.Differs() && !c.Bool("force")
	if differs && (c.Bool("write") || c.IsSet("out")) {
		fmt.Fprint(errw, plan.Summary())
		return &exitError{code: exitFindings, err: errors.New("nothing was written: a migrated step behaves otherwise than before (see above); review it, or --force to write it anyway")}
	}
	switch {
	case c.Bool("check"):
		fmt.Fprint(out, plan.Summary())
		if plan.Pending() {
			return &exitError{code: exitFindings}
		}
		return nil
	case c.Bool("write"):
		if err := (transpile.FileSet{}).Commit("", plan.Changes); err != nil {
			return internalErrorf("nothing was written: %v", err)
		}
		fmt.Fprint(out, plan.Summary())
		if plan.Pending() {
			fmt.Fprintf(out, "wrote %d file(s)\n", len(plan.Changes))
		}
	case c.IsSet("out"):
		for _, ch := range plan.Changes {
			if rel, err := filepath.Rel(dir, ch.Path); err != nil || strings.HasPrefix(rel, "..") {
				return usageErrorf("the migration edits %s, outside %s, and --out copies only the deployment folder: use --write, or the diff", ch.Path, dir)
			}
		}
		if err := writeCopy(dir, c.String("out"), plan); err != nil {
			return internalErrorf("%v", err)
		}
		fmt.Fprint(out, plan.Summary())
		fmt.Fprintf(out, "wrote a migrated copy to %s\n", c.String("out"))
	default:
		fmt.Fprint(out, plan.Diff())
		fmt.Fprint(errw, plan.Summary())
	}
	if plan.Unsupported() {
		// A step the Terraform around it keeps from migrating: the
		// configuration has to change first (the summary says where).
		return &exitError{code: exitUsage}
	}
	if plan.Refused() || differs {
		return &exitError{code: exitFindings}
	}
	return nil
}

// addMigrateEvidence gives the deployment's units what --aws, --logs and
// --since bring: deployed facts (they size the worker where Terraform does
// not know the memory, and count for --over-limit) and usage evidence (the
// worker gets at least 1.25x the peak memory used). A failed AWS call stops
// the run before anything is written: a plan sized on half the evidence is
// not one to apply.
func addMigrateEvidence(c *cli.Context, units []*lint.Unit, since time.Duration) (map[string]*usage.Usage, error) {
	acct, err := wantedAccount(c)
	if err != nil {
		return nil, err
	}
	ev, err := gatherEvidence(c.Context, c, acct, units, since)
	if err != nil {
		return nil, err
	}
	for _, n := range ev.notes {
		fmt.Fprintf(c.App.ErrWriter, "stepshift: note: %s\n", n)
	}
	for _, msg := range ev.failures {
		fmt.Fprintf(c.App.ErrWriter, "stepshift: %s\n", msg)
	}
	if len(ev.failures) > 0 {
		return nil, internalErrorf("%d log file(s) or AWS call(s) failed; nothing was planned", len(ev.failures))
	}
	return ev.byFunction, nil
}

// writeCopy copies the deployment folder (without .terraform and dot
// folders) to outDir with the plan's changes applied, through the same
// all-or-nothing writer.
func writeCopy(dir, outDir string, plan *transpile.Plan) error {
	if _, err := os.Stat(outDir); err == nil {
		entries, _ := os.ReadDir(outDir)
		if len(entries) > 0 {
			return fmt.Errorf("--out %s exists and is not empty", outDir)
		}
	}
	changed := map[string]*transpile.FileChange{}
	for _, ch := range plan.Changes {
		rel, err := filepath.Rel(dir, ch.Path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("%s is outside %s; --out copies only the deployment folder", ch.Path, dir)
		}
		changed[filepath.Clean(rel)] = ch
	}
	var files []*transpile.FileChange
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if e.IsDir() {
			if rel != "." && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, _ := e.Info()
		fc := &transpile.FileChange{Path: rel, After: data, Mode: info.Mode().Perm()}
		if ch := changed[rel]; ch != nil {
			fc.After = ch.After
			delete(changed, rel)
		}
		files = append(files, fc)
		return nil
	})
	if err != nil {
		return err
	}
	for rel, ch := range changed {
		files = append(files, &transpile.FileChange{Path: rel, After: ch.After, Mode: 0o644})
	}
	return transpile.FileSet{}.Commit(outDir, files)
}
