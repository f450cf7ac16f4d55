package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/terraform/terraformtest"
)

const exampleGraph = "fixtures/deployments/cumulus-tf/ingest_granule_workflow.asl.json" // the Makefile's EXAMPLE_GRAPH

func TestGraphExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.asl.json", cleanWorkflow)
	broken := writeFile(t, dir, "broken.asl.json", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}`)
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout+stderr
	}{
		{"clean", []string{"graph", clean}, exitClean, "flowchart TD"},
		{"dot", []string{"graph", "--format", "dot", clean}, exitClean, "digraph "},
		{"markdown", []string{"graph", "--format", "markdown", clean}, exitClean, "```mermaid\n%% " + clean},
		{"bad format", []string{"graph", "--format", "png", clean}, exitUsage, "--format"},
		{"bad depth", []string{"graph", "--depth", "-1", clean}, exitUsage, "--depth"},
		{"missing path", []string{"graph", filepath.Join(dir, "nope.asl.json")}, exitUsage, "no such file"},
		{"does not parse", []string{"graph", broken}, exitFindings, broken + ":1:"},
		{"nothing to draw", []string{"graph", t.TempDir()}, exitClean, "no workflow found in "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if !strings.Contains(out+errOut, c.want) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", c.want, out, errOut)
			}
		})
	}
}

