package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

// sarifReporter writes SARIF 2.1.0 for GitHub code scanning. The document is
// small and fixed, so plain structs serve better than a SARIF library.
type sarifReporter struct{}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	Results    []sarifResult `json:"results"`
	ColumnKind string        `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifMessage      `json:"shortDescription"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifLocation struct {
	ID               *int                  `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifMessage         `json:"message,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

func sarifLevel(s lint.Severity) string {
	switch s {
	case lint.Error:
		return "error"
	case lint.Warning:
		return "warning"
	}
	return "note"
}

// sarifURI makes a path relative to the repository root (%SRCROOT%) with
// forward slashes, as code scanning matches results to files by that URI.
func sarifURI(path string) string {
	p := filepath.ToSlash(filepath.Clean(path))
	return strings.TrimPrefix(p, "./")
}

func sarifPhysical(r workflow.Range) sarifPhysicalLocation {
	end := r.End
	if end.Line < r.Start.Line || (end.Line == r.Start.Line && end.Column <= r.Start.Column) {
		end = workflow.Pos{Line: r.Start.Line, Column: r.Start.Column + 1}
	}
	return sarifPhysicalLocation{
		ArtifactLocation: sarifArtifactLocation{URI: sarifURI(r.Filename), URIBaseID: "%SRCROOT%"},
		Region:           sarifRegion{StartLine: max(r.Start.Line, 1), StartColumn: max(r.Start.Column, 1), EndLine: max(end.Line, 1), EndColumn: max(end.Column, 1)},
	}
}

func (sarifReporter) Report(w io.Writer, in Input) error {
	driver := sarifDriver{Name: "stepshift", Version: in.ToolVersion, InformationURI: "https://github.com/stepshift/stepshift", Rules: []sarifRule{}}
	index := map[string]int{}
	addRule := func(ri RuleInfo) {
		if _, ok := index[ri.ID]; ok {
			return
		}
		index[ri.ID] = len(driver.Rules)
		help := ri.HelpURI
		if help == "" {
			help = HelpURI(ri.ID)
		}
		r := sarifRule{ID: ri.ID, ShortDescription: sarifMessage{Text: ri.Summary}, HelpURI: help,
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(ri.DefaultSeverity)}}
		if ri.AWSCode != "" {
			r.Properties = map[string]string{"awsCode": ri.AWSCode}
		}
		driver.Rules = append(driver.Rules, r)
	}
	for _, ri := range in.Rules {
		addRule(ri)
	}
	run := sarifRun{Results: []sarifResult{}, ColumnKind: "unicodeCodePoints"}
	for _, f := range in.Findings {
		if _, ok := index[f.Rule]; !ok {
			addRule(RuleInfo{ID: f.Rule, Summary: f.Rule, DefaultSeverity: f.Severity})
		}
		res := sarifResult{RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity),
			Message:             sarifMessage{Text: f.Message},
			Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical(f.Range)}},
			PartialFingerprints: map[string]string{"stepshift/v1": fingerprint(f)}}
		for i, rel := range f.Related {
			id := i + 1
			res.RelatedLocations = append(res.RelatedLocations, sarifLocation{ID: &id, PhysicalLocation: sarifPhysical(rel.Range), Message: &sarifMessage{Text: rel.Message}})
		}
		run.Results = append(run.Results, res)
	}
	run.Tool.Driver = driver
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// fingerprint identifies a finding across runs even when lines move: rule,
// file and JSON Pointer (or the message when there is no pointer).
func fingerprint(f lint.Finding) string {
	key := f.Pointer
	if key == "" {
		key = f.Message
	}
	sum := sha256.Sum256([]byte(f.Rule + "\x00" + sarifURI(f.Range.Filename) + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}
