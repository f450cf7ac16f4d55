package lint

import (
	"fmt"
	"strconv"
	"strings"
)

// PathError is a syntax error in a JSONPath or intrinsic function call.
// Offset is the byte offset inside the string where it was found, so a
// finding can point at that exact character.
type PathError struct {
	Offset int
	Msg    string
}

// Error renders the problem with its offset, "at offset 3: ...".
func (e *PathError) Error() string { return fmt.Sprintf("at offset %d: %s", e.Offset, e.Msg) }

func pathErrorf(off int, format string, args ...any) *PathError {
	return &PathError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// PathKind says what a field accepts.
type PathKind int

// Path kinds.
const (
	// AnyPath is a JSONPath (InputPath, OutputPath, Choice "Variable",
	// comparison "...Path" fields): operators such as "..", "*" and filters allowed.
	AnyPath PathKind = iota
	// ReferencePath is a definite path naming one node (ResultPath): only
	// ".name", "['name']" and "[n]" steps.
	ReferencePath
)

// ParsePath checks Step Functions' JSONPath subset: "$" or "$$" (the
// context object) followed by steps ".name", "..name", ".*", "[n]",
// "['name']", "[*]", "[a,b]", "[start:end:step]", "[?(filter)]" and
// "[(expression)]". A nil result means the path is well formed.
func ParsePath(s string, kind PathKind) *PathError {
	// Jayway's PathCompiler, which AWS parses paths with, trims blanks off
	// the path before reading it, so "$$.Execution.Name " (a deployed
	// aws-samples workflow) is "$$.Execution.Name". Only trailing spaces
	// are dropped: a path must still start with "$".
	s = strings.TrimRight(s, " ")
	if s == "" {
		return pathErrorf(0, "empty path; a path starts with \"$\"")
	}
	if s[0] != '$' {
		return pathErrorf(0, "path %s must start with \"$\"", strconv.Quote(s))
	}
	i := 1
	switch {
	case i < len(s) && s[i] == '$':
		// "$$" reads the context object; ResultPath writes into the
		// state's data and cannot name it.
		if kind == ReferencePath {
			return pathErrorf(i, "the context object ($$) cannot be used here; this field takes a reference path into the state's input")
		}
		i++
	case i < len(s) && isIdentStart(s[i]):
		// "$name" reads a workflow variable (set by Assign); ResultPath
		// and the other reference paths write into the state's data and
		// cannot name one.
		if kind == ReferencePath {
			return pathErrorf(i, "a variable ($%s) cannot be used here; this field takes a reference path into the state's input", identAt(s, i))
		}
		i += len(identAt(s, i))
	}
	for i < len(s) {
		switch s[i] {
		case '.':
			if i+1 < len(s) && s[i+1] == '.' {
				if kind == ReferencePath {
					return pathErrorf(i, "\"..\" (deep scan) is not allowed in a reference path, which must name exactly one value")
				}
				i += 2
				if i < len(s) && s[i] == '[' {
					continue
				}
			} else {
				i++
			}
			if i >= len(s) {
				return pathErrorf(i-1, "path ends with \".\"; a field name must follow")
			}
			if s[i] == '[' {
				// AWS's JSONPath (Jayway's grammar) reads ".[0]" and
				// ".['a b']" as "[0]" and "['a b']".
				continue
			}
			if s[i] == '*' {
				if kind == ReferencePath {
					return pathErrorf(i, "\"*\" is not allowed in a reference path, which must name exactly one value")
				}
				i++
				continue
			}
			// A dot-notation name runs to the next ".", "[" or "(" (a
			// function call such as length()); like Jayway, the grammar
			// AWS parses paths with, any other character but white
			// space belongs to the name.
			start := i
			for i < len(s) && s[i] != '.' && s[i] != '[' && s[i] != '(' {
				if s[i] == '\\' && i+1 < len(s) {
					i += 2 // "\." "\[" "\@": an escaped character of the name (the ASL spec's "$.store\.book")
					continue
				}
				if c := s[i]; c == ' ' || c == '\t' || c == '\n' || c == '\r' {
					return pathErrorf(i, "unexpected %s in field name; use ['...'] for names with blanks", strconv.QuoteRune(rune(c)))
				}
				i++
			}
			if i == start {
				return pathErrorf(start, "empty field name after \".\"")
			}
			if i < len(s) && s[i] == '(' {
				name := s[start:i]
				if kind == ReferencePath {
					return pathErrorf(i, "a function call such as %s() is not allowed in a reference path", name)
				}
				end, err := matchParen(s, i)
				if err != nil {
					return err
				}
				if i = end + 1; i < len(s) {
					return pathErrorf(i, "the path function %s() must end the path", name)
				}
			}
		case '[':
			end, err := parseBracket(s, i, kind)
			if err != nil {
				return err
			}
			i = end
		default:
			return pathErrorf(i, "unexpected %s; expected \".\" or \"[\"", strconv.QuoteRune(rune(s[i])))
		}
	}
	return nil
}

// parseBracket checks one "[...]" step starting at s[open] and returns the
// offset after its "]".
func parseBracket(s string, open int, kind PathKind) (int, *PathError) {
	i := open + 1
	if i >= len(s) {
		return 0, pathErrorf(open, "unclosed \"[\"")
	}
	definiteOnly := func(what string) *PathError {
		if kind == ReferencePath {
			return pathErrorf(i, "%s is not allowed in a reference path, which must name exactly one value", what)
		}
		return nil
	}
	// Jayway reads the first significant character after "[", so
	// "[ 'a' ]" and "[ * ]" are "['a']" and "[*]".
	if j := skipBlank(s, i); j < len(s) && (s[j] == '\'' || s[j] == '"' || s[j] == '*' || s[j] == '?') {
		i = j
	}
	switch c := s[i]; {
	case c == '?' || c == '(':
		if err := definiteOnly("a filter or script expression"); err != nil {
			return 0, err
		}
		if c == '?' {
			i = skipBlank(s, i+1)
			if i >= len(s) || s[i] != '(' {
				return 0, pathErrorf(i, "a filter is written [?(...)]")
			}
		}
		end, err := matchParen(s, i)
		if err != nil {
			return 0, err
		}
		if strings.TrimSpace(s[i+1:end]) == "" {
			return 0, pathErrorf(i, "empty filter expression")
		}
		if close := skipBlank(s, end+1); close < len(s) && s[close] == ']' {
			return close + 1, nil
		}
		return 0, pathErrorf(end+1, "expected \"]\" after the expression")
	case c == '*':
		if err := definiteOnly("\"[*]\""); err != nil {
			return 0, err
		}
		if i = skipBlank(s, i+1); i >= len(s) || s[i] != ']' {
			return 0, pathErrorf(i, "expected \"]\" after \"*\"")
		}
		return i + 1, nil
	case c == '\'' || c == '"':
		n := 0
		for {
			end, err := quotedEnd(s, i)
			if err != nil {
				return 0, err
			}
			n++
			i = skipBlank(s, end)
			if i >= len(s) {
				return 0, pathErrorf(open, "unclosed \"[\"")
			}
			if s[i] == ']' {
				if n > 1 {
					if err := definiteOnly("a union of names"); err != nil {
						return 0, err
					}
				}
				return i + 1, nil
			}
			if s[i] != ',' {
				return 0, pathErrorf(i, "unexpected %s; expected \",\" or \"]\"", strconv.QuoteRune(rune(s[i])))
			}
			i = skipBlank(s, i+1)
			if i >= len(s) || (s[i] != '\'' && s[i] != '"') {
				return 0, pathErrorf(i, "expected a quoted name after \",\"")
			}
		}
	default:
		// indexes, unions of indexes, slices
		colons, commas, items := 0, 0, 0
		for {
			i = skipBlank(s, i)
			if i >= len(s) {
				return 0, pathErrorf(open, "unclosed \"[\"")
			}
			start := i
			if s[i] == '-' {
				i++
			}
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			if i > start {
				if s[i-1] == '-' {
					return 0, pathErrorf(start, "\"-\" must be followed by a number")
				}
				items++
			}
			i = skipBlank(s, i)
			if i >= len(s) {
				return 0, pathErrorf(open, "unclosed \"[\"")
			}
			switch s[i] {
			case ']':
				if items == 0 && colons == 0 {
					return 0, pathErrorf(open, "empty \"[]\"; write an index, a quoted name, \"*\" or a filter")
				}
				if colons > 0 && commas > 0 {
					return 0, pathErrorf(open, "a slice cannot be part of a union")
				}
				if colons > 0 || commas > 0 {
					if err := definiteOnly("a slice or union"); err != nil {
						return 0, err
					}
				}
				return i + 1, nil
			case ':':
				colons++
				if colons > 2 {
					return 0, pathErrorf(i, "a slice has at most start:end:step")
				}
				i++
			case ',':
				if i == start {
					return 0, pathErrorf(i, "expected an index before \",\"")
				}
				commas++
				i++
			default:
				return 0, pathErrorf(i, "unexpected %s inside \"[]\"; expected an index, a slice, a quoted name, \"*\" or a filter", strconv.QuoteRune(rune(s[i])))
			}
		}
	}
}

func skipBlank(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// quotedEnd returns the offset after the quoted string starting at s[i].
func quotedEnd(s string, i int) (int, *PathError) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1, nil
		}
	}
	return 0, pathErrorf(i, "unclosed quote")
}

