package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepshift/stepshift/internal/standin"
)

// The start-up budgets of issue 11 are for stepshift as a process: what a
// pre-commit hook or a shell user waits for. These benchmarks build the
// binary the way `make build` does and exec it.

// Both executables are built as `make build` builds them: static
// (CGO_ENABLED=0), without symbols (-s -w), and with urfave_cli_no_docs,
// which leaves urfave/cli's man-page and markdown generators (go-md2man,
// blackfriday) and their package init out. stepshift is the lean front
// (stepshift_lean); stepshift-full has every command.
const (
	fullTags = "urfave_cli_no_docs"
	leanTags = fullTags + ",stepshift_lean"
)

// shippedBinaries are `make build`'s two executables, side by side as the
// lean front looks for the full one, and the hello-world floor.
type shippedBinaries struct{ lean, full, hello string }

var (
	buildOnce  sync.Once
	built      shippedBinaries
	buildError error
	buildDir   string
)

// buildShipped builds the binaries once per test process, into a folder
// removed when the package's tests end (TestMain).
func buildShipped(tb testing.TB) shippedBinaries {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("go tool not found; cannot build the binaries")
	}
	buildOnce.Do(func() {
		if buildDir, buildError = os.MkdirTemp("", "stepshift-shipped-"); buildError != nil {
			return
		}
		built = shippedBinaries{
			lean:  filepath.Join(buildDir, "stepshift"),
			full:  filepath.Join(buildDir, "stepshift-full"),
			hello: filepath.Join(buildDir, "hello"),
		}
		for _, b := range []struct{ out, tags, pkg string }{
			{built.lean, leanTags, "./cmd/stepshift"},
			{built.full, fullTags, "./cmd/stepshift"},
			{built.hello, fullTags, "./cmd/stepshift/testdata/hello"},
		} {
			cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w", "-tags", b.tags, "-o", b.out, b.pkg)
			cmd.Dir = standin.ModuleRoot()
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if msg, err := cmd.CombinedOutput(); err != nil {
				buildError = fmt.Errorf("go build -tags %s %s: %v\n%s", b.tags, b.pkg, err, msg)
				return
			}
		}
	})
	if buildError != nil {
		tb.Fatal(buildError)
	}
	return built
}

// removeShipped removes what buildShipped built.
func removeShipped() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// execRun is one exec of a binary: its wall time and the CPU time (user +
// system) it used. CPU time is what a quiet machine's wall time would be,
// near enough, and it holds still when other processes load the machine.
type execRun struct{ wall, cpu time.Duration }

