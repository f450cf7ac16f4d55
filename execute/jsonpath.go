package execute

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Path is a compiled JSONPath as Step Functions evaluates it (Jayway JsonPath
// semantics): a definite path (only names and indexes) selects one value and
// fails when it is missing; an indefinite path (wildcards, slices, unions,
// deep scans, filters) selects a list, possibly empty.
type Path struct {
	Text    string
	Context bool   // starts with "$$": the context object
	Var     string // "$name...": a workflow variable (JSONPath states with Assign)
	steps   []pathStep
}

type stepKind int

const (
	stepName stepKind = iota
	stepIndex
	stepWildcard
	stepSlice
	stepUnion
	stepDeep
	stepFilter
)

type pathStep struct {
	kind    stepKind
	name    string   // stepName; stepDeep ("" = every value)
	index   int      // stepIndex
	names   []string // stepUnion of names
	indexes []int    // stepUnion of indexes
	slice   [3]*int  // start, end, step
	filter  *filterExpr
}

// Definite reports whether the path selects at most one value.
func (p *Path) Definite() bool {
	for _, s := range p.steps {
		if s.kind != stepName && s.kind != stepIndex {
			return false
		}
	}
	return true
}

// ParsePath compiles a JSONPath ("$..." or "$$...").
func ParsePath(text string) (*Path, error) {
	p := &Path{Text: text}
	s := strings.TrimSpace(text)
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("path %q must start with '$'", text)
	}
	i := 1
	if strings.HasPrefix(s, "$$") {
		p.Context = true
		i = 2
	} else if len(s) > 1 && (isAlnum(s[1]) && !(s[1] >= '0' && s[1] <= '9')) {
		for i < len(s) && isAlnum(s[i]) {
			i++
		}
		p.Var = s[1:i]
	}
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], ".."):
			i += 2
			if i < len(s) && s[i] == '*' {
				p.steps = append(p.steps, pathStep{kind: stepDeep})
				i++
				continue
			}
			if i < len(s) && s[i] == '[' {
				// $..['a'] / $..[0]: deep scan then the bracket step applied to every node.
				p.steps = append(p.steps, pathStep{kind: stepDeep})
				continue
			}
			name, n := scanName(s[i:])
			if n == 0 {
				return nil, fmt.Errorf("path %q: expected a name after '..' at offset %d", text, i)
			}
			p.steps = append(p.steps, pathStep{kind: stepDeep, name: name})
			i += n
		case s[i] == '.':
			i++
			if i < len(s) && s[i] == '*' {
				p.steps = append(p.steps, pathStep{kind: stepWildcard})
				i++
				continue
			}
			name, n := scanName(s[i:])
			if n == 0 {
				return nil, fmt.Errorf("path %q: expected a name after '.' at offset %d", text, i)
			}
			p.steps = append(p.steps, pathStep{kind: stepName, name: name})
			i += n
		case s[i] == '[':
			st, n, err := parseBracket(s[i:])
			if err != nil {
				return nil, fmt.Errorf("path %q: %v at offset %d", text, err, i)
			}
			p.steps = append(p.steps, st)
			i += n
		default:
			return nil, fmt.Errorf("path %q: unexpected %q at offset %d", text, s[i], i)
		}
	}
	return p, nil
}

// scanName reads a member name after '.', up to the next '.', '[' or end.
func scanName(s string) (string, int) {
	n := 0
	for n < len(s) && s[n] != '.' && s[n] != '[' {
		n++
	}
	return s[:n], n
}

