//go:build !stepshift_lean

package main

// The full build's deployed AWS account (the account of evidence.go):
// Lambda configurations, state machine definitions and CloudWatch logs,
// through the AWS SDK in package deployed. The lean front leaves all of it
// out (handoff_lean.go).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
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

// deployedAccount is the account one run reads, with what Lambda answered
// about each function (the log groups --since reads come from it).
type deployedAccount struct {
	client  *deployed.Client
	configs []*deployed.FunctionConfig
}

// openAccount builds the AWS clients from --region, --profile and
// --endpoint-url; it makes no call yet.
func openAccount(c *cli.Context) (account, error) {
	client, err := deployed.New(c.Context, deployed.Options{Region: c.String("region"), Profile: c.String("profile"), EndpointURL: c.String("endpoint-url")})
	if err != nil {
		return nil, usageErrorf("--aws: %v", err)
	}
	return &deployedAccount{client: client}, nil
}

// overlay fetches and joins the deployed configuration of every Task's
// Lambda (overlayDeployed).
func (a *deployedAccount) overlay(ctx context.Context, units []*lint.Unit, ev *evidence) error {
	configs, problems, err := overlayDeployed(ctx, a.client, units)
	if err != nil {
		return err
	}
	a.configs = append(a.configs, configs...)
	ev.addProblems(problems)
	return nil
}

// readLogs reads the logs of every Task's Lambda, from the log group
// Lambda reported for it when overlay asked.
func (a *deployedAccount) readLogs(ctx context.Context, units []*lint.Unit, since time.Duration, progressTo io.Writer, into *usage.Collector, ev *evidence) error {
	groups := logGroups(units, a.configs)
	if len(groups) == 0 {
		return nil
	}
	return readCloudWatch(ctx, a.client, groups, since, progressTo, into, ev)
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
func (a *deployedAccount) addStateMachines(ctx context.Context, r *lintRun) error {
	wanted := r.c.StringSlice("state-machine")
	if len(wanted) == 0 {
		return nil
	}
	client := a.client
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
		var err error
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

// addProblems sorts failed AWS calls into the evidence's notes and
// failures (see problemText).
func (ev *evidence) addProblems(problems []error) {
	for _, p := range problems {
		if msg, final := problemText(p); final {
			ev.failures = append(ev.failures, msg)
		} else {
			ev.notes = append(ev.notes, msg)
		}
	}
}

// readCloudWatch reads the log group of every function in groups (function
// name → log group, "" for /aws/lambda/<name>) over the last since, a few
// functions at once.
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
