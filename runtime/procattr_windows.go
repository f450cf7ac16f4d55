package runtime

import (
	"os"
	"os/exec"
	"syscall"
)

// processAttrs: Windows has no process groups to ask for here; the worker
// is for Linux containers, and builds on Windows so that the rest of
// stepshift does (`go install` builds every command).
func processAttrs() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

// exitedMaxRSSKB: Windows reports no peak resident memory through
// ProcessState; the runtime's own /proc reading covers Linux.
func exitedMaxRSSKB(*exec.Cmd) int64 { return 0 }
