package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// The stand-ins the runtime tests share: started once by the first test
// that needs one, ended by TestMain after the last test. Each test creates
// its own activities and state machines on them.
var (
	sharedSFNOnce     sync.Once
	sharedSFNEndpoint string
	sharedSFNFailure  string // why it did not start: a skip or a failure message
	sharedSFNSkipped  bool
	sharedStandins    = &packageTB{}
)

// sharedStepFunctionsLocal returns the endpoint of the package's one npm
// stepfunctions-local, starting it on first use. A missing stand-in skips
// (or fails, with STEPSHIFT_REQUIRE_EMULATORS=1) every test that asks.
func sharedStepFunctionsLocal(t testing.TB) string {
	t.Helper()
	sharedSFNOnce.Do(func() {
		sharedSFNEndpoint, sharedSFNFailure, sharedSFNSkipped = sharedStandins.run(func(tb testing.TB) string {
			return standin.StepFunctionsLocal(tb)
		})
	})
	switch {
	case sharedSFNSkipped:
		t.Skip(sharedSFNFailure)
	case sharedSFNFailure != "":
		t.Fatal(sharedSFNFailure)
	}
	return sharedSFNEndpoint
}

// packageTB is the testing.TB a shared stand-in is started with: its
// cleanups run when TestMain ends, not when the first test does.
type packageTB struct {
	testing.TB // nil; the methods standin calls are below

	mu       sync.Mutex
	cleanups []func()
	dirs     int
}

// stop ends everything started through tb, last first. The npm
// stepfunctions-local wrapper starts the server as its own child, which
// outlives the wrapper being killed; those grandchildren are ended first,
// by pid.
func (tb *packageTB) stop() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, child := range childrenOf(os.Getpid()) {
		for _, grandchild := range childrenOf(child) {
			if p, err := os.FindProcess(grandchild); err == nil {
				p.Kill()
			}
		}
	}
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
	tb.cleanups = nil
}

// childrenOf lists the pids whose parent is pid and whose command line
// names stepfunctions-local.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, de := range entries {
		var child int
		if _, err := fmt.Sscan(de.Name(), &child); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + de.Name() + "/stat")
		cmdline, _ := os.ReadFile("/proc/" + de.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(cmdline), "stepfunctions-local") {
			continue
		}
		i := strings.LastIndexByte(string(stat), ')')
		var state string
		var ppid int
		if i < 0 {
			continue
		}
		fmt.Sscan(string(stat[i+1:]), &state, &ppid)
		if ppid == pid {
			kids = append(kids, child)
		}
	}
	return kids
}

type packageTBExit struct {
	msg     string
	skipped bool
}

// run calls start on its own goroutine, so a Fatal or Skip inside (which
// end the goroutine) becomes a message instead of ending a test.
func (tb *packageTB) run(start func(testing.TB) string) (value, failure string, skipped bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			switch r := recover().(type) {
			case nil:
			case packageTBExit:
				failure, skipped = r.msg, r.skipped
			default:
				failure = fmt.Sprint(r)
			}
		}()
		value = start(tb)
	}()
	<-done
	return value, failure, skipped
}

func (tb *packageTB) Helper()                   {}
func (tb *packageTB) Name() string              { return "runtime-shared-standins" }
func (tb *packageTB) Log(args ...any)           {}
func (tb *packageTB) Logf(string, ...any)       {}
func (tb *packageTB) Error(args ...any)         { panic(packageTBExit{msg: fmt.Sprint(args...)}) }
func (tb *packageTB) Errorf(f string, a ...any) { panic(packageTBExit{msg: fmt.Sprintf(f, a...)}) }
func (tb *packageTB) Fatal(args ...any)         { panic(packageTBExit{msg: fmt.Sprint(args...)}) }
func (tb *packageTB) Fatalf(f string, a ...any) { panic(packageTBExit{msg: fmt.Sprintf(f, a...)}) }
func (tb *packageTB) Skip(args ...any)          { panic(packageTBExit{msg: fmt.Sprint(args...), skipped: true}) }
func (tb *packageTB) Skipf(f string, a ...any) {
	panic(packageTBExit{msg: fmt.Sprintf(f, a...), skipped: true})
}
func (tb *packageTB) Failed() bool  { return false }
func (tb *packageTB) Skipped() bool { return false }
func (tb *packageTB) Cleanup(f func()) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.cleanups = append(tb.cleanups, f)
}
func (tb *packageTB) Setenv(k, v string) { os.Setenv(k, v) }
func (tb *packageTB) TempDir() string {
	tb.mu.Lock()
	tb.dirs++
	n := tb.dirs
	tb.mu.Unlock()
	dir := filepath.Join(testBinDir, fmt.Sprintf("standin-%d", n))
	os.MkdirAll(dir, 0o755)
	return dir
}
