package report

import (
	"encoding/json"
	"io"

	"github.com/stepshift/stepshift/workflow"
)

// jsonReporter writes the stable, versioned document described in
// docs/json-output.md. Every key of a finding is always present (empty
// string or list when there is nothing to say), so consumers need no guards.
type jsonReporter struct{}

// JSONVersion is the version of the JSON output's shape; it changes only
// when a field is removed or changes meaning.
const JSONVersion = 1

type jsonLocation struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"end_line"`
	EndColumn int    `json:"end_column"`
	Offset    int    `json:"offset"`
	EndOffset int    `json:"end_offset"`
}

type jsonRelated struct {
	jsonLocation
	Message string `json:"message"`
}

type jsonFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	jsonLocation
	Pointer   string        `json:"pointer"`
	Rendering string        `json:"rendering,omitempty"`
	AWSCode   string        `json:"aws_code"`
	Related   []jsonRelated `json:"related"`
}

type jsonCounts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
	Files   int `json:"files"`
}

type jsonDocument struct {
	Version  int           `json:"version"`
	Tool     string        `json:"tool"`
	Findings []jsonFinding `json:"findings"`
	Summary  []SummaryRow  `json:"summary,omitempty"`
	Counts   jsonCounts    `json:"counts"`
}

func location(r workflow.Range) jsonLocation {
	return jsonLocation{File: r.Filename, Line: r.Start.Line, Column: r.Start.Column, EndLine: r.End.Line,
		EndColumn: r.End.Column, Offset: r.Start.Byte, EndOffset: r.End.Byte}
}

// Report writes the findings (and the summary, when asked) as one JSON document.
func (jsonReporter) Report(w io.Writer, in Input) error {
	doc := jsonDocument{Version: JSONVersion, Tool: "stepshift " + in.ToolVersion, Findings: []jsonFinding{}, Summary: in.Summary}
	for _, f := range in.Findings {
		jf := jsonFinding{Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message, jsonLocation: location(f.Range),
			Pointer: f.Pointer, Rendering: f.Rendering, AWSCode: f.AWSCode, Related: []jsonRelated{}}
		for _, rel := range f.Related {
			jf.Related = append(jf.Related, jsonRelated{jsonLocation: location(rel.Range), Message: rel.Message})
		}
		doc.Findings = append(doc.Findings, jf)
	}
	doc.Counts.Error, doc.Counts.Warning, doc.Counts.Info = counts(in.Findings)
	doc.Counts.Files = len(in.Files)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
