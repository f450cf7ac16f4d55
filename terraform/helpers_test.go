package terraform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// writeTree writes files (slash paths → content) under a new temp folder.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// evalIn evaluates src as an expression in module m.
func evalIn(t *testing.T, m *Module, src string) Fact[cty.Value] {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %q: %v", src, diags)
	}
	return m.Eval(expr)
}

func noErrors(t *testing.T, d *Deployment) {
	t.Helper()
	for _, dg := range d.Diagnostics {
		if dg.Severity == hcl.DiagError {
			t.Errorf("unexpected diagnostic: %s", dg.Error())
		}
	}
}

func hasDiag(d *Deployment, summary string) *hcl.Diagnostic {
	for _, dg := range d.Diagnostics {
		if strings.Contains(dg.Summary, summary) {
			return dg
		}
	}
	return nil
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
