package usage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dump renders every aggregate and the report in a stable text form.
func dump(c *Collector, root string) string {
	var b strings.Builder
	for _, u := range c.All() {
		srcs := make([]string, len(u.Sources))
		for i, s := range u.Sources {
			rel, err := filepath.Rel(root, s)
			if err != nil {
				rel = s
			}
			srcs[i] = filepath.ToSlash(rel)
		}
		fmt.Fprintf(&b, "function %q\n", u.Function)
		fmt.Fprintf(&b, "  sources %s\n", strings.Join(srcs, ", "))
		fmt.Fprintf(&b, "  invocations %d\n", u.Invocations)
		fmt.Fprintf(&b, "  duration p50 %.2f ms, p95 %.2f ms, max %.2f ms, exact %v, max init %.2f ms\n",
			u.DurationP50Ms, u.DurationP95Ms, u.DurationMaxMs, u.DurationExact, u.MaxInitMs)
		fmt.Fprintf(&b, "  memory max used %d MB, size %d MB, sizes %v, peak %.1f%%\n",
			u.MaxMemoryUsedMB, u.MemorySizeMB, u.MemorySizesMB, u.PeakMemoryPercent)
		fmt.Fprintf(&b, "  timeouts %d at %v s, out of memory %d, errors %d, disk full %d\n",
			u.Timeouts, u.TimeoutSeconds, u.OutOfMemory, u.Errors, u.DiskFull)
		fmt.Fprintf(&b, "  first %s, last %s\n", stamp(u.First), stamp(u.Last))
		fmt.Fprintf(&b, "  evidence: %s\n", u.Evidence())
	}
	r := c.Report()
	fmt.Fprintf(&b, "report: %d files; %s\n", r.Files, r)
	for _, s := range r.Samples {
		rel, _ := filepath.Rel(root, s.Source)
		fmt.Fprintf(&b, "  malformed %s:%d: %s: %q\n", filepath.ToSlash(rel), s.Line, s.Reason, s.Text)
	}
	return b.String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

func parseCorpus(t testing.TB) *Collector {
	c := NewCollector()
	if err := c.ParsePath(filepath.Join("testdata", "corpus")); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCorpusGolden(t *testing.T) {
	c := parseCorpus(t)
	golden(t, filepath.Join("testdata", "corpus.golden"), dump(c, filepath.Join("testdata", "corpus")))
}

// TestCorpusFacts pins the numbers each variant must produce, independently
// of the golden file, so a wrong golden cannot be accepted by -update alone.
func TestCorpusFacts(t *testing.T) {
	c := parseCorpus(t)
	get := func(name string) *Usage {
		t.Helper()
		u := c.Usage(name)
		if u == nil {
			t.Fatalf("no usage for %q; functions: %v", name, c.Functions())
		}
		return u
	}

	// Text with RFC 3339 prefixes: a REPORT "Status: timeout" and its "Task
	// timed out" line are one run; an old-style REPORT without Status is
	// caught by its "Task timed out" line.
	sg := get("sync-granule")
	if sg.Invocations != 6 || sg.Timeouts != 2 || !slices.Equal(sg.TimeoutSeconds, []int{900}) || sg.Errors != 0 {
		t.Errorf("sync-granule: %+v", sg)
	}
	if sg.DurationMaxMs != 900048.91 || sg.DurationP50Ms != 120000.5 || sg.DurationP95Ms != 900048.91 || sg.MaxInitMs != 812.45 {
		t.Errorf("sync-granule durations: %+v", sg)
	}
	if want := "2 of 6 runs timed out at 900 s between 2026-11-01 and 2026-11-14; p95 900 s"; sg.DurationEvidence() != want {
		t.Errorf("sync-granule evidence %q, want %q", sg.DurationEvidence(), want)
	}
	if want := "max memory used 1,900 of 2,048 MB (92%) over 6 runs between 2026-11-01 and 2026-11-14"; sg.MemoryEvidence() != want {
		t.Errorf("memory evidence %q, want %q", sg.MemoryEvidence(), want)
	}

	// aws logs tail prefixes, Node ENOSPC over two lines of one request
	// (the second inherits the request ID), Python [Errno 28].
	dg := get("discover-granules")
	if dg.Invocations != 4 || dg.DiskFull != 2 || dg.Errors != 1 || dg.Timeouts != 0 {
		t.Errorf("discover-granules: %+v", dg)
	}
	if want := "2 of 4 runs ran out of disk space (ENOSPC) between 2026-11-02 and 2026-11-03"; dg.DiskEvidence() != want {
		t.Errorf("disk evidence %q, want %q", dg.DiskEvidence(), want)
	}

	// signal: killed + bare Runtime.ExitError is one out-of-memory run; exit
	// status 1 is an error; Error Type: Runtime.OutOfMemory is another.
	hy := get("hyrax-metadata-updates")
	if hy.Invocations != 4 || hy.OutOfMemory != 2 || hy.Errors != 3 || hy.PeakMemoryPercent != 100 || !hy.First.IsZero() {
		t.Errorf("hyrax-metadata-updates: %+v", hy)
	}

	// Lambda JSON log format.
	lj := get("lambda-json-format")
	if lj.Invocations != 4 || lj.Timeouts != 1 || !slices.Equal(lj.TimeoutSeconds, []int{300}) || lj.OutOfMemory != 1 || lj.Errors != 2 || lj.DiskFull != 1 || lj.MaxInitMs != 450.25 {
		t.Errorf("lambda-json-format: %+v", lj)
	}

	// FilterLogEvents export (pretty-printed document) with epoch ms.
	qg := get("queue-granules")
	if qg.Invocations != 3 || qg.Timeouts != 1 || !slices.Equal(qg.TimeoutSeconds, []int{3}) ||
		qg.First != time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC) {
		t.Errorf("queue-granules: %+v", qg)
	}

	// One event per line; logGroupName overrides the file name.
	if mg := get("move-granules"); mg.Invocations != 2 || mg.MaxMemoryUsedMB != 3900 {
		t.Errorf("move-granules: %+v", mg)
	}
	if fg := get("files-to-granules"); fg.Invocations != 2 || fg.PeakMemoryPercent < 97 {
		t.Errorf("files-to-granules: %+v", fg)
	}

	// aws logs filter-log-events --output text.
	pc := get("post-to-cmr")
	if pc.Invocations != 1 || pc.Timeouts != 1 || !slices.Equal(pc.TimeoutSeconds, []int{30}) ||
		pc.Last != time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC) {
		t.Errorf("post-to-cmr: %+v", pc)
	}

	// Worker logs in a folder named for the function: JSON lines with the
	// REPORT in "message", a bare single-space REPORT, a timeout message.
	ps := get("pdr-status-check")
	if ps.Invocations != 2 || ps.Timeouts != 1 || ps.DurationMaxMs != 3500.25 || ps.MaxMemoryUsedMB != 500 {
		t.Errorf("pdr-status-check: %+v", ps)
	}

	r := c.Report()
	if r.Lines != r.Evidence+r.Other+r.Malformed {
		t.Errorf("report does not add up: %+v", r)
	}
	if r.Files != 9 {
		t.Errorf("files = %d, want 9", r.Files)
	}
	ml := NewCollector()
	if err := ml.ParsePath(filepath.Join("testdata", "corpus", "malformed.log")); err != nil {
		t.Fatal(err)
	}
	if mr := ml.Report(); mr.Lines != 10 || mr.Malformed != 8 || mr.Other != 1 || mr.Evidence != 1 {
		t.Errorf("malformed.log report: %+v", mr)
	}
	if m := ml.Usage("malformed"); m == nil || m.Invocations != 1 {
		t.Errorf("the one good line of malformed.log was lost: %+v", m)
	}
}

