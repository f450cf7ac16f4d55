package runtime

import (
	"os/exec"
	"syscall"
)

// processAttrs puts a runtime in its own process group (so a timeout kills
// its children too, and a terminal's Ctrl-C reaches only the worker) and
// has the kernel kill it if the worker dies without cleaning up.
func processAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// exitedMaxRSSKB is the peak resident memory of an exited runtime, in KiB
// (getrusage's ru_maxrss is kilobytes on Linux).
func exitedMaxRSSKB(cmd *exec.Cmd) int64 {
	if cmd == nil || cmd.ProcessState == nil {
		return 0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