// execTime runs bin once; exit codes in ok pass.
func execTime(b *testing.B, ok []int, bin string, args ...string) execRun {
	cmd := exec.Command(bin, args...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if ee, isExit := err.(*exec.ExitError); isExit {
		code = ee.ExitCode()
	} else if err != nil {
		b.Fatalf("%s: %v", bin, err)
	}
	if !slices.Contains(ok, code) {
		b.Fatalf("%s %s: exit %d", filepath.Base(bin), strings.Join(args, " "), code)
	}
	return execRun{wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// runs sums and keeps the fastest of a series of runs.
type runs struct {
	n               int
	wall, cpu       time.Duration
	minWall, minCPU time.Duration
}

func (rs *runs) add(r execRun) {
	if rs.n == 0 || r.wall < rs.minWall {
		rs.minWall = r.wall
	}
	if rs.n == 0 || r.cpu < rs.minCPU {
		rs.minCPU = r.cpu
	}
	rs.n++
	rs.wall += r.wall
	rs.cpu += r.cpu
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// BenchmarkStartupHelp times `stepshift --help` against a hello-world Go
// binary (budget: within 2x). Each iteration runs both, so load on a shared
// machine hits both alike. Metrics: x-hello is the ratio of mean wall
// times, min-x-hello of the fastest runs, cpu-x-hello of mean CPU times
// (the steadiest on a busy machine); min-ms and cpu-ms are stepshift's.
func BenchmarkStartupHelp(b *testing.B) {
	bins := buildShipped(b)
	stepshift, hello := bins.lean, bins.hello
	b.Run("hello-world", func(b *testing.B) {
		var rs runs
		for b.Loop() {
			rs.add(execTime(b, []int{0}, hello))
		}
		b.ReportMetric(ms(rs.minWall), "min-ms")
		b.ReportMetric(ms(rs.cpu)/float64(rs.n), "cpu-ms")
	})
	b.Run("stepshift", func(b *testing.B) {
		var ours, floor runs
		for b.Loop() {
			b.StopTimer()
			floor.add(execTime(b, []int{0}, hello))
			b.StartTimer()
			ours.add(execTime(b, []int{0}, stepshift, "--help"))
		}
		b.ReportMetric(float64(ours.wall)/float64(floor.wall), "x-hello")
		b.ReportMetric(float64(ours.minWall)/float64(floor.minWall), "min-x-hello")
		b.ReportMetric(float64(ours.cpu)/float64(floor.cpu), "cpu-x-hello")
		b.ReportMetric(ms(ours.minWall), "min-ms")
		b.ReportMetric(ms(ours.cpu)/float64(ours.n), "cpu-ms")
	})
	// For comparison only: every command in one binary, AWS SDK included.
	b.Run("stepshift-full", func(b *testing.B) {
		var rs runs
		for b.Loop() {
			rs.add(execTime(b, []int{0}, bins.full, "--help"))
		}
		b.ReportMetric(ms(rs.minWall), "min-ms")
		b.ReportMetric(ms(rs.cpu)/float64(rs.n), "cpu-ms")
	})
}

// BenchmarkLintCorpusProcess times `stepshift lint` of the 36 NASA Cumulus
// workflows (budget: < 30 ms), the two legacy Kes records included.
func BenchmarkLintCorpusProcess(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(standin.CorpusDir(b), "cumulus", "workflows", "*.json"))
	if err != nil || len(files) != 36 {
		b.Fatalf("want 36 Cumulus workflows, got %d (%v)", len(files), err)
	}
	stepshift := buildShipped(b).lean
	args := append([]string{"lint", "--no-color"}, files...)
	b.Run("36-workflows", func(b *testing.B) {
		var rs runs
		for b.Loop() {
			rs.add(execTime(b, []int{0, 1}, stepshift, args...))
		}
		b.ReportMetric(ms(rs.minWall), "min-ms")
		b.ReportMetric(ms(rs.cpu)/float64(rs.n), "cpu-ms")
	})
}

// The packages whose init made every start slow must stay out of the
// shipped binaries: the JSON Schema library (a test-only reference now), the
// AWS SDK's schema-serde packages (go.mod pins the service modules to the
// releases before them; an upgrade must keep them out or measure again) and
// urfave/cli's doc generators.
func TestShippedBinaryLeavesOutSlowInitPackages(t *testing.T) {
	for _, tags := range []string{fullTags, leanTags} {
		for _, pkg := range shippedDeps(t, tags) {
			slow := strings.HasPrefix(pkg, "github.com/santhosh-tekuri/jsonschema") ||
				(strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/") && strings.HasSuffix(pkg, "/schemas")) ||
				strings.HasPrefix(pkg, "github.com/russross/blackfriday") ||
				strings.HasPrefix(pkg, "github.com/cpuguy83/go-md2man")
			if slow {
				t.Errorf("-tags %s: the binary links %s, whose package init slows every start", tags, pkg)
			}
		}
	}
}

// The lean front's start-up is what it leaves out: the AWS SDK and
// everything HTTP (the net package would also make the binary wait for the
// dynamic loader when cgo is on), hclwrite with go-cmp, the JSONata
// interpreter, the progress bar, and our packages that need them.
func TestLeanFrontLeavesOutHeavyPackages(t *testing.T) {
	heavy := []string{
		"github.com/aws/", "github.com/blues/jsonata-go", "github.com/google/go-cmp",
		"github.com/hashicorp/hcl/v2/hclwrite", "github.com/schollz/progressbar",
		"github.com/stepshift/stepshift/deployed", "github.com/stepshift/stepshift/execute",
		"github.com/stepshift/stepshift/runtime", "github.com/stepshift/stepshift/transpile",
	}
	deps := shippedDeps(t, leanTags)
	for _, pkg := range deps {
		if pkg == "net" || pkg == "net/http" || pkg == "runtime/cgo" {
			t.Errorf("the lean front links %s", pkg)
		}
		for _, h := range heavy {
			if strings.HasPrefix(pkg, h) {
				t.Errorf("the lean front links %s", pkg)
			}
		}
	}
	if !slices.Contains(deps, "github.com/stepshift/stepshift/lint") {
		t.Errorf("the lean front does not link lint: %v", deps)
	}
}

// shippedDeps lists the packages `go build -tags tags ./cmd/stepshift` links.
func shippedDeps(t *testing.T, tags string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", tags, "./cmd/stepshift")
	cmd.Dir = standin.ModuleRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -tags %s: %v", tags, err)
	}
	return strings.Fields(string(out))
}