// TestOrderDoesNotMatter: counts per run do not depend on the order lines
// arrive in (CloudWatch interleaves streams), as long as lines carry IDs.
func TestOrderDoesNotMatter(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "corpus", "sync-granule.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(src)), "\n")
	base := NewCollector()
	_ = base.ParseReader(strings.NewReader(string(src)), Source{Function: "f"})
	want := base.Usage("f")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50; i++ {
		rng.Shuffle(len(lines), func(a, b int) { lines[a], lines[b] = lines[b], lines[a] })
		c := NewCollector()
		_ = c.ParseReader(strings.NewReader(strings.Join(lines, "\n")), Source{Function: "f"})
		got := c.Usage("f")
		if got.Invocations != want.Invocations || got.Timeouts != want.Timeouts || got.Errors != want.Errors ||
			got.DurationP95Ms != want.DurationP95Ms || got.First != want.First || got.Last != want.Last || got.MemorySizeMB != want.MemorySizeMB {
			t.Fatalf("order changed the result:\n%+v\nwant\n%+v", got, want)
		}
	}
}

// TestMergeEqualsOnePass: evidence collected in parts (deployed fetches
// functions concurrently) merges to what one pass gives.
func TestMergeEqualsOnePass(t *testing.T) {
	whole := parseCorpus(t)
	merged := NewCollector()
	entries, _ := os.ReadDir(filepath.Join("testdata", "corpus"))
	for _, e := range entries {
		part := NewCollector()
		p := filepath.Join("testdata", "corpus", e.Name())
		if e.IsDir() { // a folder per function: its files keep the folder's name
			files, _ := filepath.Glob(filepath.Join(p, "*"))
			for _, f := range files {
				if err := part.ParseFile(f, Source{Name: f, Function: e.Name()}); err != nil {
					t.Fatal(err)
				}
			}
		} else if err := part.ParsePath(p); err != nil {
			t.Fatal(err)
		}
		merged.Merge(part)
	}
	root := filepath.Join("testdata", "corpus")
	if a, b := dump(whole, root), dump(merged, root); a != b {
		t.Errorf("merged differs from one pass:\n%s\nvs\n%s", b, a)
	}
}

