package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/lint"
)

func TestRulesExplainDocsCommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"stepshift", "rules"}, strings.NewReader(""), &out, &errOut); code != exitClean {
		t.Fatalf("rules: exit %d, stderr %s", code, errOut.String())
	}
	for _, r := range lint.Rules() {
		if !strings.Contains(out.String(), r.ID) {
			t.Errorf("rules does not list %s", r.ID)
		}
	}

	out.Reset()
	if code := run([]string{"stepshift", "explain", "no-dollar"}, strings.NewReader(""), &out, &errOut); code != exitClean {
		t.Fatalf("explain: exit %d, stderr %s", code, errOut.String())
	}
	r, _ := lint.LookupRule("no-dollar")
	if out.String() != r.Explain() || !strings.Contains(out.String(), "How to fix") {
		t.Errorf("explain no-dollar printed:\n%s", out.String())
	}

	errOut.Reset()
	if code := run([]string{"stepshift", "explain", "no-dolar"}, strings.NewReader(""), &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), `"no-dollar"`) {
		t.Errorf("explain of a typo: exit %d, stderr %q", code, errOut.String())
	}

	dir := t.TempDir()
	if code := run([]string{"stepshift", "docs", "--out", dir}, strings.NewReader(""), &out, &errOut); code != exitClean {
		t.Fatalf("docs: exit %d, stderr %s", code, errOut.String())
	}
	page, err := os.ReadFile(filepath.Join(dir, "no-dollar.md"))
	if err != nil || string(page) != r.Markdown() {
		t.Errorf("docs wrote %q (%v)", page, err)
	}
}
