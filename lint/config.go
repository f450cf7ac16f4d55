package lint

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ConfigFileName is the file FindConfig looks for.
const ConfigFileName = ".stepshift.hcl"

// Config is a parsed .stepshift.hcl:
//
//	type   = "express"              # or "standard" (the default)
//	ignore = ["legacy/**", "tmp/*.json"]
//	rule "no-dollar" {
//	  severity = "error"
//	}
//	rule "unknown-resource" {
//	  enabled = false
//	}
type Config struct {
	Path   string                 // the file it was read from
	Dir    string                 // ignore patterns are relative to this folder
	Type   string                 // "standard" or "express"; "" when not set
	Ignore []string               // slash-separated globs; "**" spans folders
	Rules  map[string]*RuleConfig // by rule ID

	// Lambda-limit settings (config_limits.go parses them; ApplyLimits
	// hands them to Options).
	LimitsProfile string    // limits = "aws" | "cumulus-docs"; "" = aws
	MemoryMaxMB   int       // memory_max_mb: an account's own memory cap (new accounts: 3008); 0 = the profile's
	Margin        float64   // margin: near-limit fraction in (0, 1]; 0 = default 0.8
	LimitsRange   hcl.Range // where limits/memory_max_mb/margin were written, for messages
}

// RuleConfig overrides one rule; nil fields keep the rule's default.
type RuleConfig struct {
	Enabled  *bool
	Severity *Severity
	Range    hcl.Range // the block, for messages
}

// FindConfig looks for .stepshift.hcl in dir and each parent folder, nearest
// first, the way git finds .gitignore's repository.
func FindConfig(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, ConfigFileName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// LoadConfig reads and parses a configuration file.
func LoadConfig(file string) (*Config, hcl.Diagnostics) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "cannot read configuration", Detail: err.Error(),
			Subject: &hcl.Range{Filename: file, Start: hcl.InitialPos, End: hcl.InitialPos}}}
	}
	return ParseConfig(src, file)
}

var configSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "ignore"}, {Name: "limits"}, {Name: "memory_max_mb"}, {Name: "margin"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "rule", LabelNames: []string{"id"}}},
}

var ruleConfigSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "enabled"}, {Name: "severity"}},
}

// ParseConfig parses configuration source; filename is used in positions
// and as the base of ignore patterns. Every problem is a positioned
// diagnostic: unknown settings, unknown rule IDs, wrong types.
func ParseConfig(src []byte, filename string) (*Config, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	abs, err := filepath.Abs(filename)
	if err != nil {
		abs = filename
	}
	cfg := &Config{Path: filename, Dir: filepath.Dir(abs), Rules: map[string]*RuleConfig{}}
	content, more := f.Body.Content(configSchema)
	diags = append(diags, more...)
	if a := content.Attributes["type"]; a != nil {
		if s, ok := stringAttr(a, &diags); ok {
			switch strings.ToLower(s) {
			case "express", "standard":
				cfg.Type = strings.ToLower(s)
			default:
				diags = append(diags, attrError(a, "invalid type", fmt.Sprintf("type = %q: want \"standard\" or \"express\"", s)))
			}
		}
	}
	if a := content.Attributes["ignore"]; a != nil {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if !v.Type().IsListType() && !v.Type().IsTupleType() || !v.IsWhollyKnown() || v.IsNull() {
				diags = append(diags, attrError(a, "invalid ignore", "ignore must be a list of path patterns"))
			} else {
				for it := v.ElementIterator(); it.Next(); {
					_, e := it.Element()
					if e.IsNull() || e.Type() != cty.String {
						diags = append(diags, attrError(a, "invalid ignore", "every ignore pattern must be a string"))
						break
					}
					pat := filepath.ToSlash(e.AsString())
					if _, err := path.Match(strings.ReplaceAll(pat, "**", "*"), ""); err != nil {
						diags = append(diags, attrError(a, "invalid ignore pattern", fmt.Sprintf("%q: %v", pat, err)))
						continue
					}
					cfg.Ignore = append(cfg.Ignore, pat)
				}
			}
		}
	}
	parseLimitSettings(content.Attributes, cfg, &diags)
	for _, b := range content.Blocks {
		id := b.Labels[0]
		rng := b.DefRange
		if _, ok := LookupRule(id); !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "unknown rule",
				Detail: fmt.Sprintf("no rule is called %q%s (`stepshift rules` lists them)", id, suggestRule(id)), Subject: &b.LabelRanges[0]})
			continue
		}
		if prev, dup := cfg.Rules[id]; dup {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "duplicate rule block",
				Detail: fmt.Sprintf("rule %q is configured twice (first at line %d)", id, prev.Range.Start.Line), Subject: &rng})
			continue
		}
		rc := &RuleConfig{Range: rng}
		body, d := b.Body.Content(ruleConfigSchema)
		diags = append(diags, d...)
		if a := body.Attributes["enabled"]; a != nil {
			v, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() {
				if v.IsNull() || v.Type() != cty.Bool {
					diags = append(diags, attrError(a, "invalid enabled", "enabled must be true or false"))
				} else {
					on := v.True()
					rc.Enabled = &on
				}
			}
		}
		if a := body.Attributes["severity"]; a != nil {
			if s, ok := stringAttr(a, &diags); ok {
				sev, err := ParseSeverity(s)
				if err != nil {
					diags = append(diags, attrError(a, "invalid severity", err.Error()))
				} else {
					rc.Severity = &sev
				}
			}
		}
		cfg.Rules[id] = rc
	}
	return cfg, diags
}