// matchParen returns the offset of the ")" closing the "(" at s[i],
// skipping quoted strings.
func matchParen(s string, i int) (int, *PathError) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j, nil
			}
		case '\'', '"':
			end, err := quotedEnd(s, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		}
	}
	return 0, pathErrorf(i, "unclosed \"(\"")
}

// intrinsicArity gives each intrinsic function's argument count: min, max
// (-1: any number).
var intrinsicArity = map[string][2]int{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

// hashAlgorithms are the names States.Hash accepts.
var hashAlgorithms = map[string]bool{"MD5": true, "SHA-1": true, "SHA-256": true, "SHA-384": true, "SHA-512": true}

// ParsePayloadValue checks the value of a ".$" key (Parameters,
// ResultSelector, ItemSelector) or of a Fail ErrorPath/CausePath: a path,
// a context path, or an intrinsic function call.
func ParsePayloadValue(s string) *PathError {
	if strings.HasPrefix(s, "States.") {
		end, err := parseCall(s, 0, 0)
		if err != nil {
			return err
		}
		if end = skipBlank(s, end); end < len(s) {
			return pathErrorf(end, "unexpected text after the function call")
		}
		return nil
	}
	return ParsePath(s, AnyPath)
}

// maxCallDepth bounds nested intrinsic calls so hostile input cannot
// exhaust the stack.
const maxCallDepth = 64

// parseCall checks a call "States.Name(args)" at s[i] and returns the
// offset after its ")".
func parseCall(s string, i, depth int) (int, *PathError) {
	if depth > maxCallDepth {
		return 0, pathErrorf(i, "intrinsic functions nested too deeply")
	}
	start := i
	for i < len(s) && (s[i] == '.' || s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')) {
		i++
	}
	name := s[start:i]
	arity, known := intrinsicArity[name]
	if !known {
		return 0, pathErrorf(start, "unknown intrinsic function %q", name)
	}
	if i >= len(s) || s[i] != '(' {
		return 0, pathErrorf(i, "expected \"(\" after %s", name)
	}
	i++
	type arg struct {
		start int
		str   string // string literal value, when the argument is one
		isStr bool
	}
	var args []arg
	i = skipBlank(s, i)
	if i < len(s) && s[i] == ')' {
		i++
	} else {
		for {
			i = skipBlank(s, i)
			if i >= len(s) {
				return 0, pathErrorf(start, "unclosed call to %s", name)
			}
			a := arg{start: i}
			switch c := s[i]; {
			case c == '\'':
				str, end, err := intrinsicString(s, i)
				if err != nil {
					return 0, err
				}
				a.str, a.isStr, i = str, true, end
			case c == '$':
				end := pathArgEnd(s, i)
				if err := ParsePath(strings.TrimRight(s[i:end], " \t"), AnyPath); err != nil {
					err.Offset += i
					return 0, err
				}
				i = end
			case strings.HasPrefix(s[i:], "States."):
				end, err := parseCall(s, i, depth+1)
				if err != nil {
					return 0, err
				}
				i = end
			case c == '-' || (c >= '0' && c <= '9'):
				end := i + 1
				for end < len(s) && strings.IndexByte("0123456789.eE+-", s[end]) >= 0 {
					end++
				}
				if _, err := strconv.ParseFloat(s[i:end], 64); err != nil {
					return 0, pathErrorf(i, "bad number %q", s[i:end])
				}
				i = end
			case strings.HasPrefix(s[i:], "true"), strings.HasPrefix(s[i:], "null"):
				i += 4
			case strings.HasPrefix(s[i:], "false"):
				i += 5
			default:
				return 0, pathErrorf(i, "unexpected %s in the arguments of %s; an argument is a 'string', a number, a path or a function call", strconv.QuoteRune(rune(c)), name)
			}
			args = append(args, a)
			i = skipBlank(s, i)
			if i >= len(s) {
				return 0, pathErrorf(start, "unclosed call to %s", name)
			}
			if s[i] == ')' {
				i++
				break
			}
			if s[i] != ',' {
				return 0, pathErrorf(i, "unexpected %s; expected \",\" or \")\"", strconv.QuoteRune(rune(s[i])))
			}
			i++
		}
	}
	if len(args) < arity[0] || (arity[1] >= 0 && len(args) > arity[1]) {
		want := strconv.Itoa(arity[0])
		switch {
		case arity[1] < 0:
			want = "at least " + want
		case arity[1] != arity[0]:
			want = fmt.Sprintf("%d or %d", arity[0], arity[1])
		}
		return 0, pathErrorf(start, "%s takes %s %s, got %d", name, want, plural(arity[0], "argument"), len(args))
	}
	switch name {
	case "States.Format":
		// A template read from a path or variable is only known at run
		// time; only a literal one can be counted.
		if n := countPlaceholders(args[0].str); args[0].isStr && n != len(args)-1 {
			return 0, pathErrorf(args[0].start, "the States.Format template has %d {} %s but %d %s follow it", n, plural(n, "placeholder"), len(args)-1, plural(len(args)-1, "argument"))
		}
	case "States.MathAdd", "States.MathRandom", "States.ArrayRange":
		for _, a := range args {
			if a.isStr {
				return 0, pathErrorf(a.start, "the arguments of %s must be numbers or paths, not a 'string'", name)
			}
		}
	case "States.ArrayGetItem", "States.ArrayPartition":
		if args[1].isStr {
			return 0, pathErrorf(args[1].start, "the second argument of %s must be a number or a path, not a 'string'", name)
		}
	case "States.Hash":
		if args[1].isStr && !hashAlgorithms[args[1].str] {
			return 0, pathErrorf(args[1].start, "States.Hash algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", args[1].str)
		}
	}
	return i, nil
}

// intrinsicString reads a single-quoted argument with \' \{ \} \\ escapes
// and returns its value with the escapes kept (placeholders count on it).
func intrinsicString(s string, i int) (string, int, *PathError) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 >= len(s) {
				return "", 0, pathErrorf(j, "\"\\\" at the end of the string")
			}
			b.WriteByte('\\')
			b.WriteByte(s[j+1])
			j++
		case '\'':
			return b.String(), j + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, pathErrorf(i, "unclosed string: a quote inside must be written \\'")
}

