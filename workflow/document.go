// Package workflow reads an Amazon States Language definition exactly as
// Terraform's templatefile() will render it, and points at any byte of it.
//
// A Cumulus workflow file is a Terraform template holding ASL JSON: it has
// `${...}` interpolations (Terraform) beside `{$.meta.x}` Cumulus Message
// Adapter templates (plain strings to Terraform). Load finds every
// interpolation with the template grammar, renders the JSON with same-length
// placeholders so byte offsets stay those of the source, indexes every key and
// value with its JSON Pointer and line:column, and builds the state tree with
// each Task's resource classified. Problems are Diagnostics, never panics.
package workflow

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Diagnostic is a load problem. Code is the rule ID the linter reports it under.
type Diagnostic struct {
	Code    string
	Message string
	Range   Range
}

// String renders "path:line:col: message [code]".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s [%s]", d.Range, d.Message, d.Code)
}

// MaxFileBytes is the largest file LoadFile reads. Step Functions caps a
// definition at 1 MiB; a template may be larger only by its interpolations.
const MaxFileBytes = 8 << 20

// Document is one loaded workflow.
type Document struct {
	Filename       string
	Source         []byte // the bytes as read
	Rendered       []byte // same length as Source; interpolations replaced by placeholders; read-only (strings of the tree share its bytes)
	Interpolations []*Interpolation
	Root           *Node    // nil when the JSON could not be parsed
	Definition     *Node    // the state machine: Root, or Root's "definition" for a Cumulus workflow record
	Scopes         []*Scope // Scopes[0] is the top level, when there is a definition
	States         []*State // every state in document order, all scopes
	Diagnostics    []Diagnostic

	lines *lineTable
}

// Options says where a source comes from.
type Options struct {
	Filename string
	// Base is where Source starts in Filename, for heredoc bodies inside .tf
	// files; the zero value means the start of the file.
	Base Pos
}

