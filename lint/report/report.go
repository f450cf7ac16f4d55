// Package report renders lint findings for people (text, compact), machines
// (json), code scanning (sarif) and CI logs (github). One reporter per file.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/stepshift/stepshift/graph"
	"github.com/stepshift/stepshift/lint"
)

// RuleInfo describes a rule for reporters that list rules (SARIF).
type RuleInfo struct {
	ID              string
	Summary         string
	HelpURI         string
	DefaultSeverity lint.Severity
	AWSCode         string
}

// Input is everything one run reports.
type Input struct {
	Findings    []lint.Finding    // already filtered and sorted by the caller
	Sources     map[string][]byte // file → contents, for snippets; a missing file just has no snippet
	Rules       []RuleInfo        // every rule that ran
	Files       []string          // every file linted
	Summary     []SummaryRow      // per-task table rows (nil = none)
	Graphs      []*graph.Graph    // workflows drawn for the GitHub job summary (those with findings)
	ToolVersion string
}

// Options tune a reporter.
type Options struct {
	Color   bool // ANSI colour (the CLI decides: a TTY, no --no-color, NO_COLOR unset)
	Summary bool // print the per-task table (text)
	// StepSummary is the file the github format appends a Markdown job
	// summary to ($GITHUB_STEP_SUMMARY); "" writes none.
	StepSummary string
}

// Reporter writes one run's findings.
type Reporter interface {
	Report(w io.Writer, in Input) error
}

var constructors = map[string]func(Options) Reporter{
	"text":    func(o Options) Reporter { return &textReporter{opts: o} },
	"compact": func(o Options) Reporter { return compactReporter{} },
	"json":    func(o Options) Reporter { return jsonReporter{} },
	"sarif":   func(o Options) Reporter { return sarifReporter{} },
	"github":  func(o Options) Reporter { return githubReporter{opts: o} },
}

// Formats lists the format names New accepts.
func Formats() []string {
	var names []string
	for n := range constructors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New returns the reporter for a format name ("" means text).
func New(format string, opts Options) (Reporter, error) {
	if format == "" {
		format = "text"
	}
	c, ok := constructors[strings.ToLower(format)]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return c(opts), nil
}

// HelpURI is where a rule's documentation page lives.
func HelpURI(ruleID string) string {
	return "https://github.com/stepshift/stepshift/blob/main/docs/rules/" + ruleID + ".md"
}

// counts returns how many findings there are per severity.
func counts(fs []lint.Finding) (errors, warnings, infos int) {
	for _, f := range fs {
		switch f.Severity {
		case lint.Error:
			errors++
		case lint.Warning:
			warnings++
		default:
			infos++
		}
	}
	return
}

// plural counts in English: "1 error", "2 errors"; "info" is uncountable.
func plural(n int, word string) string {
	if n == 1 || word == "info" {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
