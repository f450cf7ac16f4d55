package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the JSON type of a Node.
type Kind int

// Node kinds. Unknown is a bare ${...} in value position: Terraform fills it
// in when rendering, so its type and value are not known here.
const (
	Object Kind = iota
	Array
	String
	Number
	Bool
	Null
	Unknown
)

var kindNames = [...]string{"object", "array", "string", "number", "boolean", "null", "unknown"}

// String returns the JSON name of the kind ("object", "string", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Node is one JSON value with its positions.
type Node struct {
	Kind     Kind
	Pointer  string  // RFC 6901 JSON Pointer of this value
	Range    Range   // the value's text
	Key      string  // member name when the parent is an object
	KeyRange Range   // the member name's text including quotes (zero otherwise)
	Parent   *Node   // nil for the root
	Members  []*Node // objects: members in source order (duplicates included)
	Elems    []*Node // arrays
	Str      string  // strings: decoded value; interpolations appear as their source text "${expr}"
	Num      string  // numbers: the literal text
	Bool     bool
	Interps  []*Interpolation // interpolations inside this string, or the one bare interpolation
}

// Get returns the first member named key, or nil when there is none or n is
// not an object. It is nil-safe so lookups can be chained.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for _, m := range n.Members {
		if m.Key == key {
			return m
		}
	}
	return nil
}

// IsTemplated reports whether Terraform decides the value: a string that
// holds an interpolation, or a bare interpolation.
func (n *Node) IsTemplated() bool { return n != nil && len(n.Interps) > 0 }

// WholeInterpolation returns the interpolation when the value is exactly one
// "${...}" (or a bare one), else nil.
func (n *Node) WholeInterpolation() *Interpolation {
	if n == nil || len(n.Interps) != 1 {
		return nil
	}
	in := n.Interps[0]
	if n.Kind == Unknown {
		return in
	}
	// The string's content is the interpolation's source when it spans the
	// whole text between the quotes.
	if in.Range.Start.Byte == n.Range.Start.Byte+1 && in.Range.End.Byte == n.Range.End.Byte-1 {
		return in
	}
	return nil
}

// Int returns the value of an integer number (no fraction or exponent).
func (n *Node) Int() (int64, bool) {
	if n == nil || n.Kind != Number {
		return 0, false
	}
	v, err := strconv.ParseInt(n.Num, 10, 64)
	return v, err == nil
}

// Float returns the value of a number.
func (n *Node) Float() (float64, bool) {
	if n == nil || n.Kind != Number {
		return 0, false
	}
	v, err := strconv.ParseFloat(n.Num, 64)
	return v, err == nil
}

// maxDepth bounds nesting; real definitions are far shallower, and the bound
// keeps hostile input from exhausting the stack.
const maxDepth = 256

// syntaxError stops the parse with a positioned message.
type syntaxError struct {
	code    string
	message string
	start   int
	end     int
}

// parser indexes rendered JSON. Interpolation spans come from the template scan.
type parser struct {
	src   []byte // rendered bytes (same offsets as the source)
	text  string // src as one string: decoded strings without escapes are substrings of it
	slab  []Node // nodes are carved from chunks to keep allocations few
	orig  []byte // source bytes, for the text of interpolations
	lt    *lineTable
	spans []span
	next  int // index of the first span not yet passed
	err   *syntaxError
	dups  []Diagnostic

	stack []*Node         // children of the objects and arrays being parsed
	ptrs  []*Node         // chunk the finished Members and Elems slices are carved from
	arena strings.Builder // chunk the Pointer strings are written into
}

func (p *parser) fail(code string, start, end int, format string, args ...any) {
	if p.err == nil {
		p.err = &syntaxError{code: code, message: fmt.Sprintf(format, args...), start: start, end: end}
	}
}

