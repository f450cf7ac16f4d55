package usage

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// MaxSamples is how many malformed lines a Report keeps as examples.
const MaxSamples = 10

// maxDepth bounds how far a JSON event's message is unwrapped (an event
// whose message is a JSON log record whose message is text).
const maxDepth = 3

// Source names where lines come from and who they belong to by default.
type Source struct {
	// Name is shown in reports and Usage.Sources: a file path, or
	// "cloudwatch:/aws/lambda/<function>".
	Name string
	// Function is the default attribution (rule 2 of the package doc).
	Function string
}

// Report counts how lines were understood. Every non-blank line is counted
// exactly once: Lines == Evidence + Other + Malformed.
type Report struct {
	Files     int // files read by ParsePath
	Lines     int // non-blank lines (JSON events count one line each)
	Evidence  int // lines that contributed evidence
	Other     int // understood but not evidence (START/END, application logging)
	Malformed int // looked like evidence or JSON but could not be read
	Samples   []Malformed
}

// Malformed is one line that could not be read.
type Malformed struct {
	Source string
	Line   int // 1-based line in Source; for a JSON document, the event's index+1
	Reason string
	Text   string // the line, cut to 120 bytes
}

// String renders the report for a CLI note: "1,204 lines: 1,200 evidence, 3 other, 1 not understood".
func (r Report) String() string {
	return fmt.Sprintf("%s lines: %s evidence, %s other, %s not understood",
		thousands(r.Lines), thousands(r.Evidence), thousands(r.Other), thousands(r.Malformed))
}

// Collector accumulates evidence per function. It is not safe for
// concurrent use; use one per goroutine and Merge.
type Collector struct {
	funcs  map[string]*acc
	report Report
	rec    record
	// current is the request ID each (function, stream) is inside of, for
	// lines that do not name theirs.
	current map[string][]byte
	lastAcc *acc
}

// NewCollector returns an empty Collector.
func NewCollector() *Collector {
	return &Collector{funcs: map[string]*acc{}, current: map[string][]byte{}}
}

// Report returns the line counts so far.
func (c *Collector) Report() Report {
	r := c.report
	r.Samples = append([]Malformed(nil), r.Samples...)
	return r
}

// Functions returns the functions seen, sorted by name.
func (c *Collector) Functions() []string {
	names := make([]string, 0, len(c.funcs))
	for n := range c.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Usage returns the aggregate for one function, nil if it has no evidence.
func (c *Collector) Usage(function string) *Usage {
	a := c.funcs[function]
	if a == nil {
		return nil
	}
	return a.usage(function)
}

// All returns every function's aggregate, sorted by function name.
func (c *Collector) All() []*Usage {
	var out []*Usage
	for _, n := range c.Functions() {
		out = append(out, c.Usage(n))
	}
	return out
}

// ParsePath reads a log file, or every regular file below a folder
// (hidden files and folders skipped), attributing each file by the rule in
// the package doc. Errors are I/O errors only, every file's joined (the
// other files are still read); bad content is counted in the Report.
func (c *Collector) ParsePath(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return c.ParseFile(path, Source{Name: path, Function: FunctionFromFileName(path)})
	}
	// One unreadable file (a truncated .gz) does not lose the others'
	// evidence: every file is read and the failures come back together.
	var errs []error
	walkErr := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if p != path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(path, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		function := FunctionFromFileName(p)
		if len(parts) > 1 {
			function = parts[0]
		}
		if err := c.ParseFile(p, Source{Name: p, Function: function}); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	return errors.Join(append(errs, walkErr)...)
}

// FunctionFromFileName is rule 2 for a single file: the base name without a
// log extension (.log, .json, .jsonl, .ndjson, .txt, .out, each optionally
// followed by .gz), or "" when the file has another extension.
func FunctionFromFileName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	for _, ext := range []string{".log", ".jsonl", ".ndjson", ".json", ".txt", ".out"} {
		if name, ok := strings.CutSuffix(base, ext); ok && name != "" {
			return name
		}
	}
	return ""
}

// ParseFile reads one file as src.
func (c *Collector) ParseFile(path string, src Source) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	c.report.Files++
	br := bufio.NewReaderSize(f, 1<<20)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		// CloudWatch Logs export tasks write gzip files (000000.gz).
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		if err := c.ParseReader(zr, src); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	return c.ParseReader(br, src)
}

