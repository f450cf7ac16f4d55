//go:build unix && !linux

package runtime

import (
	"os"
	"os/exec"
	"syscall"
)

// processAttrs: Lambda runtimes are Linux programs; elsewhere only the
// process group is kept so a timeout still kills the bootstrap's children.
func processAttrs() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

// exitedMaxRSSKB is the peak resident memory of an exited runtime, in KiB
// (ru_maxrss is bytes on macOS and the BSDs).
func exitedMaxRSSKB(cmd *exec.Cmd) int64 {
	if cmd == nil || cmd.ProcessState == nil {
		return 0
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss / 1024
	}
	return 0
}
