// Package standin starts the real local stand-ins that integration tests talk
// to (moto_server, npm stepfunctions-local) and finds npm tools (sarif-multitool).
// A missing stand-in skips the test with a clear message, or fails it when
// STEPSHIFT_REQUIRE_EMULATORS=1 (CI sets it).
package standin

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// NPMBin returns the path of an npm-installed tool under testdata/emulators, or
// calls Missing when it is not installed.
func NPMBin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ModuleRoot(), "testdata", "emulators", "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "npm tool "+name, "run `make emulators`")
	}
	if _, err := exec.LookPath("node"); err != nil {
		Missing(t, "node", "install Node.js")
	}
	return p
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

// start runs a server process until the test ends and waits until url answers.
func start(t testing.TB, name, url string, argv ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_DEFAULT_REGION=us-east-1")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		Missing(t, name, err.Error())
	}
	var mu sync.Mutex
	var logTail []string
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			logTail = append(logTail, sc.Text())
			if len(logTail) > 40 {
				logTail = logTail[1:]
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Fatalf("%s did not start within 30s; its last output:\n%s", name, strings.Join(logTail, "\n"))
}
