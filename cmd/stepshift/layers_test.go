package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

// allowedImports is the design card's layering: packages depend downward
// (cmd → transpile/lint/runtime/deployed → terraform → workflow), and
// workflow, schemas, usage and runtime import nothing of ours.
var allowedImports = map[string][]string{
	"workflow":                nil,
	"schemas":                 nil,
	"usage":                   nil,
	"runtime":                 nil,
	"terraform":               {"workflow"},
	"execute":                 {"workflow"},
	"terraform/terraformtest": {"internal/standin"},
	"deployed":                {"terraform", "usage"},
	"lint":                    {"schemas", "terraform", "usage", "workflow"},
	"lint/report":             {"graph", "lint", "workflow"},
	"graph":                   {"workflow"},
	"transpile":               {"execute", "terraform", "workflow"},
	"internal/standin":        nil,
}

// TestPackageLayers fails when a package imports one of ours it should not
// (test files excluded), so the layering stays true as code moves.
func TestPackageLayers(t *testing.T) {
	const mod = "github.com/stepshift/stepshift/"
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...")
	cmd.Dir = standin.ModuleRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		pkg = strings.TrimPrefix(pkg, mod)
		if strings.HasPrefix(pkg, "cmd/") || strings.HasPrefix(pkg, "scripts/") {
			continue
		}
		allowed, known := allowedImports[pkg]
		if !known {
			t.Errorf("package %s is not in the layering table; add it to allowedImports and docs/architecture.md", pkg)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			ours, ok := strings.CutPrefix(imp, mod)
			if !ok {
				continue
			}
			okImport := false
			for _, a := range allowed {
				okImport = okImport || a == ours
			}
			if !okImport {
				t.Errorf("%s imports %s, which the layering does not allow", pkg, ours)
			}
		}
	}
}
