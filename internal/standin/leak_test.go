package standin

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// leakChildEnv selects what TestLeakChild does in the child test process:
// "standins" starts every kind of stand-in the right way, "leak" leaves an
// orphan behind as a bare exec of an npm-style wrapper would.
const leakChildEnv = "STANDIN_LEAK_CHILD"

// TestLeakChild is the child half of TestStandInsLeaveNoProcess; it only
// runs when that test starts it.
func TestLeakChild(t *testing.T) {
	mode := os.Getenv(leakChildEnv)
	switch mode {
	case "":
		t.Skip("runs only as the child of TestStandInsLeaveNoProcess")
	case "standins":
		for _, url := range []string{
			SharedMoto(t) + "/moto-api/", // ended by Main after the last test
			StepFunctionsLocal(t) + "/",  // an npm wrapper whose child serves
		} {
			resp, err := http.Get(url)
			if err != nil {
				t.Fatalf("the stand-in at %s does not answer: %v", url, err)
			}
			resp.Body.Close()
		}
		sleeper := Command(t, "sh", "-c", "sleep 300 & sleep 300 & wait")
		if err := sleeper.Start(); err != nil {
			t.Fatal(err)
		}
	case "leak":
		// A wrapper that forks and is then killed on its own, as
		// exec.CommandContext does: its child is orphaned.
		cmd := exec.Command("sh", "-c", "sleep 300 & wait")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until sh has forked the sleep (polling: a fixed pause is
		// too short on a loaded machine), then kill sh alone.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			forked := false
			for _, p := range processes() {
				forked = forked || p.ppid == cmd.Process.Pid
			}
			if forked {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("sh did not fork its sleep within 10s")
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	// Every direct child is a stand-in's group leader; the parent checks
	// that none of its groups outlives this process.
	for _, p := range processes() {
		if p.ppid == os.Getpid() {
			os.Stdout.WriteString("standin-group " + strconv.Itoa(p.pgrp) + " " + p.comm + "\n")
		}
	}
}

// TestStandInsLeaveNoProcess runs a child test process that starts every
// kind of stand-in (a shared moto_server, npm stepfunctions-local, a
// Command), then checks that nothing it started survives it: this process
// is a child subreaper (Main makes it one), so an orphan is re-parented
// here, not to init, whatever process group or session it moved to. A
// second child leaks on purpose: its own Main must find the orphan, kill
// it and fail the run, so the check cannot pass vacuously.
func TestStandInsLeaveNoProcess(t *testing.T) {
	if os.Getenv(leakChildEnv) != "" {
		t.Skip("inside the child")
	}
	if !subreaper {
		t.Skip("Main could not make this process a child subreaper; this check needs Linux")
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}

	run := func(mode string) (string, error) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestLeakChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), leakChildEnv+"="+mode)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if strings.Contains(out.String(), "--- SKIP: TestLeakChild") {
			if Required() {
				t.Fatalf("child (%s) skipped with STEPSHIFT_REQUIRE_EMULATORS=1:\n%s", mode, out.String())
			}
			t.Skipf("child (%s) skipped: a stand-in is missing\n%s", mode, out.String())
		}
		return out.String(), err
	}

	out, err := run("standins")
	if err != nil {
		t.Errorf("child: %v\n%s", err, out)
	}
	var groups []int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "standin-group "); ok {
			pgid, _ := strconv.Atoi(strings.Fields(rest)[0])
			groups = append(groups, pgid)
		}
	}
	if len(groups) < 3 {
		t.Errorf("the child reported %d stand-in groups, want 3 (moto_server, stepfunctions-local, sh)", len(groups))
	}
	for _, p := range survivors(0) {
		t.Errorf("process %d (%s) outlived the test process that started it", p.pid, p.comm)
		_ = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	for _, g := range groups {
		if g == syscall.Getpgrp() {
			t.Errorf("a stand-in ran in the test's own process group %d, not a group of its own", g)
			continue
		}
		if live := GroupMembers(g); len(live) > 0 {
			t.Errorf("process group %d still has processes %v after the test process ended", g, live)
			_ = syscall.Kill(-g, syscall.SIGKILL)
		}
	}

	out, err = run("leak")
	if err == nil || !strings.Contains(out, "outlived them (killed now)") || !strings.Contains(out, "(sleep)") {
		t.Errorf("a child test process that orphans a sleep: %v; want Main to name it and fail the run:\n%s", err, out)
	}
	if left := survivors(2 * time.Second); len(left) > 0 {
		t.Errorf("the orphan left on purpose is still running: %v", left)
		for _, p := range left {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
}
