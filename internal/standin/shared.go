package standin

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// shared is one stand-in process serving every test of a package that asks
// for it: started on first use, ended by Main after the last test. Tests
// take it one at a time (lock), each getting it reset to empty.
type shared struct {
	lock sync.Mutex // held by the test using it

	once     sync.Once
	endpoint string
	stop     func()
	failure  string // why it did not start, for every later caller
	missing  bool   // the program is not installed: skip, do not fail
}

var (
	mainRunning bool // Main is running the package's tests
	subreaper   bool // Main made this process the subreaper of what the tests start
	sharedMu    sync.Mutex
	sharedMoto  = &shared{}
)

// Main runs a package's tests, ends the stand-ins they shared, and fails
// the run when any process the tests started (directly or not) is still
// running: it is killed and named. A package whose tests call a Shared*
// function needs
//
//	func TestMain(m *testing.M) { os.Exit(standin.Main(m)) }
//
// (the Shared* functions fail a test without it, since nothing else could
// end the shared process).
func Main(m *testing.M) int {
	mainRunning = true
	// Orphans (a wrapper's child whose wrapper was killed) are re-parented
	// to this process instead of init, so the check below sees them.
	subreaper = becomeSubreaper()
	code := m.Run()
	sharedMu.Lock()
	for _, s := range []*shared{sharedMoto} {
		if s.stop != nil {
			s.stop()
		}
	}
	sharedMu.Unlock()
	if subreaper {
		if left := endSurvivors(); left != "" {
			fmt.Fprintf(os.Stderr, "standin: processes started by the tests outlived them (killed now): %s\n", left)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// SharedMoto is Moto for packages with several tests that need moto_server
// (it takes seconds to start): one server for the package, reset to empty
// for each test and held by that test until it ends, so tests using it do
// not run at the same time (so a test calls it once, not again in its
// subtests). The package's TestMain must call Main.
func SharedMoto(t testing.TB) string {
	t.Helper()
	if !mainRunning {
		t.Fatal("standin.SharedMoto needs the package's TestMain to run standin.Main, which ends the shared server")
	}
	s := sharedMoto
	s.once.Do(func() {
		bin, err := exec.LookPath("moto_server")
		if err != nil {
			s.missing, s.failure = true, "pip install 'moto[server]'"
			return
		}
		// No t.Fatal in here: a Goexit inside once.Do would leave every
		// later caller with an empty endpoint instead of the reason.
		port, err := freePort()
		if err != nil {
			s.failure = err.Error()
			return
		}
		endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
		stop, tail, err := startGroup("moto_server", endpoint+"/moto-api/", bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		switch {
		case err == errNotStarted:
			s.missing, s.failure = true, tail
		case err != nil:
			s.failure = fmt.Sprintf("%v; its last output:\n%s", err, tail)
		default:
			sharedMu.Lock()
			s.endpoint, s.stop = endpoint, stop
			sharedMu.Unlock()
		}
	})
	if s.missing {
		Missing(t, "moto_server", s.failure)
	}
	if s.failure != "" {
		t.Fatal(s.failure)
	}
	s.lock.Lock()
	t.Cleanup(s.lock.Unlock)
	// POST /moto-api/reset empties every service: the test starts from a
	// fresh account as it would on its own server.
	resp, err := http.Post(s.endpoint+"/moto-api/reset", "application/json", nil)
	if err != nil {
		t.Fatalf("resetting the shared moto_server: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("resetting the shared moto_server: %s", resp.Status)
	}
	return s.endpoint
}