// ParseReader reads log text or JSON from r. A stream whose first line is
// not a whole JSON value but starts with '{' or '[' is read as one JSON
// document (a pretty-printed FilterLogEvents export); anything else line by
// line. The error is an I/O error only.
func (c *Collector) ParseReader(r io.Reader, src Source) error {
	br := bufio.NewReaderSize(r, 1<<20)
	if c.isDocument(br) {
		return c.parseDocument(br, src)
	}
	var long []byte
	lineNo := 0
	for {
		chunk, err := br.ReadSlice('\n')
		line := chunk
		if err == bufio.ErrBufferFull {
			long = append(long, chunk...)
			continue
		}
		if long != nil {
			long = append(long, chunk...)
			line = long
		}
		if len(line) > 0 {
			lineNo++
			c.top(src, "", line, time.Time{}, lineNo, 0)
		}
		long = long[:0]
		if len(long) == 0 && cap(long) > 1<<22 {
			long = nil // do not keep a huge buffer for the rest of the file
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// isDocument peeks at the start of br: '{' or '[' first, and the first line
// alone is not valid JSON (or longer than the buffer).
func (c *Collector) isDocument(br *bufio.Reader) bool {
	for n := 4096; ; n *= 4 {
		buf, err := br.Peek(n)
		trimmed := bytes.TrimLeft(buf, " \t\r\n\ufeff")
		if len(trimmed) == 0 {
			if err != nil {
				return false
			}
			continue
		}
		if trimmed[0] != '{' && trimmed[0] != '[' {
			return false
		}
		if i := bytes.IndexByte(trimmed, '\n'); i >= 0 {
			return !json.Valid(trimmed[:i])
		}
		if err != nil { // whole input seen, one line
			return !json.Valid(trimmed)
		}
		if n >= br.Size() {
			return true
		}
	}
}

// parseDocument reads a sequence of JSON values: export objects with
// "events", arrays of events, or single events.
func (c *Collector) parseDocument(r io.Reader, src Source) error {
	dec := json.NewDecoder(r)
	index := 0
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
				c.report.Lines++
				c.report.Malformed++
				c.sample(src, index+1, "invalid JSON document: "+err.Error(), nil)
				return nil
			}
			return err
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '[' {
			var events []json.RawMessage
			if json.Unmarshal(raw, &events) != nil {
				c.report.Lines++
				c.report.Malformed++
				c.sample(src, index+1, "invalid JSON array", raw)
				continue
			}
			for _, ev := range events {
				index++
				c.top(src, "", ev, time.Time{}, index, 1)
			}
			continue
		}
		index++
		c.top(src, "", raw, time.Time{}, index, 0)
	}
}

// AddEvent feeds one CloudWatch Logs event (package deployed uses it for
// FilterLogEvents results). The event counts as one line; its message may
// hold several text lines, each read with the event's time and stream.
func (c *Collector) AddEvent(src Source, stream string, at time.Time, message string) {
	c.top(src, stream, []byte(message), at, 0, 1)
}

// lineContainer: the line was an export object whose events were counted.
const lineContainer lineKind = -1

// top counts one line (or event) and its outcome.
func (c *Collector) top(src Source, stream string, line []byte, at time.Time, lineNo, depth int) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	c.report.Lines++
	switch c.read(src, stream, line, at, lineNo, depth) {
	case lineContainer:
		c.report.Lines--
	case lineEvidence:
		c.report.Evidence++
	case lineMalformed:
		c.report.Malformed++
	default:
		c.report.Other++
	}
}

// read reads a line or event, which may hold several text lines (an
// event's message), files its evidence, and says how it was understood:
// evidence if any part was, else malformed if any part was, else other.
func (c *Collector) read(src Source, stream string, text []byte, at time.Time, lineNo, depth int) lineKind {
	if t := bytes.TrimSpace(text); len(t) > 0 && t[0] == '{' && bytes.IndexByte(t, '\n') >= 0 && json.Valid(t) {
		return c.readLine(src, stream, t, at, lineNo, depth) // one JSON value over several lines
	}
	outcome := lineOther
	for len(text) > 0 {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		k := c.readLine(src, stream, line, at, lineNo, depth)
		if k == lineContainer || k == lineEvidence || k == lineMalformed && outcome == lineOther {
			outcome = k
		}
	}
	return outcome
}

