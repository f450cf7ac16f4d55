package workflow

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Interpolation is one Terraform `${...}` sequence in a workflow template.
type Interpolation struct {
	Expr  string // expression text inside ${ }, trimmed, without strip markers (~)
	Range Range  // the whole ${...}
	Bare  bool   // in JSON value position rather than inside a JSON string
}

// IsVariable reports whether the expression is a single identifier, the shape
// of a templatefile() variable (as opposed to an inline reference such as
// module.cumulus.sync_granule_task.task_arn).
func (i *Interpolation) IsVariable() bool {
	if i.Expr == "" {
		return false
	}
	// HCL identifiers are Unicode ID_Start ID_Continue*, plus "-".
	for k, r := range i.Expr {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case k > 0 && (r == '-' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
		default:
			return false
		}
	}
	return true
}

// span is a byte range of the source with a special meaning to the template
// grammar: an interpolation, or an escape ($${ or %%{) that renders one byte shorter.
type span struct {
	start, end int
	interp     *Interpolation // nil for an escape
}

// templateScan is what scanning the template grammar found.
type templateScan struct {
	spans []span // in source order, non-overlapping
	diag  *Diagnostic
}

// scanTemplate finds every ${...} interpolation, $${ / %%{ escape and %{...}
// directive in src. It follows the grammar Terraform's templatefile() uses
// (hclsyntax): `$${` is a literal `${`, `%%{` a literal `%{`, and a `$` or `%`
// not followed by `{` is literal text, so `$$.Task.Token` survives. JSON string
// context is tracked only to know whether an interpolation is bare.
func scanTemplate(src []byte, lt *lineTable) templateScan {
	var out templateScan
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !templateByte[c] {
			continue
		}
		switch c {
		case '"':
			inString = !inString
			continue
		case '\\':
			// A template does not process backslashes (hcl reads "\${x}" as an
			// interpolation), so skip only the byte that would otherwise end the
			// JSON string or start another escape.
			if inString && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
				i++
			}
			continue
		case '$', '%':
		default:
			continue
		}
		if i+2 < len(src) && src[i+1] == c && src[i+2] == '{' {
			out.spans = append(out.spans, span{start: i, end: i + 3})
			i += 2
			continue
		}
		if i+1 >= len(src) || src[i+1] != '{' {
			continue
		}
		if c == '%' && inString && i > 0 && src[i-1] == '{' && !startsDirective(src[i+2:]) {
			// "{%{'id': $states.input.id}%}": a JSONata expression whose
			// body is an object constructor. Terraform has no directive
			// without a keyword, so this is JSONata text (SAM, CDK and
			// plain definitions deploy it as is), not a directive.
			continue
		}
		end, ok := matchBrace(src, i+2)
		if !ok {
			what := "interpolation"
			if c == '%' {
				what = "template directive"
			}
			out.diag = &Diagnostic{Code: "template-syntax",
				Message: fmt.Sprintf("unterminated %s: %q has no closing \"}\"", what, string(src[i:i+2])),
				Range:   lt.rangeOf(i, i+2)}
			return out
		}
		body := string(src[i+2 : end-1])
		if c == '%' {
			keyword := strings.Fields(strings.Trim(strings.TrimSpace(body), "~"))
			name := ""
			if len(keyword) > 0 {
				name = " " + keyword[0] + " "
			}
			out.diag = &Diagnostic{Code: "template-directive",
				Message: fmt.Sprintf("template directive \"%%{%s}\" is not supported; render the template first", name),
				Range:   lt.rangeOf(i, end)}
			return out
		}
		exprText := strings.TrimSpace(body)
		exprText = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(exprText, "~"), "~"))
		if exprText == "" {
			out.diag = &Diagnostic{Code: "template-syntax", Message: "empty interpolation \"${}\"", Range: lt.rangeOf(i, end)}
			return out
		}
		if isTraversal(exprText) || isPseudoParameter(exprText) {
			// Plain references (the Cumulus norm) need no full expression parse;
			// CloudFormation's pseudo parameters (${AWS::Region} in a SAM
			// DefinitionSubstitutions template) are placeholders of another
			// renderer, not Terraform syntax errors.
		} else if _, diags := hclsyntax.ParseExpression([]byte(exprText), "", hcl.InitialPos); diags.HasErrors() {
			out.diag = &Diagnostic{Code: "template-syntax",
				Message: fmt.Sprintf("invalid Terraform expression in %q: %s", string(src[i:end]), diags[0].Summary),
				Range:   lt.rangeOf(i, end)}
			return out
		}
		in := &Interpolation{Expr: exprText, Range: lt.rangeOf(i, end), Bare: !inString}
		out.spans = append(out.spans, span{start: i, end: end, interp: in})
		i = end - 1
	}
	return out
}

