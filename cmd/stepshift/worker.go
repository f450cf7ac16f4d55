//go:build !stepshift_lean

package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	stepruntime "github.com/stepshift/stepshift/runtime"
)

func init() {
	cmd := workerCommand
	cmd.Flags = []cli.Flag{
		&cli.StringFlag{Name: "activity-arn", Aliases: []string{"activityArn", "a"}, Usage: "Step Functions activity `ARN` to poll"},
		&cli.StringFlag{Name: "lambda-arn", Aliases: []string{"lambdaArn", "l"}, Usage: "Lambda function name or `ARN` whose code runs each task (a :qualifier is kept)"},
		&cli.Int64Flag{Name: "heartbeat", Usage: "send a task heartbeat every `MS` milliseconds while the handler runs (0: none)"},
		&cli.StringFlag{Name: "directory", Aliases: []string{"d"}, EnvVars: []string{"STEPSHIFT_TASK_ROOT"}, Usage: "task root the code is extracted to (LAMBDA_TASK_ROOT); relative paths here and below are resolved against the working folder at start"},
		&cli.StringFlag{Name: "work-directory", Aliases: []string{"workDirectory", "w"}, EnvVars: []string{"STEPSHIFT_WORK_DIR"}, Usage: "folder for downloads"},
		&cli.StringFlag{Name: "layer-directory", Value: "/opt", EnvVars: []string{"STEPSHIFT_LAYER_ROOT"}, Usage: "layer root the function's layers are extracted to"},
		&cli.StringFlag{Name: "lambda-input", Aliases: []string{"lambdaInput", "i"}, Usage: "run the function once with this `JSON` event, print the result and exit"},
		&cli.StringFlag{Name: "task-token-env", Usage: "one-shot mode (ecs:runTask.waitForTaskToken): read the task token from environment variable `NAME`, run the task once, answer it and exit"},
		&cli.StringFlag{Name: "input-env", Usage: "one-shot mode: environment variable `NAME` holding the task's JSON input"},
		&cli.StringFlag{Name: "parameters-env", Usage: "one-shot mode: environment variable `NAME` holding the state's original Parameters template, applied to the input"},
		&cli.StringFlag{Name: "lastModified", Aliases: []string{"last-modified"}, Usage: "accepted for cumulus-ecs-task compatibility (Terraform passes it to force a redeploy); unused"},
		&cli.IntFlag{Name: "concurrency", Value: 1, Usage: "tasks run in parallel, one runtime process each"},
		&cli.StringFlag{Name: "worker-name", Usage: "workerName sent with GetActivityTask (default: the host name)"},
		&cli.StringFlag{Name: "bootstrap", Usage: "runtime executable to start (default: <task root>/bootstrap, <layer root>/bootstrap, /var/runtime/bootstrap)"},
		&cli.BoolFlag{Name: "reload", Value: true, Usage: "between tasks, at most once a minute, reload the code when the function changed"},
		&cli.IntFlag{Name: "max-tasks", Usage: "exit after this many tasks (0: no limit)"},
		&cli.DurationFlag{Name: "stop-timeout", Value: 100 * time.Second, Usage: "after SIGTERM, how long running tasks may finish before they are failed with Worker.ShuttingDown"},
		&cli.StringFlag{Name: "region", Usage: "AWS region (default: the Lambda ARN's, then AWS_REGION)"},
		&cli.StringFlag{Name: "endpoint-url", Usage: "send Step Functions and Lambda calls to this `URL` (emulators)"},
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
	}
	cmd.Action = runWorker
	commands = append(commands, &cmd)
}

