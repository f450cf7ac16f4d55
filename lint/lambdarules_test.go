package lint

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepshift/stepshift/deployed"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/terraform/terraformtest"
	"github.com/stepshift/stepshift/usage"
	"github.com/stepshift/stepshift/workflow"
)

const ruleFixturesDir = "../fixtures/rules"

// fixtureSetup writes what a rule fixture needs and must not commit (package
// zips), into the fixture's temporary copy.
var fixtureSetup = map[string]func(t *testing.T, dir string){
	"lambda-package-size": func(t *testing.T, dir string) {
		writeZeroZip(t, filepath.Join(dir, "dist/process.zip"), 150<<20, nil)
		writeZeroZip(t, filepath.Join(dir, "layers/deps.zip"), 110<<20, nil)
		writeZeroZip(t, filepath.Join(dir, "dist/convert.zip"), 210<<20, nil)
	},
	"cma-config-schema": func(t *testing.T, dir string) {
		writeZeroZip(t, filepath.Join(dir, "dist/sync-granule.zip"), 1<<10, map[string]string{
			"schemas/config.json": `{"title": "SyncGranuleConfig", "type": "object",
  "required": ["provider", "buckets", "downloadBucket"],
  "properties": {"provider": {}, "buckets": {}, "downloadBucket": {}, "collection": {}, "stack": {}}}`,
		})
		writeZeroZip(t, filepath.Join(dir, "dist/move-granules.zip"), 1<<10, map[string]string{
			"schemas/config.json": `{"type": "object", "additionalProperties": false,
  "required": ["buckets"], "properties": {"buckets": {}, "distribution_endpoint": {}}}`,
		})
	},
}

// writeZeroZip writes a zip whose index.js is size zero bytes, deflated
// (so a 150 MB package is a few hundred KB on disk), plus the given entries.
func writeZeroZip(t *testing.T, path string, size int64, entries map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	data, crc := zeroDeflate(t, size)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "index.js", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(size)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	for name, text := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

// zeroDeflate returns a deflate stream of size zero bytes and their CRC-32.
// Compressing hundreds of MB takes half a minute under -race, so the stream
// is assembled from the compressed form of one MiB, flushed to a byte
// boundary: after the first MiB every further MiB compresses to blocks that
// only refer back to zeros, so the same bytes serve for each.
func zeroDeflate(t *testing.T, size int64) ([]byte, uint32) {
	t.Helper()
	const mib = 1 << 20
	zeros := make([]byte, mib)
	var out, buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	segment := func(n int64) []byte { // the blocks for n more zeros
		fw.Write(zeros[:n])
		if err := fw.Flush(); err != nil {
			t.Fatal(err)
		}
		b := bytes.Clone(buf.Bytes())
		buf.Reset()
		return b
	}
	var crc uint32
	var steady []byte // the blocks of one more MiB of zeros, after at least one MiB of them
	for left, i := size, 0; left > 0; left, i = left-mib, i+1 {
		n := min(left, mib)
		crc = crc32.Update(crc, crc32.IEEETable, zeros[:n])
		switch {
		case i == 0 || n < mib:
			out.Write(segment(n))
		case steady == nil:
			steady = segment(n)
			out.Write(steady)
		default:
			out.Write(steady)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Write(buf.Bytes())
	return out.Bytes(), crc
}

// TestZeroZipDecodes: writeZeroZip's assembled stream is a valid zip entry
// of exactly size zero bytes (the reader checks the CRC-32 at its end).
func TestZeroZipDecodes(t *testing.T) {
	for _, size := range []int64{0, 1, 1 << 10, 1 << 20, 1<<20 + 5, 3<<20 + 12345} {
		p := filepath.Join(t.TempDir(), "z.zip")
		writeZeroZip(t, p, size, map[string]string{"a": "b"})
		zr, err := zip.OpenReader(p)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1<<16)
		var n int64
		for {
			k, err := rc.Read(buf)
			for _, c := range buf[:k] {
				if c != 0 {
					t.Fatal("nonzero")
				}
			}
			n += int64(k)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("size %d: %v after %d", size, err, n)
			}
		}
		if err := rc.Close(); err != nil || n != size {
			t.Fatalf("size %d: got %d, close %v", size, n, err)
		}
		zr.Close()
	}
}

// copyDir copies a fixture into a fresh folder so generated zips never land
// in the source tree.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// lintRuleFixture lints a rule fixture: a deployment when it holds .tf
// files (every rendering, with the Terraform problems), else each
// .asl.json alone; with the usage evidence of logs/ when there is one and
// the .stepshift.hcl when there is one.
func lintRuleFixture(t *testing.T, dir string) []Finding {
	t.Helper()
	opts := Options{Today: goldenToday}
	if src, err := os.ReadFile(filepath.Join(dir, ConfigFileName)); err == nil {
		cfg, diags := ParseConfig(src, filepath.Join(dir, ConfigFileName))
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		opts.Config = cfg
		if err := cfg.ApplyLimits(&opts); err != nil {
			t.Fatal(err)
		}
	}
	var byFunction map[string]*usage.Usage
	if st, err := os.Stat(filepath.Join(dir, "logs")); err == nil && st.IsDir() {
		c := usage.NewCollector()
		if err := c.ParsePath(filepath.Join(dir, "logs")); err != nil {
			t.Fatal(err)
		}
		byFunction = map[string]*usage.Usage{}
		for _, u := range c.All() {
			byFunction[u.Function] = u
		}
	}
	var units []*Unit
	var extra []Finding
	if tf, _ := filepath.Glob(filepath.Join(dir, "*.tf")); len(tf) > 0 {
		d := terraform.Load(dir, terraform.Options{})
		units = DeploymentUnits(d, nil)
		extra = TerraformFindings(d, opts.Config)
	} else {
		files, _ := filepath.Glob(filepath.Join(dir, "*.asl.json"))
		for _, f := range files {
			doc, err := workflow.LoadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, &Unit{Doc: doc})
		}
	}
	for _, u := range units {
		u.Usage = byFunction
	}
	overlayDeployed(t, dir, units)
	fs := append(Lint(units, opts), extra...)
	SortFindings(fs)
	return fs
}