func (p *parser) skipSpace(i int) int {
	for i < len(p.src) {
		switch p.src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// spanAt returns the interpolation or escape span starting at offset i, if any.
func (p *parser) spanAt(i int) *span {
	for p.next < len(p.spans) && p.spans[p.next].start < i {
		p.next++
	}
	if p.next < len(p.spans) && p.spans[p.next].start == i {
		return &p.spans[p.next]
	}
	return nil
}

func describe(b byte) string {
	if b < 0x20 || b >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", b)
	}
	return strconv.Quote(string(b))
}

// parseValue parses the value starting at i (whitespace already skipped).
func (p *parser) parseValue(i int, ptr string, parent *Node, depth int) (*Node, int) {
	if i >= len(p.src) {
		p.fail("json-syntax", i, i, "unexpected end of file: expected a value")
		return nil, i
	}
	if depth > maxDepth {
		p.fail("too-deep", i, i+1, "nesting deeper than %d levels; a state machine definition is never this deep", maxDepth)
		return nil, i
	}
	n := p.newNode()
	n.Pointer, n.Parent = ptr, parent
	start := i
	switch c := p.src[i]; {
	case c == '{':
		n.Kind = Object
		n.Range.Start = p.lt.pos(i)
		i = p.parseObject(n, i, depth)
	case c == '[':
		n.Kind = Array
		n.Range.Start = p.lt.pos(i)
		i = p.parseArray(n, i, depth)
	case c == '"':
		if s := p.spanAt(i); s != nil && s.interp != nil && s.interp.Bare {
			n.Kind = Unknown
			n.Interps = []*Interpolation{s.interp}
			n.Range = p.lt.rangeOf(s.start, s.end)
			return n, s.end
		}
		n.Kind = String
		n.Range.Start = p.lt.pos(i)
		n.Str, n.Interps, i = p.parseString(i)
	case c == '-' || (c >= '0' && c <= '9'):
		n.Kind = Number
		n.Range.Start = p.lt.pos(i)
		i = p.parseNumber(i)
		if p.err == nil {
			n.Num = p.text[start:i]
		}
	case c == 't' || c == 'f' || c == 'n':
		word, kind, val := "null", Null, false
		switch c {
		case 't':
			word, kind, val = "true", Bool, true
		case 'f':
			word, kind = "false", Bool
		}
		if !hasPrefixAt(p.src, i, word) || (i+len(word) < len(p.src) && isIdentByte(p.src[i+len(word)])) {
			end := i
			for end < len(p.src) && isIdentByte(p.src[end]) {
				end++
			}
			p.fail("json-syntax", i, end, "invalid literal %q; expected a value (true, false, null, a number, a string, an object or an array)", string(p.src[i:end]))
			return nil, i
		}
		n.Kind, n.Bool = kind, val
		n.Range.Start = p.lt.pos(i)
		i += len(word)
	default:
		p.fail("json-syntax", i, i+1, "unexpected %s; expected a value", describe(c))
		return nil, i
	}
	if p.err != nil {
		return nil, i
	}
	n.Range.Filename = p.lt.filename
	n.Range.End = p.lt.pos(i)
	return n, i
}

func (p *parser) newNode() *Node {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]Node, 0, 1024)
	}
	p.slab = p.slab[:len(p.slab)+1]
	return &p.slab[len(p.slab)-1]
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *parser) parseObject(n *Node, open int, depth int) int {
	i := p.skipSpace(open + 1)
	if i < len(p.src) && p.src[i] == '}' {
		return i + 1
	}
	// Members collect on the shared stack and move to an exactly sized slice
	// at the closing brace: no per-object slice growth.
	base := len(p.stack)
	defer func() { p.stack = p.stack[:base] }()
	var seen map[string]*Node
	isStates := isStatesMap(n.Pointer)
	for {
		if i >= len(p.src) {
			p.unclosed("object", open)
			return i
		}
		if p.src[i] != '"' {
			if p.src[i] == '}' && len(p.stack) > base {
				p.fail("json-syntax", p.prevComma(i), p.prevComma(i)+1, "trailing comma before \"}\"")
			} else {
				p.fail("json-syntax", i, i+1, "unexpected %s; expected a member name in double quotes", describe(p.src[i]))
			}
			return i
		}
		keyStart := i
		var key string
		var end int
		if s := p.spanAt(i); s != nil && s.interp != nil && s.interp.Bare {
			// { ${k}: ... }: Terraform decides the name; keep its source text.
			key, end = string(p.orig[s.start:s.end]), s.end
		} else if key, _, end = p.parseString(i); p.err != nil {
			return end
		}
		keyRange := p.lt.rangeOf(keyStart, end)
		i = p.skipSpace(end)
		if i >= len(p.src) {
			p.unclosed("object", open)
			return i
		}
		if p.src[i] != ':' {
			p.fail("json-syntax", i, i+1, "unexpected %s after member name %q; expected \":\"", describe(p.src[i]), key)
			return i
		}
		i = p.skipSpace(i + 1)
		child, end := p.parseValue(i, p.pointer(n.Pointer, escapePointer(key)), n, depth+1)
		if p.err != nil {
			return end
		}
		child.Key, child.KeyRange = key, keyRange
		members := p.stack[base:]
		if first := findMember(members, seen, key); first != nil {
			what := "duplicate key"
			if isStates {
				what = "duplicate state name"
			}
			p.dups = append(p.dups, Diagnostic{Code: "duplicate-key",
				Message: fmt.Sprintf("%s %q (first at line %d)", what, key, first.KeyRange.Start.Line),
				Range:   keyRange})
		}
		p.stack = append(p.stack, child)
		if len(members) == 8 {
			seen = make(map[string]*Node, 16)
			for _, m := range p.stack[base:] {
				if _, ok := seen[m.Key]; !ok {
					seen[m.Key] = m
				}
			}
		} else if seen != nil {
			if _, ok := seen[key]; !ok {
				seen[key] = child
			}
		}
		i = p.skipSpace(end)
		if i >= len(p.src) {
			p.unclosed("object", open)
			return i
		}
		switch p.src[i] {
		case ',':
			i = p.skipSpace(i + 1)
		case '}':
			n.Members = p.children(base)
			return i + 1
		default:
			p.fail("json-syntax", i, i+1, "unexpected %s after the value of %q; expected \",\" or \"}\"", describe(p.src[i]), key)
			return i
		}
	}
}