func runWorker(c *cli.Context) error {
	// In the image, ENTRYPOINT is "stepshift worker" and a Cumulus command
	// list starts with "cumulus-ecs-task": parse what follows it as flags.
	if c.NArg() > 0 && c.Args().First() == "cumulus-ecs-task" {
		if c.NumFlags() > 0 {
			return usageErrorf("put every flag after cumulus-ecs-task")
		}
		return c.App.RunContext(c.Context, append([]string{c.App.Name, "worker"}, c.Args().Tail()...))
	}
	// Likewise a task definition's command may spell the whole
	// "stepshift worker ..." line, so it also runs in an image without
	// that entrypoint.
	if c.NArg() > 1 && c.Args().Get(0) == "stepshift" && c.Args().Get(1) == "worker" {
		if c.NumFlags() > 0 {
			return usageErrorf("put every flag after stepshift worker")
		}
		return c.App.RunContext(c.Context, append([]string{c.App.Name, "worker"}, c.Args().Slice()[2:]...))
	}
	if c.NArg() > 0 {
		return usageErrorf("worker takes no arguments, got %q", strings.Join(c.Args().Slice(), " "))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return usageErrorf("--log-level: %v", err)
	}
	if c.Int("concurrency") < 1 {
		return usageErrorf("--concurrency must be at least 1")
	}
	if c.Int64("heartbeat") < 0 {
		return usageErrorf("--heartbeat must not be negative")
	}
	input := c.String("lambda-input")
	oneShot, err := readOneShot(c)
	if err != nil {
		return err
	}
	if input == "" && oneShot == nil && c.String("activity-arn") == "" {
		return usageErrorf("--activity-arn is required (or --task-token-env for one task, --lambda-input to run once locally)")
	}
	if c.String("lambda-arn") == "" && c.String("bootstrap") == "" {
		return usageErrorf("--lambda-arn is required (or --bootstrap with a local runtime)")
	}
	cfg := stepruntime.Config{
		ActivityARN:   c.String("activity-arn"),
		Function:      c.String("lambda-arn"),
		Heartbeat:     time.Duration(c.Int64("heartbeat")) * time.Millisecond,
		TaskRoot:      c.String("directory"),
		WorkDir:       c.String("work-directory"),
		LayerRoot:     c.String("layer-directory"),
		Concurrency:   c.Int("concurrency"),
		WorkerName:    c.String("worker-name"),
		Bootstrap:     c.String("bootstrap"),
		Reload:        c.Bool("reload"),
		MaxTasks:      c.Int("max-tasks"),
		StopTimeout:   c.Duration("stop-timeout"),
		Region:        c.String("region"),
		Report:        c.App.Writer,
		RuntimeStdout: c.App.Writer,
		RuntimeStderr: c.App.ErrWriter,
	}
	if input != "" {
		// stdout carries only the result, so it can be piped to jq.
		cfg.Report, cfg.RuntimeStdout = c.App.ErrWriter, c.App.ErrWriter
	}
	if oneShot != nil {
		cfg.HideEnv = oneShot.env
		cfg.Reload = false
	}
	if cfg.WorkerName == "" {
		cfg.WorkerName, _ = os.Hostname()
	}
	cfg.Defaults()
	sender := cfg.Function
	if i := strings.LastIndex(sender, ":function:"); i >= 0 {
		sender = sender[i+len(":function:"):]
	}
	cfg.Logger = stepruntime.NewLogger(c.App.ErrWriter, firstNonEmptyString(sender, "worker"), level)

	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ep := stepruntime.Endpoints{StepFunctions: c.String("endpoint-url"), Lambda: c.String("endpoint-url")}
	answers, polls, lam, err := stepruntime.AWSClients(ctx, cfg.Region, ep)
	if err != nil {
		return internalErrorf("AWS configuration: %v", err)
	}
	cfg.SFN, cfg.SFNPoll, cfg.Lambda = answers, polls, lam

	// A SIGTERM during start-up (while the code downloads) exits at once.
	w, err := stepruntime.New(ctx, cfg)
	if err != nil {
		var fe *stepruntime.FetchError
		if errors.As(err, &fe) {
			return usageErrorf("%v", err)
		}
		return internalErrorf("%v", err)
	}
	defer w.Close()

	if oneShot != nil {
		if err := w.RunOnce(ctx, oneShot.task); err != nil {
			return internalErrorf("%v", err)
		}
		return nil
	}
	if input != "" {
		res, err := w.Invoke(ctx, []byte(input))
		if err != nil {
			return internalErrorf("%v", err)
		}
		if res.Failed() {
			fmt.Fprintln(c.App.Writer, res.Cause)
			return &exitError{code: exitFindings, err: fmt.Errorf("handler failed: %s", res.Error)}
		}
		fmt.Fprintln(c.App.Writer, string(res.Output))
		return nil
	}
	// The code download and extraction, and the CLI's own start-up, leave
	// garbage the scavenger would return to the OS only slowly; a worker
	// then idles for hours, so give it back now (ECS packs tasks by memory).
	debug.FreeOSMemory()
	if err := w.Run(ctx); err != nil {
		return internalErrorf("%v", err)
	}
	return nil
}

// oneShot is the task a one-shot worker was handed through its environment.
type oneShot struct {
	task stepruntime.OneShotTask
	env  []string // the variables it came in, hidden from the handler
}

// readOneShot reads --task-token-env and friends; nil when not in one-shot
// mode. A missing token is a usage error: there is nothing to answer. A
// missing input is not: the worker answers the task with the failure.
func readOneShot(c *cli.Context) (*oneShot, error) {
	tokenVar, inputVar, paramsVar := c.String("task-token-env"), c.String("input-env"), c.String("parameters-env")
	if tokenVar == "" {
		if inputVar != "" || paramsVar != "" {
			return nil, usageErrorf("--input-env and --parameters-env need --task-token-env")
		}
		return nil, nil
	}
	if inputVar == "" {
		return nil, usageErrorf("--task-token-env needs --input-env: the variable holding the task's input")
	}
	if c.String("activity-arn") != "" || c.String("lambda-input") != "" {
		return nil, usageErrorf("--task-token-env runs one handed-over task; it excludes --activity-arn and --lambda-input")
	}
	token := os.Getenv(tokenVar)
	if token == "" {
		return nil, usageErrorf("environment variable %s (--task-token-env) is empty: no task token to answer", tokenVar)
	}
	o := &oneShot{task: stepruntime.OneShotTask{Token: token, Input: []byte(os.Getenv(inputVar))}, env: []string{tokenVar, inputVar}}
	if paramsVar != "" {
		// Unset is not "no Parameters": the handler would get the wrong
		// input. An empty template fails the task with the reason instead.
		o.env = append(o.env, paramsVar)
		o.task.Parameters = []byte(os.Getenv(paramsVar))
	}
	return o, nil
}

func firstNonEmptyString(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
