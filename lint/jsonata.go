package lint

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// JSONata in Step Functions: a string value "{% expr %}" in a JSONata state.
// stepshift does not evaluate JSONata; CheckJSONata is a syntax check that
// catches what breaks deployment: unbalanced brackets, an operator with a
// missing operand, a JSONPath pasted into a JSONata expression, a malformed
// number or string. It accepts every expression the JSONata 2.0 grammar
// accepts (it is a tokenizer plus an operand/operator automaton, not a full
// parser), so it may miss some errors but does not invent them.

// jsonataBinary are the infix operators, longest first so "**" wins over "*".
var jsonataBinary = []string{"~>", ":=", "!=", "<=", ">=", "..", "?:", "??", "**",
	".", "+", "-", "*", "/", "%", "=", "<", ">", "&", "?", ":", "@", "#", "^", "|"}

// CheckJSONata checks the expression between "{%" and "%}"; the error's
// Offset is a byte offset into expr.
func CheckJSONata(expr string) *PathError {
	type open struct {
		c    byte
		at   int
		call bool // a function call's parentheses: "?" placeholders are allowed
		sort bool // an order-by "^( ... )": each term may start with "<" or ">"
		// update: in a transform "| location | update |", past the location
		update bool
		fn     bool // a function definition's parameters: a signature "<...>" may follow
		// value: in an object constructor "{ key: value, ... }", past the key's ":"
		value   bool
		ternary int  // "?" of a condition inside this bracket whose ":" is still to come
		body    bool // a function's body "{ ... }", not an object constructor
	}
	var stack []open
	operand := true // the next token must be an operand
	justOpened := false
	afterSort := false   // the last token was the order-by operator "^"
	termStart := false   // at the start of a term: after "(" or ","
	afterFunc := false   // the operand just read is "function" or "λ"
	afterSemi := false   // the token just read is ";" (a block may end with one: "(a; b;)")
	afterParams := false // a function's parameters (and signature) just closed: "{" opens its body
	i := 0
	for {
		for i < len(expr) && strings.IndexByte(" \t\r\n", expr[i]) >= 0 {
			i++
		}
		if strings.HasPrefix(expr[i:], "/*") {
			end := strings.Index(expr[i+2:], "*/")
			if end < 0 {
				return pathErrorf(i, "unterminated comment")
			}
			i += end + 4
			continue
		}
		if i >= len(expr) {
			break
		}
		c := expr[i]
		opened := justOpened
		justOpened = false
		semi := afterSemi
		afterSemi = false
		bodyNext := afterParams
		afterParams = false
		sortOpen := afterSort
		afterSort = false
		atTerm := termStart
		termStart = false
		switch {
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, open{c: c, at: i, call: c == '(' && !operand && !afterFunc, sort: c == '(' && sortOpen,
				fn: c == '(' && afterFunc, body: c == '{' && bodyNext})
			operand, justOpened, termStart, afterFunc = true, true, true, false
			i++
			continue
		case c == '|' && operand:
			// a transform "| location | update [, delete] |" opens
			stack = append(stack, open{c: c, at: i})
			operand, justOpened, termStart = true, true, true
			i++
			continue
		case c == '|' && !operand && len(stack) > 0 && stack[len(stack)-1].c == '|':
			top := &stack[len(stack)-1]
			if !top.update { // the location ends; the update (and delete) follow
				top.update = true
				operand = true
			} else {
				stack = stack[:len(stack)-1]
				operand = false
			}
			i++
			continue
		case (c == '<' || c == '>') && operand && atTerm && len(stack) > 0 && stack[len(stack)-1].sort:
			i++ // "^(>price)": the sort direction of a term
			continue
		case c == ')' || c == ']' || c == '}':
			want := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 {
				return pathErrorf(i, "%q closes nothing", string(c))
			}
			top := stack[len(stack)-1]
			if top.c != want {
				return pathErrorf(i, "%q does not match the %q at offset %d", string(c), string(top.c), top.at)
			}
			if operand && !opened && !(semi && c == ')') {
				return pathErrorf(i, "an operand is missing before %q", string(c))
			}
			if c == '}' && !opened && !top.value && !top.body {
				return pathErrorf(i, "expected \":\" and a value after the key of an object constructor")
			}
			stack = stack[:len(stack)-1]
			operand = false
			i++
			if top.fn {
				// A signature such as "<n-:n>" or "<a<s>:a>" between the parameters and the body.
				j := i
				for j < len(expr) && strings.IndexByte(" \t\r\n", expr[j]) >= 0 {
					j++
				}
				if j < len(expr) && expr[j] == '<' {
					end, ok := signatureEnd(expr, j)
					if !ok {
						return pathErrorf(i, "a function signature \"<\" is never closed")
					}
					i = end + 1
				}
				afterParams = true
			}
			continue
		case c == ',' || c == ';':
			if len(stack) == 0 && c == ',' {
				return pathErrorf(i, "\",\" outside brackets")
			}
			if operand {
				return pathErrorf(i, "an operand is missing before %q", string(c))
			}
			if len(stack) > 0 && stack[len(stack)-1].c == '{' && !stack[len(stack)-1].body && c == ',' {
				top := &stack[len(stack)-1]
				if !top.value {
					return pathErrorf(i, "expected \":\" and a value after the key of an object constructor")
				}
				top.value, top.ternary = false, 0 // "," also ends a conditional without an else
			}
			operand, termStart, afterSemi = true, true, c == ';'
			i++
			continue
		}
		if operand {
			n, err := jsonataOperand(expr, i, len(stack) > 0 && stack[len(stack)-1].call)
			if err != nil {
				return err
			}
			if n < 0 { // unary minus: still waiting for the operand
				i++
				continue
			}
			tok := expr[i : i+n]
			afterFunc = tok == "function" || tok == "λ"
			i += n
			operand = false
			// "and", "or", "in" are names in operand position.
			continue
		}
		op := ""
		for _, o := range jsonataBinary {
			if strings.HasPrefix(expr[i:], o) {
				op = o
				break
			}
		}
		if op == "" {
			for _, w := range []string{"and", "or", "in"} {
				if strings.HasPrefix(expr[i:], w) && (i+len(w) == len(expr) || !isNameByte(expr[i+len(w)])) {
					op = w
				}
			}
		}
		if op == "" {
			r, _ := utf8.DecodeRuneInString(expr[i:])
			return pathErrorf(i, "expected an operator, got %q", string(r))
		}
		if len(stack) > 0 {
			switch top := &stack[len(stack)-1]; {
			case op == "?":
				top.ternary++
			case op == ":" && top.ternary > 0:
				top.ternary--
			case op == ":" && top.c == '{' && !top.body:
				if top.value {
					return pathErrorf(i, "unexpected \":\": this value of the object constructor already has its key")
				}
				top.value = true
			}
		}
		i += len(op)
		operand, afterFunc = true, false
		afterSort = op == "^"
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return pathErrorf(top.at, "%q is never closed", string(top.c))
	}
	if operand {
		if strings.TrimSpace(expr) == "" {
			return pathErrorf(0, "empty JSONata expression")
		}
		return pathErrorf(len(expr), "the expression ends where an operand is expected")
	}
	return nil
}

