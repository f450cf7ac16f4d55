package graph

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// dotBinary is Graphviz's dot, or the test is skipped (failed in CI).
func dotBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dot")
	if err != nil {
		standin.Missing(t, "Graphviz dot", "apt-get install graphviz")
	}
	return bin
}

// renderDOT renders DOT files to SVG in one dot process and fails on any
// warning: Graphviz reports what it had to guess or ignore on stderr.
func renderDOT(t *testing.T, bin string, paths ...string) []byte {
	t.Helper()
	path := strings.Join(paths, " ")
	var stdout, stderr bytes.Buffer
	cmd := standin.Command(t, bin, append([]string{"-Tsvg"}, paths...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dot -Tsvg %s: %v\n%s", path, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("dot -Tsvg %s warned:\n%s", path, stderr.String())
	}
	if n := bytes.Count(stdout.Bytes(), []byte("<svg")); n != len(paths) {
		t.Errorf("dot -Tsvg %s wrote %d SVG documents, want %d", path, n, len(paths))
	}
	return stdout.Bytes()
}

// mermaidParse runs Mermaid's own parser (npm mermaid under Node, with jsdom
// for the DOM it wants) over files and returns its per-file verdicts.
func mermaidParse(t *testing.T, files ...string) (string, error) {
	t.Helper()
	dir := filepath.Join(standin.ModuleRoot(), "testdata", "emulators")
	for _, pkg := range []string{"mermaid", "jsdom"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			standin.Missing(t, "npm "+pkg, "run `make emulators`")
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		standin.Missing(t, "node", "install Node.js")
	}
	abs := make([]string, len(files))
	for i, f := range files {
		abs[i], _ = filepath.Abs(f)
	}
	out, err := standin.Command(t, "node", append([]string{filepath.Join(dir, "mermaid-parse.mjs")}, abs...)...).CombinedOutput()
	return string(out), err
}

func TestDOTGoldensRender(t *testing.T) {
	bin := dotBinary(t)
	renderDOT(t, bin, goldenFiles(t, ".dot")...)
}

// TestMermaidGoldensParse also gives the parser a broken diagram, so a
// parser that accepts anything cannot pass the test.
func TestMermaidGoldensParse(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.mmd")
	os.WriteFile(bad, []byte("flowchart TD\n  n1[\"a\" --> \n"), 0o644)
	files := goldenFiles(t, ".mmd")
	out, err := mermaidParse(t, append(files, bad)...)
	if err == nil {
		t.Fatalf("the Mermaid parser accepted a broken diagram:\n%s", out)
	}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		if !strings.Contains(out, "ok "+abs+"\n") {
			t.Errorf("%s does not parse:\n%s", f, out)
		}
	}
	if !strings.Contains(out, "FAIL "+bad) {
		t.Errorf("no verdict for the broken diagram:\n%s", out)
	}
}

// TestCorpusRenders draws every Cumulus workflow of the shared corpus,
// large_workflow.asl.json among them, and has both renderers read them.
func TestCorpusRenders(t *testing.T) {
	paths := standin.CorpusFiles(t, "cumulus/workflows/*.asl.json")
	sawLarge := false
	tmp := t.TempDir()
	var mmds, dots []string
	for _, p := range paths {
		sawLarge = sawLarge || filepath.Base(p) == "large_workflow.asl.json"
		doc, err := workflow.LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		g := Build(doc, Options{Title: filepath.Base(p)})
		if g.Problem != "" {
			t.Errorf("%s: %s", p, g.Problem)
			continue
		}
		base := filepath.Join(tmp, strings.TrimSuffix(filepath.Base(p), ".asl.json"))
		var m, d bytes.Buffer
		g.Mermaid(&m)
		g.DOT(&d)
		os.WriteFile(base+".mmd", m.Bytes(), 0o644)
		os.WriteFile(base+".dot", d.Bytes(), 0o644)
		mmds = append(mmds, base+".mmd")
		dots = append(dots, base+".dot")
	}
	if !sawLarge {
		t.Errorf("large_workflow.asl.json is not among the %d corpus workflows", len(paths))
	}
	t.Run("dot", func(t *testing.T) {
		bin := dotBinary(t)
		renderDOT(t, bin, dots...)
	})
	t.Run("mermaid", func(t *testing.T) {
		out, err := mermaidParse(t, mmds...)
		if err != nil {
			t.Errorf("Mermaid rejected corpus graphs: %v\n%s", err, out)
		}
	})
}
