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
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/deployed"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/usage"
	"github.com/stepshift/stepshift/workflow"
)

// logConcurrency bounds the CloudWatch Logs reads in flight: each is a
// paged FilterLogEvents loop, and the account's rate limit is shared.
const logConcurrency = 4

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

// awsClient builds the client once per run.
func (r *lintRun) awsClient(ctx context.Context) (*deployed.Client, error) {
	if r.aws != nil {
		return r.aws, nil
	}
	client, err := newAWSClient(ctx, r.c)
	if err != nil {
		return nil, err
	}
	r.aws = client
	return client, nil
}

// newAWSClient builds the AWS clients from --region, --profile and
// --endpoint-url; it makes no call yet.
func newAWSClient(ctx context.Context, c *cli.Context) (*deployed.Client, error) {
	client, err := deployed.New(ctx, deployed.Options{Region: c.String("region"), Profile: c.String("profile"), EndpointURL: c.String("endpoint-url")})
	if err != nil {
		return nil, usageErrorf("--aws: %v", err)
	}
	return client, nil
}

// awsProblem records a failed AWS call on the run (see problemText).
func (r *lintRun) awsProblem(err error) {
	if msg, final := problemText(err); final {
		r.ioErrors = append(r.ioErrors, msg)
	} else {
		r.notes = append(r.notes, msg)
	}
}

// problemText words a failed AWS call. A missing function or log group is
// a note (not deployed yet, never ran); anything else is final: lint ends
// with exit 3 once the report of what could be linted is out, migrate
// plans nothing.
func problemText(err error) (msg string, final bool) {
	var e *deployed.Error
	if errors.As(err, &e) && e.Kind == deployed.ErrNotFound {
		return e.Message, false
	}
	return "aws: " + err.Error(), true
}

// addStateMachines lints deployed definitions: each becomes a unit named
// after its saved copy (--save-definitions) or its ARN.
func (r *lintRun) addStateMachines(ctx context.Context) error {
	wanted := r.c.StringSlice("state-machine")
	if len(wanted) == 0 {
		return nil
	}
	client, err := r.awsClient(ctx)
	if err != nil {
		return err
	}
	var machines []*deployed.StateMachine
	for _, w := range wanted {
		found, err := client.StateMachines(ctx, w)
		if err != nil {
			r.awsProblem(err)
			continue
		}
		if len(found) == 0 {
			r.ioErrors = append(r.ioErrors, fmt.Sprintf("aws: no state machine is named %s or has a name starting with it in %s", w, client.Region()))
		}
		machines = append(machines, found...)
	}
	var ok []*deployed.StateMachine
	for _, m := range machines {
		if m.Err != nil {
			r.awsProblem(m.Err)
			continue
		}
		ok = append(ok, m)
	}
	var saved []string
	if dir := r.c.String("save-definitions"); dir != "" {
		if saved, err = deployed.SaveDefinitions(dir, ok); err != nil {
			return internalErrorf("--save-definitions: %v", err)
		}
	}
	for i, m := range ok {
		name := m.ARN
		if saved != nil && saved[i] != "" {
			name = filepath.Clean(saved[i])
		}
		doc := workflow.Load([]byte(m.Definition), workflow.Options{Filename: name})
		unit := &lint.Unit{Doc: doc, Label: m.ARN}
		if m.Type == "EXPRESS" {
			if r.express == nil {
				r.express = map[*lint.Unit]bool{}
			}
			r.express[unit] = true
		}
		r.addUnit(unit)
	}
	return nil
}