// TestGraphShowsFactsAndFindings: a Task shows its Lambda's memory and
// timeout from Terraform and is coloured by its worst finding, with the
// rule IDs; --no-findings draws the definition alone.
func TestGraphShowsFactsAndFindings(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	code, out, errOut := runCLI(t, "", "graph", exampleGraph)
	if code != exitClean {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	sync := regexp.MustCompile(`(?m)^  (n\d+)\["SyncGranule<br>12000 MB · 600 s<br>error: [^"]*lambda-memory[^"]*"\]$`).FindStringSubmatch(out)
	if sync == nil {
		t.Fatalf("SyncGranule should show 12000 MB · 600 s and its lambda-memory error:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^  class (\S+,)?` + sync[1] + `(,\S+)? error$`).MatchString(out) {
		t.Errorf("SyncGranule (%s) should have the error class:\n%s", sync[1], out)
	}
	_, plain, _ := runCLI(t, "", "graph", "--no-findings", exampleGraph)
	if strings.Contains(plain, "lambda-memory") || regexp.MustCompile(`(?m)^  class \S+ (error|warning|info)$`).MatchString(plain) {
		t.Errorf("--no-findings must not colour findings:\n%s", plain)
	}
	if !strings.Contains(plain, "SyncGranule<br>12000 MB · 600 s") {
		t.Errorf("--no-findings still shows the Lambda facts:\n%s", plain)
	}
}

// TestGraphEveryRendering: a template two modules render is drawn twice,
// each with its own Lambda's facts.
func TestGraphEveryRendering(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	_, out, _ := runCLI(t, "", "graph", "fixtures/deployments/cumulus-tf/sync_granule_workflow.asl.json")
	charts := strings.Split(out, "\n\n%% ")
	if len(charts) != 2 {
		t.Fatalf("want two flowcharts, got %d:\n%s", len(charts), out)
	}
	for i, want := range []string{"(module.sync_granule_workflow)\n", "(module.sync_granule_priority_workflow)\n"} {
		if !strings.Contains(charts[i], want) {
			t.Errorf("chart %d should be %s:\n%s", i, want, charts[i])
		}
	}
	if !strings.Contains(charts[0], "SyncGranule<br>12000 MB · 600 s") || !strings.Contains(charts[1], "SyncGranule<br>3008 MB · 900 s") {
		t.Errorf("each rendering should show its own Lambda's memory and timeout:\n%s", out)
	}
}

// svgTitles lists the <title> elements Graphviz gives each node and edge.
func svgTitles(svg []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<title>([^<]*)</title>`).FindAllSubmatch(svg, -1) {
		out = append(out, string(m[1]))
	}
	slices.Sort(out)
	return out
}

// TestDocsExampleGraph fails when the README's picture is stale: the
// committed DOT must be what `stepshift graph` draws now, and the SVG must
// carry that DOT's sha256 (make docs stamps it) and, where Graphviz is
// installed, the nodes and edges Graphviz renders from it.
func TestDocsExampleGraph(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	code, fresh, errOut := runCLI(t, "", "graph", "--format", "dot", exampleGraph)
	if code != exitClean {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	committed, err := os.ReadFile("docs/example-graph.dot")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != fresh {
		t.Fatalf("docs/example-graph.dot is stale; run `make docs`. Fresh output:\n%s", fresh)
	}
	svg, err := os.ReadFile("docs/example-graph.svg")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(committed)
	if stamp := "<!-- rendered from example-graph.dot sha256 " + hex.EncodeToString(sum[:]) + " -->"; !strings.Contains(string(svg), stamp) {
		t.Fatalf("docs/example-graph.svg was not rendered from docs/example-graph.dot (no %q); run `make docs`", stamp)
	}
	bin, err := exec.LookPath("dot")
	if err != nil {
		standin.Missing(t, "Graphviz dot", "apt-get install graphviz")
	}
	rendered, err := standin.Command(t, bin, "-Tsvg", "docs/example-graph.dot").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := svgTitles(svg), svgTitles(rendered); !slices.Equal(got, want) {
		t.Errorf("docs/example-graph.svg's nodes and edges %q differ from Graphviz's rendering of the DOT %q; run `make docs`", got, want)
	}
}

// mermaidBlocks writes each ```mermaid block of a Markdown text to a file.
func mermaidBlocks(t *testing.T, markdown string) []string {
	t.Helper()
	var files []string
	for i, m := range regexp.MustCompile("(?s)```mermaid\n(.*?)```\n").FindAllStringSubmatch(markdown, -1) {
		files = append(files, writeFile(t, t.TempDir(), "block"+string(rune('a'+i))+".mmd", m[1]))
	}
	return files
}

// parseMermaid runs Mermaid's own parser over files (see graph/render_test.go).
func parseMermaid(t *testing.T, files []string) {
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
	out, err := standin.Command(t, "node", append([]string{filepath.Join(dir, "mermaid-parse.mjs")}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("Mermaid rejected a block: %v\n%s", err, out)
	}
}

// TestMigrateGraph: --graph writes before/after graphs of the changed
// workflow with the migrated state highlighted, and stdout stays the same
// clean patch it is without --graph.
func TestMigrateGraph(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	deployment := filepath.Join("fixtures", "deployments", "cumulus-tf")
	args := []string{"migrate", "--step", "queue_granules_workflow.asl.json:QueueGranules"}
	code, plain, _ := runCLI(t, "", append(args, deployment)...)
	if code != exitClean {
		t.Fatalf("exit %d", code)
	}
	file := filepath.Join(t.TempDir(), "migrate.md")
	code, withGraph, errOut := runCLI(t, "", append(args, "--graph", file, deployment)...)
	if code != exitClean {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if withGraph != plain {
		t.Fatalf("--graph changed stdout's diff")
	}
	md, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, want := range []string{"# stepshift migrate: 1 workflow(s) changed", "## " + markdownText(filepath.Join(deployment, "queue_granules_workflow.asl.json")), "### Before", "### After"} {
		if !strings.Contains(text, want) {
			t.Errorf("the graph file lacks %q:\n%s", want, text)
		}
	}
	checkBeforeAfter(t, text, "QueueGranules", "", "heartbeat 300 s")

	// A workflow in a heredoc: the rewritten body is found in the new .tf.
	heredoc := filepath.Join(t.TempDir(), "heredoc.md")
	code, _, errOut = runCLI(t, "", "migrate", "--step", "SyncGranule", "--graph", heredoc, filepath.Join("fixtures", "migrate", "heredoc"))
	if code != exitClean {
		t.Fatalf("heredoc: exit %d\n%s", code, errOut)
	}
	md, _ = os.ReadFile(heredoc)
	checkBeforeAfter(t, string(md), "SyncGranule", "${aws_lambda_function.sync_granule.arn}", "${aws_sfn_activity.sync_granule.id}")
}

// checkBeforeAfter finds the before and after Mermaid blocks of a migrate
// graph file, checks the state is highlighted in both, that its label
// holds before (if not "") in the first and after in the second, and that
// Mermaid parses both.
func checkBeforeAfter(t *testing.T, text, state, before, after string) {
	t.Helper()
	blocks := mermaidBlocks(t, text)
	if len(blocks) != 2 || !strings.Contains(text, "### Before") || !strings.Contains(text, "### After") {
		t.Fatalf("want a before and an after graph, got %d:\n%s", len(blocks), text)
	}
	for i, b := range blocks {
		src, _ := os.ReadFile(b)
		m := regexp.MustCompile(`(?m)^  (n\d+)\["` + state + `((?:<br>[^"]*)?)"\]$`).FindStringSubmatch(string(src))
		if m == nil || !strings.Contains(string(src), "  class "+m[1]+" changed\n") {
			t.Errorf("%s should be drawn highlighted:\n%s", state, src)
			continue
		}
		want, unwanted := before, after
		if i == 1 {
			want, unwanted = after, before
		}
		if !strings.Contains(m[2], want) || unwanted != "" && strings.Contains(m[2], unwanted) {
			t.Errorf("graph %d: %s's label %q should hold %q and not %q", i, state, m[2], want, unwanted)
		}
	}
	parseMermaid(t, blocks)
}

// TestGitHubStepSummary: with GITHUB_STEP_SUMMARY set, --format github
// appends the counts, the limits table and a graph of each workflow with
// findings to that file, keeping what earlier commands wrote; the
// annotations on stdout do not change.
func TestGitHubStepSummary(t *testing.T) {
	inModuleRoot(t)
	terraformtest.EnsureBigZip(t)
	deployment := filepath.Join("fixtures", "deployments", "cumulus-tf")
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	code, plain, _ := runCLI(t, "", "lint", "--format", "github", deployment)
	if code != exitFindings {
		t.Fatalf("exit %d", code)
	}
	summary := writeFile(t, t.TempDir(), "summary.md", "earlier step output\n")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	code, out, errOut := runCLI(t, "", "lint", "--format", "github", deployment)
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if out != plain {
		t.Errorf("the job summary changed stdout")
	}
	md, _ := os.ReadFile(summary)
	text := string(md)
	for _, want := range []string{
		"earlier step output\n## stepshift lint\n",
		"| Workflow | State | Lambda | Memory | Timeout |",
		"| SyncGranule | ghrc-sit-SyncGranule | 12000 MB | 600 s |",
		"### fixtures/deployments/cumulus-tf/ingest\\_granule\\_workflow.asl.json (module.ingest\\_granule\\_workflow)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the job summary lacks %q:\n%s", want, text)
		}
	}
	if !regexp.MustCompile(`\d+ errors?, \d+ warnings?, \d+ info in 5 files`).MatchString(text) {
		t.Errorf("the job summary lacks the counts:\n%s", text)
	}
	parseMermaid(t, mermaidBlocks(t, text))
}

// BenchmarkGraphProcessCumulusCorpus: `stepshift graph` (with its lint run)
// as a whole process on the 36 Cumulus workflows (budget: under 100 ms wall).
func BenchmarkGraphProcessCumulusCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(standin.CorpusDir(b), "cumulus", "workflows", "*.json"))
	if len(files) != 36 {
		b.Fatalf("want the 36 Cumulus workflows, found %d", len(files))
	}
	// Besides wall time, the CPU the process used (user+sys) is reported:
	// on a shared machine wall time mostly measures the queue for a core.
	bin := buildShipped(b).lean
	inModuleRoot(b)
	var cpu float64
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin, append([]string{"graph"}, files...)...)
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		cpu += float64(cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()) / 1e6
	}
	b.ReportMetric(cpu/float64(b.N), "cpu-ms/op")
}

// TestGraphDepth: --depth reaches the drawing; 1 collapses the Parallel
// of graph/testdata/every-state.asl.json with its four states.
func TestGraphDepth(t *testing.T) {
	inModuleRoot(t)
	fixture := filepath.Join("graph", "testdata", "every-state.asl.json")
	_, all, _ := runCLI(t, "", "graph", fixture)
	code, collapsed, errOut := runCLI(t, "", "graph", "--depth", "1", fixture)
	if code != exitClean {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if !strings.Contains(all, "subgraph ") || strings.Contains(collapsed, "subgraph ") || !strings.Contains(collapsed, `FanOut<br>+4 states inside"`) {
		t.Errorf("--depth 1 should collapse FanOut's 4 states:\n%s", collapsed)
	}
}