// TestPercentilesExactAndSketch checks nearest-rank percentiles against a
// sort, below ExactLimit exactly and above it within SketchError.
func TestPercentilesExactAndSketch(t *testing.T) {
	for _, n := range []int{1, 2, 19, 20, 21, 1000, ExactLimit + 5000} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		var text bytes.Buffer
		values := make([]float64, n)
		for i := range values {
			v := math.Round(math.Exp(rng.Float64()*14)*100) / 100 // 1 ms .. 1.2e6 ms, log-spread
			values[i] = v
			fmt.Fprintf(&text, "REPORT RequestId: r%d\tDuration: %.2f ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n", i, v)
		}
		c := NewCollector()
		if err := c.ParseReader(&text, Source{Function: "f"}); err != nil {
			t.Fatal(err)
		}
		u := c.Usage("f")
		slices.Sort(values)
		for _, q := range []struct {
			got, p float64
		}{{u.DurationP50Ms, 0.5}, {u.DurationP95Ms, 0.95}} {
			want := values[max(0, int(math.Ceil(q.p*float64(n)))-1)]
			if u.DurationExact {
				if q.got != want {
					t.Errorf("n=%d p%.0f = %v, want exactly %v", n, q.p*100, q.got, want)
				}
			} else if math.Abs(q.got-want) > SketchError*want+1e-9 {
				t.Errorf("n=%d p%.0f = %v, want %v within %.1f%%", n, q.p*100, q.got, want, SketchError*100)
			}
		}
		if u.DurationExact != (n <= ExactLimit) || u.DurationMaxMs != values[n-1] || u.Invocations != n {
			t.Errorf("n=%d: exact %v max %v invocations %d", n, u.DurationExact, u.DurationMaxMs, u.Invocations)
		}
	}
}