func parseBracket(s string) (pathStep, int, error) {
	end := matchingBracket(s)
	if end < 0 {
		return pathStep{}, 0, fmt.Errorf("unclosed '['")
	}
	inner := strings.TrimSpace(s[1:end])
	n := end + 1
	switch {
	case inner == "*":
		return pathStep{kind: stepWildcard}, n, nil
	case strings.HasPrefix(inner, "?(") && strings.HasSuffix(inner, ")"):
		f, err := parseFilter(inner[2 : len(inner)-1])
		if err != nil {
			return pathStep{}, 0, err
		}
		return pathStep{kind: stepFilter, filter: f}, n, nil
	case strings.HasPrefix(inner, "'") || strings.HasPrefix(inner, "\""):
		var names []string
		for _, part := range splitTopLevel(inner, ',') {
			part = strings.TrimSpace(part)
			if len(part) < 2 || part[0] != part[len(part)-1] || (part[0] != '\'' && part[0] != '"') {
				return pathStep{}, 0, fmt.Errorf("bad quoted name %s", part)
			}
			names = append(names, unquoteJSONPath(part[1:len(part)-1]))
		}
		if len(names) == 1 {
			return pathStep{kind: stepName, name: names[0]}, n, nil
		}
		return pathStep{kind: stepUnion, names: names}, n, nil
	case strings.Contains(inner, ":"):
		parts := strings.Split(inner, ":")
		if len(parts) > 3 {
			return pathStep{}, 0, fmt.Errorf("bad slice [%s]", inner)
		}
		var st pathStep
		st.kind = stepSlice
		for k, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			v, err := strconv.Atoi(part)
			if err != nil {
				return pathStep{}, 0, fmt.Errorf("bad slice [%s]", inner)
			}
			st.slice[k] = &v
		}
		return st, n, nil
	default:
		var idx []int
		for _, part := range strings.Split(inner, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return pathStep{}, 0, fmt.Errorf("bad index [%s]", inner)
			}
			idx = append(idx, v)
		}
		if len(idx) == 1 {
			return pathStep{kind: stepIndex, index: idx[0]}, n, nil
		}
		return pathStep{kind: stepUnion, indexes: idx}, n, nil
	}
}

// scanOutsideQuotes calls visit for every byte of s that is not inside a
// quoted string ('...' or "...", with backslash escapes) nor a quote that
// opens one, with the bracket depth ('[' and '(' open, ']' and ')' close)
// counted up to and including that byte. visit returns the index of the last
// byte it consumed (i, or more to skip ahead; len(s) to stop).
func scanOutsideQuotes(s string, visit func(i, depth int) int) {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
			continue
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		}
		i = visit(i, depth)
	}
}

// matchingBracket returns the index of the ']' closing s[0]=='[', skipping
// quoted strings and nested brackets/parentheses.
func matchingBracket(s string) int {
	end := -1
	scanOutsideQuotes(s, func(i, depth int) int {
		if depth == 0 && s[i] == ']' {
			end = i
			return len(s)
		}
		return i
	})
	return end
}

// splitTopLevel splits s on sep outside quotes.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	start := 0
	scanOutsideQuotes(s, func(i, _ int) int {
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
		return i
	})
	return append(out, s[start:])
}

