package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

var update = flag.Bool("update", false, "rewrite golden files")

// load reads a fixture through the real loader, so every range in the
// sample findings is one the loader produced.
func load(t testing.TB, path string) (*workflow.Document, []byte) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return workflow.Load(src, workflow.Options{Filename: path}), src
}

func lookup(t testing.TB, doc *workflow.Document, pointer string) *workflow.Node {
	t.Helper()
	n := doc.Lookup(pointer)
	if n == nil {
		t.Fatalf("%s: no %s", doc.Filename, pointer)
	}
	return n
}

// sampleInput is the fixed set of findings every golden file renders: a
// tab-indented UTF-8 line, a CRLF file with a multi-line range, a minified
// one-line definition with wide characters, a related location in a CRLF
// .tf file, a finding whose file has no source, a finding about a whole
// file, a message with a newline and one with a terminal escape, and all
// three severities.
func sampleInput(t testing.TB) Input {
	t.Helper()
	tabs, tabsSrc := load(t, "testdata/tabs.asl.json")
	crlf, crlfSrc := load(t, "testdata/crlf.asl.json")
	mini, miniSrc := load(t, "testdata/minified.asl.json")
	tf, err := os.ReadFile("testdata/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	next := lookup(t, tabs, "/States/Grüße/Next")
	res := lookup(t, tabs, "/States/Grüße/Resource")
	off := bytes.Index(tf, []byte("12000"))
	memRange := workflow.Range{Filename: "testdata/main.tf",
		Start: workflow.Pos{Line: 2, Column: 17, Byte: off}, End: workflow.Pos{Line: 2, Column: 22, Byte: off + 5}}
	crlfState := lookup(t, crlf, "/States/A")
	crlfNext := lookup(t, crlf, "/States/A/Next")
	miniNext := lookup(t, mini, "/States/処理/Next")
	miniState := lookup(t, mini, "/States/処理")
	miniComment := lookup(t, mini, "/Comment")
	return Input{
		Findings: []lint.Finding{
			{Rule: "missing-transition-target", Severity: lint.Error, Message: `state "Grüße": "Next" names "Nope", which is not a state in this state machine`,
				Range: next.Range, Pointer: next.Pointer, AWSCode: "MISSING_TRANSITION_TARGET"},
			{Rule: "lambda-memory", Severity: lint.Warning, Message: "Lambda memory 12,000 MB is over the 10,240 MB maximum, 100% = \"full\", a:b",
				Range: res.Range, Pointer: res.Pointer, Rendering: "module.ingest_granule_workflow",
				Related: []lint.Related{{Message: "memory_size is set here", Range: memRange}}},
			{Rule: "missing-end-state", Severity: lint.Error, Message: `state "A" neither ends nor goes anywhere`,
				Range: crlfState.Range, Pointer: crlfState.Pointer, AWSCode: "MISSING_END_STATE"},
			{Rule: "missing-transition-target", Severity: lint.Error, Message: `state "A": "Next" names "Übrig", which is not a state in this state machine`,
				Range: crlfNext.Range, Pointer: crlfNext.Pointer, AWSCode: "MISSING_TRANSITION_TARGET",
				Related: []lint.Related{{Message: `the state "A"`, Range: crlfState.KeyRange}}},
			{Rule: "missing-transition-target", Severity: lint.Error, Message: "state \"処理\": \"Next\" names \"Missing\"\x1b[2J",
				Range: miniNext.Range, Pointer: miniNext.Pointer, AWSCode: "MISSING_TRANSITION_TARGET"},
			{Rule: "state-name", Severity: lint.Info, Message: `state name "処理" is not ASCII`,
				Range: miniState.KeyRange, Pointer: miniState.Pointer},
			{Rule: "comment-style", Severity: lint.Info, Message: "a Comment at the top",
				Range: miniComment.Range, Pointer: miniComment.Pointer},
			{Rule: "unused-suppression", Severity: lint.Info, Message: "suppression of \"x\" is never used\nsecond line",
				Range: workflow.Range{Filename: "missing.asl.json", Start: workflow.Pos{Line: 3, Column: 5, Byte: 20}, End: workflow.Pos{Line: 3, Column: 9, Byte: 24}}},
			{Rule: "file-too-large", Severity: lint.Error, Message: "file is 9,000,000 bytes; stepshift reads at most 8 MiB",
				Range: workflow.Range{Filename: "big.asl.json"}},
		},
		Sources: map[string][]byte{tabs.Filename: tabsSrc, crlf.Filename: crlfSrc, mini.Filename: miniSrc, "testdata/main.tf": tf},
		Rules: []RuleInfo{
			{ID: "lambda-memory", Summary: "Lambda memory over or near the maximum", DefaultSeverity: lint.Error},
			{ID: "missing-transition-target", Summary: "Next/Default/Catch targets must name a state in scope", DefaultSeverity: lint.Error, AWSCode: "MISSING_TRANSITION_TARGET"},
			{ID: "missing-end-state", Summary: "every scope needs a reachable terminal state", DefaultSeverity: lint.Error, AWSCode: "MISSING_END_STATE"},
			{ID: "unused-suppression", Summary: "a stepshift:ignore that silences nothing", DefaultSeverity: lint.Info},
			{ID: "file-too-large", Summary: "files over 8 MiB are not read", DefaultSeverity: lint.Error},
		},
		Files:       []string{tabs.Filename, crlf.Filename, mini.Filename, "missing.asl.json", "big.asl.json"},
		ToolVersion: "0.1.0",
		Summary: []SummaryRow{
			{Workflow: tabs.Filename, Rendering: "module.wf", State: "Grüße", Lambda: "aws_lambda_function.x", MemoryMB: ptr(12000), TimeoutSeconds: ptr(900),
				TmpMB: ptr(512), ZippedBytes: ptr64(54_500_000), UnzippedBytes: ptr64(190_000_000), Verdict: VerdictOverLimit},
			{Workflow: tabs.Filename, Rendering: "module.wf", State: "Other", Verdict: VerdictUnknown, Note: "module.cumulus not initialised (run terraform init)"},
			{Workflow: crlf.Filename, State: "A", Lambda: "sync-granule", MemoryMB: ptr(3008), TimeoutSeconds: ptr(900), TmpMB: ptr(512),
				ZippedBytes: ptr64(48_213), UnzippedBytes: ptr64(700),
				Invocations: ptr(1204), P95Seconds: ptrf(811.2), MaxMemoryMB: ptr(2900), Timeouts: ptr(3), Verdict: VerdictNearLimit},
			{Workflow: crlf.Filename, State: "B\tC", Verdict: VerdictActivity},
		},
	}
}

func ptr(v int) *int          { return &v }
func ptr64(v int64) *int64    { return &v }
func ptrf(v float64) *float64 { return &v }

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
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
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

func TestCleanRunPrintsNothing(t *testing.T) {
	for _, format := range []string{"text", "compact", "github"} {
		if got := render(t, format, Options{Color: true}, Input{Files: []string{"a"}}); got != "" {
			t.Errorf("%s: clean run printed %q", format, got)
		}
	}
}

func TestFormats(t *testing.T) {
	if got := strings.Join(Formats(), ","); got != "compact,github,json,sarif,text" {
		t.Errorf("Formats() = %s", got)
	}
	if _, err := New("xml", Options{}); err == nil || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("unknown format error %v should list the formats", err)
	}
	if r, err := New("", Options{}); err != nil || fmt.Sprintf("%T", r) != "*report.textReporter" {
		t.Errorf(`New("") = %T, %v; want the text reporter`, r, err)
	}
}

