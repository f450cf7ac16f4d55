package standin

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// becomeSubreaper makes this process the parent of every orphaned
// descendant (instead of init), so survivors can find them whatever
// process group or session they moved to. It reports whether that worked
// (Linux only).
func becomeSubreaper() bool {
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	return errno == 0
}

// reapZombies waits for children that have already ended (orphans
// re-parented here included), so they do not count as survivors.
func reapZombies() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// survivors returns the live children of this process, waiting up to grace
// for ones that are ending. With becomeSubreaper these are everything the
// process started, directly or not, that is still running.
func survivors(grace time.Duration) []process {
	deadline := time.Now().Add(grace)
	for {
		reapZombies()
		var live []process
		for _, p := range processes() {
			if p.ppid == os.Getpid() && p.state != 'Z' {
				live = append(live, p)
			}
		}
		if len(live) == 0 || time.Now().After(deadline) {
			return live
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// endSurvivors kills the processes the tests left running and describes
// them, or returns "" when there are none.
func endSurvivors() string {
	live := survivors(2 * time.Second)
	if len(live) == 0 {
		return ""
	}
	var names []string
	for _, p := range live {
		names = append(names, fmt.Sprintf("%d (%s)", p.pid, p.comm))
		// Its whole group only if it leads one of its own: an orphan may
		// still be in the group of `go test` and of this process.
		if p.pgrp == p.pid && p.pgrp != syscall.Getpgrp() {
			_ = syscall.Kill(-p.pgrp, syscall.SIGKILL)
		}
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	survivors(2 * time.Second)
	return strings.Join(names, ", ")
}
