package main

import (
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// runAsStepshiftEnv makes this test binary run as the stepshift command
// (main) instead of running tests: tests that need the binary as a process
// (under another name, say) exec a link to it, saving a `go build` of the
// whole command per test run.
const runAsStepshiftEnv = "STEPSHIFT_TEST_RUN_MAIN"

// TestMain runs main for runAsStepshiftEnv; otherwise it runs the tests and
// ends the stand-ins they share (standin.SharedMoto) and removes the
// binaries they built (buildShipped).
func TestMain(m *testing.M) {
	if os.Getenv(runAsStepshiftEnv) == "1" {
		main()
	}
	if leanFront {
		// The in-process tests run commands the lean front hands to
		// stepshift-full; lean_test.go tests the front as a process.
		fmt.Println("cmd/stepshift: tests run on the full build (go test without -tags stepshift_lean)")
		os.Exit(0)
	}
	code := standin.Main(m)
	removeShipped()
	os.Exit(code)
}

// testBinaryAsStepshift puts this test binary at path (a hard link, or a
// copy across file systems); exec it with runAsStepshiftEnv=1 in its
// environment and it is stepshift, argv[0] dispatch included.
func testBinaryAsStepshift(t *testing.T, path string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if os.Link(self, path) == nil {
		return
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