// overlayDeployed joins the function configurations of dir/deployed.json
// (what GetFunctionConfiguration would answer) to each Task's Lambda by
// function name, as `lint --aws` does.
func overlayDeployed(t *testing.T, dir string, units []*Unit) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "deployed.json"))
	if err != nil {
		return
	}
	var configs []*deployed.FunctionConfig
	if err := json.Unmarshal(src, &configs); err != nil {
		t.Fatalf("deployed.json: %v", err)
	}
	byName := map[string]*deployed.FunctionConfig{}
	for _, c := range configs {
		byName[c.FunctionName] = c
	}
	for _, u := range units {
		for _, task := range u.Tasks {
			if task.Lambda == nil || !task.Lambda.FunctionName.Known {
				continue
			}
			if c := byName[task.Lambda.FunctionName.Value]; c != nil {
				task.Lambda = deployed.Overlay(task.Lambda, c)
			}
		}
	}
}

// TestFactRuleFixtures lints fixtures/rules/<rule>/ (those with a want.golden)
// and compares the findings of that rule, with their related Terraform
// locations, with want.golden. Every fixture must trigger its rule.
func TestFactRuleFixtures(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(ruleFixturesDir, "*", "want.golden"))
	if len(dirs) < 20 && !*updateGolden {
		t.Fatalf("found %d rule fixtures with want.golden, want at least 20", len(dirs))
	}
	if *updateGolden {
		// -update also creates goldens for fixtures this test owns.
		for id := range ownedRuleFixtures {
			dirs = append(dirs, filepath.Join(ruleFixturesDir, id, "want.golden"))
		}
	}
	seen := map[string]bool{}
	for _, golden := range dirs {
		src := filepath.Dir(golden)
		id := filepath.Base(src)
		if seen[id] {
			continue
		}
		seen[id] = true
		t.Run(id, func(t *testing.T) {
			if _, ok := LookupRule(id); !ok {
				t.Fatalf("no rule %q", id)
			}
			dir := filepath.Join(t.TempDir(), id)
			copyDir(t, src, dir)
			if setup := fixtureSetup[id]; setup != nil {
				setup(t, dir)
			}
			var mine []Finding
			for _, f := range lintRuleFixture(t, dir) {
				if f.Rule == id {
					mine = append(mine, f)
				}
			}
			if len(mine) == 0 {
				t.Errorf("the fixture does not trigger %s", id)
			}
			checkGolden(t, filepath.Join(src, "want.golden"), renderFindings(mine, dir))
		})
	}
}

// ownedRuleFixtures are the rule fixtures of this file's rules.
var ownedRuleFixtures = map[string]bool{
	"lambda-memory": true, "lambda-timeout": true, "lambda-tmp-storage": true, "lambda-package-size": true,
	"lambda-layers": true, "lambda-runtime": true, "lambda-image-package": true, "lambda-facts-unknown": true,
	"task-timeout": true, "activity-heartbeat": true, "activity-lambda-retry": true, "lambda-retry": true,
	"cma-event": true, "cma-replace-config": true, "cma-template": true, "cma-outputs": true, "cma-config-schema": true,
	"usage-memory": true, "usage-duration": true, "usage-tmp": true, "terraform-config": true,
	"lambda-drift": true,
}

// TestFactRulesDocumented: each rule of this family is registered with a
// page (`stepshift explain`) and a fixture of its own.
func TestFactRulesDocumented(t *testing.T) {
	for id := range ownedRuleFixtures {
		r, ok := LookupRule(id)
		if !ok {
			t.Errorf("%s is not registered", id)
			continue
		}
		if r.Summary == "" || r.Doc.Checks == "" || r.Doc.Why == "" || r.Doc.Fix == "" || r.Doc.Example == "" {
			t.Errorf("%s: summary, checks, example, why and fix must all be written", id)
		}
		if _, err := os.Stat(filepath.Join(ruleFixturesDir, id, "want.golden")); err != nil {
			t.Errorf("%s has no fixture: %v", id, err)
		}
	}
}

