// Command stepshift lints templated AWS Step Functions workflows, migrates
// Lambda steps to ECS activities and runs the activity worker.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/urfave/cli/v2"
)

// Exit codes shared by every subcommand.
const (
	exitClean    = 0 // nothing to report
	exitFindings = 1 // findings at or above --fail-on, or a pending migration with --check
	exitUsage    = 2 // bad flags, arguments or configuration
	exitInternal = 3 // I/O or internal error
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// commands is filled by each subcommand's file from init, so that every
// command lives in a file of its own and main.go never changes.
var commands []*cli.Command

// exitError carries an exit code through urfave/cli without printing a stack.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports a user's mistake in flags or arguments (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// internalErrorf reports an I/O or internal failure (exit 3).
func internalErrorf(format string, args ...any) error {
	return &exitError{code: exitInternal, err: fmt.Errorf(format, args...)}
}

// newApp builds the CLI; tests call it with their own writers.
func newApp(stdout, stderr io.Writer) *cli.App {
	cmds := append([]*cli.Command(nil), commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return &cli.App{
		Name:                 "stepshift",
		Usage:                "lint templated Step Functions workflows, move Lambda steps to ECS activities, run the worker",
		Version:              version,
		Writer:               stdout,
		ErrWriter:            stderr,
		Commands:             cmds,
		EnableBashCompletion: true,
		HideVersion:          true,
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageErrorf("%v", err)
		},
		ExitErrHandler: func(*cli.Context, error) {},
		CommandNotFound: func(c *cli.Context, name string) {
			unknownCommand = name
		},
	}
}

// run executes the CLI and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdinReader = stdin
	invocation = args
	args = compatArgs(args)
	app := newApp(stdout, stderr)
	unknownCommand = ""
	var err error
	if beforeApp != nil {
		err = beforeApp(args)
	}
	if err == nil {
		err = app.Run(args)
	}
	if unknownCommand != "" {
		fmt.Fprintf(stderr, "stepshift: unknown command %q; see 'stepshift help'\n", unknownCommand)
		return exitUsage
	}
	if err == nil {
		return exitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "stepshift: %v\n", ee.err)
		}
		return ee.code
	}
	var ce cli.ExitCoder
	if errors.As(err, &ce) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintf(stderr, "stepshift: %s\n", msg)
		}
		return ce.ExitCode()
	}
	// urfave/cli returns plain errors for unknown commands and flags.
	fmt.Fprintf(stderr, "stepshift: %v\n", err)
	return exitUsage
}

// invocation is the command line run was given, as a hand-off to the full
// build passes it on (handoff_lean.go).
var invocation []string

// beforeApp, when set, may take a run over before the CLI reads it: the
// lean front hands `help COMMAND` of a full-build command over.
var beforeApp func(args []string) error

// unknownCommand is set by the app when the first argument names no command.
var unknownCommand string

// stdinReader is the standard input the running command reads ("-" paths).
var stdinReader io.Reader = os.Stdin

// compatArgs lets the binary stand in for cumulus-ecs-task: run under that
// name, or given it as the first argument, it acts as "stepshift worker".
func compatArgs(args []string) []string {
	if len(args) == 0 {
		return []string{"stepshift"}
	}
	out := append([]string(nil), args...)
	if filepath.Base(out[0]) == "cumulus-ecs-task" {
		return append([]string{"stepshift", "worker"}, out[1:]...)
	}
	if len(out) > 1 && out[1] == "cumulus-ecs-task" {
		return append([]string{out[0], "worker"}, out[2:]...)
	}
	return out
}

func main() {
	if args := compatArgs(os.Args); len(args) < 2 || args[1] != "worker" {
		shortRunGC()
	}
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}

// shortRunGC sets the collector for a run that lasts tens of milliseconds
// (every command but the long-running worker): the first collections come
// at a 4 MB heap and, on `lint` of 36 workflows, cost more than the memory
// they give back (about a tenth of the run). GOGC 400 leaves a small run
// uncollected and a large one at five times its live heap; the 1 GiB soft
// limit makes the collector work harder before that grows past what a CI
// runner has. GOGC or GOMEMLIMIT in the environment win.
func shortRunGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}
}
