package runtime

import "syscall"

// processAttrs puts a runtime in its own process group (so a timeout kills
// its children too, and a terminal's Ctrl-C reaches only the worker) and
// has the kernel kill it if the worker dies without cleaning up.
func processAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
