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
	sharedSFN   = &shared{}
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
	for _, s := range []*shared{sharedMoto, sharedSFN} {
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
	s := sharedMoto
	s.ensure(t, "moto_server", func() (string, []string, string) {
		bin, err := exec.LookPath("moto_server")
		if err != nil {
			return "", nil, "pip install 'moto[server]'"
		}
		port, err := freePort()
		if err != nil {
			return "", nil, err.Error()
		}
		endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
		return endpoint, []string{bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port)}, ""
	}, "/moto-api/")
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

// SharedStepFunctionsLocal is StepFunctionsLocal for packages with several
// tests that need it: one npm stepfunctions-local for the package, started on
// first use and ended by Main. It is not reset and not held: tests may use it
// at the same time, each creating its own activities and state machines.
func SharedStepFunctionsLocal(t testing.TB) string {
	t.Helper()
	s := sharedSFN
	s.ensure(t, "stepfunctions-local", func() (string, []string, string) {
		bin, how := npmBinPath("stepfunctions-local")
		if how != "" {
			return "", nil, how
		}
		port, err := freePort()
		if err != nil {
			return "", nil, err.Error()
		}
		endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
		return endpoint, []string{"node", bin, "start", "--port", fmt.Sprint(port)}, ""
	}, "/")
	return s.endpoint
}

// ensure starts the shared stand-in once. prepare returns its endpoint and
// command line, or (with an empty argv) how to install what is missing;
// readyPath is appended to the endpoint to tell when it answers.
func (s *shared) ensure(t testing.TB, name string, prepare func() (endpoint string, argv []string, missing string), readyPath string) {
	t.Helper()
	if !mainRunning {
		t.Fatalf("a shared %s needs the package's TestMain to run standin.Main, which ends it", name)
	}
	s.once.Do(func() {
		// No t.Fatal in here: a Goexit inside once.Do would leave every
		// later caller with an empty endpoint instead of the reason.
		endpoint, argv, how := prepare()
		if len(argv) == 0 {
			s.missing, s.failure = true, how
			return
		}
		stop, tail, err := startGroup(name, endpoint+readyPath, argv...)
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
		Missing(t, name, s.failure)
	}
	if s.failure != "" {
		t.Fatal(s.failure)
	}
}
