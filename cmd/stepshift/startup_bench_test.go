package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepshift/stepshift/internal/standin"
)

// The start-up budgets of issue 11 are for stepshift as a process: what a
// pre-commit hook or a shell user waits for. These benchmarks build the
// binary the way `make build` does and exec it.

// shippedBuildFlags are `make build`'s flags. urfave_cli_no_docs leaves
// urfave/cli's man-page and markdown generators (go-md2man, blackfriday)
// out of the binary; stepshift never calls them, and their package init
// runs on every start.
const shippedTags = "urfave_cli_no_docs"

var shippedBuildFlags = []string{"-trimpath", "-tags", shippedTags}

// buildBinaries builds stepshift and the hello-world floor into dir.
func buildBinaries(b *testing.B, dir string) (stepshift, hello string) {
	b.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		b.Skip("go tool not found; cannot build the binary to benchmark")
	}
	stepshift = filepath.Join(dir, "stepshift")
	hello = filepath.Join(dir, "hello")
	for out, pkg := range map[string]string{stepshift: "./cmd/stepshift", hello: "./cmd/stepshift/testdata/hello"} {
		cmd := exec.Command(goTool, append(append([]string{"build"}, shippedBuildFlags...), "-o", out, pkg)...)
		cmd.Dir = standin.ModuleRoot()
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return stepshift, hello
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
	stepshift, hello := buildBinaries(b, b.TempDir())
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
}

// BenchmarkLintCorpusProcess times `stepshift lint` of the 36 NASA Cumulus
// workflows (budget: < 30 ms), the two legacy Kes records included.
func BenchmarkLintCorpusProcess(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(standin.CorpusDir(b), "cumulus", "workflows", "*.json"))
	if err != nil || len(files) != 36 {
		b.Fatalf("want 36 Cumulus workflows, got %d (%v)", len(files), err)
	}
	stepshift, _ := buildBinaries(b, b.TempDir())
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
// shipped binary: the JSON Schema library (a test-only reference now), the
// AWS SDK's schema-serde packages (go.mod pins the service modules to the
// releases before them; an upgrade must keep them out or measure again) and
// urfave/cli's doc generators.
func TestShippedBinaryLeavesOutSlowInitPackages(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-tags", shippedTags, "./cmd/stepshift")
	cmd.Dir = standin.ModuleRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		slow := strings.HasPrefix(pkg, "github.com/santhosh-tekuri/jsonschema") ||
			(strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/") && strings.HasSuffix(pkg, "/schemas")) ||
			strings.HasPrefix(pkg, "github.com/russross/blackfriday") ||
			strings.HasPrefix(pkg, "github.com/cpuguy83/go-md2man")
		if slow {
			t.Errorf("the shipped binary links %s, whose package init slows every start", pkg)
		}
	}
}
