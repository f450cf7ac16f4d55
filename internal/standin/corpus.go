package standin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CorpusRequired reports whether a missing corpus must fail tests instead of
// skipping them (STEPSHIFT_REQUIRE_CORPUS=1; .ci/run sets it).
func CorpusRequired() bool { return os.Getenv("STEPSHIFT_REQUIRE_CORPUS") == "1" }

// CorpusCandidates lists, in the order they are tried, the folders that may
// hold the external corpora: $STEPSHIFT_CORPUS when set, ../shared/corpus
// beside the checkout (CI), then testdata/corpus (what `make corpus` writes).
func CorpusCandidates() []string {
	var dirs []string
	if env := os.Getenv("STEPSHIFT_CORPUS"); env != "" {
		dirs = append(dirs, env)
	}
	root := ModuleRoot()
	return append(dirs, filepath.Join(root, "..", "shared", "corpus"), filepath.Join(root, "testdata", "corpus"))
}

// errNoCorpus is what FindCorpus returns, wrapped with the folders tried.
var errNoCorpus = errors.New("external test corpus not found")

// FindCorpus returns the first of CorpusCandidates that holds the corpus (a
// folder with cumulus/workflows in it), or an error naming every folder
// tried and `make corpus`.
func FindCorpus() (string, error) { return findCorpus(CorpusCandidates()) }

func findCorpus(dirs []string) (string, error) {
	for _, dir := range dirs {
		// The Cumulus folder is the marker: an empty or unrelated folder
		// of the same name is not a corpus.
		if st, err := os.Stat(filepath.Join(dir, "cumulus", "workflows")); err == nil && st.IsDir() {
			return filepath.Clean(dir), nil
		}
	}
	return "", fmt.Errorf("%w (looked in %s); run `make corpus` to download it", errNoCorpus, strings.Join(dirs, ", "))
}

// CorpusDir returns the folder holding the external corpora (see FindCorpus).
// When there is none it skips t with one line naming `make corpus`, or
// fails t when STEPSHIFT_REQUIRE_CORPUS=1.
func CorpusDir(t testing.TB) string {
	t.Helper()
	dir, err := FindCorpus()
	if err != nil {
		missingCorpus(t, err)
	}
	return dir
}

// OptionalCorpus is CorpusDir for tests that also run without the corpus
// (fuzz seeds, fixture-and-corpus sweeps): it returns "" instead of
// skipping, and still fails t when STEPSHIFT_REQUIRE_CORPUS=1.
func OptionalCorpus(t testing.TB) string {
	t.Helper()
	dir, err := FindCorpus()
	if err != nil {
		if CorpusRequired() {
			missingCorpus(t, err)
		}
		t.Logf("%v; this test runs on the in-repository fixtures only", err)
		return ""
	}
	return dir
}

func missingCorpus(t testing.TB, err error) {
	t.Helper()
	if CorpusRequired() {
		t.Fatalf("%v; STEPSHIFT_REQUIRE_CORPUS=1 makes this a failure", err)
		return
	}
	t.Skipf("skipping: %v", err)
}

// CorpusFiles returns the corpus files matching pattern (a filepath.Glob
// pattern relative to the corpus folder, such as "cumulus/workflows/*.json"),
// skipping or failing t as CorpusDir does when there is no corpus, and
// failing t when the corpus has no such file.
func CorpusFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(CorpusDir(t), pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("the corpus has no %s (%v); run `make corpus` again", pattern, err)
	}
	return files
}

// OptionalCorpusFiles is CorpusFiles for tests that also run without the
// corpus (see OptionalCorpus): nil when there is none.
func OptionalCorpusFiles(t testing.TB, pattern string) []string {
	t.Helper()
	dir := OptionalCorpus(t)
	if dir == "" {
		return nil
	}
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("the corpus has no %s (%v); run `make corpus` again", pattern, err)
	}
	return files
}

// ReferenceFile returns the path of an AWS reference table in
// ../shared/reference beside the checkout (facts compiled from AWS's published
// tables, such as lambda-runtimes.tsv). Like the corpus it is not part of a
// plain clone: a missing file skips t, or fails it when
// STEPSHIFT_REQUIRE_CORPUS=1 (CI has ../shared).
func ReferenceFile(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(ModuleRoot(), "..", "shared", "reference", name)
	if _, err := os.Stat(path); err != nil {
		missingCorpus(t, fmt.Errorf("reference table %s not found beside the checkout: %w", name, err))
	}
	return path
}
