package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/workflow"
)

// sarifReporter writes SARIF 2.1.0 for GitHub code scanning.
//
// Plain structs rather than github.com/owenrumney/go-sarif: the document
// uses about twenty of SARIF's properties, SARIF 2.1.0 is frozen, and the
// tests check the output with the standard's own validator; go-sarif v3
// would bring github.com/xeipuuv/gojsonschema (unmaintained since 2019, the
// schema library issue 3 rejects) and google/uuid into the module graph.
type sarifReporter struct{}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool       `json:"tool"`
	Artifacts  []sarifArtifact `json:"artifacts,omitempty"`
	Results    []sarifResult   `json:"results"`
	ColumnKind string          `json:"columnKind"`
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
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifMessage      `json:"shortDescription"`
	HelpURI              string            `json:"helpUri"`
	Help                 sarifMessage      `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

// sarifArtifact is a file of the run: every linted file (the
// "analysisTarget"s, so a clean file is on record as checked) and every file
// a result points into.
type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Roles    []string              `json:"roles,omitempty"`
	Length   *int                  `json:"length,omitempty"` // bytes, when the source is at hand
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
	Index     *int   `json:"index,omitempty"`
}

type sarifSnippet struct {
	Text string `json:"text"`
}

type sarifRegion struct {
	StartLine   int           `json:"startLine"`
	StartColumn int           `json:"startColumn"`
	EndLine     int           `json:"endLine"`
	EndColumn   int           `json:"endColumn"`
	Snippet     *sarifSnippet `json:"snippet,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
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
	Properties          map[string]string `json:"properties,omitempty"`
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

// sarifSnippetMax bounds the source text copied into a region: enough for a
// key or a value, not a whole minified definition.
const sarifSnippetMax = 512

// sarifWriter holds one run's rule and artifact tables while results are
// added, so each result can point into them by index.
type sarifWriter struct {
	in        Input
	cwd       string
	driver    sarifDriver
	ruleIndex map[string]int
	artifacts []sarifArtifact
	fileIndex map[string]int
}

// uri turns a path into a SARIF artifact location. Code scanning matches a
// result to a file by a URI relative to the repository root (%SRCROOT%),
// which is the working folder in CI; a path outside it keeps an absolute
// file: URI, which code scanning ignores but other viewers open.
func (s *sarifWriter) uri(path string) sarifArtifactLocation {
	p := filepath.Clean(path)
	if filepath.IsAbs(p) && s.cwd != "" {
		if rel, err := filepath.Rel(s.cwd, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = rel
		}
	}
	slashed := filepath.ToSlash(p)
	if filepath.IsAbs(p) {
		if !strings.HasPrefix(slashed, "/") { // C:/x on Windows
			slashed = "/" + slashed
		}
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: slashed}).String()}
	}
	// url.URL escapes what a URI may not hold (spaces, %, non-ASCII) and
	// guards a first segment with a colon ("a:b.json") from reading as a scheme.
	return sarifArtifactLocation{URI: (&url.URL{Path: slashed}).String(), URIBaseID: "%SRCROOT%"}
}

// artifact returns the location of file, numbered in the run's artifacts.
func (s *sarifWriter) artifact(file string) sarifArtifactLocation {
	i, ok := s.fileIndex[file]
	if !ok {
		i = len(s.artifacts)
		s.fileIndex[file] = i
		a := sarifArtifact{Location: s.uri(file)}
		if src, ok := s.in.Sources[file]; ok {
			n := len(src)
			a.Length = &n
		}
		s.artifacts = append(s.artifacts, a)
	}
	loc := s.artifacts[i].Location
	loc.Index = &i
	return loc
}

func (s *sarifWriter) addRule(ri RuleInfo) {
	if _, ok := s.ruleIndex[ri.ID]; ok {
		return
	}
	s.ruleIndex[ri.ID] = len(s.driver.Rules)
	help := ri.HelpURI
	if help == "" {
		help = HelpURI(ri.ID)
	}
	summary := ri.Summary
	if summary == "" {
		summary = ri.ID
	}
	// Code scanning shows help.markdown on the alert page (it does not link
	// helpUri), so the help carries the link to the rule's page.
	r := sarifRule{ID: ri.ID, Name: pascalCase(ri.ID), ShortDescription: sarifMessage{Text: summary}, HelpURI: help,
		Help: sarifMessage{Text: summary + ". Documentation: " + help,
			Markdown: summary + ".\n\nSee [" + ri.ID + "](" + help + ") for what it checks, why, and how to fix it."},
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(ri.DefaultSeverity)}}
	if ri.AWSCode != "" {
		r.Properties = map[string]string{"awsCode": ri.AWSCode}
	}
	s.driver.Rules = append(s.driver.Rules, r)
}

