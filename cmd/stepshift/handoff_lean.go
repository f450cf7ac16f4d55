//go:build stepshift_lean

package main

// The lean front: `go build -tags stepshift_lean ./cmd/stepshift` (make
// build's bin/stepshift) leaves out the AWS SDK, the worker, the executor
// and the migration, so that a pre-commit hook or a CI lint starts in
// about the time of a hello-world Go program. A run that needs what was
// left out (migrate, run, test, worker, and lint or help reading the
// deployed account) is handed to the full build, stepshift-full, by exec:
// same arguments, same standard streams, same process, same exit code.
// This is how git keeps libcurl out of every git command
// (git-remote-https).

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"
)

// leanFront reports whether this is the lean front: it is.
const leanFront = true

// fullBinary is the full build's executable name, looked for beside the
// lean front's own executable and then on PATH ($STEPSHIFT_FULL overrides
// both).
const fullBinary = "stepshift-full"

// handedOffEnv is set on the full build's environment; a lean front that
// finds it set was started by a hand-off, so stepshift-full is itself a
// lean build and a second hand-off would loop.
const handedOffEnv = "STEPSHIFT_HANDED_OFF"

// handedOff are the commands the front lists and hands over whole.
var handedOff = []cli.Command{migrateCommand, runCommand, testCommand, workerCommand}

func init() {
	for _, meta := range handedOff {
		cmd := meta
		// Every argument, --help included, is the full build's to read.
		cmd.SkipFlagParsing = true
		cmd.Action = func(*cli.Context) error { return handOff("stepshift " + cmd.Name) }
		commands = append(commands, &cmd)
	}
	beforeApp = handOffHelp
}

// handOffHelp hands `stepshift help COMMAND` of a full-build command over:
// the flags are the full build's.
func handOffHelp(args []string) error {
	if len(args) < 3 || args[1] != "help" {
		return nil
	}
	if slices.ContainsFunc(handedOff, func(c cli.Command) bool { return c.Name == args[2] }) {
		return handOff("stepshift help " + args[2])
	}
	return nil
}

// openAccount hands the run to the full build: reading the deployed
// account takes the AWS SDK, which the lean front leaves out.
func openAccount(*cli.Context) (account, error) {
	return nil, handOff("reading the deployed AWS account (--aws, --state-machine)")
}

// handOff runs the invocation in stepshift-full; it returns only when
// that cannot start.
func handOff(what string) error {
	if os.Getenv(handedOffEnv) != "" {
		return usageErrorf("%s needs the full build, but %s is a lean one (-tags stepshift_lean); build the full one with `go build -o %s ./cmd/stepshift`", what, fullBinary, fullBinary)
	}
	path, err := findFull()
	if err != nil {
		return usageErrorf("%s needs the full build, %s, which is not beside this executable nor on PATH: build it with `make build` (or `go build -o %s ./cmd/stepshift`), or set STEPSHIFT_FULL to its path", what, fullBinary, fullBinary)
	}
	env := append(os.Environ(), handedOffEnv+"=1")
	if err := execFull(path, invocation, env); err != nil {
		var exit *exitError
		if errors.As(err, &exit) {
			return err
		}
		return internalErrorf("%s: starting %s: %v", what, path, err)
	}
	return nil
}

// findFull is the full build's path: $STEPSHIFT_FULL, then stepshift-full
// beside this executable (symbolic links followed), then on PATH.
func findFull() (string, error) {
	if p := os.Getenv("STEPSHIFT_FULL"); p != "" {
		return p, nil
	}
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		p := filepath.Join(filepath.Dir(self), fullBinary+exeSuffix)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p, nil
		}
	}
	p, err := exec.LookPath(fullBinary)
	if err != nil {
		return "", fmt.Errorf("%s not found", fullBinary)
	}
	return p, nil
}