// LoadFile reads and loads the file at path. The error is only for a file
// that cannot be read; everything wrong inside it is a Diagnostic.
func LoadFile(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if st.Size() > MaxFileBytes {
		d := &Document{Filename: path}
		d.lines = newLineTable(path, nil, Pos{})
		d.Diagnostics = []Diagnostic{{Code: "file-too-large",
			Message: fmt.Sprintf("file is %s; stepshift reads definitions up to %s (Step Functions accepts at most 1 MiB)", byteSize(st.Size()), byteSize(MaxFileBytes)),
			Range:   Range{Filename: path, Start: Pos{Line: 1, Column: 1}, End: Pos{Line: 1, Column: 1}}}}
		return d, nil
	}
	src := make([]byte, st.Size())
	n, err := io.ReadFull(f, src)
	if err != nil && err != io.ErrUnexpectedEOF { // a file that shrank since Stat is read as it is now
		return nil, err
	}
	return Load(src[:n], Options{Filename: path}), nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Load loads a workflow from bytes. It never returns nil and never panics;
// check Diagnostics.
func Load(src []byte, opts Options) *Document {
	d := &Document{Filename: opts.Filename, Source: src, Rendered: src}
	d.lines = newLineTable(opts.Filename, src, opts.Base)
	if diag := checkText(src, d.lines); diag != nil {
		d.Diagnostics = append(d.Diagnostics, *diag)
		return d
	}
	scan := scanTemplate(src, d.lines)
	if scan.diag != nil {
		d.Diagnostics = append(d.Diagnostics, *scan.diag)
		return d
	}
	for _, s := range scan.spans {
		if s.interp != nil {
			d.Interpolations = append(d.Interpolations, s.interp)
		}
	}
	d.Rendered = render(src, scan.spans)
	var text string
	if len(scan.spans) == 0 {
		text = string(src) // src is the caller's, who may change it
	} else {
		// render made a copy nobody else holds (Rendered is read-only):
		// the decoded strings can share its bytes instead of copying them
		// again, which on a cold process is a page fault every 4 KiB.
		text = unsafe.String(unsafe.SliceData(d.Rendered), len(d.Rendered))
	}
	p := &parser{src: d.Rendered, text: text, orig: src, lt: d.lines, spans: scan.spans}
	// Every member follows a ":" and most arrays are short: one slab of
	// about that many nodes is one allocation (newNode adds chunks when the
	// guess is low). Counting "," too would double it and the zeroing cost.
	p.slab = make([]Node, 0, 1+bytes.Count(src, []byte{':'})+2*bytes.Count(src, []byte{'['}))
	i := p.skipSpace(0)
	root, end := p.parseValue(i, "", nil, 0)
	if p.err == nil {
		if end = p.skipSpace(end); end < len(p.src) {
			p.fail("json-syntax", end, end+1, "unexpected %s after the end of the document", describe(p.src[end]))
		}
	}
	if p.err != nil {
		d.Diagnostics = append(d.Diagnostics, Diagnostic{Code: p.err.code, Message: p.err.message, Range: d.lines.rangeOf(p.err.start, max(p.err.start, p.err.end))})
		return d
	}
	d.Diagnostics = append(d.Diagnostics, p.dups...)
	d.Root = root
	d.Definition = findDefinition(root)
	if d.Definition == nil {
		what := root.Kind.String()
		if root.Kind == Object {
			what = "an object with no \"States\" or \"StartAt\""
		} else {
			what = "a JSON " + what
		}
		d.Diagnostics = append(d.Diagnostics, Diagnostic{Code: "not-a-state-machine",
			Message: fmt.Sprintf("not a state machine definition: the document is %s", what),
			Range:   Range{Filename: d.Filename, Start: root.Range.Start, End: root.Range.Start}})
		return d
	}
	d.buildStates()
	return d
}

// checkText rejects what cannot be a JSON text: empty, binary or not UTF-8.
func checkText(src []byte, lt *lineTable) *Diagnostic {
	if len(bytes.TrimSpace(src)) == 0 {
		return &Diagnostic{Code: "empty-file", Message: "file is empty; expected a state machine definition", Range: lt.rangeOf(0, 0)}
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &Diagnostic{Code: "not-text", Message: "file holds NUL bytes; it is binary, not JSON", Range: lt.rangeOf(i, i+1)}
	}
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		// Terraform passes a byte order mark through and JSON forbids one (RFC 8259 §8.1).
		return &Diagnostic{Code: "json-syntax", Message: "file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM", Range: lt.rangeOf(0, 3)}
	}
	if !utf8.Valid(src) {
		i := 0
		for i < len(src) {
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		return &Diagnostic{Code: "invalid-utf8", Message: fmt.Sprintf("invalid UTF-8 (byte 0x%02x); JSON must be UTF-8", src[i]), Range: lt.rangeOf(i, i+1)}
	}
	return nil
}

// findDefinition returns the state machine object: the root, or the
// "definition" of a Cumulus workflow record ({"name", "definition": {...}}).
func findDefinition(root *Node) *Node {
	if root.Kind != Object {
		return nil
	}
	if root.Get("States") != nil || root.Get("StartAt") != nil {
		return root
	}
	if def := root.Get("definition"); def != nil && def.Kind == Object && (def.Get("States") != nil || def.Get("StartAt") != nil) {
		return def
	}
	return nil
}

// Lookup returns the node at an RFC 6901 JSON Pointer, or nil.
func (d *Document) Lookup(pointer string) *Node {
	n := d.Root
	if n == nil || pointer == "" {
		return n
	}
	if pointer[0] != '/' {
		return nil
	}
	for _, tok := range strings.Split(pointer[1:], "/") {
		switch n.Kind {
		case Object:
			n = n.Get(unescapePointer(tok))
		case Array:
			k := 0
			if tok == "" || (len(tok) > 1 && tok[0] == '0') {
				return nil
			}
			for _, c := range tok {
				if c < '0' || c > '9' {
					return nil
				}
				k = k*10 + int(c-'0')
				if k > len(n.Elems) {
					return nil
				}
			}
			if k >= len(n.Elems) {
				return nil
			}
			n = n.Elems[k]
		default:
			return nil
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// PosAt returns the position of a byte offset into Source.
func (d *Document) PosAt(byteOffset int) Pos {
	return d.lines.pos(byteOffset)
}

// RangeAt returns the Range of Source[start:end].
func (d *Document) RangeAt(start, end int) Range {
	return d.lines.rangeOf(start, end)
}