// TestFactFindingsPointIntoTheirState: on every deployment fixture, each
// finding of this family lies inside a Task state (its Pointer is the state
// or below it), which is how the summary table and `migrate --over-limit`
// join findings to steps.
func TestFactFindingsPointIntoTheirState(t *testing.T) {
	terraformtest.EnsureBigZip(t)
	for _, name := range []string{"cumulus-tf", "heredoc", "python-nested"} {
		for _, f := range lintDeployment(t, filepath.Join(deploymentsDir, name), Options{Today: goldenToday}) {
			if !ownedRuleFixtures[f.Rule] || f.Rule == "terraform-config" {
				continue
			}
			if functionFactRules[f.Rule] && !strings.HasSuffix(f.Range.Filename, ".asl.json") {
				// A fact about the function: at its Terraform line, every
				// Task that runs it a related location inside that state.
				uses := 0
				for _, r := range f.Related {
					if strings.HasPrefix(r.Message, TaskUseNote) {
						uses++
					}
				}
				if uses == 0 || f.Pointer != "" || !strings.HasSuffix(f.Range.Filename, ".tf") {
					t.Errorf("%s: function fact %s: want a .tf range, no pointer and its Tasks as related locations", name, f)
				}
				continue
			}
			if !strings.HasPrefix(f.Pointer, "/States/") && !strings.Contains(f.Pointer, "/States/") {
				t.Errorf("%s: %s has pointer %q, not inside a state", name, f, f.Pointer)
			}
			if f.Range.IsZero() {
				t.Errorf("%s: %s has no range", name, f)
			}
		}
	}
}

// TestRuntimePhases walks nodejs18.x (AWS: deprecated 2025-09-01, create
// blocked 2027-02-01, update blocked 2027-03-03) through its lifecycle with
// an injected day: nothing before deprecation, a warning naming the
// block-create day, a warning naming the block-update day that says a new
// stack fails, then an error. The finding is one, at the runtime line.
func TestRuntimePhases(t *testing.T) {
	dir := filepath.Join(ruleFixturesDir, "lambda-runtime")
	cases := []struct {
		day  string
		sev  Severity
		want string // "" for no finding
	}{
		{"2025-08-31", 0, ""},
		{"2025-09-01", Warning, "deprecated since 2025-09-01; AWS blocks creating functions with it from 2027-02-01"},
		{"2027-02-01", Warning, "refused to create functions with it since 2027-02-01 — deploying a new stack (or replacing the function) fails; the existing function can still be updated until 2027-03-03"},
		{"2027-03-03", Error, "refused to create or update functions with it since 2027-03-03"},
	}
	for _, c := range cases {
		day, _ := time.Parse(time.DateOnly, c.day)
		d := terraform.Load(dir, terraform.Options{})
		var got []Finding
		for _, f := range Lint(DeploymentUnits(d, nil), Options{Today: day}) {
			if f.Rule == "lambda-runtime" && strings.Contains(f.Message, "sit-HelloWorld") {
				got = append(got, f)
			}
		}
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s: want no finding, got %v", c.day, got)
		case c.want != "" && (len(got) != 1 || got[0].Severity != c.sev || !strings.Contains(got[0].Message, c.want) ||
			!strings.HasSuffix(got[0].Range.Filename, "main.tf") || len(got[0].Related) != 2):
			t.Errorf("%s: want one %s at main.tf containing %q with 2 Tasks related, got %v", c.day, c.sev, c.want, got)
		}
	}
}

// TestFunctionFactSuppressedPerTask: a function fact merged from several
// Tasks keeps the Tasks whose state does not suppress it; the suppression
// in the other counts as used.
func TestFunctionFactSuppressedPerTask(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lambda-runtime")
	copyDir(t, filepath.Join(ruleFixturesDir, "lambda-runtime"), dir)
	wf := filepath.Join(dir, "runtimes.asl.json")
	src, err := os.ReadFile(wf)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `"HelloAgain": {`, `"HelloAgain": {
      "Comment": "stepshift:ignore lambda-runtime -- replaced next sprint",`, 1)
	if edited == string(src) {
		t.Fatal("fixture has no HelloAgain state")
	}
	if err := os.WriteFile(wf, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	d := terraform.Load(dir, terraform.Options{})
	var hello []Finding
	for _, f := range Lint(DeploymentUnits(d, nil), Options{Today: goldenToday}) {
		if f.Rule == unusedSuppressionID {
			t.Errorf("the suppression counts as unused: %s", f)
		}
		if f.Rule == "lambda-runtime" && strings.Contains(f.Message, "sit-HelloWorld") {
			hello = append(hello, f)
		}
	}
	if len(hello) != 1 || len(hello[0].Related) != 1 || !strings.Contains(hello[0].Related[0].Message, `"Hello"`) || !strings.HasSuffix(hello[0].Message, "(1 Task runs it)") {
		t.Errorf("want one finding naming only Task Hello, got %v", hello)
	}
}
