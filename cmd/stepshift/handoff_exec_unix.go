//go:build stepshift_lean && unix

package main

import "syscall"

// exeSuffix is what an executable's name ends with here.
const exeSuffix = ""

// execFull replaces this process with the full build: the process ID,
// standard streams and signals stay as they are (an ECS stop reaches the
// worker directly).
func execFull(path string, args, env []string) error {
	return syscall.Exec(path, args, env)
}
