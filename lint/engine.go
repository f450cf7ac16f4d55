package lint

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stepshift/stepshift/schemas"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/usage"
	"github.com/stepshift/stepshift/workflow"
)

// Unit is one document to lint together with what other packages know about
// it. The same .asl.json rendered by two Terraform modules is two units, so
// facts that differ per rendering (which Lambda a Task runs) stay apart.
type Unit struct {
	Doc   *workflow.Document
	Label string // the rendering's address ("module.discover_granules_workflow"), "" for a file linted alone
	// Tasks maps a Task state to its Terraform target and Lambda facts. Nil
	// (or a missing entry) means nothing is known beyond the definition, and
	// rules that need facts stay silent.
	Tasks map[*workflow.State]*terraform.Task
	// Usage is the log evidence of each Task's Lambda, by function name (the
	// usage rules look a Task's Lambda up by LambdaFacts.FunctionName); nil
	// when the run was given no evidence.
	Usage map[string]*usage.Usage // by function name; nil without evidence
}

// Task returns what Terraform knows about the Task state s, or nil.
func (u *Unit) Task(s *workflow.State) *terraform.Task {
	if u == nil || u.Tasks == nil {
		return nil
	}
	return u.Tasks[s]
}

// label is the unit's Label, "" for no unit.
func (u *Unit) label() string {
	if u == nil {
		return ""
	}
	return u.Label
}

// Options tune one lint run.
type Options struct {
	// Express lints as an Express state machine: activities, .sync and
	// .waitForTaskToken integrations are errors there. A configuration with
	// type = "express" sets it as well.
	Express bool
	// Today is the day date-dependent rules compare with; zero means now.
	Today time.Time
	// Config overrides rule severities, disables rules and ignores paths; nil
	// means defaults.
	Config *Config
	// Workers caps parallelism; 0 means GOMAXPROCS.
	Workers int
	// Limits are the quotas the Lambda-limit rules compare with; the zero
	// value means schemas.LoadLimits("aws"). Config.ApplyLimits fills it
	// from .stepshift.hcl (limits, memory_max_mb).
	Limits schemas.Limits // zero value = schemas.LoadLimits("aws")
	// Margin is the near-limit fraction: a value at or above Margin of a
	// limit is a warning. 0 means 0.8.
	Margin float64 // near-limit fraction, default 0.8
}

// express reports whether the run lints Express state machines.
func (o Options) express() bool {
	return o.Express || (o.Config != nil && strings.EqualFold(o.Config.Type, "express"))
}

// Lint runs every enabled rule over every unit, on all cores, and returns
// the findings after suppression and configuration, sorted by file, line,
// column and rule so output is the same from run to run.
func Lint(units []*Unit, opts Options) []Finding {
	if opts.Today.IsZero() {
		opts.Today = time.Now()
	}
	results := make([][]Finding, len(units))
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(units))
	if workers <= 1 {
		for i, u := range units {
			results[i] = lintUnit(u, opts)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					results[i] = lintUnit(units[i], opts)
				}
			}()
		}
		for i := range units {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	var all []Finding
	for _, r := range results {
		all = append(all, r...)
	}
	SortFindings(all)
	return mergeFunctionFacts(all)
}

// LintDocument lints one document alone; tests and the fuzz target use it.
func LintDocument(doc *workflow.Document, opts Options) []Finding {
	return Lint([]*Unit{{Doc: doc}}, opts)
}

// SortFindings orders findings by file, line, column, rule and message.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Range.Filename != b.Range.Filename {
			return a.Range.Filename < b.Range.Filename
		}
		if a.Range.Start.Line != b.Range.Start.Line {
			return a.Range.Start.Line < b.Range.Start.Line
		}
		if a.Range.Start.Column != b.Range.Start.Column {
			return a.Range.Start.Column < b.Range.Start.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Rendering < b.Rendering
	})
}

// loaderCodes are the workflow.Diagnostic codes; each is a rule of its own
// (rule_<code>.go) that reports the loader's diagnostics of that code.
var loaderCodes = map[string]bool{
	"json-syntax": true, "duplicate-key": true, "template-directive": true, "template-syntax": true,
	"invalid-utf8": true, "not-text": true, "empty-file": true, "file-too-large": true, "too-deep": true,
	"not-a-state-machine": true,
}

func isLoaderRule(id string) bool { return loaderCodes[id] }

