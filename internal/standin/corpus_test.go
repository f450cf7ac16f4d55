package standin

import (
	"fmt"
	"os"
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
