package main

// What `stepshift lint` and `stepshift migrate` learn from outside the
// repository: the deployed configuration of each Task's Lambda and deployed
// state machines (--aws, --state-machine), and how the Lambdas really ran
// (--logs, --since).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/usage"
)

// evidenceFlags are the flags of lint and migrate that bring in facts from
// outside the repository: the deployed configuration and usage logs.
func evidenceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "aws", Usage: "read each Task's Lambda configuration from the deployed account (lambda:GetFunctionConfiguration; standard AWS credential chain)"},
		&cli.StringFlag{Name: "region", Usage: "AWS region (default: AWS_REGION or the profile's)"},
		&cli.StringFlag{Name: "profile", Usage: "AWS shared-config profile"},
		&cli.StringFlag{Name: "endpoint-url", Usage: "send every AWS call to this endpoint (a local emulator such as moto_server)"},
		&cli.StringSliceFlag{Name: "logs", Usage: "Lambda log files or folders as usage evidence: REPORT lines, JSON log format, FilterLogEvents exports (repeatable; a file or sub-folder per function)"},
		&cli.StringFlag{Name: "since", Usage: "with --aws, read each Task's Lambda logs from CloudWatch Logs over this window (14d, 36h, 90m) as usage evidence"},
	}
}

// awsFlags are lint's: the evidence flags plus deployed state machines.
func awsFlags() []cli.Flag {
	return append(evidenceFlags(),
		&cli.StringSliceFlag{Name: "state-machine", Usage: "lint a deployed state machine: its ARN, or a name prefix for every machine whose name starts with it (repeatable; implies --aws)"},
		&cli.StringFlag{Name: "save-definitions", Usage: "write deployed definitions to `DIR` as NAME.asl.json so finding positions refer to files"},
	)
}

// parseSince reads a look-back window: Go durations plus days (d) and weeks (w).
func parseSince(s string) (time.Duration, error) {
	unit := time.Duration(0)
	switch {
	case strings.HasSuffix(s, "d"):
		unit = 24 * time.Hour
	case strings.HasSuffix(s, "w"):
		unit = 7 * 24 * time.Hour
	}
	var d time.Duration
	if unit != 0 {
		n, err := strconv.ParseFloat(strings.TrimSpace(s[:len(s)-1]), 64)
		if err != nil {
			return 0, fmt.Errorf("want a window such as 14d, 36h or 90m")
		}
		d = time.Duration(n * float64(unit))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("want a window such as 14d, 36h or 90m")
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("the window must be positive")
	}
	return d, nil
}

// awsWanted reports whether the run talks to AWS.
func awsWanted(c *cli.Context) bool {
	return c.Bool("aws") || len(c.StringSlice("state-machine")) > 0
}

// checkAWSFlags rejects flag combinations before anything is read.
func checkAWSFlags(c *cli.Context) (since time.Duration, err error) {
	if !awsWanted(c) {
		for _, name := range []string{"region", "profile", "endpoint-url", "since", "save-definitions"} {
			if c.IsSet(name) {
				return 0, usageErrorf("--%s needs --aws or --state-machine", name)
			}
		}
	}
	if c.IsSet("save-definitions") && len(c.StringSlice("state-machine")) == 0 {
		return 0, usageErrorf("--save-definitions needs --state-machine")
	}
	if s := c.String("since"); s != "" {
		if since, err = parseSince(s); err != nil {
			return 0, usageErrorf("--since %q: %v", s, err)
		}
	}
	return since, nil
}

// taskFunctions is the set of function names the Task states of units
// run, as the usage rules look their logs up.
func taskFunctions(units []*lint.Unit) map[string]bool {
	names := map[string]bool{}
	for _, u := range units {
		for _, st := range u.Doc.States {
			if name := u.FunctionName(st); st.Type == "Task" && name != "" {
				names[name] = true
			}
		}
	}
	return names
}

// account is the deployed AWS account a run reads (--aws, --state-machine,
// --since). The full build's is deployedAccount (account.go); the lean
// front has none: openAccount there hands the whole run to stepshift-full
// before anything is read (handoff_lean.go).
type account interface {
	// addStateMachines adds each deployed machine --state-machine names
	// to the run as a unit; failed calls become the run's notes and I/O
	// errors.
	addStateMachines(ctx context.Context, r *lintRun) error
	// overlay joins each Task Lambda's deployed configuration to its
	// facts; failed calls go to ev.
	overlay(ctx context.Context, units []*lint.Unit, ev *evidence) error
	// readLogs reads the CloudWatch logs of every Task's Lambda over the
	// last since into into, with a progress bar on progressTo when it is
	// a terminal.
	readLogs(ctx context.Context, units []*lint.Unit, since time.Duration, progressTo io.Writer, into *usage.Collector, ev *evidence) error
}

