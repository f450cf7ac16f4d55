package graph

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/workflow"
)

// unescapedQuotes counts the double quotes of a DOT line that are not
// escaped by a backslash.
func unescapedQuotes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			n++
		}
	}
	return n
}

// FuzzBuild loads any bytes as a workflow and draws them at every depth.
// Beyond not panicking, a name can never break out of its label: every
// Mermaid and DOT line has balanced quotes, and labels hold no line breaks
// (each output line starts with indentation, a keyword or a comment).
func FuzzBuild(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.asl.json"))
	for _, p := range paths {
		src, _ := os.ReadFile(p)
		f.Add(src, 0)
	}
	f.Add([]byte(`{"StartAt":"a\n\"]","States":{"a\n\"]":{"Type":"Parallel","Branches":[{"StartAt":"x","States":{"x":{"Type":"Map","Iterator":{"StartAt":"y","States":{"y":{"Type":"Pass","Next":"y"}}},"End":true}}}],"Next":"${z}"}}}`), 2)
	f.Fuzz(func(t *testing.T, src []byte, depth int) {
		doc := workflow.Load(src, workflow.Options{Filename: "fuzz.asl.json"})
		annotate := func(st *workflow.State) Annotation {
			return Annotation{Lines: []string{st.Name}, Severity: Severity(len(st.Name) % 4), Rules: []string{st.Type}, Highlight: len(st.Name)%5 == 0}
		}
		g := Build(doc, Options{Title: string(src[:min(len(src), 20)]), Depth: depth % 4, Annotate: annotate})
		var m, d bytes.Buffer
		if err := g.Mermaid(&m); err != nil {
			t.Fatal(err)
		}
		if err := g.DOT(&d); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSuffix(m.String(), "\n"), "\n") {
			if strings.HasPrefix(line, "%%") {
				continue
			}
			if strings.Count(line, `"`)%2 != 0 || !(strings.HasPrefix(line, "  ") || line == "flowchart TD") {
				t.Fatalf("Mermaid line escapes its label: %q\n%s", line, m.String())
			}
		}
		for _, line := range strings.Split(strings.TrimSuffix(d.String(), "\n"), "\n") {
			if unescapedQuotes(line)%2 != 0 || !(strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "digraph ") || line == "}") {
				t.Fatalf("DOT line escapes its label: %q\n%s", line, d.String())
			}
		}
	})
}