func TestEvidenceSentence(t *testing.T) {
	var text strings.Builder
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 1204; i++ {
		at := start.Add(time.Duration(i) * 13 * 24 * time.Hour / 1203)
		ms := 100000.0 + float64(i%100)*7500 // up to 842,500 ms
		status := ""
		if i%400 == 399 {
			ms, status = 900000, "\tStatus: timeout"
		}
		fmt.Fprintf(&text, "%s REPORT RequestId: r-%d\tDuration: %.2f ms\tBilled Duration: 1 ms\tMemory Size: 10240 MB\tMax Memory Used: 900 MB%s\n",
			at.Format(time.RFC3339Nano), i, ms, status)
	}
	c := NewCollector()
	_ = c.ParseReader(strings.NewReader(text.String()), Source{Function: "f"})
	u := c.Usage("f")
	if want := "3 of 1,204 runs timed out at 900 s between 2026-11-01 and 2026-11-14; p95 805 s"; u.DurationEvidence() != want {
		t.Errorf("got  %q\nwant %q", u.DurationEvidence(), want)
	}
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1204: "-1,204"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{12.4: "12 ms", 999.4: "999 ms", 2500: "2.5 s", 811000: "811 s", 1234000: "1,234 s"} {
		if got := FormatMs(in); got != want {
			t.Errorf("FormatMs(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestMoreShapes covers shapes outside the corpus: a gzip export-task file,
// a one-line JSON array, a worker JSON line whose message has no request ID.
func TestMoreShapes(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	fmt.Fprint(zw, "2026-11-02T00:00:00.000Z REPORT RequestId: a\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n")
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "export-task.log.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	array := `[{"timestamp":1793577600000,"message":"REPORT RequestId: b\tDuration: 7.00 ms\tBilled Duration: 7 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB"},{"timestamp":1793577600001,"message":"START RequestId: c Version: 1"}]` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "array.json"), []byte(array), 0o644); err != nil {
		t.Fatal(err)
	}
	worker := `{"timestamp":"2026-11-03T00:00:00Z","level":"error","message":"Task timed out after 60 seconds","sender":"stepshift/w","requestId":"r1"}` + "\n" +
		"REPORT RequestId: r1\tDuration: 60000.00 ms\tBilled Duration: 60000 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB\tStatus: timeout\n"
	if err := os.WriteFile(filepath.Join(dir, "w.log"), []byte(worker), 0o644); err != nil {
		t.Fatal(err)
	}
	c := NewCollector()
	if err := c.ParsePath(dir); err != nil {
		t.Fatal(err)
	}
	if u := c.Usage("export-task"); u == nil || u.Invocations != 1 || u.First.IsZero() {
		t.Errorf("gzip export: %+v", u)
	}
	if u := c.Usage("array"); u == nil || u.Invocations != 1 || u.Last != time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) {
		t.Errorf("array: %+v", u)
	}
	if u := c.Usage("w"); u == nil || u.Timeouts != 1 || !slices.Equal(u.TimeoutSeconds, []int{60}) {
		t.Errorf("worker timeout counted twice or lost: %+v", u)
	}
	if r := c.Report(); r.Lines != 5 || r.Evidence != 4 || r.Other != 1 {
		t.Errorf("report: %+v", r)
	}
}

func TestFunctionFromFileName(t *testing.T) {
	for in, want := range map[string]string{
		"logs/sync-granule.log": "sync-granule", "x/move.json": "move", "a.jsonl": "a", "b.txt": "b",
		"c.gz": "", "d.log.gz": "d", ".log": "", "plain": "",
	} {
		if got := FunctionFromFileName(in); got != want {
			t.Errorf("FunctionFromFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkInvariants are the properties any input must keep.
func checkInvariants(t *testing.T, c *Collector) {
	t.Helper()
	r := c.Report()
	if r.Lines != r.Evidence+r.Other+r.Malformed || r.Lines < 0 || len(r.Samples) > MaxSamples {
		t.Fatalf("report does not add up: %+v", r)
	}
	for _, u := range c.All() {
		if u.DurationP50Ms > u.DurationP95Ms || u.DurationP95Ms > u.DurationMaxMs || u.Invocations < 0 ||
			u.Errors < u.OutOfMemory-u.Timeouts && false {
			t.Fatalf("inconsistent usage: %+v", u)
		}
		if u.Invocations > 0 && (u.Window() == "") != u.First.IsZero() {
			t.Fatalf("window %q vs first %v", u.Window(), u.First)
		}
		_ = u.Evidence()
	}
}

func FuzzParse(f *testing.F) {
	entries, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*"))
	for _, p := range entries {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("REPORT RequestId: x Duration: 1 ms Memory Size: 1 MB Max Memory Used: 2 MB Status: timeout"))
	f.Add([]byte(`[{"message":"Task timed out after 1e309 seconds"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewCollector()
		if err := c.ParseReader(bytes.NewReader(data), Source{Name: "fuzz", Function: "f"}); err != nil {
			t.Fatalf("I/O error from a bytes.Reader: %v", err)
		}
		checkInvariants(t, c)
		// Feeding the same text as one CloudWatch event must not panic either.
		c.AddEvent(Source{Name: "fuzz"}, "s", time.Time{}, string(data))
		checkInvariants(t, c)
	})
}

// writeMillionReportLines writes n REPORT lines as CloudWatch exports them
// (timestamp prefix, tab-separated fields, every 500th a timeout).
func writeMillionReportLines(tb testing.TB, path string, n int) int64 {
	file, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	f := bufio.NewWriterSize(file, 1<<20)
	defer f.Flush()
	var buf []byte
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var size int64
	for i := 0; i < n; i++ {
		buf = buf[:0]
		buf = start.Add(time.Duration(i)*time.Second).AppendFormat(buf, "2006-01-02T15:04:05.000Z")
		status := ""
		if i%500 == 0 {
			status = "\tStatus: timeout"
		}
		buf = fmt.Appendf(buf, " REPORT RequestId: %08x-1111-4111-8111-%012x\tDuration: %d.%02d ms\tBilled Duration: %d ms\tMemory Size: 1024 MB\tMax Memory Used: %d MB\tInit Duration: 123.45 ms%s\t\n",
			i, i, 100+i%90000, i%100, 101+i%90000, 100+i%900, status)
		if _, err := f.Write(buf); err != nil {
			tb.Fatal(err)
		}
		size += int64(len(buf))
	}
	return size
}

// millionFile is generated once per test binary run and shared by the
// benchmark's b.N rounds.
var millionFile struct {
	path string
	size int64
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if millionFile.path != "" {
		os.RemoveAll(filepath.Dir(millionFile.path))
	}
	os.Exit(code)
}

// BenchmarkParseMillionReportLines is the budget: 1,000,000 REPORT lines
// from a file in under 1 s.
func BenchmarkParseMillionReportLines(b *testing.B) {
	const n = 1_000_000
	if millionFile.path == "" {
		dir, err := os.MkdirTemp("", "usage-bench")
		if err != nil {
			b.Fatal(err)
		}
		millionFile.path = filepath.Join(dir, "sync-granule.log")
		millionFile.size = writeMillionReportLines(b, millionFile.path, n)
	}
	path := millionFile.path
	b.SetBytes(millionFile.size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := NewCollector()
		if err := c.ParsePath(path); err != nil {
			b.Fatal(err)
		}
		u := c.Usage("sync-granule")
		if u == nil || u.Invocations != n || u.Timeouts != n/500 {
			b.Fatalf("wrong result: %+v", u)
		}
	}
}

// TestFilterPatternKeepsEveryEvidenceLine reads the corpus twice, once
// whole and once with only the lines CloudWatchFilterPattern lets through
// (as FilterLogEvents would return them), and wants the same evidence:
// the pattern drops nothing the Collector uses.
func TestFilterPatternKeepsEveryEvidenceLine(t *testing.T) {
	whole := parseCorpus(t)
	filtered := NewCollector()
	dropped := 0
	root := filepath.Join("testdata", "corpus")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		function := FunctionFromFileName(p)
		if parts := strings.Split(filepath.ToSlash(rel), "/"); len(parts) > 1 {
			function = parts[0]
		}
		text := string(src)
		// A whole JSON document (a FilterLogEvents export) is one value, not
		// lines; line-by-line text and JSON lines are filtered.
		if !json.Valid(src) {
			var kept []string
			for _, line := range strings.Split(text, "\n") {
				if MatchesFilter(line) {
					kept = append(kept, line)
				} else if strings.TrimSpace(line) != "" {
					dropped++
				}
			}
			text = strings.Join(kept, "\n")
		}
		return filtered.ParseReader(strings.NewReader(text), Source{Name: p, Function: function})
	})
	if err != nil {
		t.Fatal(err)
	}
	if dropped == 0 {
		t.Fatal("the filter dropped no line of the corpus; the test compares nothing")
	}
	for _, u := range whole.All() {
		f := filtered.Usage(u.Function)
		if f == nil {
			t.Errorf("%s: no evidence left after filtering", u.Function)
			continue
		}
		u2, f2 := *u, *f
		u2.Sources, f2.Sources = nil, nil
		if !reflect.DeepEqual(u2, f2) {
			t.Errorf("%s: evidence differs after filtering\nwhole:    %+v\nfiltered: %+v", u.Function, u2, f2)
		}
	}
	if !strings.HasPrefix(CloudWatchFilterPattern, `?"RequestId" ?"Task timed out"`) || len(CloudWatchFilterPattern) > 1024 {
		t.Errorf("pattern %q: want ?\"term\" ORs within CloudWatch's 1,024 characters", CloudWatchFilterPattern)
	}
}