// wantedAccount opens the account when the flags ask to read it (--aws,
// --state-machine), before any input is read: the lean front hands such a
// run to stepshift-full, standard input included.
func wantedAccount(c *cli.Context) (account, error) {
	if !awsWanted(c) {
		return nil, nil
	}
	return openAccount(c)
}

// gatherEvidence is what lint and migrate learn from outside the
// repository about units: with an account (--aws), each Task Lambda's
// deployed configuration joined to its facts; with --logs or --since, the
// usage evidence, given to every unit by function name. The error is for
// bad usage and a cancelled run; failed calls and unreadable files are in
// the evidence's failures.
func gatherEvidence(ctx context.Context, c *cli.Context, acct account, units []*lint.Unit, since time.Duration) (*evidence, error) {
	ev := &evidence{}
	if acct != nil {
		if err := acct.overlay(ctx, units, ev); err != nil {
			return nil, err
		}
	}
	paths := c.StringSlice("logs")
	if len(paths) == 0 && since == 0 {
		return ev, nil
	}
	if err := ev.readUsage(ctx, paths, acct, units, since, c.App.ErrWriter); err != nil {
		return nil, err
	}
	ev.notes = append(ev.notes, unmatchedEvidence(units, ev.byFunction)...)
	for _, u := range units {
		u.Usage = ev.byFunction
	}
	return ev, nil
}

// unmatchedEvidence says which functions have log evidence but run no Task
// of the units: most often a log file named after something other than the
// function (SyncGranule.log for prod-SyncGranule), whose evidence would
// otherwise be dropped without a word.
func unmatchedEvidence(units []*lint.Unit, byFunction map[string]*usage.Usage) []string {
	used := taskFunctions(units)
	var unused []string
	var notes []string
	for _, name := range slices.Sorted(maps.Keys(byFunction)) {
		switch {
		case name == "":
			notes = append(notes, fmt.Sprintf("%s run(s) in the logs could not be attributed to a function: name each file (or folder) after the function, e.g. prod-SyncGranule.log", usage.Thousands(int64(byFunction[name].Invocations))))
		case !used[name]:
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		notes = append(notes, fmt.Sprintf("the logs of %s match no linted Task's Lambda (a log file or folder is named after the function name Lambda reports)", strings.Join(unused, ", ")))
	}
	return notes
}

// evidence is what one run learned from outside the repository.
type evidence struct {
	byFunction map[string]*usage.Usage // nil without --logs or --since
	notes      []string                // said on stderr: functions not deployed, truncated reads, unread lines
	failures   []string                // failed AWS calls and unreadable log files
}

// readUsage parses the log files and folders in paths and, when since is
// set, the account's CloudWatch logs of every Task's Lambda in units over
// that window. The error is for paths that do not exist (a usage error)
// and a cancelled run.
func (ev *evidence) readUsage(ctx context.Context, paths []string, acct account, units []*lint.Unit, since time.Duration, progressTo io.Writer) error {
	collector := usage.NewCollector()
	ev.byFunction = map[string]*usage.Usage{}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil && errors.Is(err, fs.ErrNotExist) {
			return usageErrorf("--logs %s: no such file or folder", p)
		}
		// A damaged file is an I/O problem, not bad usage: what could be
		// read still counts.
		if err := collector.ParsePath(p); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				ev.failures = append(ev.failures, "--logs: "+line)
			}
		}
	}
	if since > 0 && acct != nil {
		if err := acct.readLogs(ctx, units, since, progressTo, collector, ev); err != nil {
			return err
		}
	}
	if rep := collector.Report(); rep.Malformed > 0 {
		msg := fmt.Sprintf("%s log line(s) looked like Lambda evidence but could not be read", usage.Thousands(int64(rep.Malformed)))
		if len(rep.Samples) > 0 {
			s := rep.Samples[0]
			msg += fmt.Sprintf("; the first: %s:%d: %s", s.Source, s.Line, s.Reason)
		}
		ev.notes = append(ev.notes, msg)
	}
	for _, u := range collector.All() {
		ev.byFunction[u.Function] = u
	}
	return nil
}