// readLine reads one trimmed, non-blank line.
func (c *Collector) readLine(src Source, stream string, line []byte, at time.Time, lineNo, depth int) lineKind {
	if line[0] == '{' {
		return c.jsonValue(src, stream, line, at, lineNo, depth)
	}
	if line[0] == '[' && depth == 0 {
		// A one-line JSON array of events.
		var events []json.RawMessage
		if err := json.Unmarshal(line, &events); err == nil {
			for i, ev := range events {
				c.top(src, stream, ev, at, i+1, 1)
			}
			return lineContainer
		}
	}
	rec := &c.rec
	rec.reset()
	rec.time, rec.stream = at, stream
	if bytes.HasPrefix(line, []byte("EVENTS\t")) {
		// aws logs filter-log-events --output text: EVENTS, eventId,
		// ingestionTime, logStreamName, message..., timestamp.
		fields := bytes.Split(line, []byte("\t"))
		if len(fields) >= 5 {
			rec.stream = string(fields[3])
			if last := fields[len(fields)-1]; len(last) == 13 && allDigits(last) {
				rec.time, _ = parseTimeToken(last)
			}
		}
	}
	kind, reason := scanText(line, rec)
	return c.file(src, kind, reason, line, lineNo)
}

// jsonValue reads one JSON line or event.
func (c *Collector) jsonValue(src Source, stream string, line []byte, at time.Time, lineNo, depth int) lineKind {
	var j jsonLine
	if err := json.Unmarshal(line, &j); err != nil {
		c.sample(src, lineNo, "invalid JSON: "+err.Error(), line)
		return lineMalformed
	}
	if f := functionFromGroup(j.LogGroupName); f != "" {
		src.Function = f
	} else if f := functionFromSender(j.Sender); f != "" {
		src.Function = f
	}
	if j.Events != nil && depth == 0 {
		for i, ev := range j.Events {
			c.top(src, "", ev, time.Time{}, i+1, 1)
		}
		return lineContainer
	}
	if t := jsonTime(j.Timestamp); !t.IsZero() {
		at = t
	} else if t := stringTime(j.Time); !t.IsZero() {
		at = t
	}
	if j.LogStreamName != "" {
		stream = j.LogStreamName
	}
	rec := &c.rec
	switch {
	case strings.HasPrefix(j.Type, "platform."):
		rec.reset()
		rec.time, rec.stream = at, stream
		kind, reason := c.platform(j.Type, j.Record, rec)
		return c.file(src, kind, reason, line, lineNo)
	case len(j.Message) > 0 && j.Message[0] == '"':
		if depth >= maxDepth {
			c.sample(src, lineNo, "JSON nested too deeply", line)
			return lineMalformed
		}
		var msg string
		if err := json.Unmarshal(j.Message, &msg); err != nil {
			c.sample(src, lineNo, "invalid JSON message", line)
			return lineMalformed
		}
		if j.RequestID != "" {
			// Text lines of the message that do not name their request
			// belong to the record's.
			c.setCurrent(src.Function, stream, []byte(j.RequestID))
		}
		return c.read(src, stream, []byte(msg), at, lineNo, depth+1)
	}
	// An application JSON record (Lambda JSON app log, worker line without
	// a text message): look for evidence anywhere in it.
	rec.reset()
	rec.time, rec.stream = at, stream
	kind, reason := scanText(line, rec)
	if kind == lineEvidence && j.RequestID != "" {
		rec.requestID = append(rec.requestID[:0], j.RequestID...)
		rec.setsRequest = true
	}
	return c.file(src, kind, reason, line, lineNo)
}

