// Package standin starts the real local stand-ins that integration tests talk
// to (moto_server, npm stepfunctions-local), finds npm tools (sarif-multitool)
// and finds the external test corpora (CorpusDir). A missing stand-in skips
// the test with a clear message, or fails it when STEPSHIFT_REQUIRE_EMULATORS=1
// (CI sets it); a missing corpus likewise, with STEPSHIFT_REQUIRE_CORPUS=1.
//
// Every process started here runs in a process group of its own, and the
// whole group is killed when the test (or, for shared stand-ins, the
// package's TestMain through Main) ends: npm wrappers leave their real
// server running when only the wrapper is killed.
package standin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Required reports whether missing stand-ins must fail tests instead of skipping them.
func Required() bool { return os.Getenv("STEPSHIFT_REQUIRE_EMULATORS") == "1" }

// Missing skips t, or fails it when stand-ins are required, naming what is missing and how to get it.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	msg := fmt.Sprintf("%s is not available (%s)", what, how)
	if Required() {
		t.Fatalf("%s; STEPSHIFT_REQUIRE_EMULATORS=1 makes this a failure", msg)
	}
	t.Skipf("skipping: %s; set STEPSHIFT_REQUIRE_EMULATORS=1 to make this a failure", msg)
}

// ModuleRoot returns the folder holding go.mod, found by walking up from this file.
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// NPMBin returns the path of an npm-installed tool under testdata/emulators, or
// calls Missing when it is not installed.
func NPMBin(t testing.TB, name string) string {
	t.Helper()
	p, how := npmBinPath(name)
	if how != "" {
		Missing(t, "npm tool "+name+" (or node)", how)
	}
	return p
}

// npmBinPath is NPMBin without a test: the tool's path, or how to get what is
// missing.
func npmBinPath(name string) (path, how string) {
	p := filepath.Join(ModuleRoot(), "testdata", "emulators", "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		return "", "run `make emulators`"
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", "install Node.js"
	}
	return p, ""
}

// Moto starts moto_server on a free loopback port for the rest of the test and
// returns its endpoint URL (http://127.0.0.1:PORT). Each call gets a fresh server.
func Moto(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		Missing(t, "moto_server", "pip install 'moto[server]'")
	}
	port := FreePort(t)
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	start(t, "moto_server", endpoint+"/moto-api/", bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	return endpoint
}

// StepFunctionsLocal starts npm stepfunctions-local on a free loopback port and
// returns its endpoint URL. Lambda tasks are not used; activities are.
func StepFunctionsLocal(t testing.TB) string {
	t.Helper()
	bin := NPMBin(t, "stepfunctions-local")
	port := FreePort(t)
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	start(t, "stepfunctions-local", endpoint+"/", "node", bin, "start", "--port", fmt.Sprint(port))
	return endpoint
}

// start runs a server process in its own process group until the test
// ends, and waits until url answers. The whole group is ended on cleanup:
// npm wrappers (stepfunctions-local's start command) run the server as a
// child that outlives a wrapper killed on its own.
func start(t testing.TB, name, url string, argv ...string) {
	t.Helper()
	stop, logTail, err := startGroup(name, url, argv...)
	if stop != nil {
		t.Cleanup(stop)
	}
	if err == errNotStarted {
		Missing(t, name, logTail)
	}
	if err != nil {
		t.Fatalf("%v; its last output:\n%s", err, logTail)
	}
}

// errNotStarted means the stand-in's program could not be run at all.
var errNotStarted = errors.New("not started")

// startGroup starts argv in a new process group, waits up to 30 s for url
// to answer, and returns the function that ends the group. On failure it
// returns the program's last output (or why it did not start) beside the error.
func startGroup(name, url string, argv ...string) (stop func(), logTail string, err error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	// The stand-in gets fixed test credentials and none of the test's AWS_*
	// settings: a shared one may be started by a test that has already set
	// AWS_PROFILE="" (TestCredentials), which boto3 inside moto rejects.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=us-east-1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err.Error(), errNotStarted
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err.Error(), errNotStarted
	}
	var mu sync.Mutex
	var tail []string
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			tail = append(tail, sc.Text())
			if len(tail) > 40 {
				tail = tail[1:]
			}
			mu.Unlock()
		}
	}()
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop = func() { endGroup(cmd.Process.Pid, exited) }
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return stop, "", nil
		}
		select {
		case <-exited:
			deadline = time.Now() // it died: report now, not in 30 s
		case <-time.After(50 * time.Millisecond):
		}
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	return nil, strings.Join(tail, "\n"), fmt.Errorf("%s did not answer at %s within 30s", name, url)
}

// endGroup kills every process of the group pgid (a stand-in keeps no state
// worth a graceful stop), reaps the leader and waits until no member is
// left, so nothing outlives the test.
func endGroup(pgid int, leaderExited <-chan struct{}) {
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-leaderExited
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(GroupMembers(pgid)) == 0 {
			return
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// GroupMembers returns the live (not zombie) processes of process group
// pgid, read from /proc; nil where there is no /proc.
func GroupMembers(pgid int) []int {
	var pids []int
	for _, p := range processes() {
		if p.pgrp == pgid && p.state != 'Z' {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// process is what /proc/PID/stat says about a process.
type process struct {
	pid, ppid, pgrp int
	state           byte
	comm            string
}

func processes() []process {
	entries, _ := os.ReadDir("/proc")
	var out []process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // it ended while we looked
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		lp, rp := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if lp < 0 || rp < lp {
			continue
		}
		f := strings.Fields(string(stat[rp+1:]))
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgrp, _ := strconv.Atoi(f[2])
		out = append(out, process{pid: pid, ppid: ppid, pgrp: pgrp, state: f[0][0], comm: string(stat[lp+1 : rp])})
	}
	return out
}

// Command is exec.Command for a stand-in a test runs to completion (such as
// sarif-multitool, an npm wrapper around a native program): it runs in its
// own process group, and whatever of the group is left when the test ends
// is killed.
func Command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t.Cleanup(func() {
		if cmd.Process == nil {
			return
		}
		pgid := cmd.Process.Pid
		exited := make(chan struct{})
		go func() {
			if cmd.ProcessState == nil {
				_ = cmd.Wait()
			}
			close(exited)
		}()
		endGroup(pgid, exited)
	})
	return cmd
}
