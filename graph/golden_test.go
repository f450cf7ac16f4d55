package graph

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden .mmd and .dot files")

// goldenCase is one fixture drawn one way.
type goldenCase struct {
	name    string // golden file name without extension
	fixture string
	opts    Options
}

// annotateEveryState gives fixed annotations to every-state.asl.json's
// states, standing in for what cmd derives from findings and Terraform.
func annotateEveryState(st *workflow.State) Annotation {
	switch st.Name {
	case "SyncGranule":
		return Annotation{Lines: []string{"3008 MB · 900 s"}, Severity: Warning, Rules: []string{"lambda-timeout"}}
	case "Checksum":
		return Annotation{Lines: []string{"12000 MB · 3 s"}, Severity: Error, Rules: []string{"lambda-memory", "lambda-retry"}}
	case "Pause":
		return Annotation{Severity: Info, Rules: []string{"task-timeout"}}
	case "Prepare":
		return Annotation{Highlight: true}
	}
	return Annotation{}
}

func goldenCases() []goldenCase {
	return []goldenCase{
		{"every-state", "every-state.asl.json", Options{Title: "every-state.asl.json"}},
		{"every-state.annotated", "every-state.asl.json", Options{Title: "every-state.asl.json (annotated)", Annotate: annotateEveryState}},
		{"every-state.depth1", "every-state.asl.json", Options{Title: "every-state.asl.json --depth 1", Depth: 1}},
		{"every-state.depth2", "every-state.asl.json", Options{Title: "every-state.asl.json --depth 2", Depth: 2}},
		{"nasty-names", "nasty-names.asl.json", Options{Title: "nasty \"names\" <&> \\ #;|"}},
		{"templated", "templated.asl.json", Options{Title: "templated.asl.json"}},
		{"jsonata", "jsonata.asl.json", Options{Title: "jsonata.asl.json"}},
		{"broken", "broken.asl.json", Options{Title: "broken.asl.json"}},
	}
}

func buildCase(t testing.TB, c goldenCase) *Graph {
	t.Helper()
	doc, err := workflow.LoadFile(filepath.Join("testdata", c.fixture))
	if err != nil {
		t.Fatal(err)
	}
	return Build(doc, c.opts)
}

// TestGolden compares each fixture's Mermaid and DOT with the golden files
// (go test ./graph -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			g := buildCase(t, c)
			for ext, write := range map[string]func(*bytes.Buffer) error{
				".mmd": func(b *bytes.Buffer) error { return g.Mermaid(b) },
				".dot": func(b *bytes.Buffer) error { return g.DOT(b) },
			} {
				var got bytes.Buffer
				if err := write(&got); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", c.name+ext)
				if *update {
					if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", path, got.String())
				}
			}
		})
	}
}

// goldenFiles lists the committed golden files with an extension.
func goldenFiles(t *testing.T, ext string) []string {
	t.Helper()
	var out []string
	for _, c := range goldenCases() {
		out = append(out, filepath.Join("testdata", c.name+ext))
	}
	for _, p := range out {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v", err)
		}
	}
	return out
}

func nodeByName(g *Graph, name string) *Node {
	var find func(cl *Cluster) *Node
	find = func(cl *Cluster) *Node {
		for _, n := range cl.Nodes {
			if n.Name == name {
				return n
			}
		}
		for _, s := range cl.Clusters {
			if n := find(s); n != nil {
				return n
			}
		}
		return nil
	}
	return find(g.Top)
}

func edgesFrom(g *Graph, id string) []*Edge {
	var out []*Edge
	for _, e := range g.Edges {
		if e.From == id {
			out = append(out, e)
		}
	}
	return out
}

// TestEveryStateStructure checks the facts the pictures rest on, apart
// from how they are written: the unreachable cycle, the edge kinds and
// labels, the nesting and the collapsing.
func TestEveryStateStructure(t *testing.T) {
	g := buildCase(t, goldenCases()[0])
	for name, want := range map[string]bool{"Orphan": true, "OrphanToo": true, "Prepare": false, "Checksum": false, "SyncFailed": false} {
		if n := nodeByName(g, name); n == nil || n.Unreachable != want {
			t.Errorf("%s: unreachable should be %v (node %+v)", name, want, n)
		}
	}
	route := nodeByName(g, "Route")
	var labels []string
	for _, e := range edgesFrom(g, route.ID) {
		labels = append(labels, e.Label)
	}
	want := []string{`$.status == "done"`, "$.prepared.count >= 3", "…name is present and not …version matches \"v*\"", "$.a < $.b", "Default"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("Route's edge labels = %q, want %q", labels, want)
	}
	sync := nodeByName(g, "SyncGranule")
	catch := edgesFrom(g, sync.ID)
	if len(catch) != 1 || catch[0].Kind != CatchEdge || catch[0].Label != "States.Timeout, Lambda.Unknown" {
		t.Errorf("SyncGranule's catch edge = %+v", catch)
	}
	if len(g.Top.Clusters) != 2 || len(g.Top.Clusters[1].Clusters) != 1 || g.Top.Clusters[1].Clusters[0].Nodes[0].Name != "Checksum" {
		t.Errorf("want two branch clusters, the second holding the Map's item cluster with Checksum")
	}
	d1 := buildCase(t, goldenCases()[2])
	if fan := nodeByName(d1, "FanOut"); fan.Hidden != 4 || len(d1.Top.Clusters) != 0 {
		t.Errorf("--depth 1: FanOut should hide 4 states and no cluster be drawn, got hidden %d, %d clusters", fan.Hidden, len(d1.Top.Clusters))
	}
	d2 := buildCase(t, goldenCases()[3])
	if each := nodeByName(d2, "EachFile"); each.Hidden != 1 || nodeByName(d2, "Checksum") != nil {
		t.Errorf("--depth 2: EachFile should hide Checksum")
	}
}

// TestTemplatedWithholdsUnreachable: a transition Terraform decides may
// reach any state, so none is called unreachable.
func TestTemplatedWithholdsUnreachable(t *testing.T) {
	g := buildCase(t, goldenCases()[5])
	if n := nodeByName(g, "Later"); n == nil || n.Unreachable {
		t.Errorf("Later must not be marked unreachable behind a templated Next")
	}
	if n := nodeByName(g, "${next_step}"); n == nil || n.Kind != MissingNode {
		t.Errorf("the templated Next should be drawn as its ${...} text")
	}
}
