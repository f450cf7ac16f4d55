package lint

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// lintFile loads and lints one file alone (no Terraform), default options.
func lintFile(t testing.TB, path string, opts Options) []Finding {
	t.Helper()
	doc, err := workflow.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Lint([]*Unit{{Doc: doc}}, opts)
}

func errorsOf(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

// readTSV reads `a<TAB>b` lines, skipping a header starting with "file" and # comments.
func readTSV(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "file\t") {
			continue
		}
		a, b, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(b) == "" {
			t.Fatalf("%s: malformed line %q (want file<TAB>value)", path, line)
		}
		out[a] = b
	}
	return out
}

// TestConformance holds the linter to the labels of statelint's and
// asl-validator's own test definitions: every invalid file gets an error,
// no valid file does, except the files listed (with a reason) in
// fixtures/conformance-exceptions.tsv — and a listed exception must still
// be needed.
func TestConformance(t *testing.T) {
	dir := filepath.Join(standin.CorpusDir(t), "asl-conformance")
	labels := readTSV(t, filepath.Join(dir, "labels.tsv"))
	exceptions := readTSV(t, filepath.Join(standin.ModuleRoot(), "fixtures", "conformance-exceptions.tsv"))
	if len(exceptions) > 5 {
		t.Errorf("%d conformance exceptions; the budget is 5", len(exceptions))
	}
	if len(labels) != 184 {
		t.Errorf("labels.tsv has %d files, want 184", len(labels))
	}
	for file, want := range labels {
		fs := lintFile(t, filepath.Join(dir, file), Options{})
		errs := errorsOf(fs)
		ok := (want == "invalid") == (len(errs) > 0)
		_, excepted := exceptions[file]
		switch {
		case !ok && !excepted:
			var lines []string
			for _, f := range fs {
				lines = append(lines, "  "+f.Severity.String()+" "+f.String())
			}
			t.Errorf("%s is %s but got %d errors:\n%s", file, want, len(errs), strings.Join(lines, "\n"))
		case ok && excepted:
			t.Errorf("%s is listed in conformance-exceptions.tsv but now passes; remove it", file)
		}
	}
	for file := range exceptions {
		if _, ok := labels[file]; !ok {
			t.Errorf("exception %s is not in labels.tsv", file)
		}
	}
}

// TestCumulusCorpusHasNoErrors: NASA's own deployed workflows are valid, so
// any error on them is a false positive.
func TestCumulusCorpusHasNoErrors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(standin.CorpusDir(t), "cumulus", "workflows", "*.json"))
	if len(files) != 36 {
		t.Fatalf("found %d Cumulus workflows, want 36", len(files))
	}
	for _, f := range files {
		for _, fd := range lintFile(t, f, Options{}) {
			if fd.Severity == Error {
				t.Errorf("%s", fd)
			} else {
				t.Logf("%s: %s", fd.Severity, fd)
			}
		}
	}
}
