package lint

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/terraform/terraformtest"
)

var updateGolden = flag.Bool("update", false, "rewrite the lint.golden / want.golden files of fixtures/deployments and fixtures/rules")

const deploymentsDir = "../fixtures/deployments"

// goldenToday pins the day the runtime rule compares with, so the goldens
// do not change as runtimes reach their deprecation dates.
var goldenToday = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// lintDeployment loads a deployment folder and lints every rendering, with
// the Terraform problems as terraform-config findings.
func lintDeployment(t testing.TB, dir string, opts Options) []Finding {
	t.Helper()
	d := terraform.Load(dir, terraform.Options{})
	units := DeploymentUnits(d, nil)
	fs := append(Lint(units, opts), TerraformFindingsFor(d, opts.Config, units, true)...)
	SortFindings(fs)
	return fs
}

// renderFindings prints findings as `path:line:col: message [rule]` lines,
// paths relative to dir, each related location indented below its finding.
// Findings of the same place and rule from two renderings of one file print
// once per rendering, as the CLI reports them.
func renderFindings(fs []Finding, dir string) string {
	rel := func(p string) string {
		if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return filepath.ToSlash(p)
	}
	var b strings.Builder
	for _, f := range fs {
		r := f.Range
		r.Filename = rel(r.Filename)
		// Messages may quote absolute paths (a temporary fixture copy).
		msg := f.Message
		if abs, err := filepath.Abs(dir); err == nil {
			msg = strings.ReplaceAll(msg, abs+string(filepath.Separator), "")
		}
		msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
		fmt.Fprintf(&b, "%s: %s: %s [%s]\n", r, f.Severity, msg, f.Rule)
		for _, rl := range f.Related {
			rr := rl.Range
			rr.Filename = rel(rr.Filename)
			fmt.Fprintf(&b, "    %s: %s\n", rr, rl.Message)
		}
	}
	return b.String()
}

func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./lint -run %s -update)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("findings differ from %s (rerun with -update and review the diff):\n%s", golden, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d\nwant: %s\n got: %s", i+1, w, g)
		}
	}
	return ""
}

// TestDeploymentGolden lints each deployment fixture end to end and
// compares every finding, with its related Terraform locations, with
// lint.golden.
func TestDeploymentGolden(t *testing.T) {
	for _, name := range []string{"cumulus-tf", "heredoc", "python-nested", "relative-paths", "module-output", "locals-definition", "workflow-module", "unknown-why", "template-data", "vars-indirect", "foreach-workflows", "template-var-missing", "conditional-arn", "foreach-module"} {
		t.Run(name, func(t *testing.T) {
			if name == "cumulus-tf" {
				terraformtest.EnsureBigZip(t)
			}
			dir := filepath.Join(deploymentsDir, name)
			fs := lintDeployment(t, dir, Options{Today: goldenToday})
			checkGolden(t, filepath.Join(dir, "lint.golden"), renderFindings(fs, dir))
		})
	}
}

// TestDeploymentCumulusTFOverLimit pins what the README's first command
// must show on fixture (a): the 12,000 MB task, the 900 s task and the
// package over 50 MB, each pointing at the Task's Resource with the tfvars
// line as related location.
func TestDeploymentCumulusTFOverLimit(t *testing.T) {
	terraformtest.EnsureBigZip(t)
	dir := filepath.Join(deploymentsDir, "cumulus-tf")
	fs := lintDeployment(t, dir, Options{Today: goldenToday})
	want := []struct {
		rule    string
		sev     Severity
		state   string
		message string
		related string
	}{
		{"lambda-memory", Error, "SyncGranule", "has 12,000 MB of memory; Lambda allows at most 10,240 MB", "terraform.tfvars:17:"},
		{"lambda-timeout", Warning, "QueueGranules", "a longer run will be cut off", "terraform.tfvars:11:"},
		{"lambda-package-size", Error, "DiscoverGranules", "zipped; Lambda accepts at most 50.0 MB", "cumulus/main.tf:7:"},
	}
	for _, w := range want {
		found := false
		for _, f := range fs {
			if f.Rule != w.rule || f.Severity != w.sev || !strings.HasSuffix(f.Pointer, "/"+w.state+"/Resource") || !strings.Contains(f.Message, w.message) {
				continue
			}
			for _, r := range f.Related {
				if strings.Contains(filepath.ToSlash(r.Range.String()), w.related) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("no %s %s on %s containing %q with related %s;\ngot:\n%s", w.sev, w.rule, w.state, w.message, w.related, renderFindings(fs, dir))
		}
	}
}

// TestLimitsConfigChangesVerdict: memory_max_mb = 3008 (an account capped
// at the old maximum) turns the 3,008 MB task into a warning at the cap, and
// the cumulus-docs profile flags the 2,048 MB /tmp of SyncGranule.
func TestLimitsConfigChangesVerdict(t *testing.T) {
	terraformtest.EnsureBigZip(t)
	dir := filepath.Join(deploymentsDir, "cumulus-tf")
	cfg, diags := ParseConfig([]byte("limits = \"cumulus-docs\"\nmemory_max_mb = 3008\nmargin = 0.9\n"), filepath.Join(dir, ".stepshift.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	opts := Options{Today: goldenToday, Config: cfg}
	if err := cfg.ApplyLimits(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.Limits.MemoryMaxMB != 3008 || opts.Margin != 0.9 || opts.Limits.EphemeralStorageMaxMB != 512 {
		t.Fatalf("ApplyLimits: got %+v margin %v", opts.Limits, opts.Margin)
	}
	out := renderFindings(lintDeployment(t, dir, opts), dir)
	for _, want := range []string{
		`Lambda "ghrc-sit-QueueGranules" (module.cumulus.aws_lambda_function.queue_granules_task) has 3,008 MB of memory, 100% of the 3,008 MB the cumulus-docs limits allows`,
		`has 2,048 MB of /tmp; the cumulus-docs limits allows at most 512 MB`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func BenchmarkLintDeploymentCumulusTF(b *testing.B) {
	terraformtest.EnsureBigZip(b)
	dir := filepath.Join(deploymentsDir, "cumulus-tf")
	opts := Options{Today: goldenToday}
	for b.Loop() {
		d := terraform.Load(dir, terraform.Options{})
		fs := Lint(DeploymentUnits(d, nil), opts)
		if len(fs) == 0 {
			b.Fatal("no findings")
		}
	}
}
