package workflow

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
)

func checkRange(t *testing.T, src []byte, what string, r Range) {
	t.Helper()
	if r.Start.Line < 1 || r.Start.Column < 1 || r.End.Line < r.Start.Line ||
		r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		t.Fatalf("%s: range out of bounds %+v (source %d bytes)", what, r, len(src))
	}
}

// FuzzLoad: the loader never panics, every position is inside the source and
// the render keeps the source's length.
func FuzzLoad(f *testing.F) {
	fixtures, _ := filepath.Glob("../fixtures/loader/*.json")
	for _, files := range [][]string{standin.OptionalCorpusFiles(f, "cumulus/workflows/*.json"), standin.OptionalCorpusFiles(f, "asl-conformance/*/*.json"), fixtures} {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"a": ${x}, "b": "${y} $${z} $$.w %%{v}"}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		d := Load(src, Options{Filename: "f.json"})
		if len(d.Rendered) != len(src) {
			t.Fatalf("rendered %d bytes from %d", len(d.Rendered), len(src))
		}
		for _, dg := range d.Diagnostics {
			checkRange(t, src, "diagnostic "+dg.Code, dg.Range)
		}
		for _, in := range d.Interpolations {
			checkRange(t, src, "interpolation", in.Range)
		}
		dup := false
		for _, dg := range d.Diagnostics {
			dup = dup || dg.Code == "duplicate-key"
		}
		if d.Root != nil {
			walk(d.Root, func(n *Node) {
				checkRange(t, src, "value "+n.Pointer, n.Range)
				if n.Parent != nil && n.Parent.Kind == Object {
					checkRange(t, src, "key "+n.Pointer, n.KeyRange)
				}
				if !dup && d.Lookup(n.Pointer) != n {
					t.Fatalf("pointer %q leads nowhere", n.Pointer)
				}
			})
		}
		for _, s := range d.States {
			if s.Type == "Task" && s.Resource == nil {
				t.Fatalf("task %q has no resource", s.Name)
			}
		}
	})
}
