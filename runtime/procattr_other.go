//go:build !linux

package runtime

import (
	"os"
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