// startsDirective reports whether the body of a "%{" begins with one of the
// keywords of Terraform's template directives (after an optional "~" strip
// marker and blanks).
func startsDirective(body []byte) bool {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '~') {
		i++
	}
	j := i
	for j < len(body) && body[j] >= 'a' && body[j] <= 'z' {
		j++
	}
	switch string(body[i:j]) {
	case "if", "else", "endif", "for", "endfor":
		return true
	}
	return false
}

// templateByte marks the bytes scanTemplate must look at; the rest of a
// definition is skipped with one table load per byte.
var templateByte = [256]bool{'"': true, '\\': true, '$': true, '%': true}

// isPseudoParameter reports whether s names a CloudFormation pseudo parameter
// or resource-type style reference: identifiers joined by "::" (AWS::Partition,
// AWS::AccountId), as Fn::Sub and SAM's DefinitionSubstitutions write them.
func isPseudoParameter(s string) bool {
	parts := strings.Split(s, "::")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || !isTraversal(p) || strings.ContainsAny(p, ".[-") {
			return false
		}
	}
	return true
}

// isTraversal reports whether s is a plain HCL traversal: name(.name|[digits])*.
func isTraversal(s string) bool {
	name := func(i int) int {
		j := i
		for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || j > i && (s[j] == '-' || s[j] >= '0' && s[j] <= '9')) {
			j++
		}
		if j == i || s[i] >= '0' && s[i] <= '9' || s[i] == '-' {
			return -1
		}
		return j
	}
	i := name(0)
	for i > 0 && i < len(s) {
		switch s[i] {
		case '.':
			i = name(i + 1)
		case '[':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 || j >= len(s) || s[j] != ']' {
				return false
			}
			i = j + 1
		default:
			return false
		}
	}
	return i == len(s)
}

// matchBrace returns the offset just past the "}" that closes a template
// sequence whose body starts at from, skipping nested braces and HCL string
// literals (which may themselves hold "}" or nested ${}).
func matchBrace(src []byte, from int) (int, bool) {
	depth := 1
	for i := from; i < len(src); i++ {
		switch src[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case '"':
			j, ok := skipHCLString(src, i+1)
			if !ok {
				return 0, false
			}
			i = j
		case '\n':
			// A template sequence may span lines, but an unclosed "${" in JSON
			// usually means a typo; stop at a blank line to keep errors local.
			if i+1 < len(src) && (src[i+1] == '\n' || (src[i+1] == '\r' && i+2 < len(src) && src[i+2] == '\n')) {
				return 0, false
			}
		}
	}
	return 0, false
}

// skipHCLString returns the offset of the quote closing an HCL string literal
// whose content starts at from.
func skipHCLString(src []byte, from int) (int, bool) {
	for i := from; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i, true
		case '\n':
			return 0, false
		case '$', '%':
			if i+1 < len(src) && src[i+1] == '{' {
				end, ok := matchBrace(src, i+2)
				if !ok {
					return 0, false
				}
				i = end - 1
			}
		}
	}
	return 0, false
}

// render returns a copy of src of the same length in which every
// interpolation is a placeholder: inside a JSON string it keeps "${" and "}"
// with the expression's bytes replaced by "_" (so quotes in the expression
// cannot end the string); in value position it becomes a JSON string of the
// same length, which the indexer marks as an unknown value.
func render(src []byte, spans []span) []byte {
	if len(spans) == 0 {
		return src
	}
	out := make([]byte, len(src))
	copy(out, src)
	for _, s := range spans {
		if s.interp == nil {
			continue
		}
		if s.interp.Bare {
			out[s.start] = '"'
			for k := s.start + 1; k < s.end-1; k++ {
				out[k] = '_'
			}
			out[s.end-1] = '"'
			continue
		}
		for k := s.start + 2; k < s.end-1; k++ {
			out[k] = '_'
		}
	}
	return out
}
