// Package lint is stepshift's linter: the rule engine, the rules (one per
// file), configuration and inline suppression. Reporters live in lint/report.
package lint

import (
	"fmt"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// Severity orders findings; a gate fails on findings at or above its threshold.
type Severity int

// Severities, least severe first.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns the lower-case name used in output and configuration.
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads "error", "warning" or "info" (any case).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info", "note":
		return Info, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// Finding is one problem the linter reports.
type Finding struct {
	Rule     string         // stable kebab-case rule ID
	Severity Severity       // after configuration overrides
	Message  string         // one sentence, no trailing period needed
	Range    workflow.Range // primary location
	Pointer  string         // JSON Pointer of the value, "" when the location is not in JSON
	Related  []Related      // other places that explain the finding (e.g. the Terraform that set a value)
	AWSCode  string         // the ValidateStateMachineDefinition code this predicts, if any
	// Rendering is the Label of the unit the finding is about: which
	// Terraform renderer of the file ("module.sync_granule_workflow"), since
	// one file rendered twice can reach two Lambdas. "" for a file linted alone.
	Rendering string
}

// Related is a secondary location with a note of its own.
type Related struct {
	Message string
	Range   workflow.Range
}

// String renders the canonical one-line form "path:line:col: message [rule]".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s [%s]", f.Range, f.Message, f.Rule)
}