// jsonataOperand reads one operand at expr[i] and returns its length; -1
// means a prefix "-" was read.
func jsonataOperand(expr string, i int, inCall bool) (int, *PathError) {
	c := expr[i]
	switch {
	case c == '-':
		return -1, nil
	case c == '\'' || c == '"':
		for j := i + 1; j < len(expr); j++ {
			switch expr[j] {
			case '\\':
				j++
			case c:
				return j + 1 - i, nil
			}
		}
		return 0, pathErrorf(i, "unterminated string")
	case c == '`':
		end := strings.IndexByte(expr[i+1:], '`')
		if end < 0 {
			return 0, pathErrorf(i, "unterminated `name`")
		}
		return end + 2, nil
	case c >= '0' && c <= '9':
		j := i
		for j < len(expr) && expr[j] >= '0' && expr[j] <= '9' {
			j++
		}
		if c == '0' && j > i+1 {
			return 0, pathErrorf(i, "a number cannot start with 0")
		}
		if j < len(expr) && expr[j] == '.' && !(j+1 < len(expr) && expr[j+1] == '.') {
			j++
			k := j
			for j < len(expr) && expr[j] >= '0' && expr[j] <= '9' {
				j++
			}
			if j == k {
				return 0, pathErrorf(k-1, "a number cannot end with \".\"")
			}
		}
		if j < len(expr) && (expr[j] == 'e' || expr[j] == 'E') {
			j++
			if j < len(expr) && (expr[j] == '+' || expr[j] == '-') {
				j++
			}
			k := j
			for j < len(expr) && expr[j] >= '0' && expr[j] <= '9' {
				j++
			}
			if j == k {
				return 0, pathErrorf(j, "the exponent of a number has no digits")
			}
		}
		return j - i, nil
	case c == '$':
		j := i + 1
		if j < len(expr) && expr[j] == '$' {
			j++
		}
		for j < len(expr) && isNameByte(expr[j]) {
			j++
		}
		return j - i, nil
	case c == '/':
		for j := i + 1; j < len(expr); j++ {
			switch expr[j] {
			case '\\':
				j++
			case '/':
				j++
				for j < len(expr) && expr[j] >= 'a' && expr[j] <= 'z' {
					j++
				}
				return j - i, nil
			}
		}
		return 0, pathErrorf(i, "unterminated regular expression")
	case c == '*' || c == '%':
		if strings.HasPrefix(expr[i:], "**") {
			return 2, nil // descendant wildcard
		}
		return 1, nil // wildcard, parent
	case c == '?' && inCall:
		return 1, nil // partial application placeholder
	case isNameByte(c) || c >= utf8.RuneSelf:
		j := i
		for j < len(expr) && (isNameByte(expr[j]) || expr[j] >= utf8.RuneSelf) {
			j++
		}
		return j - i, nil
	}
	r, _ := utf8.DecodeRuneInString(expr[i:])
	msg := fmt.Sprintf("expected an operand, got %q", string(r))
	if c == '?' || c == '@' {
		msg += " (JSONPath filters like [?(@.x)] are not JSONata; write [x < 10])"
	}
	return 0, pathErrorf(i, "%s", msg)
}

func isNameByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// JSONataTopLevelName finds a field name an expression reads at its top
// level: "phone" in "{% phone %}" or "{% $states.input.a & b %}". Step
// Functions evaluates JSONata with no context value (the input is
// $states.input), and AWS refuses such a definition
// (UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone' at the top level
// is not supported). Names inside a path step ("$x.phone"), a predicate
// ("[price > 10]"), a group-by or a lambda body are evaluated against a
// value and are fine. "$$" (JSONata's root input, which Step Functions does
// not bind; the ASL spec forbids it) is returned as "$$" wherever it appears.
// It returns false for an expression it cannot judge
// (a transform "|...|"); call it only on an expression CheckJSONata accepts.
func JSONataTopLevelName(expr string) (string, int, bool) {
	if strings.IndexByte(expr, '|') >= 0 {
		return "", 0, false
	}
	stack := []bool{true} // per open bracket: are names there at the top level?
	operand, prevDot, prevSort := true, false, false
	lambda := 0 // bracket groups still to open that belong to a function's parameters and body
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
			continue
		case strings.HasPrefix(expr[i:], "/*"):
			end := strings.Index(expr[i+2:], "*/")
			if end < 0 {
				return "", 0, false
			}
			i += end + 4
			continue
		case c == '<' && lambda == 1:
			j, ok := signatureEnd(expr, i) // a function signature "<n-n:n>", "<a<s>:a>"
			if !ok {
				return "", 0, false
			}
			i = j + 1
			continue
		case c == '(' || c == '[' || c == '{':
			top := stack[len(stack)-1]
			if operand {
				top = top && !prevDot && !prevSort // after "^" an order-by, whose terms read each item; a grouping, array or object constructor; after "." a path step
			} else {
				top = top && c == '(' // a call's arguments; a predicate or group-by reads each item
			}
			if lambda > 0 {
				top = false
				lambda--
			}
			stack = append(stack, top)
			operand, prevDot, prevSort = true, false, false
			i++
			continue
		case c == ')' || c == ']' || c == '}':
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			operand, prevDot, prevSort = false, false, false
			i++
			continue
		case c == ',' || c == ';':
			operand, prevDot, prevSort = true, false, false
			i++
			continue
		}
		if operand {
			n, err := jsonataOperand(expr, i, true)
			if err != nil {
				return "", 0, false
			}
			if n < 0 { // prefix "-"
				i++
				continue
			}
			tok := expr[i : i+n]
			if tok == "$$" || strings.HasPrefix(tok, "$$") {
				return "$$", i, true // the input document, which Step Functions does not bind
			}
			if tok[0] == '`' || (tok[0] >= utf8.RuneSelf || (isNameByte(tok[0]) && (tok[0] < '0' || tok[0] > '9'))) {
				switch tok {
				case "true", "false", "null", "and", "or", "in":
				case "function", "λ":
					lambda = 2
				default:
					if stack[len(stack)-1] && !prevDot {
						return strings.Trim(tok, "`"), i, true
					}
				}
			}
			i += n
			operand, prevDot, prevSort = false, false, false
			continue
		}
		op := ""
		for _, o := range jsonataBinary {
			if strings.HasPrefix(expr[i:], o) {
				op = o
				break
			}
		}
		for _, w := range []string{"and", "or", "in"} {
			if op == "" && strings.HasPrefix(expr[i:], w) && (i+len(w) == len(expr) || !isNameByte(expr[i+len(w)])) {
				op = w
			}
		}
		if op == "" {
			return "", 0, false
		}
		prevDot, prevSort = op == ".", op == "^"
		operand = true
		i += len(op)
	}
	return "", 0, false
}

// signatureEnd returns the index of the ">" closing the function signature
// that opens with the "<" at expr[start] (signatures nest: "<a<s>:a>").
func signatureEnd(expr string, start int) (int, bool) {
	depth := 0
	for j := start; j < len(expr); j++ {
		switch expr[j] {
		case '<':
			depth++
		case '>':
			if depth--; depth == 0 {
				return j, true
			}
		}
	}
	return 0, false
}
