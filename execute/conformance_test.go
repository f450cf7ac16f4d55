package execute

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// runTestFile runs every case of a test file and reports mismatches.
func runTestFile(t *testing.T, path string) {
	t.Helper()
	tf, problems, err := LoadTestFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s", p)
	}
	if tf == nil {
		return
	}
	doc, err := workflow.LoadFile(tf.Workflow)
	if err != nil {
		t.Fatal(err)
	}
	m, err := CompileDocument(doc, tf.Name(), nil)
	if err != nil {
		t.Fatalf("%s: %v", tf.Workflow, err)
	}
	for _, p := range tf.CheckMachine(m) {
		t.Errorf("%s", p)
	}
	for _, tc := range tf.Cases {
		res, err := m.Run(tc.Input, Options{Mocks: tf.Mocker(m, tc)})
		if err != nil {
			t.Errorf("%s: %v", tc.Name, err)
			continue
		}
		for _, d := range tc.Check(res) {
			t.Errorf("%s: %s", tc.Name, d)
		}
	}
}

// TestConformance runs the fixtures taken from AWS's documented examples,
// each checked against the output AWS documents.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(standin.ModuleRoot(), "fixtures", "execute", "*"+TestFileSuffix))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), TestFileSuffix), func(t *testing.T) { runTestFile(t, f) })
	}
}
