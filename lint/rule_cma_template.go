package lint

import (
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "cma-template",
	Severity: Error,
	Summary:  "a Cumulus Message Adapter template in task_config is not valid JSONPath",
	Check:    checkCMATemplate,
	Doc: RuleDoc{
		Checks: "Strings in `Parameters.cma.task_config` that the CMA resolves against the message: `{$.x}` (a value), `{[$.x]}` (every match, as an array), `{{$.x}}` and templates inside text (`granules-{$.meta.collection.name}.json`). " +
			"Each path must parse as JSONPath. Braces around text that does not start with `$` (such as `{proxy+}`) are not templates and are left alone, and so are Terraform interpolations.",
		Example: `"task_config": {
  "provider": "{$.meta.provider",
  "bucket": "{$.meta.buckets..name}"
}`,
		Why: "The CMA resolves templates at run time: a broken one fails the task, or silently passes the template text through as a literal value.",
		Fix: "Correct the path at the position shown; close every `{`.",
	},
})

func checkCMATemplate(p *Pass) {
	for _, st := range p.Doc.States {
		tc := cmaObject(st).Get("task_config")
		walkStrings(tc, 0, func(n *workflow.Node) {
			if n.IsTemplated() {
				return
			}
			for _, e := range cmaTemplateErrors(n.Str) {
				// Name the value by its path inside task_config: array
				// elements have no key of their own.
				where := strings.TrimPrefix(n.Pointer, tc.Pointer+"/")
				p.ReportInString(n, e.Offset, 1, "state %q: CMA template in task_config %q: %s", st.Name, where, e.Msg)
			}
		})
	}
}

// walkStrings calls f for every string value below n.
func walkStrings(n *workflow.Node, depth int, f func(*workflow.Node)) {
	if n == nil || depth > 64 {
		return
	}
	switch n.Kind {
	case workflow.String:
		f(n)
	case workflow.Object:
		for _, m := range n.Members {
			walkStrings(m, depth+1, f)
		}
	case workflow.Array:
		for _, e := range n.Elems {
			walkStrings(e, depth+1, f)
		}
	}
}

// cmaTemplateErrors finds the CMA templates in s and returns a syntax error
// for each bad one, with offsets into s. The whole-value forms are
// {{$.x}}, {[$.x]} and {$.x}; elsewhere each "{$...}" is a template inside
// text. A "{" not followed by "$" (optionally after "{" or "[") is text.
func cmaTemplateErrors(s string) []*PathError {
	shift := func(e *PathError, by int) *PathError {
		if e == nil {
			return nil
		}
		return &PathError{Offset: e.Offset + by, Msg: e.Msg}
	}
	switch {
	case len(s) >= 5 && strings.HasPrefix(s, "{{$") && strings.HasSuffix(s, "}}"):
		if e := ParsePath(s[2:len(s)-2], AnyPath); e != nil {
			return []*PathError{shift(e, 2)}
		}
		return nil
	case len(s) >= 5 && strings.HasPrefix(s, "{[$") && strings.HasSuffix(s, "]}"):
		if e := ParsePath(s[2:len(s)-2], AnyPath); e != nil {
			return []*PathError{shift(e, 2)}
		}
		return nil
	}
	var errs []*PathError
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		start := i + 1
		for start < len(s) && (s[start] == '{' || s[start] == '[') && start-i <= 2 {
			start++
		}
		if start >= len(s) || s[start] != '$' {
			continue
		}
		end := closingBrace(s, start)
		if end < 0 {
			errs = append(errs, pathErrorf(i, "%q is never closed with \"}\"", "{"))
			break
		}
		inner := s[start:end]
		// {[$.x]} and {{$.x}} inside text: drop the matching inner closer.
		switch s[start-1] {
		case '[':
			inner = strings.TrimSuffix(inner, "]")
		case '{':
			if end+1 < len(s) && s[end+1] == '}' {
				end++
			}
		}
		if e := ParsePath(inner, AnyPath); e != nil {
			errs = append(errs, shift(e, start))
		}
		i = end
	}
	return errs
}

// closingBrace finds the "}" that ends a template whose path starts at
// start, skipping brackets and quoted names inside the path.
func closingBrace(s string, start int) int {
	depth := 0
	var quote byte
	for j := start; j < len(s); j++ {
		c := s[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case (c == ']' || c == ')') && depth > 0:
			depth--
		case c == '}' && depth == 0:
			return j
		}
	}
	return -1
}
