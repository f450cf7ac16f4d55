package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/graph"
	"github.com/stepshift/stepshift/workflow"
)

// TestGitHubStepSummaryGolden renders the sample input's job summary, with
// one workflow graph, to testdata/github-summary.golden (-update rewrites
// it), and checks the annotations on stdout are what they are without it.
func TestGitHubStepSummaryGolden(t *testing.T) {
	in := sampleInput(t)
	tabs, _ := load(t, "testdata/tabs.asl.json")
	in.Graphs = []*graph.Graph{graph.Build(tabs, graph.Options{Title: tabs.Filename + " (module.wf)", Annotate: func(st *workflow.State) graph.Annotation {
		return graph.Annotation{Severity: graph.Error, Rules: []string{"missing-transition-target"}}
	}})}
	path := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(path, []byte("before\n"), 0o644)
	out := render(t, "github", Options{StepSummary: path}, in)
	if plain := render(t, "github", Options{}, in); out != plain {
		t.Errorf("the job summary changed the annotations")
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "github-summary.golden")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("job summary differs from %s:\n%s", golden, got)
	}
	if !strings.HasPrefix(string(got), "before\n## stepshift lint\n") {
		t.Errorf("the summary must be appended after what the file held")
	}
}

// TestStepSummaryCells: whatever a state or file is called, each table row
// keeps its eight cells (an unescaped "|" would start a ninth, a newline a
// new row).
func TestStepSummaryCells(t *testing.T) {
	in := Input{Files: []string{"x"}, Summary: []SummaryRow{
		{Workflow: "a|b.asl.json", State: "pipe | state\nnew line `code` <b>", Lambda: "x\\|y", Verdict: VerdictUnknown, Note: "why | not"},
	}}
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := appendStepSummary(path, in); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	var rows []string
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "|") {
			rows = append(rows, line)
		}
	}
	if len(rows) != 3 {
		t.Fatalf("want header, rule and one row, got %q", rows)
	}
	for _, row := range rows {
		cells := 0
		for i := 0; i < len(row); i++ {
			switch row[i] {
			case '\\':
				i++
			case '|':
				cells++
			}
		}
		if cells != 9 {
			t.Errorf("row %q has %d cell borders, want 9", row, cells)
		}
	}
}

// TestStepSummaryUnwritable: a summary file that cannot be opened is an
// error the CLI reports (exit 3), not a silent loss.
func TestStepSummaryUnwritable(t *testing.T) {
	r, _ := New("github", Options{StepSummary: filepath.Join(t.TempDir(), "no", "such", "dir", "summary.md")})
	if err := r.Report(&strings.Builder{}, Input{Files: []string{"x"}}); err == nil {
		t.Errorf("want an error for a summary file in a missing folder")
	}
}

// TestStepSummaryBudget: a summary that would pass GitHub's 1 MiB (with
// what the file already holds) leaves graphs out and says so, instead of
// losing the whole summary.
func TestStepSummaryBudget(t *testing.T) {
	tabs, _ := load(t, "testdata/tabs.asl.json")
	g := graph.Build(tabs, graph.Options{Title: "tabs"})
	in := Input{Files: []string{"x"}}
	for range 5 {
		in.Graphs = append(in.Graphs, g)
	}
	var one strings.Builder
	g.Mermaid(&one)
	path := filepath.Join(t.TempDir(), "summary.md")
	// Room for the counts and about two graphs.
	os.WriteFile(path, []byte(strings.Repeat("x", stepSummaryMax-stepSummaryReserve-200-2*(one.Len()+40))), 0o644)
	if err := appendStepSummary(path, in); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	if len(md) > stepSummaryMax {
		t.Errorf("the summary file is %d bytes, over GitHub's %d", len(md), stepSummaryMax)
	}
	drawn := strings.Count(string(md), "```mermaid")
	if drawn == 0 || drawn >= 5 {
		t.Errorf("want some but not all 5 graphs within the budget, got %d", drawn)
	}
	if want := fmt.Sprintf("0 table rows and %d graphs left out", 5-drawn); !strings.Contains(string(md), want) {
		t.Errorf("the summary should say %q:\n%s", want, md[stepSummaryMax-stepSummaryReserve-3000:])
	}
}