// countPlaceholders counts unescaped "{}" pairs in a States.Format template.
func countPlaceholders(t string) int {
	n := 0
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] == '\\':
			i++
		case t[i] == '{' && i+1 < len(t) && t[i+1] == '}':
			n++
			i++
		}
	}
	return n
}

// pathArgEnd finds where a path argument ends: at "," or ")" outside
// brackets, parentheses and quotes.
func pathArgEnd(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				return j
			}
			depth--
		case ',':
			if depth == 0 {
				return j
			}
		case '\'', '"':
			if end, err := quotedEnd(s, j); err == nil {
				j = end - 1
			}
		}
	}
	return len(s)
}

// looksLikePath reports whether a plain string was probably meant as a path:
// "$", "$.x", "$[..." or a context path "$$...". Cumulus Message Adapter
// templates ("{$.meta.x}") are not.
func looksLikePath(s string) bool {
	if s == "$" || s == "$$" {
		return true
	}
	return strings.HasPrefix(s, "$.") || strings.HasPrefix(s, "$[") || strings.HasPrefix(s, "$$.")
}

// looksLikeIntrinsic reports whether a plain string looks like an intrinsic call.
func looksLikeIntrinsic(s string) bool {
	name, _, ok := strings.Cut(s, "(")
	_, known := intrinsicArity[name]
	return ok && known
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func quote(s string) string { return strconv.Quote(s) }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// identAt returns the identifier (letters, digits, _) starting at s[i].
func identAt(s string, i int) string {
	j := i
	for j < len(s) && (isIdentStart(s[j]) || (s[j] >= '0' && s[j] <= '9')) {
		j++
	}
	return s[i:j]
}