func unquoteJSONPath(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// errPathNotFound says a definite path named a missing value.
type errPathNotFound struct{ path string }

func (e errPathNotFound) Error() string { return "No results for path: " + e.path }

// Select evaluates the path against root (the input, or the context object
// when p.Context). A definite path returns its one value or an error when it
// is missing; an indefinite path returns a []any.
func (p *Path) Select(root any) (any, error) {
	if p.Definite() {
		cur := root
		for _, s := range p.steps {
			switch s.kind {
			case stepName:
				obj, ok := cur.(map[string]any)
				if !ok {
					return nil, errPathNotFound{p.canonical()}
				}
				v, ok := obj[s.name]
				if !ok {
					return nil, errPathNotFound{p.canonical()}
				}
				cur = v
			case stepIndex:
				arr, ok := cur.([]any)
				if !ok {
					return nil, errPathNotFound{p.canonical()}
				}
				i := s.index
				if i < 0 {
					i += len(arr)
				}
				if i < 0 || i >= len(arr) {
					return nil, errPathNotFound{p.canonical()}
				}
				cur = arr[i]
			}
		}
		return cur, nil
	}
	nodes := []any{root}
	for _, s := range p.steps {
		var next []any
		for _, n := range nodes {
			next = applyStep(s, n, root, next)
		}
		nodes = next
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, nil
}

// canonical renders the path in Jayway's bracket form, "$['a'][0]", as AWS
// quotes it in "No results for path" causes.
func (p *Path) canonical() string {
	var b strings.Builder
	if p.Context {
		b.WriteString("$$")
	} else if p.Var != "" {
		b.WriteString("$" + p.Var)
	} else {
		b.WriteString("$")
	}
	for _, s := range p.steps {
		switch s.kind {
		case stepName:
			b.WriteString("['" + s.name + "']")
		case stepIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	return b.String()
}

func applyStep(s pathStep, n, root any, out []any) []any {
	switch s.kind {
	case stepName:
		if obj, ok := n.(map[string]any); ok {
			if v, ok := obj[s.name]; ok {
				out = append(out, v)
			}
		}
	case stepIndex:
		if arr, ok := n.([]any); ok {
			i := s.index
			if i < 0 {
				i += len(arr)
			}
			if i >= 0 && i < len(arr) {
				out = append(out, arr[i])
			}
		}
	case stepWildcard:
		switch v := n.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				out = append(out, v[k])
			}
		case []any:
			out = append(out, v...)
		}
	case stepUnion:
		if obj, ok := n.(map[string]any); ok {
			for _, name := range s.names {
				if v, ok := obj[name]; ok {
					out = append(out, v)
				}
			}
		}
		if arr, ok := n.([]any); ok {
			for _, i := range s.indexes {
				if i < 0 {
					i += len(arr)
				}
				if i >= 0 && i < len(arr) {
					out = append(out, arr[i])
				}
			}
		}
	case stepSlice:
		arr, ok := n.([]any)
		if !ok {
			break
		}
		start, end, step := 0, len(arr), 1
		if s.slice[2] != nil {
			step = *s.slice[2]
		}
		if step <= 0 {
			break
		}
		if s.slice[0] != nil {
			start = *s.slice[0]
			if start < 0 {
				start = max(0, len(arr)+start)
			}
		}
		if s.slice[1] != nil {
			end = *s.slice[1]
			if end < 0 {
				end = len(arr) + end
			}
		}
		end = min(end, len(arr))
		for i := start; i < end; i += step {
			out = append(out, arr[i])
		}
	case stepDeep:
		out = deepScan(s.name, n, out)
	case stepFilter:
		switch v := n.(type) {
		case []any:
			for _, e := range v {
				if s.filter.match(e, root) {
					out = append(out, e)
				}
			}
		case map[string]any:
			if s.filter.match(v, root) {
				out = append(out, v)
			}
		}
	}
	return out
}

// deepScan collects every value named name (every value when name is "")
// at any depth below n, parents before children as Jayway does.
func deepScan(name string, n any, out []any) []any {
	switch v := n.(type) {
	case map[string]any:
		if name == "" {
			out = append(out, v)
		} else if x, ok := v[name]; ok {
			out = append(out, x)
		}
		for _, k := range slices.Sorted(maps.Keys(v)) {
			switch v[k].(type) {
			case map[string]any, []any:
				out = deepScan(name, v[k], out)
			}
		}
	case []any:
		if name == "" {
			out = append(out, v)
		}
		for _, e := range v {
			switch e.(type) {
			case map[string]any, []any:
				out = deepScan(name, e, out)
			}
		}
	}
	return out
}

// filterExpr is a [?(...)] predicate: comparisons of @/$ paths and
// literals joined by && and ||, or a bare path testing existence.
type filterExpr struct {
	or    []*filterExpr // any of
	and   []*filterExpr // all of
	left  *operand
	op    string
	right *operand
}

type operand struct {
	path    *Path // relative to @ when current
	current bool
	literal any
}

// parseFilters parses the operands of || or &&.
func parseFilters(parts []string) ([]*filterExpr, error) {
	subs := make([]*filterExpr, len(parts))
	for i, p := range parts {
		sub, err := parseFilter(p)
		if err != nil {
			return nil, err
		}
		subs[i] = sub
	}
	return subs, nil
}

func parseFilter(s string) (*filterExpr, error) {
	s = strings.TrimSpace(s)
	if parts := splitOperator(s, "||"); len(parts) > 1 {
		subs, err := parseFilters(parts)
		if err != nil {
			return nil, err
		}
		return &filterExpr{or: subs}, nil
	}
	if parts := splitOperator(s, "&&"); len(parts) > 1 {
		subs, err := parseFilters(parts)
		if err != nil {
			return nil, err
		}
		return &filterExpr{and: subs}, nil
	}
	for strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">"} {
		if parts := splitOperator(s, op); len(parts) == 2 {
			l, err := parseOperand(parts[0])
			if err != nil {
				return nil, err
			}
			r, err := parseOperand(parts[1])
			if err != nil {
				return nil, err
			}
			return &filterExpr{left: l, op: op, right: r}, nil
		}
	}
	l, err := parseOperand(s)
	if err != nil {
		return nil, err
	}
	return &filterExpr{left: l}, nil
}

// splitOperator splits s on op outside quotes and brackets.
func splitOperator(s, op string) []string {
	var out []string
	start := 0
	scanOutsideQuotes(s, func(i, depth int) int {
		if depth != 0 || !strings.HasPrefix(s[i:], op) {
			return i
		}
		// "<" must not split "<=".
		if (op == "<" || op == ">") && i+1 < len(s) && s[i+1] == '=' {
			return i
		}
		if (op == "<" || op == ">") && i > 0 && (s[i-1] == '<' || s[i-1] == '>') {
			return i
		}
		out = append(out, s[start:i])
		start = i + len(op)
		return start - 1
	})
	return append(out, s[start:])
}

func parseOperand(s string) (*operand, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, fmt.Errorf("empty filter operand")
	case strings.HasPrefix(s, "@"):
		p, err := ParsePath("$" + s[1:])
		if err != nil {
			return nil, err
		}
		return &operand{path: p, current: true}, nil
	case strings.HasPrefix(s, "$"):
		p, err := ParsePath(s)
		if err != nil {
			return nil, err
		}
		return &operand{path: p}, nil
	case s[0] == '\'' || s[0] == '"':
		if len(s) < 2 || s[len(s)-1] != s[0] {
			return nil, fmt.Errorf("unterminated string %s", s)
		}
		return &operand{literal: unquoteJSONPath(s[1 : len(s)-1])}, nil
	case s == "true":
		return &operand{literal: true}, nil
	case s == "false":
		return &operand{literal: false}, nil
	case s == "null":
		return &operand{literal: nil}, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("bad filter operand %s", s)
	}
	return &operand{literal: f}, nil
}