// isStatesMap reports whether the object at pointer is a States map: the
// "States" member of the definition, of a Cumulus record's definition, of a
// Parallel branch or of a Map's Iterator / ItemProcessor. A Parameters object
// that happens to have a "States" member is not one.
func isStatesMap(pointer string) bool {
	scope, ok := strings.CutSuffix(pointer, "/States")
	if !ok {
		return false
	}
	if scope == "" || scope == "/definition" || strings.HasSuffix(scope, "/Iterator") || strings.HasSuffix(scope, "/ItemProcessor") {
		return true
	}
	slash := strings.LastIndexByte(scope, '/')
	if slash < 0 || slash == len(scope)-1 {
		return false
	}
	for _, c := range scope[slash+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return strings.HasSuffix(scope[:slash], "/Branches")
}

// findMember finds an earlier member named key: a linear scan for small
// objects, the map once an object has grown past eight members.
func findMember(members []*Node, seen map[string]*Node, key string) *Node {
	if seen != nil {
		return seen[key]
	}
	for _, m := range members {
		if m.Key == key {
			return m
		}
	}
	return nil
}

// prevComma finds the comma before offset i (for trailing-comma messages).
func (p *parser) prevComma(i int) int {
	for j := i - 1; j >= 0; j-- {
		switch p.src[j] {
		case ' ', '\t', '\n', '\r':
			continue
		case ',':
			return j
		}
		break
	}
	return i
}

func (p *parser) unclosed(what string, open int) {
	at := p.lt.pos(open)
	p.fail("json-syntax", len(p.src), len(p.src), "unexpected end of file: %s opened at %d:%d is not closed", what, at.Line, at.Column)
}

func (p *parser) parseArray(n *Node, open int, depth int) int {
	i := p.skipSpace(open + 1)
	if i < len(p.src) && p.src[i] == ']' {
		return i + 1
	}
	base := len(p.stack)
	defer func() { p.stack = p.stack[:base] }()
	for {
		if i >= len(p.src) {
			p.unclosed("array", open)
			return i
		}
		if p.src[i] == ']' && len(p.stack) > base {
			p.fail("json-syntax", p.prevComma(i), p.prevComma(i)+1, "trailing comma before \"]\"")
			return i
		}
		child, end := p.parseValue(i, p.pointer(n.Pointer, strconv.Itoa(len(p.stack)-base)), n, depth+1)
		if p.err != nil {
			return end
		}
		p.stack = append(p.stack, child)
		i = p.skipSpace(end)
		if i >= len(p.src) {
			p.unclosed("array", open)
			return i
		}
		switch p.src[i] {
		case ',':
			i = p.skipSpace(i + 1)
		case ']':
			n.Elems = p.children(base)
			return i + 1
		default:
			p.fail("json-syntax", i, i+1, "unexpected %s in array; expected \",\" or \"]\"", describe(p.src[i]))
			return i
		}
	}
}

// children moves the nodes stacked since base into a slice carved from a
// shared chunk. The slice's capacity is its length, so a caller appending
// to it gets a copy instead of overwriting a neighbour.
func (p *parser) children(base int) []*Node {
	k := len(p.stack) - base
	if cap(p.ptrs)-len(p.ptrs) < k {
		p.ptrs = make([]*Node, 0, max(k, min(cap(p.slab), 4096)))
	}
	start := len(p.ptrs)
	p.ptrs = append(p.ptrs, p.stack[base:]...)
	return p.ptrs[start:len(p.ptrs):len(p.ptrs)]
}

// pointer returns parent + "/" + token, written into a shared arena: one
// allocation per chunk instead of one per node. Bytes already written to a
// strings.Builder never change, so earlier substrings stay valid as it grows
// (and a full builder is simply replaced).
func (p *parser) pointer(parent, token string) string {
	need := len(parent) + 1 + len(token)
	if p.arena.Cap()-p.arena.Len() < need {
		p.arena = strings.Builder{}
		p.arena.Grow(max(need, min(len(p.src), 256<<10)))
	}
	start := p.arena.Len()
	p.arena.WriteString(parent)
	p.arena.WriteByte('/')
	p.arena.WriteString(token)
	return p.arena.String()[start:]
}

// parseString decodes the string whose opening quote is at open and returns
// its value, the interpolations inside it, and the offset past the closing quote.
func (p *parser) parseString(open int) (string, []*Interpolation, int) {
	i := open + 1
	// Fast path: no escapes and no template spans, so the value is the text
	// itself. A "$" or "%" alone (CMA's "{$.meta.x}", "$$.Task.Token") is text.
	for j := i; j < len(p.src); j++ {
		c := p.src[j]
		if c == '"' {
			return p.text[i:j], nil, j + 1
		}
		if c == '\\' || c < 0x20 || (c == '$' || c == '%') && p.spanAt(j) != nil {
			break
		}
	}
	var sb strings.Builder
	var interps []*Interpolation
	for i < len(p.src) {
		// Copy the run of plain bytes up to the next byte that needs a look.
		j := i
		for j < len(p.src) && p.src[j] != '"' && p.src[j] != '\\' && p.src[j] >= 0x20 && p.src[j] != '$' && p.src[j] != '%' {
			j++
		}
		if j > i {
			sb.WriteString(p.text[i:j])
			i = j
			if i >= len(p.src) {
				break
			}
		}
		if s := p.spanAt(i); s != nil {
			if s.interp != nil {
				sb.Write(p.orig[s.start:s.end])
				interps = append(interps, s.interp)
			} else {
				sb.WriteByte(p.orig[s.start+1]) // $${ renders as ${, %%{ as %{
				sb.WriteByte('{')
			}
			i = s.end
			continue
		}
		c := p.src[i]
		switch {
		case c == '"':
			return sb.String(), interps, i + 1
		case c == '\\':
			if i+1 >= len(p.src) {
				p.fail("json-syntax", open, i+1, "unexpected end of file inside a string")
				return "", nil, i + 1
			}
			e := p.src[i+1]
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r, ok := p.hex4(i + 2)
				if !ok {
					p.fail("json-syntax", i, min(i+6, len(p.src)), "invalid escape \"%s\" in string; \\u needs four hex digits", p.src[i:min(i+6, len(p.src))])
					return "", nil, i
				}
				i += 6
				if r >= 0xD800 && r < 0xDC00 && hasPrefixAt(p.src, i, "\\u") {
					if r2, ok := p.hex4(i + 2); ok && r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
						i += 6
					}
				}
				sb.WriteRune(r)
				continue
			default:
				end := i + 1 + utf8RuneLen(p.src[i+1:])
				p.fail("json-syntax", i, end, "invalid escape \"%s\" in string", p.src[i:end])
				return "", nil, i
			}
			i += 2
		case c < 0x20:
			if c == '\n' || c == '\r' {
				p.fail("json-syntax", open, i, "string is not closed before the end of the line")
			} else {
				p.fail("json-syntax", i, i+1, "control character %s must be escaped in a string", describe(c))
			}
			return "", nil, i
		default:
			sb.WriteByte(c)
			i++
		}
	}
	p.fail("json-syntax", open, len(p.src), "unexpected end of file inside a string")
	return "", nil, len(p.src)
}

func utf8RuneLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	_, size := utf8.DecodeRune(b)
	return size
}

func (p *parser) hex4(i int) (rune, bool) {
	if i+4 > len(p.src) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.src[i:i+4]), 16, 32)
	return rune(v), err == nil
}

func (p *parser) parseNumber(start int) int {
	i := start
	if p.src[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(p.src) && p.src[i] == '0' {
		i++
		if i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			p.fail("json-syntax", start, i+1, "invalid number: leading zeros are not allowed")
			return i
		}
	} else if digits() == 0 {
		p.fail("json-syntax", start, i+1, "invalid number %q", string(p.src[start:min(i+1, len(p.src))]))
		return i
	}
	if i < len(p.src) && p.src[i] == '.' {
		i++
		if digits() == 0 {
			p.fail("json-syntax", start, i, "invalid number %q: digits must follow \".\"", string(p.src[start:i]))
			return i
		}
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		i++
		if i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.fail("json-syntax", start, i, "invalid number %q: digits must follow the exponent", string(p.src[start:i]))
			return i
		}
	}
	return i
}

// escapePointer escapes a member name as an RFC 6901 reference token.
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// unescapePointer reverses escapePointer.
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