// physical places a range. An empty range gets a one-character region, as
// SARIF regions with an end before their start are invalid. A finding about
// a whole file (no line) covers the file when its source is at hand, else
// its first line: consumers want a region to show.
func (s *sarifWriter) physical(r workflow.Range) sarifPhysicalLocation {
	loc := sarifPhysicalLocation{ArtifactLocation: s.artifact(r.Filename)}
	if r.Start.Line < 1 {
		loc.Region = wholeFile(s.in.Sources[r.Filename])
		return loc
	}
	start, end := r.Start, r.End
	start.Column = max(start.Column, 1)
	if end.Line < start.Line || (end.Line == start.Line && end.Column <= start.Column) {
		end = workflow.Pos{Line: start.Line, Column: start.Column + 1}
	}
	region := &sarifRegion{StartLine: start.Line, StartColumn: start.Column, EndLine: end.Line, EndColumn: end.Column}
	if text, ok := s.regionText(r); ok {
		region.Snippet = &sarifSnippet{Text: text}
	}
	loc.Region = region
	return loc
}

// wholeFile is the region of all of src: from 1:1 to after its last character.
func wholeFile(src []byte) *sarifRegion {
	lastLine := src[bytes.LastIndexByte(src, '\n')+1:]
	return &sarifRegion{StartLine: 1, StartColumn: 1, EndLine: bytes.Count(src, []byte("\n")) + 1,
		EndColumn: utf8.RuneCount(lastLine) + 1}
}

// regionText is the source text of r when the source is at hand and the
// range's byte offsets agree with its lines and columns; a snippet that
// disagreed with the region would mislead more than no snippet.
func (s *sarifWriter) regionText(r workflow.Range) (string, bool) {
	src, ok := s.in.Sources[r.Filename]
	if !ok || r.Start.Byte < 0 || r.End.Byte <= r.Start.Byte || r.End.Byte > len(src) || r.End.Byte-r.Start.Byte > sarifSnippetMax {
		return "", false
	}
	text := src[r.Start.Byte:r.End.Byte]
	newlines := bytes.Count(text, []byte("\n"))
	if !utf8.Valid(text) || newlines != r.End.Line-r.Start.Line ||
		(newlines == 0 && utf8.RuneCount(text) != r.End.Column-r.Start.Column) {
		return "", false
	}
	return string(text), true
}

// Report writes a SARIF 2.1.0 log with one run, its rules and results.
func (sarifReporter) Report(w io.Writer, in Input) error {
	version := sarifVersion(in.ToolVersion)
	s := &sarifWriter{in: in, ruleIndex: map[string]int{}, fileIndex: map[string]int{},
		driver: sarifDriver{Name: "stepshift", Version: version, InformationURI: "https://github.com/stepshift/stepshift", Rules: []sarifRule{}}}
	s.cwd, _ = os.Getwd()
	for _, ri := range in.Rules {
		s.addRule(ri)
	}
	for _, f := range in.Files {
		loc := s.artifact(f)
		s.artifacts[*loc.Index].Roles = []string{"analysisTarget"}
	}
	run := sarifRun{Results: []sarifResult{}, ColumnKind: "unicodeCodePoints"}
	for _, f := range in.Findings {
		// A finding from a rule the caller did not list still needs a rule
		// entry: ruleIndex must point at one.
		s.addRule(RuleInfo{ID: f.Rule, DefaultSeverity: f.Severity})
		res := sarifResult{RuleID: f.Rule, RuleIndex: s.ruleIndex[f.Rule], Level: sarifLevel(f.Severity),
			Message:             sarifMessage{Text: f.Message},
			Locations:           []sarifLocation{{PhysicalLocation: s.physical(f.Range)}},
			PartialFingerprints: map[string]string{"stepshift/v1": fingerprint(f, s.uri(f.Range.Filename).URI)}}
		if f.Rendering != "" {
			res.Properties = map[string]string{"rendering": f.Rendering}
		}
		for i, rel := range f.Related {
			id := i + 1
			res.RelatedLocations = append(res.RelatedLocations, sarifLocation{ID: &id, PhysicalLocation: s.physical(rel.Range), Message: &sarifMessage{Text: rel.Message}})
		}
		run.Results = append(run.Results, res)
	}
	run.Tool.Driver = s.driver
	run.Artifacts = s.artifacts
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// sarifVersion makes the tool version start with a number, as SARIF
// viewers compare versions that way: "v0.1.0" becomes "0.1.0", a build
// from a checkout ("dev", "") becomes "0.0.0-dev".
func sarifVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v == "" {
		v = "dev"
	}
	if v[0] < '0' || v[0] > '9' {
		v = "0.0.0-" + v
	}
	return v
}

// fingerprint identifies a finding across runs even when lines move: rule,
// file (by its artifact URI, the same on every checkout) and JSON Pointer, or
// the message when there is no pointer (a Terraform location), and the
// rendering when there is one. Code scanning uses it to keep one alert per
// problem across pushes.
func fingerprint(f lint.Finding, uri string) string {
	key := f.Pointer
	if key == "" {
		key = f.Message
	}
	id := f.Rule + "\x00" + uri + "\x00" + key
	if f.Rendering != "" {
		// One file rendered by two Terraform blocks can reach two Lambdas:
		// two alerts, not one.
		id += "\x00" + f.Rendering
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// pascalCase gives a rule's SARIF "friendly name": missing-transition-target
// becomes MissingTransitionTarget.
func pascalCase(id string) string {
	var b strings.Builder
	up := true
	for _, c := range id {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			up = true
			continue
		}
		if up {
			c = unicode.ToUpper(c)
			up = false
		}
		b.WriteRune(c)
	}
	return b.String()
}