// overlayDeployed fetches the deployed configuration of every Task's
// Lambda in units (one GetFunctionConfiguration per distinct function) and
// joins it to each Task's facts with deployed.Overlay; a Task without
// Terraform facts gets facts from Lambda alone. problems are the failed
// calls, one per function; the error is for a cancelled run.
func overlayDeployed(ctx context.Context, client *deployed.Client, units []*lint.Unit) (configs []*deployed.FunctionConfig, problems []error, err error) {
	type use struct {
		unit *lint.Unit
		st   *workflow.State
	}
	byRef := map[string][]use{}
	var refs []string
	for _, u := range units {
		for _, st := range u.Doc.States {
			if st.Type != "Task" {
				continue
			}
			ref := u.LambdaRef(st)
			if ref == "" {
				continue
			}
			if _, seen := byRef[ref]; !seen {
				refs = append(refs, ref)
			}
			byRef[ref] = append(byRef[ref], use{u, st})
		}
	}
	results, err := client.Functions(ctx, refs)
	if err != nil {
		return nil, nil, internalErrorf("aws: %v", err)
	}
	for i, res := range results {
		if res.Err != nil {
			problems = append(problems, res.Err)
			continue
		}
		configs = append(configs, res.Config)
		for _, at := range byRef[refs[i]] {
			if at.unit.Tasks == nil {
				at.unit.Tasks = map[*workflow.State]*terraform.Task{}
			}
			task := at.unit.Tasks[at.st]
			if task == nil {
				// No Terraform around this definition: the Task's literal
				// ARN is all there is, and Lambda's answer is every fact.
				task = &terraform.Task{State: at.st, Target: terraform.Target{Kind: terraform.TargetLambda, Expr: refs[i],
					Value: terraform.Fact[string]{Value: res.Config.FunctionArn, Known: true, Source: terraform.SourceAWS}}}
				at.unit.Tasks[at.st] = task
			}
			if task.Target.Kind != terraform.TargetLambda {
				continue
			}
			task.Lambda = deployed.Overlay(task.Lambda, res.Config)
		}
	}
	return configs, problems, nil
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

// logGroups lists the functions whose logs --since reads: every Task's
// Lambda in units, with the log group Lambda reported for it ("" for
// /aws/lambda/<name>).
func logGroups(units []*lint.Unit, configs []*deployed.FunctionConfig) map[string]string {
	groups := map[string]string{}
	for name := range taskFunctions(units) {
		groups[name] = ""
	}
	for _, cfg := range configs {
		groups[cfg.FunctionName] = cfg.LogGroup
	}
	return groups
}

// gatherEvidence is what lint and migrate learn from outside the
// repository about units: with a client (--aws), each Task Lambda's
// deployed configuration joined to its facts; with --logs or --since, the
// usage evidence, given to every unit by function name. The error is for
// bad usage and a cancelled run; failed calls and unreadable files are in
// the evidence's failures.
func gatherEvidence(ctx context.Context, c *cli.Context, client *deployed.Client, units []*lint.Unit, since time.Duration) (*evidence, error) {
	ev := &evidence{}
	var configs []*deployed.FunctionConfig
	if client != nil {
		var problems []error
		var err error
		if configs, problems, err = overlayDeployed(ctx, client, units); err != nil {
			return nil, err
		}
		ev.addProblems(problems)
	}
	paths := c.StringSlice("logs")
	if len(paths) == 0 && since == 0 {
		return ev, nil
	}
	var groups map[string]string
	if since > 0 {
		groups = logGroups(units, configs)
	}
	if err := ev.readUsage(ctx, paths, client, groups, since, c.App.ErrWriter); err != nil {
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

// addProblems sorts failed AWS calls into notes and failures.
func (ev *evidence) addProblems(problems []error) {
	for _, p := range problems {
		if msg, final := problemText(p); final {
			ev.failures = append(ev.failures, msg)
		} else {
			ev.notes = append(ev.notes, msg)
		}
	}
}

// readUsage parses the log files and folders in paths and, when since is
// set, reads the CloudWatch log group of every function in groups (function
// name → log group, "" for /aws/lambda/<name>) over that window, a few
// functions at once, with a progress bar when progressTo is a terminal.
// The error is for paths that do not exist (a usage error) and a cancelled
// run.
func (ev *evidence) readUsage(ctx context.Context, paths []string, client *deployed.Client, groups map[string]string, since time.Duration, progressTo io.Writer) error {
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
	if since > 0 && client != nil && len(groups) > 0 {
		if err := readCloudWatch(ctx, client, groups, since, progressTo, collector, ev); err != nil {
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

func readCloudWatch(ctx context.Context, client *deployed.Client, groups map[string]string, since time.Duration, progressTo io.Writer, into *usage.Collector, ev *evidence) error {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	end := time.Now()
	start := end.Add(-since)
	bar := newLogProgress(progressTo, len(names))
	var (
		mu     sync.Mutex
		events int
		wg     sync.WaitGroup
		next   = make(chan string)
		reads  = make(map[string]*deployed.LogRead, len(names))
		errs   = make(map[string]error)
	)
	for range min(logConcurrency, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range next {
				seen := 0
				read, err := client.LogsFrom(ctx, name, groups[name], start, end, func(n int) {
					mu.Lock()
					events += n - seen
					seen = n
					bar.describe(events)
					mu.Unlock()
				})
				mu.Lock()
				reads[name], errs[name] = read, err
				bar.done()
				mu.Unlock()
			}
		}()
	}
	for _, n := range names {
		next <- n
	}
	close(next)
	wg.Wait()
	bar.finish()
	for _, n := range names {
		if read := reads[n]; read != nil {
			if read.Collector != nil {
				into.Merge(read.Collector)
			}
			if read.Note != "" {
				ev.notes = append(ev.notes, read.Note)
			}
		}
		if err := errs[n]; err != nil {
			if ctx.Err() != nil {
				return internalErrorf("reading logs: %v", ctx.Err())
			}
			ev.addProblems([]error{err})
		}
	}
	return nil
}

// logProgress is the CloudWatch Logs progress bar, silent when stderr is
// not a terminal (CI logs and pipes get no control characters).
type logProgress struct{ bar *progressbar.ProgressBar }

func newLogProgress(w io.Writer, functions int) *logProgress {
	if !isTerminal(w) {
		return &logProgress{}
	}
	return &logProgress{bar: progressbar.NewOptions(functions,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("reading Lambda logs"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("functions"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *logProgress) describe(events int) {
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("reading Lambda logs (%s events)", usage.Thousands(int64(events))))
	}
}

func (p *logProgress) done() {
	if p.bar != nil {
		p.bar.Add(1)
	}
}

func (p *logProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