// TestNoColorWithoutOption: colour codes in a CI log or a file are noise.
func TestNoColorWithoutOption(t *testing.T) {
	in := sampleInput(t)
	in.Findings = in.Findings[:len(in.Findings)-1]
	for _, format := range Formats() {
		if out := render(t, format, Options{Summary: true}, in); strings.Contains(out, "\x1b") {
			t.Errorf("%s printed an escape without Options.Color", format)
		}
	}
	if out := render(t, "text", Options{Color: true}, in); !strings.Contains(out, ansiRed) {
		t.Error("Options.Color printed no colour")
	}
}

// TestCompactOneLinePerFinding: grep and quickfix lists rely on it.
func TestCompactOneLinePerFinding(t *testing.T) {
	in := sampleInput(t)
	lines := strings.Split(strings.TrimSuffix(render(t, "compact", Options{}, in), "\n"), "\n")
	if len(lines) != len(in.Findings) {
		t.Fatalf("%d lines for %d findings", len(lines), len(in.Findings))
	}
	for i, f := range in.Findings {
		want := fmt.Sprintf("%s: %s: ", f.Range, f.Severity)
		if f.Range.Start.Line == 0 {
			want = fmt.Sprintf("%s: %s: ", f.Range.Filename, f.Severity)
		}
		if !strings.HasPrefix(lines[i], want) || !strings.HasSuffix(lines[i], "["+f.Rule+"]") {
			t.Errorf("line %d = %q, want %q... [%s]", i, lines[i], want, f.Rule)
		}
	}
}