// lintUnit runs the rules over one unit. Every rule runs even when the
// configuration disables it, so that asl-schema still leaves out what a
// specific rule says; disabled findings are dropped at the end.
func lintUnit(u *Unit, opts Options) []Finding {
	if u == nil || u.Doc == nil {
		return nil
	}
	doc := u.Doc
	if opts.Config != nil && opts.Config.Ignored(doc.Filename) {
		return nil
	}
	var found []Finding
	p := &Pass{Unit: u, Doc: doc, opts: opts, findings: &found}
	hasDefinition := doc.Definition != nil && doc.Definition.Kind == workflow.Object
	for _, r := range orderedRules() {
		if r.Check == nil || (!hasDefinition && !isLoaderRule(r.ID)) {
			continue
		}
		p.Rule = r
		runRule(p, r)
	}
	found = applySuppressions(u, found, opts)
	out := found[:0]
	for _, f := range found {
		if sev, on := opts.Config.severityOf(f.Rule, f.Severity); on {
			f.Severity = sev
			out = append(out, f)
		}
	}
	return out
}

// Pass is what a rule's Check sees: the unit, the run's options and a way to
// report.
type Pass struct {
	Unit *Unit
	Doc  *workflow.Document
	Rule *Rule // the rule running now

	opts     Options
	findings *[]Finding // every finding of this unit so far, all rules
}

// Express reports whether the document is linted as an Express state machine.
func (p *Pass) Express() bool { return p.opts.express() }

// Today is the day date-dependent rules compare with.
func (p *Pass) Today() time.Time { return p.opts.Today }

// Config is the run's configuration, nil when there is none.
func (p *Pass) Config() *Config { return p.opts.Config }

// Report records a finding at the value of n with the rule's default
// severity. The result may be refined (WithRelated, WithSeverity).
func (p *Pass) Report(n *workflow.Node, format string, args ...any) *Finding {
	if n == nil {
		n = p.Doc.Definition
	}
	var r workflow.Range
	ptr := ""
	if n != nil {
		r, ptr = n.Range, n.Pointer
	}
	return p.ReportRange(r, ptr, format, args...)
}

// ReportKey records a finding at the member name of n (the most precise
// place for "this field should not be here"); a value with no key falls back
// to its own range.
func (p *Pass) ReportKey(n *workflow.Node, format string, args ...any) *Finding {
	if n == nil || n.KeyRange.IsZero() {
		return p.Report(n, format, args...)
	}
	return p.ReportRange(n.KeyRange, n.Pointer, format, args...)
}

// ReportState records a finding at a state's name in its States object.
func (p *Pass) ReportState(s *workflow.State, format string, args ...any) *Finding {
	return p.ReportRange(s.NameRange, s.Pointer(), format, args...)
}

// ReportRange records a finding at any range; pointer may be "".
func (p *Pass) ReportRange(r workflow.Range, pointer string, format string, args ...any) *Finding {
	*p.findings = append(*p.findings, Finding{
		Rule: p.Rule.ID, Severity: p.Rule.Severity, Message: sprintf(format, args...),
		Range: r, Pointer: pointer, AWSCode: p.Rule.AWSCode, Rendering: p.Unit.label(),
	})
	return &(*p.findings)[len(*p.findings)-1]
}

// WithRelated adds a secondary location to a finding just reported.
func (f *Finding) WithRelated(r workflow.Range, format string, args ...any) *Finding {
	if !r.IsZero() {
		f.Related = append(f.Related, Related{Message: sprintf(format, args...), Range: r})
	}
	return f
}

// WithSeverity sets a finding's severity when a rule reports at more than one
// level (over a limit: error; near it: warning).
func (f *Finding) WithSeverity(s Severity) *Finding {
	f.Severity = s
	return f
}

// internalErrorRule reports a rule that crashed. A bug in one rule must not
// take down the findings of every other rule and file; tests and the fuzz
// target fail on any finding of this rule.
var internalErrorRule = register(&Rule{
	ID:       "internal-error",
	Severity: Error,
	Summary:  "a stepshift rule crashed on this file (a bug in stepshift)",
	Doc: RuleDoc{
		Checks: "Nothing: it reports a rule that failed with a Go panic on this input, so the rest of the run still completes.",
		Why:    "The crashed rule checked nothing on this file.",
		Fix:    "Report the file and the message to the stepshift maintainers; `rule \"RULE\" { enabled = false }` works around it meanwhile.",
	},
})

// runRule runs one rule's Check, turning a panic into an internal-error finding.
func runRule(p *Pass, r *Rule) {
	defer func() {
		if v := recover(); v != nil {
			p.Rule = internalErrorRule
			p.Report(nil, "rule %s crashed: %v; please report this file to the stepshift maintainers", r.ID, v)
		}
	}()
	r.Check(p)
}
