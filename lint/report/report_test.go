package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleInput builds findings with real ranges: a tab-indented UTF-8 line, a
// related location in a CRLF file, and a finding whose file has no source.
func sampleInput(t testing.TB) Input {
	t.Helper()
	wfPath := "testdata/tabs.asl.json"
	wf, err := os.ReadFile(wfPath)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := os.ReadFile("testdata/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	doc := workflow.Load(wf, workflow.Options{Filename: wfPath})
	next := doc.Lookup("/States/Grüße/Next")
	res := doc.Lookup("/States/Grüße/Resource")
	if next == nil || res == nil {
		t.Fatal("fixture does not load")
	}
	off := bytes.Index(tf, []byte("12000"))
	memRange := workflow.Range{Filename: "testdata/main.tf",
		Start: workflow.Pos{Line: 2, Column: 17, Byte: off}, End: workflow.Pos{Line: 2, Column: 22, Byte: off + 5}}
	return Input{
		Findings: []lint.Finding{
			{Rule: "missing-transition-target", Severity: lint.Error, Message: `state "Grüße": "Next" names "Nope", which is not a state in this state machine`,
				Range: next.Range, Pointer: next.Pointer, AWSCode: "MISSING_TRANSITION_TARGET"},
			{Rule: "lambda-memory", Severity: lint.Warning, Message: "Lambda memory 12,000 MB is over the 10,240 MB maximum, 100% = \"full\", a:b",
				Range: res.Range, Pointer: res.Pointer,
				Related: []lint.Related{{Message: "memory_size is set here", Range: memRange}}},
			{Rule: "unused-suppression", Severity: lint.Info, Message: "suppression of \"x\" is never used\nsecond line",
				Range: workflow.Range{Filename: "missing.asl.json", Start: workflow.Pos{Line: 3, Column: 5, Byte: 20}, End: workflow.Pos{Line: 3, Column: 9, Byte: 24}}},
		},
		Sources: map[string][]byte{wfPath: wf, "testdata/main.tf": tf},
		Rules: []RuleInfo{
			{ID: "lambda-memory", Summary: "Lambda memory over or near the maximum", DefaultSeverity: lint.Error},
			{ID: "missing-transition-target", Summary: "Next/Default/Catch targets must name a state in scope", DefaultSeverity: lint.Error, AWSCode: "MISSING_TRANSITION_TARGET"},
			{ID: "unused-suppression", Summary: "a stepshift:ignore that silences nothing", DefaultSeverity: lint.Info},
		},
		Files:       []string{wfPath, "missing.asl.json"},
		ToolVersion: "0.1.0",
		Summary: []SummaryRow{
			{Workflow: wfPath, Rendering: "module.wf", State: "Grüße", Lambda: "aws_lambda_function.x", MemoryMB: ptr(12000), TimeoutSeconds: ptr(900), TmpMB: ptr(512), ZippedBytes: ptr64(54_500_000), Verdict: "over limit"},
			{Workflow: wfPath, Rendering: "module.wf", State: "Other", Verdict: "unknown"},
		},
	}
}

func ptr(v int) *int       { return &v }
func ptr64(v int64) *int64 { return &v }

func render(t testing.TB, format string, opts Options, in Input) string {
	t.Helper()
	r, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Report(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name, format string
		opts         Options
	}{
		{"text", "text", Options{}},
		{"text-color", "text", Options{Color: true}},
		{"text-summary", "text", Options{Summary: true}},
		{"compact", "compact", Options{}},
		{"json", "json", Options{}},
		{"sarif", "sarif", Options{}},
		{"github", "github", Options{}},
	}
	in := sampleInput(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(t, c.format, c.opts, in)
			golden := filepath.Join("testdata", c.name+".golden")
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden (go test ./lint/report -update, then review): %v", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s\n--- got ---\n%s", golden, got)
			}
		})
	}
}

func TestCleanRunPrintsNothingInText(t *testing.T) {
	if got := render(t, "text", Options{}, Input{Files: []string{"a"}}); got != "" {
		t.Errorf("clean run printed %q", got)
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := New("xml", Options{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("unknown format error %v should list the formats", err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := sampleInput(t)
	var doc struct {
		Version  int
		Findings []struct {
			Rule, Severity, Message, File, Pointer string
			Line, Column                           int
			EndLine                                int `json:"end_line"`
			EndColumn                              int `json:"end_column"`
			Offset                                 int
			AWSCode                                string `json:"aws_code"`
			Related                                []struct {
				File    string
				Line    int
				Message string
			}
		}
		Counts struct{ Error, Warning, Info, Files int }
	}
	if err := json.Unmarshal([]byte(render(t, "json", Options{}, in)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != JSONVersion || len(doc.Findings) != len(in.Findings) {
		t.Fatalf("version %d, %d findings", doc.Version, len(doc.Findings))
	}
	for i, f := range in.Findings {
		g := doc.Findings[i]
		if g.Rule != f.Rule || g.Severity != f.Severity.String() || g.Message != f.Message || g.File != f.Range.Filename ||
			g.Line != f.Range.Start.Line || g.Column != f.Range.Start.Column || g.EndColumn != f.Range.End.Column ||
			g.Offset != f.Range.Start.Byte || g.Pointer != f.Pointer || g.AWSCode != f.AWSCode || len(g.Related) != len(f.Related) {
			t.Errorf("finding %d: %+v does not carry %+v", i, g, f)
		}
	}
	if doc.Counts.Error != 1 || doc.Counts.Warning != 1 || doc.Counts.Info != 1 || doc.Counts.Files != 2 {
		t.Errorf("counts %+v", doc.Counts)
	}
}

// sarifValidate runs the SARIF standard's own validator (sarif-multitool)
// and returns its error and warning lines.
func sarifValidate(t *testing.T, bin string, doc []byte) (errs, warns []string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.sarif")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "validate", "-o", filepath.Join(dir, "validation.sarif"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("sarif-multitool failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("1 files scanned")) {
		t.Fatalf("sarif-multitool did not scan the file:\n%s", out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.Contains(line, ": error "):
			errs = append(errs, line)
		case strings.Contains(line, ": warning "):
			warns = append(warns, line)
		}
	}
	return errs, warns
}

// TestSARIFValidates checks our SARIF with the standard's validator, and
// checks the validator itself on a broken copy so the test cannot pass vacuously.
func TestSARIFValidates(t *testing.T) {
	bin := standin.NPMBin(t, "sarif-multitool")
	doc := []byte(render(t, "sarif", Options{}, sampleInput(t)))
	errs, warns := sarifValidate(t, bin, doc)
	for _, e := range append(errs, warns...) {
		t.Errorf("validator: %s", e)
	}
	broken := bytes.Replace(doc, []byte(`"ruleIndex": 1`), []byte(`"ruleIndex": 99`), 1)
	if errs, _ := sarifValidate(t, bin, broken); len(errs) == 0 {
		t.Error("the validator found nothing wrong with an out-of-range ruleIndex; it is not validating")
	}
}

func BenchmarkText10000Findings(b *testing.B) {
	in := sampleInput(b)
	base := in.Findings
	in.Findings = nil
	for i := range 10000 {
		f := base[i%len(base)]
		f.Message = fmt.Sprintf("%s #%d", f.Message, i)
		in.Findings = append(in.Findings, f)
	}
	r, _ := New("text", Options{})
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Report(&bytes.Buffer{}, in); err != nil {
			b.Fatal(err)
		}
	}
}