// unescapeGitHub reverses actions/toolkit's escaping of workflow commands.
func unescapeGitHub(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

// TestGitHubEscaping parses the commands back the way the runner does: split
// properties on "," and "=", the message after "::", then unescape.
func TestGitHubEscaping(t *testing.T) {
	in := Input{Files: []string{"x"}, Findings: []lint.Finding{{
		Rule: "a:b,c", Severity: lint.Warning, Message: "100% sure: a,b\nnext %0A line::x",
		Range: workflow.Range{Filename: "dir,1/we:ird%\r\n.asl.json", Start: workflow.Pos{Line: 2, Column: 3}, End: workflow.Pos{Line: 2, Column: 9}},
	}}}
	first, _, _ := strings.Cut(render(t, "github", Options{}, in), "\n")
	cmd, msg, ok := strings.Cut(strings.TrimPrefix(first, "::"), "::")
	if !ok || strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("not one command line: %q", first)
	}
	name, propText, _ := strings.Cut(cmd, " ")
	props := map[string]string{}
	for _, kv := range strings.Split(propText, ",") {
		k, v, _ := strings.Cut(kv, "=")
		props[k] = unescapeGitHub(v)
	}
	if name != "warning" || props["file"] != in.Findings[0].Range.Filename || props["title"] != "a:b,c" ||
		props["line"] != "2" || props["col"] != "3" || props["endColumn"] != "9" {
		t.Errorf("command %q properties %v", name, props)
	}
	if got := unescapeGitHub(msg); got != in.Findings[0].Message {
		t.Errorf("message %q, want %q", got, in.Findings[0].Message)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := sampleInput(t)
	var doc struct {
		Version  int
		Tool     string
		Findings []struct {
			Rule, Severity, Message, File, Pointer string
			Line, Column                           int
			EndLine                                int    `json:"end_line"`
			EndColumn                              int    `json:"end_column"`
			Offset                                 int    `json:"offset"`
			EndOffset                              int    `json:"end_offset"`
			AWSCode                                string `json:"aws_code"`
			Related                                []struct {
				File         string
				Line, Column int
				Offset       int
				Message      string
			}
		}
		Summary []SummaryRow
		Counts  struct{ Error, Warning, Info, Files int }
	}
	out := render(t, "json", Options{}, in)
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != JSONVersion || doc.Tool != "stepshift 0.1.0" || len(doc.Findings) != len(in.Findings) {
		t.Fatalf("version %d, tool %q, %d findings", doc.Version, doc.Tool, len(doc.Findings))
	}
	for i, f := range in.Findings {
		g := doc.Findings[i]
		r := f.Range
		if g.Rule != f.Rule || g.Severity != f.Severity.String() || g.Message != f.Message || g.File != r.Filename ||
			g.Line != r.Start.Line || g.Column != r.Start.Column || g.EndLine != r.End.Line || g.EndColumn != r.End.Column ||
			g.Offset != r.Start.Byte || g.EndOffset != r.End.Byte || g.Pointer != f.Pointer || g.AWSCode != f.AWSCode ||
			len(g.Related) != len(f.Related) {
			t.Errorf("finding %d: %+v does not carry %+v", i, g, f)
			continue
		}
		for j, rel := range f.Related {
			gr := g.Related[j]
			if gr.File != rel.Range.Filename || gr.Line != rel.Range.Start.Line || gr.Column != rel.Range.Start.Column ||
				gr.Offset != rel.Range.Start.Byte || gr.Message != rel.Message {
				t.Errorf("finding %d related %d: %+v does not carry %+v", i, j, gr, rel)
			}
		}
	}
	if fmt.Sprint(doc.Summary) != fmt.Sprint(in.Summary) {
		for i := range in.Summary {
			a, _ := json.Marshal(in.Summary[i])
			b, _ := json.Marshal(doc.Summary[i])
			if !bytes.Equal(a, b) {
				t.Errorf("summary row %d: %s, want %s", i, b, a)
			}
		}
	}
	e, w, n := counts(in.Findings)
	if doc.Counts.Error != e || doc.Counts.Warning != w || doc.Counts.Info != n || doc.Counts.Files != len(in.Files) {
		t.Errorf("counts %+v", doc.Counts)
	}
	// Every key of a finding is present even when empty: a stable schema.
	var raw struct{ Findings []map[string]json.RawMessage }
	json.Unmarshal([]byte(out), &raw)
	for _, key := range []string{"rule", "severity", "message", "file", "line", "column", "end_line", "end_column", "offset", "end_offset", "pointer", "aws_code", "related"} {
		for i, f := range raw.Findings {
			if _, ok := f[key]; !ok {
				t.Errorf("finding %d has no %q", i, key)
			}
		}
	}
}

func TestSARIFVersion(t *testing.T) {
	for in, want := range map[string]string{"v0.1.0": "0.1.0", "1.2.3-rc.1": "1.2.3-rc.1", "dev": "0.0.0-dev", "": "0.0.0-dev"} {
		if got := sarifVersion(in); got != want {
			t.Errorf("sarifVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSARIFURIs(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	s := &sarifWriter{cwd: cwd}
	for path, want := range map[string]sarifArtifactLocation{
		"testdata/a b%.asl.json":                        {URI: "testdata/a%20b%25.asl.json", URIBaseID: "%SRCROOT%"},
		"./x/../grüße.asl.json":                         {URI: "gr%C3%BC%C3%9Fe.asl.json", URIBaseID: "%SRCROOT%"},
		filepath.Join(cwd, "testdata", "tabs.asl.json"): {URI: "testdata/tabs.asl.json", URIBaseID: "%SRCROOT%"},
		"/elsewhere/wf.asl.json":                        {URI: "file:///elsewhere/wf.asl.json"},
		"a:b.asl.json":                                  {URI: "./a:b.asl.json", URIBaseID: "%SRCROOT%"},
	} {
		if got := s.uri(path); got != want {
			t.Errorf("uri(%q) = %+v, want %+v", path, got, want)
		}
	}
}

// TestSARIFFingerprintsStable: the fingerprint follows the problem, not its
// line, so code scanning keeps one alert when lines above it are added.
func TestSARIFFingerprintsStable(t *testing.T) {
	f := sampleInput(t).Findings[0]
	moved := f
	moved.Range.Start.Line += 10
	moved.Range.End.Line += 10
	if fingerprint(f, "a") != fingerprint(moved, "a") {
		t.Error("fingerprint changed when the finding moved down")
	}
	other := f
	other.Pointer = "/States/Other/Next"
	if fingerprint(f, "a") == fingerprint(other, "a") || fingerprint(f, "a") == fingerprint(f, "b") {
		t.Error("different problems share a fingerprint")
	}
	// The same place in a file rendered twice, reaching two Lambdas: two alerts.
	one, two := f, f
	one.Rendering, two.Rendering = "module.sync_granule_workflow", "module.sync_granule_priority_workflow"
	if fingerprint(one, "a") == fingerprint(two, "a") {
		t.Error("two renderings' findings share a fingerprint")
	}
	var out strings.Builder
	rep, _ := New("sarif", Options{})
	if err := rep.Report(&out, Input{Findings: []lint.Finding{one}, Sources: map[string][]byte{}, ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"rendering": "module.sync_granule_workflow"`) {
		t.Errorf("SARIF result lacks its rendering property:\n%s", out.String())
	}
}

// sarifValidate runs the SARIF standard's own validator (sarif-multitool)
// once on all docs (each start of it takes seconds) and returns, per
// document, the error- and warning-level results of its output log.
func sarifValidate(t *testing.T, bin string, docs ...[]byte) [][]string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	index := map[string]int{}
	for i, doc := range docs {
		name := fmt.Sprintf("doc%d.sarif", i) // it skips files without a SARIF extension
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
		index[name] = i
	}
	scanned := []byte(fmt.Sprintf("%d files scanned", len(docs)))
	logPath := filepath.Join(dir, "validation.sarif")
	out, err := standin.Command(t, bin, append([]string{"validate", "--output", logPath}, paths...)...).CombinedOutput()
	if err != nil && !bytes.Contains(out, scanned) {
		t.Fatalf("sarif-multitool failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, scanned) || bytes.Contains(out, []byte("was not analyzed")) {
		t.Fatalf("sarif-multitool did not analyse the %d files:\n%s", len(docs), out)
	}
	logText, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("sarif-multitool wrote no log: %v\n%s", err, out)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string
				Message struct {
					Text      string
					Arguments []string
				}
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				}
			}
		}
	}
	if err := json.Unmarshal(logText, &log); err != nil || len(log.Runs) == 0 {
		t.Fatalf("validator log unreadable: %v", err)
	}
	problems := make([][]string, len(docs))
	for _, r := range log.Runs[0].Results {
		if r.Level == "" || r.Level == "error" || r.Level == "warning" { // SARIF's default level is warning
			doc := -1
			if len(r.Locations) > 0 {
				uri := r.Locations[0].PhysicalLocation.ArtifactLocation.URI
				if i, ok := index[uri[strings.LastIndexAny(uri, "/\\")+1:]]; ok {
					doc = i
				}
			}
			if doc < 0 {
				t.Fatalf("validator result %s %s names no document it was given: %+v", r.Level, r.RuleID, r.Locations)
			}
			problems[doc] = append(problems[doc], fmt.Sprintf("%s %s %v", r.Level, r.RuleID, r.Message.Arguments))
		}
	}
	return problems
}

// TestSARIFValidates checks our SARIF with the standard's validator, and
// checks the validator on a broken copy so the test cannot pass vacuously.
func TestSARIFValidates(t *testing.T) {
	bin := standin.NPMBin(t, "sarif-multitool")
	doc := []byte(render(t, "sarif", Options{}, sampleInput(t)))
	broken := bytes.Replace(doc, []byte(`"ruleIndex": 1`), []byte(`"ruleIndex": 99`), 1)
	// A clean run is a valid log too (code scanning then closes old alerts).
	clean := []byte(render(t, "sarif", Options{}, Input{Rules: sampleInput(t).Rules, Files: []string{"a.asl.json"}, ToolVersion: "dev"}))
	problems := sarifValidate(t, bin, doc, broken, clean)
	for _, p := range problems[0] {
		t.Errorf("validator: %s", p)
	}
	if len(problems[1]) == 0 {
		t.Error("the validator found nothing wrong with an out-of-range ruleIndex; it is not validating")
	}
	for _, p := range problems[2] {
		t.Errorf("validator on a clean run: %s", p)
	}
}

// cells lays a terminal line out in character cells (tabs to the next
// multiple of 8, wide characters two cells) and returns the rune starting
// at each cell (0 for a cell that continues a tab or a wide character).
func cells(s string) []rune {
	var out []rune
	for _, c := range s {
		switch k := width.LookupRune(c).Kind(); {
		case c == '\t':
			out = append(out, c)
			for len(out)%8 != 0 {
				out = append(out, 0)
			}
		case k == width.EastAsianWide || k == width.EastAsianFullwidth:
			out = append(out, c, 0)
		default:
			out = append(out, c)
		}
	}
	return out
}

// checkCaret asserts that the underline's "^" sits under the first
// character of the range in a terminal, whatever the tabs and wide characters.
func checkCaret(t *testing.T, out string, src []byte, rng workflow.Range) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "      | ") {
		t.Fatalf("%s: no snippet in %q", rng, out)
	}
	text := cells(lines[0][strings.Index(lines[0], " | ")+3:])
	under := cells(strings.TrimPrefix(lines[1], "      | "))
	caret := -1
	for i, c := range under {
		if c == '^' {
			caret = i
			break
		}
	}
	want, _ := utf8.DecodeRune(src[rng.Start.Byte:])
	if want == '\r' || want == '\n' || rng.Start.Byte == len(src) { // a range at the end of a line
		if caret != len(text) {
			t.Errorf("%s: caret at cell %d, want %d (end of line)\n%s", rng, caret, len(text), out)
		}
		return
	}
	if caret < 0 || caret >= len(text) || text[caret] != displayRune(want) {
		t.Errorf("%s: caret at cell %d is not under %q\n%s", rng, caret, want, out)
	}
}

// TestCaretProperty: on every value and key of the Cumulus corpus and the
// loader fixtures (tabs, multibyte, CRLF), the caret lines up.
func TestCaretProperty(t *testing.T) {
	paths := standin.OptionalCorpusFiles(t, "cumulus/workflows/*.json")
	fixtures, _ := filepath.Glob(filepath.Join(standin.ModuleRoot(), "fixtures", "loader", "*.json"))
	paths = append(append(paths, fixtures...), "testdata/tabs.asl.json", "testdata/crlf.asl.json", "testdata/minified.asl.json")
	if len(fixtures) < 10 || len(paths) < len(fixtures)+3 {
		t.Fatalf("only %d files found", len(paths))
	}
	r := &textReporter{}
	checked := 0
	for _, path := range paths {
		doc, src := load(t, path)
		if doc.Root == nil {
			continue
		}
		x := lineIndex{sources: map[string][]byte{path: src}}
		var walk func(n *workflow.Node)
		walk = func(n *workflow.Node) {
			for _, rng := range []workflow.Range{n.Range, n.KeyRange} {
				if rng.IsZero() {
					continue
				}
				var b bytes.Buffer
				w := bufio.NewWriter(&b)
				r.snippet(w, &x, rng)
				w.Flush()
				checkCaret(t, b.String(), src, rng)
				checked++
			}
			for _, m := range append(n.Members, n.Elems...) {
				walk(m)
			}
		}
		walk(doc.Root)
	}
	t.Logf("%d ranges in %d files", checked, len(paths))
}

// TestSnippetTrustsLineAndColumn: a caller that sets only line and column
// (no byte offsets) still gets the caret where the header says.
func TestSnippetTrustsLineAndColumn(t *testing.T) {
	doc, src := load(t, "testdata/tabs.asl.json")
	rng := lookup(t, doc, "/States/Grüße/Next").Range
	noBytes := rng
	noBytes.Start.Byte, noBytes.End.Byte = 0, 0
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	(&textReporter{}).snippet(w, &lineIndex{sources: map[string][]byte{rng.Filename: src}}, noBytes)
	w.Flush()
	checkCaret(t, b.String(), src, rng)
}

// FuzzTextReport renders arbitrary sources with arbitrary, possibly
// inconsistent ranges: no reporter may panic, and compact stays one line.
func FuzzTextReport(f *testing.F) {
	for _, p := range []string{"testdata/tabs.asl.json", "testdata/crlf.asl.json", "testdata/minified.asl.json"} {
		src, _ := os.ReadFile(p)
		f.Add(src, 4, 57, 60, 4, 63, 66, "message")
	}
	f.Add([]byte("a\tb\r\n\x1b[31mc\xff\n"), 2, 1, 4, 9, 2, 100, "x\ny")
	f.Fuzz(func(t *testing.T, src []byte, line, col, off, endLine, endCol, endOff int, msg string) {
		rng := workflow.Range{Filename: "f", Start: workflow.Pos{Line: line, Column: col, Byte: off},
			End: workflow.Pos{Line: endLine, Column: endCol, Byte: endOff}}
		in := Input{Findings: []lint.Finding{{Rule: "r", Message: msg, Range: rng, Related: []lint.Related{{Message: msg, Range: rng}}}},
			Sources: map[string][]byte{"f": src}, Files: []string{"f"}}
		for _, format := range Formats() {
			out := render(t, format, Options{Color: true}, in)
			if format == "compact" && strings.Count(out, "\n") != 1 {
				t.Fatalf("compact printed %q", out)
			}
		}
	})
}

// BenchmarkText10000FindingsMinified: 10,000 findings on a 1 MB one-line
// definition, where printing whole lines would write 10 GB.
func BenchmarkText10000FindingsMinified(b *testing.B) {
	var src bytes.Buffer
	src.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; src.Len() < 1<<20; i++ {
		fmt.Fprintf(&src, `"S%d":{"Type":"Pass","Next":"S%d"},`, i, i+1)
	}
	src.WriteString(`"End":{"Type":"Succeed"}}}`)
	in := Input{Sources: map[string][]byte{"min.asl.json": src.Bytes()}, Files: []string{"min.asl.json"}}
	for i := range 10000 {
		off := i * (src.Len() - 10) / 10000
		in.Findings = append(in.Findings, lint.Finding{Rule: "r", Severity: lint.Error, Message: "m",
			Range: workflow.Range{Filename: "min.asl.json", Start: workflow.Pos{Line: 1, Column: off + 1, Byte: off}, End: workflow.Pos{Line: 1, Column: off + 6, Byte: off + 5}}})
	}
	r, _ := New("text", Options{})
	var out bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := r.Report(&out, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len())/10000, "bytes/finding")
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

// TestTextCountsTaskUses: a finding about a function run by many Tasks
// lists the first three in text and gives the rest as a count; JSON keeps
// every one.
func TestTextCountsTaskUses(t *testing.T) {
	src := []byte("resource \"aws_lambda_function\" \"x\" {\n  runtime = \"nodejs16.x\"\n}\n")
	at := workflow.Range{Filename: "main.tf", Start: workflow.Pos{Line: 2, Column: 13, Byte: 48}, End: workflow.Pos{Line: 2, Column: 25, Byte: 60}}
	f := lint.Finding{Rule: "lambda-runtime", Severity: lint.Warning, Message: "uses runtime nodejs16.x (5 Tasks run it)", Range: at}
	for i := 1; i <= 5; i++ {
		f.Related = append(f.Related, lint.Related{Message: fmt.Sprintf("%s %q", lint.TaskUseNote, fmt.Sprintf("T%d", i)),
			Range: workflow.Range{Filename: "wf.asl.json", Start: workflow.Pos{Line: i, Column: 1}, End: workflow.Pos{Line: i, Column: 2}}})
	}
	in := Input{Findings: []lint.Finding{f}, Sources: map[string][]byte{"main.tf": src}, Files: []string{"main.tf"}}
	out := render(t, "text", Options{}, in)
	for _, want := range []string{`wf.asl.json:1:1: used by Task "T1"`, `wf.asl.json:3:1: used by Task "T3"`, "and 2 more Tasks"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"T4"`) {
		t.Errorf("text lists the fourth Task:\n%s", out)
	}
	if js := render(t, "json", Options{}, in); !strings.Contains(js, `T5`) {
		t.Errorf("json lost a Task:\n%s", js)
	}
}
