package graph

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

// corpusFiles lists the shared corpora's workflows: the 36 Cumulus ones and
// the labelled ASL conformance files (valid and invalid); none without the
// corpus (the fixtures are still checked).
func corpusFiles(t *testing.T) []string {
	t.Helper()
	return append(standin.OptionalCorpusFiles(t, "cumulus/workflows/*.json"), standin.OptionalCorpusFiles(t, "asl-conformance/*/*.json")...)
}

// TestCorpusProperties checks, over every corpus file, what the picture
// must say whatever the workflow: every state is drawn once (no depth
// limit), every transition of the definition is an edge of its kind, and
// the states marked unreachable are exactly those lint's
// unreachable-state rule reports (an independent walk over the same
// definition, so the picture and the findings never disagree).
func TestCorpusProperties(t *testing.T) {
	// The fixtures add the unreachable cycle and names lint must read alike.
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "*.asl.json"))
	files, unreachable := append(corpusFiles(t), fixtures...), 0
	for _, path := range files {
		doc, err := workflow.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		g := Build(doc, Options{})
		if doc.Definition == nil {
			if g.Problem == "" {
				t.Errorf("%s: no definition but no Problem either", path)
			}
			continue
		}
		byState := map[*workflow.State]*Node{}
		var marked []string
		var walk func(cl *Cluster)
		walk = func(cl *Cluster) {
			for _, n := range cl.Nodes {
				if n.Kind != StateNode {
					continue
				}
				if byState[n.State] != nil {
					t.Errorf("%s: %q drawn twice", path, n.Name)
				}
				byState[n.State] = n
				if n.Unreachable {
					marked = append(marked, n.State.Pointer())
				}
			}
			for _, sub := range cl.Clusters {
				walk(sub)
			}
		}
		walk(g.Top)
		if len(byState) != len(doc.States) {
			t.Errorf("%s: %d state nodes for %d states", path, len(byState), len(doc.States))
		}
		edges := map[[2]string]map[EdgeKind]int{}
		for _, e := range g.Edges {
			k := [2]string{e.From, e.To}
			if edges[k] == nil {
				edges[k] = map[EdgeKind]int{}
			}
			edges[k][e.Kind]++
		}
		for _, st := range doc.States {
			from := byState[st]
			if from == nil {
				continue
			}
			for _, tr := range transitions(st) {
				found := false
				for k, kinds := range edges {
					if k[0] == from.ID && kinds[tr.kind] > 0 {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: %q has no %v edge", path, st.Name, tr.kind)
				}
			}
		}
		var reported []string
		for _, f := range lint.Lint([]*lint.Unit{{Doc: doc}}, lint.Options{}) {
			if f.Rule == "unreachable-state" {
				reported = append(reported, f.Pointer)
			}
		}
		unreachable += len(marked)
		slices.Sort(marked)
		slices.Sort(reported)
		if !slices.Equal(marked, reported) {
			t.Errorf("%s: graph marks %q unreachable, lint reports %q", path, marked, reported)
		}
	}
	// The conformance files include unreachable states; a comparison of
	// two empty sets everywhere would prove nothing.
	if unreachable == 0 {
		t.Errorf("no state of %d corpus files was marked unreachable", len(files))
	}
	t.Logf("%d files, %d unreachable states, graph and lint agree", len(files), unreachable)
}