func (o *operand) eval(cur, root any) (any, bool) {
	if o.path == nil {
		return o.literal, true
	}
	base := root
	if o.current {
		base = cur
	}
	v, err := o.path.Select(base)
	if err != nil {
		return nil, false
	}
	return v, true
}

func (f *filterExpr) match(cur, root any) bool {
	if f.or != nil {
		for _, s := range f.or {
			if s.match(cur, root) {
				return true
			}
		}
		return false
	}
	if f.and != nil {
		for _, s := range f.and {
			if !s.match(cur, root) {
				return false
			}
		}
		return true
	}
	l, ok := f.left.eval(cur, root)
	if f.op == "" {
		return ok
	}
	r, ok2 := f.right.eval(cur, root)
	if !ok || !ok2 {
		return f.op == "!=" && ok != ok2
	}
	switch f.op {
	case "==":
		return Equal(l, r)
	case "!=":
		return !Equal(l, r)
	}
	if lf, ok := l.(float64); ok {
		if rf, ok := r.(float64); ok {
			switch f.op {
			case "<":
				return lf < rf
			case "<=":
				return lf <= rf
			case ">":
				return lf > rf
			case ">=":
				return lf >= rf
			}
		}
	}
	if ls, ok := l.(string); ok {
		if rs, ok := r.(string); ok {
			switch f.op {
			case "<":
				return ls < rs
			case "<=":
				return ls <= rs
			case ">":
				return ls > rs
			case ">=":
				return ls >= rs
			}
		}
	}
	return false
}

// refStep is one step of a reference path (ResultPath): a member or an index.
type refStep struct {
	name  string
	index int
	isIdx bool
}

// ParseReferencePath compiles a ResultPath: "$" followed by ".name",
// "['name']" and "[n]" steps only.
func ParseReferencePath(text string) ([]refStep, error) {
	p, err := ParsePath(text)
	if err != nil {
		return nil, err
	}
	if p.Context || p.Var != "" || !p.Definite() {
		return nil, fmt.Errorf("%q is not a reference path", text)
	}
	var out []refStep
	for _, s := range p.steps {
		if s.kind == stepName {
			out = append(out, refStep{name: s.name})
		} else {
			out = append(out, refStep{index: s.index, isIdx: true})
		}
	}
	return out, nil
}

// setReference writes value at steps inside a deep copy of the parts of
// root it changes, creating missing objects as Step Functions does. It fails
// when a step crosses a value that is not an object (or an array for an index).
func setReference(root any, steps []refStep, value any) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	s := steps[0]
	if s.isIdx {
		arr, ok := root.([]any)
		if !ok || s.index < 0 || s.index >= len(arr) {
			return nil, fmt.Errorf("index %d", s.index)
		}
		cp := append([]any(nil), arr...)
		v, err := setReference(arr[s.index], steps[1:], value)
		if err != nil {
			return nil, err
		}
		cp[s.index] = v
		return cp, nil
	}
	var obj map[string]any
	switch r := root.(type) {
	case map[string]any:
		obj = make(map[string]any, len(r)+1)
		for k, v := range r {
			obj[k] = v
		}
	case nil:
		obj = map[string]any{}
	default:
		return nil, fmt.Errorf("not an object")
	}
	child, exists := obj[s.name]
	if !exists || (child == nil && len(steps) > 1) {
		child = nil
	}
	v, err := setReference(child, steps[1:], value)
	if err != nil {
		return nil, err
	}
	obj[s.name] = v
	return obj, nil
}

func isInteger(f float64) bool { return f == math.Trunc(f) && !math.IsInf(f, 0) }
