package graph

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// BenchmarkDrawCumulusCorpus: building and writing Mermaid and DOT for the
// 36 loaded Cumulus workflows, the graph's share of `stepshift graph`
// (whose process budget, 100 ms, cmd/stepshift's
// BenchmarkGraphProcessCumulusCorpus checks).
func BenchmarkDrawCumulusCorpus(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join(standin.CorpusDir(b), "cumulus", "workflows", "*.asl.json"))
	var docs []*workflow.Document
	for _, p := range paths {
		doc, err := workflow.LoadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, doc)
	}
	for b.Loop() {
		for _, doc := range docs {
			g := Build(doc, Options{Title: doc.Filename})
			g.Mermaid(io.Discard)
			g.DOT(io.Discard)
		}
	}
}
