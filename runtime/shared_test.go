package runtime

import (
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// sharedStepFunctionsLocal returns the endpoint of the package's one npm
// stepfunctions-local, started on first use and ended by TestMain (through
// standin.Main). Each test creates its own activities and state machines on
// it. A missing stand-in skips (or fails, with STEPSHIFT_REQUIRE_EMULATORS=1)
// every test that asks.
func sharedStepFunctionsLocal(t testing.TB) string {
	t.Helper()
	return standin.SharedStepFunctionsLocal(t)
}
