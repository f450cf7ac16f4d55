package standin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// outcome records what a test helper did to its test instead of doing it.
type outcome struct {
	testing.TB
	skipped, failed string
}

func (o *outcome) Helper()                           {}
func (o *outcome) Skipf(format string, args ...any)  { o.skipped = fmt.Sprintf(format, args...) }
func (o *outcome) Fatalf(format string, args ...any) { o.failed = fmt.Sprintf(format, args...) }
func (o *outcome) Logf(format string, args ...any)   {}

func corpusAt(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cumulus", "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFindCorpusOrder(t *testing.T) {
	empty, first, second := t.TempDir(), corpusAt(t), corpusAt(t)
	if got, err := findCorpus([]string{empty, first, second}); err != nil || got != first {
		t.Errorf("got %q, %v; want the first folder holding cumulus/workflows, %s", got, err, first)
	}
	_, err := findCorpus([]string{empty, filepath.Join(empty, "missing")})
	if err == nil || !strings.Contains(err.Error(), "make corpus") || !strings.Contains(err.Error(), empty) {
		t.Errorf("no corpus: %v; want the folders tried and `make corpus`", err)
	}
	t.Setenv("STEPSHIFT_CORPUS", second)
	if c := CorpusCandidates(); c[0] != second || !strings.HasSuffix(c[1], filepath.Join("shared", "corpus")) || !strings.HasSuffix(c[2], filepath.Join("testdata", "corpus")) {
		t.Errorf("candidates %v; want $STEPSHIFT_CORPUS, ../shared/corpus, testdata/corpus", c)
	}
	if got, err := FindCorpus(); err != nil || got != second {
		t.Errorf("FindCorpus with STEPSHIFT_CORPUS=%s: %q, %v", second, got, err)
	}
}

// TestMissingCorpusSkipsOrFails: without a corpus a test skips with one
// line naming `make corpus`, and fails instead with STEPSHIFT_REQUIRE_CORPUS=1.
func TestMissingCorpusSkipsOrFails(t *testing.T) {
	_, err := findCorpus([]string{t.TempDir()})
	t.Setenv("STEPSHIFT_REQUIRE_CORPUS", "")
	o := &outcome{TB: t}
	missingCorpus(o, err)
	if o.failed != "" || !strings.Contains(o.skipped, "run `make corpus`") || strings.Contains(o.skipped, "\n") {
		t.Errorf("skip %q, fail %q; want one skip line naming make corpus", o.skipped, o.failed)
	}
	t.Setenv("STEPSHIFT_REQUIRE_CORPUS", "1")
	o = &outcome{TB: t}
	missingCorpus(o, err)
	if o.skipped != "" || !strings.Contains(o.failed, "make corpus") || !strings.Contains(o.failed, "STEPSHIFT_REQUIRE_CORPUS=1") {
		t.Errorf("skip %q, fail %q; want a failure naming make corpus", o.skipped, o.failed)
	}
}

// TestCorpusFoundOneWay: Go code of this module finds the external corpora
// only through this package (CorpusDir, CorpusFiles, ...), so a plain clone,
// $STEPSHIFT_CORPUS and `make corpus` work for every test. A path spelled
// out to ../shared fails here, naming the file and line.
func TestCorpusFoundOneWay(t *testing.T) {
	root := ModuleRoot()
	spelled := []string{`"..", "shared"`, `"shared", "corpus"`, `../shared/`, `"shared/corpus`}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == root {
				return nil
			}
			name := d.Name()
			if strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || path == filepath.Join(root, "internal", "standin") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module (scripts/schema-bench)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			code := strings.TrimSpace(line)
			if strings.HasPrefix(code, "//") {
				continue
			}
			for _, s := range spelled {
				if strings.Contains(code, s) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d: finds the corpus by path (%s); use standin.CorpusDir, CorpusFiles or OptionalCorpusFiles", rel, i+1, s)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCorpusScriptAgrees: scripts/corpus-dir.sh, which `make test` and
// `make bench-peers` use to say whether the corpus is there, finds the
// folder FindCorpus finds, $STEPSHIFT_CORPUS first.
func TestCorpusScriptAgrees(t *testing.T) {
	script := filepath.Join(ModuleRoot(), "scripts", "corpus-dir.sh")
	run := func() (string, bool) {
		out, err := exec.Command("bash", script).Output()
		dir := strings.TrimSpace(string(out))
		if dir != "" && !filepath.IsAbs(dir) {
			dir = filepath.Join(ModuleRoot(), dir)
		}
		return filepath.Clean(dir), err == nil
	}
	for _, env := range []string{corpusAt(t), t.TempDir()} {
		t.Setenv("STEPSHIFT_CORPUS", env)
		want, err := FindCorpus()
		got, found := run()
		if found != (err == nil) || (found && got != filepath.Clean(want)) {
			t.Errorf("STEPSHIFT_CORPUS=%s: the script found %q (%v), FindCorpus %q (%v)", env, got, found, want, err)
		}
	}
}
