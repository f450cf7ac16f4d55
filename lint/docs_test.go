package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// TestRuleDocsAreComplete: every rule has the four parts of its page, and
// docs/rules/ is what `stepshift docs` generates from them (run `make docs`).
func TestRuleDocsAreComplete(t *testing.T) {
	for _, r := range Rules() {
		if r.Summary == "" || r.Doc.Checks == "" || r.Doc.Why == "" || r.Doc.Fix == "" {
			t.Errorf("rule %s lacks a summary, what it checks, why or how to fix", r.ID)
		}
		if r.ID != strings.ToLower(r.ID) || strings.ContainsAny(r.ID, " _.") {
			t.Errorf("rule ID %q is not kebab-case", r.ID)
		}
		if !strings.Contains(r.Explain(), r.Doc.Checks[:min(20, len(r.Doc.Checks))]) {
			t.Errorf("explain %s does not print its docs", r.ID)
		}
	}
	dir := filepath.Join(standin.ModuleRoot(), "docs", "rules")
	for name, want := range GeneratedDocs() {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(want) {
			t.Errorf("docs/rules/%s is missing or stale; run `make docs`", name)
		}
	}
}

func TestWriteDocsRemovesStalePages(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "retired-rule.md")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteDocs(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the page of a rule that no longer exists was kept")
	}
	if _, err := os.Stat(filepath.Join(dir, "no-dollar.md")); err != nil {
		t.Error(err)
	}
}