func stringAttr(a *hcl.Attribute, diags *hcl.Diagnostics) (string, bool) {
	v, d := a.Expr.Value(nil)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return "", false
	}
	if v.IsNull() || v.Type() != cty.String || !v.IsKnown() {
		*diags = append(*diags, attrError(a, "invalid "+a.Name, a.Name+" must be a string"))
		return "", false
	}
	return v.AsString(), true
}

func attrError(a *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	r := a.Expr.Range()
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r}
}

// suggestRule names the closest rule ID for a typo.
func suggestRule(id string) string {
	best, bestDist := "", 4
	for _, r := range Rules() {
		if d := editDistance(id, r.ID); d < bestDist {
			best, bestDist = r.ID, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Ignored reports whether file matches an ignore pattern. Patterns are
// relative to the configuration's folder; a file outside it is matched by
// its path as given.
func (c *Config) Ignored(file string) bool {
	if c == nil || len(c.Ignore) == 0 || file == "" {
		return false
	}
	rel := file
	if abs, err := filepath.Abs(file); err == nil {
		if r, err := filepath.Rel(c.Dir, abs); err == nil && !strings.HasPrefix(r, "..") {
			rel = r
		}
	}
	rel = filepath.ToSlash(rel)
	for _, pat := range c.Ignore {
		if globMatch(strings.Split(pat, "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

// globMatch matches path segments against pattern segments; "**" matches
// any number of segments, and a pattern matching a folder matches what is in it.
func globMatch(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if globMatch(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return true // a folder pattern covers what is inside it
}

// severityOf applies the configuration to a finding's severity; on is false
// when the rule is disabled.
func (c *Config) severityOf(rule string, sev Severity) (Severity, bool) {
	if c == nil {
		return sev, true
	}
	rc := c.Rules[rule]
	if rc == nil {
		return sev, true
	}
	if rc.Enabled != nil && !*rc.Enabled {
		return sev, false
	}
	if rc.Severity != nil {
		return *rc.Severity, true
	}
	return sev, true
}

// Enabled reports whether the configuration leaves a rule on.
func (c *Config) Enabled(rule string) bool {
	_, on := c.severityOf(rule, Error)
	return on
}

// RuleIDs lists the configured rule IDs, sorted (for dumps and tests).
func (c *Config) RuleIDs() []string {
	var ids []string
	for id := range c.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
