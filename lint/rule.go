package lint

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Rule is one check. Its ID is stable (configuration, suppressions and
// SARIF refer to it); its docs feed both `stepshift explain` and
// docs/rules/<id>.md.
type Rule struct {
	ID       string   // kebab-case, never renamed
	Severity Severity // default; configuration may override it
	Summary  string   // one line, for `stepshift rules`
	AWSCode  string   // the ValidateStateMachineDefinition code it predicts, "" if none
	Doc      RuleDoc

	// Check visits a document. Loader rules read Document.Diagnostics; the
	// others run only when there is a definition object to visit.
	Check func(p *Pass)

	// after marks rules that run once all others have (asl-schema leaves
	// out what they already reported).
	after bool
}

// RuleDoc is a rule's documentation page: `stepshift explain` prints it and
// `stepshift docs` writes it to docs/rules/<id>.md.
type RuleDoc struct {
	Checks  string // what the rule checks
	Example string // a definition fragment that triggers it (JSON)
	Why     string // what goes wrong at deploy or run time
	Fix     string // how to fix it
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Rule{}
	ordered    []*Rule
)

// register adds a rule at package init; a duplicate ID is a programming
// error caught by the first test run.
func register(r *Rule) *Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[r.ID]; dup {
		panic("lint: rule registered twice: " + r.ID)
	}
	registry[r.ID] = r
	ordered = nil
	return r
}

// Rules returns every rule, sorted by ID.
func Rules() []*Rule {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]*Rule, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupRule finds a rule by ID.
func LookupRule(id string) (*Rule, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	r, ok := registry[id]
	return r, ok
}

// orderedRules is the run order: by ID, late rules last.
func orderedRules() []*Rule {
	registryMu.Lock()
	o := ordered
	registryMu.Unlock()
	if o != nil {
		return o
	}
	o = Rules()
	sort.SliceStable(o, func(i, j int) bool { return !o[i].after && o[j].after })
	registryMu.Lock()
	ordered = o
	registryMu.Unlock()
	return o
}

// Explain renders a rule's page as plain text for `stepshift explain`.
func (r *Rule) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", r.ID, r.Severity)
	if r.AWSCode != "" {
		fmt.Fprintf(&b, ", AWS %s", r.AWSCode)
	}
	fmt.Fprintf(&b, ")\n  %s\n  Default severity because: %s\n", r.Summary, severityBasis[r.ID])
	section := func(title, body string, wrap bool) {
		if body == "" {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			if !wrap {
				fmt.Fprintf(&b, "  %s\n", line)
				continue
			}
			for _, l := range wrapText(line, 96) {
				fmt.Fprintf(&b, "  %s\n", l)
			}
		}
	}
	section("What it checks", r.Doc.Checks, true)
	section("Example", r.Doc.Example, false)
	section("Why", r.Doc.Why, true)
	section("How to fix", r.Doc.Fix, true)
	return b.String()
}

// Markdown renders a rule's page for docs/rules/<id>.md.
func (r *Rule) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", r.ID, r.Summary)
	fmt.Fprintf(&b, "- Default severity: **%s** (%s)\n", r.Severity, severityBasis[r.ID])
	if r.AWSCode != "" {
		fmt.Fprintf(&b, "- AWS diagnostic code: `%s`\n", r.AWSCode)
	}
	fmt.Fprintf(&b, "- Configure: `rule %q { enabled = false }` or `severity = \"warning\"` in `.stepshift.hcl`\n", r.ID)
	if !isLoaderRule(r.ID) {
		fmt.Fprintf(&b, "- Silence on one state: `\"Comment\": \"stepshift:ignore %s -- why\"`\n", r.ID)
	}
	section := func(title, body string) {
		if body != "" {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", title, strings.TrimRight(body, "\n"))
		}
	}
	section("What it checks", r.Doc.Checks)
	if r.Doc.Example != "" {
		fmt.Fprintf(&b, "\n## Example\n\n```json\n%s\n```\n", strings.TrimRight(r.Doc.Example, "\n"))
	}
	section("Why", r.Doc.Why)
	section("How to fix", r.Doc.Fix)
	return b.String()
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// wrapText breaks a paragraph into lines of at most width characters at
// spaces (a longer word gets a line of its own).
func wrapText(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
