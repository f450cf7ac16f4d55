//go:build stepshift_lean && !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
)

// exeSuffix is what an executable's name ends with here.
var exeSuffix = map[bool]string{true: ".exe"}[runtime.GOOS == "windows"]

// execFull runs the full build as a child with this process's standard
// streams (there is no exec here) and passes its exit code on.
func execFull(path string, args, env []string) error {
	cmd := exec.Command(path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &exitError{code: exit.ExitCode()}
	}
	if err != nil {
		return err
	}
	return &exitError{code: exitClean}
}