// platform reads a Lambda JSON-format platform record.
func (c *Collector) platform(typ string, raw json.RawMessage, rec *record) (lineKind, string) {
	if typ != "platform.report" && typ != "platform.runtimeDone" {
		return lineOther, ""
	}
	var p platformRecord
	if err := json.Unmarshal(raw, &p); err != nil {
		return lineMalformed, typ + " record is not an object: " + err.Error()
	}
	if p.RequestID == "" {
		return lineMalformed, typ + " without requestId"
	}
	rec.requestID = append(rec.requestID[:0], p.RequestID...)
	rec.flags |= statusFlags([]byte(p.Status))
	if p.ErrorType == "Runtime.OutOfMemory" {
		rec.flags |= FlagOutOfMemory | FlagError
	}
	if typ == "platform.runtimeDone" {
		rec.setsRequest = true
		if rec.flags == 0 {
			return lineOther, ""
		}
		return lineEvidence, ""
	}
	m := p.Metrics
	if m.DurationMs == nil || m.MemorySizeMB == nil || m.MaxMemoryUsedMB == nil {
		return lineMalformed, "platform.report without durationMs, memorySizeMB or maxMemoryUsedMB"
	}
	if *m.DurationMs < 0 || *m.MemorySizeMB < 0 || *m.MaxMemoryUsedMB < 0 || *m.MemorySizeMB > 1e9 || *m.MaxMemoryUsedMB > 1e9 || *m.DurationMs > 1e12 {
		return lineMalformed, "platform.report metrics out of range"
	}
	rec.report = true
	rec.durationMs, rec.initMs = *m.DurationMs, m.InitDurationMs
	rec.memorySizeMB, rec.maxUsedMB = int(*m.MemorySizeMB), int(*m.MaxMemoryUsedMB)
	return lineEvidence, ""
}

// file records the evidence of one line and samples a malformed one.
func (c *Collector) file(src Source, kind lineKind, reason string, line []byte, lineNo int) lineKind {
	switch kind {
	case lineOther:
		if c.rec.setsRequest {
			c.setCurrent(src.Function, c.rec.stream, c.rec.requestID)
		}
	case lineMalformed:
		c.sample(src, lineNo, reason, line)
	case lineEvidence:
		c.add(src)
	}
	return kind
}

func (c *Collector) sample(src Source, lineNo int, reason string, line []byte) {
	if len(c.report.Samples) >= MaxSamples {
		return
	}
	text := line
	if len(text) > 120 {
		text = text[:120]
	}
	c.report.Samples = append(c.report.Samples, Malformed{Source: src.Name, Line: lineNo, Reason: reason, Text: strings.ToValidUTF8(string(text), "?")})
}

func (c *Collector) currentKey(function, stream string) string {
	if stream == "" {
		return function
	}
	return function + "\x00" + stream
}

func (c *Collector) setCurrent(function, stream string, id []byte) {
	key := c.currentKey(function, stream)
	c.current[key] = append(c.current[key][:0], id...)
}

// add files c.rec under its function.
func (c *Collector) add(src Source) {
	rec := &c.rec
	function := src.Function // the record's own attribution was already applied to src
	a := c.lastAcc
	if a == nil || a.function != function {
		a = c.funcs[function]
		if a == nil {
			a = newAcc(function)
			c.funcs[function] = a
		}
		c.lastAcc = a
	}
	a.addSource(src.Name)
	key := c.currentKey(function, rec.stream)
	if rec.report {
		if cur := c.current[key]; len(cur) > 0 {
			c.current[key] = cur[:0] // the request ended
		}
		a.addReport(rec)
		return
	}
	if rec.setsRequest {
		c.setCurrent(function, rec.stream, rec.requestID)
	} else if cur := c.current[key]; len(cur) > 0 {
		rec.requestID = append(rec.requestID[:0], cur...)
	}
	a.addFlags(rec)
}

// Merge adds other's evidence and counts into c, so functions can be read
// concurrently with one Collector each. other must not be used afterwards:
// its per-function state is moved, not copied.
func (c *Collector) Merge(other *Collector) {
	for name, oa := range other.funcs {
		a := c.funcs[name]
		if a == nil {
			c.funcs[name] = oa
			continue
		}
		a.merge(oa)
	}
	c.lastAcc = nil
	r := other.report
	c.report.Files += r.Files
	c.report.Lines += r.Lines
	c.report.Evidence += r.Evidence
	c.report.Other += r.Other
	c.report.Malformed += r.Malformed
	for _, s := range r.Samples {
		if len(c.report.Samples) < MaxSamples {
			c.report.Samples = append(c.report.Samples, s)
		}
	}
}
