package lint

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/terraform/terraformtest"
	"github.com/stepshift/stepshift/usage"
	"github.com/stepshift/stepshift/workflow"
)

func TestParseLimitSettings(t *testing.T) {
	cfg, diags := ParseConfig([]byte("limits = \"cumulus-docs\"\nmemory_max_mb = 3008\nmargin = 0.75\n"), "x/.stepshift.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.LimitsProfile != "cumulus-docs" || cfg.MemoryMaxMB != 3008 || cfg.Margin != 0.75 {
		t.Errorf("got profile %q memory %d margin %v", cfg.LimitsProfile, cfg.MemoryMaxMB, cfg.Margin)
	}
	bad := []struct{ src, want string }{
		{`limits = "gcp"`, `limits = "gcp": want one of "aws", "cumulus-docs"`},
		{`limits = 3`, "limits must be a string"},
		{`memory_max_mb = 20000`, "between 128 and 10240 MB"},
		{`memory_max_mb = 3008.5`, "whole number"},
		{`memory_max_mb = "3008"`, "must be a number"},
		{`margin = 80`, "want a fraction above 0 and at most 1"},
		{`margin = 0`, "want a fraction above 0"},
	}
	for _, c := range bad {
		_, diags := ParseConfig([]byte("\n"+c.src+"\n"), "x/.stepshift.hcl")
		if !diags.HasErrors() {
			t.Errorf("%s: no error", c.src)
			continue
		}
		d := diags[0]
		if !strings.Contains(d.Detail, c.want) {
			t.Errorf("%s: got %q, want it to contain %q", c.src, d.Detail, c.want)
		}
		if d.Subject == nil || d.Subject.Start.Line != 2 {
			t.Errorf("%s: diagnostic not positioned on line 2: %+v", c.src, d.Subject)
		}
	}
}

func TestApplyLimits(t *testing.T) {
	var o Options
	if err := (*Config)(nil).ApplyLimits(&o); err != nil || o.Limits.MemoryMaxMB != 0 || o.Margin != 0 {
		t.Errorf("nil config changed options: %+v %v", o, err)
	}
	cfg := &Config{MemoryMaxMB: 3008}
	if err := cfg.ApplyLimits(&o); err != nil {
		t.Fatal(err)
	}
	if o.Limits.Profile != "aws" || o.Limits.MemoryMaxMB != 3008 || o.Limits.EphemeralStorageMaxMB != 10240 {
		t.Errorf("memory_max_mb alone must keep the aws profile's other limits: %+v", o.Limits)
	}
}

// TestMemoryMaxMBOverride: an account capped at 3,008 MB makes fixture
// (a)'s 3,008 MB task "at the cap", and the message says whose cap it is.
func TestMemoryMaxMBOverride(t *testing.T) {
	terraformtest.EnsureBigZip(t)
	dir := filepath.Join(deploymentsDir, "cumulus-tf")
	opts := Options{Today: goldenToday}
	if err := (&Config{MemoryMaxMB: 3008}).ApplyLimits(&opts); err != nil {
		t.Fatal(err)
	}
	out := renderFindings(lintDeployment(t, dir, opts), dir)
	want := `has 3,008 MB of memory, 100% of the 3,008 MB this account (memory_max_mb) allows`
	if !strings.Contains(out, want) {
		t.Errorf("missing %q in:\n%s", want, out)
	}
	if !strings.Contains(out, `has 12,000 MB of memory; this account (memory_max_mb) allows at most 3,008 MB`) {
		t.Errorf("the 12,000 MB task is not compared with the account's cap:\n%s", out)
	}
}

func TestCMATemplateErrors(t *testing.T) {
	cases := []struct {
		s   string
		bad int // number of errors
		at  int // offset of the first, when bad > 0
	}{
		{"{$.meta.collection}", 0, 0},
		{"{$}", 0, 0},
		{"{[$.payload.granules]}", 0, 0},
		{"{{$.meta.cmr}}", 0, 0},
		{"granules-{$.meta.collection.name}-{$.meta.collection.version}.json", 0, 0},
		{"{$.meta.files[?(@.type == 'data')]}", 0, 0},
		{"{$.meta['odd}name']}", 0, 0},
		{"/v1/{proxy+}", 0, 0},
		{"{not a template}", 0, 0},
		{"plain text", 0, 0},
		{"", 0, 0},
		{"{$.meta.provider", 1, 0},
		{"{$.meta..}", 1, 8},
		{"a{$.x.}b{$.y.}c", 2, 5},
		{"{{$.meta.}}", 1, 8},
		{"{[$.meta.]}", 1, 8},
	}
	for _, c := range cases {
		errs := cmaTemplateErrors(c.s)
		if len(errs) != c.bad {
			t.Errorf("%q: %d errors %v, want %d", c.s, len(errs), errs, c.bad)
			continue
		}
		if c.bad > 0 && errs[0].Offset != c.at {
			t.Errorf("%q: first error at %d (%s), want %d", c.s, errs[0].Offset, errs[0].Msg, c.at)
		}
	}
}

// FuzzCMATemplateErrors: any string is handled without panicking, and every
// error points inside the string (the finding's column comes from it).
func FuzzCMATemplateErrors(f *testing.F) {
	for _, s := range []string{"{$.a}", "{[$.a]}", "{{$.a}}", "x{$.a}y{$.b", "{$.a[?(@.b=='}')]}", "{{$", "{[$]", "{proxy+}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, e := range cmaTemplateErrors(s) {
			if e.Offset < 0 || e.Offset > len(s) {
				t.Fatalf("%q: error offset %d outside the string", s, e.Offset)
			}
		}
	})
}

func TestNameFromARN(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:lambda:us-east-1:123456789012:function:sit-SyncGranule":      "sit-SyncGranule",
		"arn:aws:lambda:us-east-1:123456789012:function:sit-SyncGranule:live": "sit-SyncGranule",
		"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:x":         "x",
		"arn:aws:states:us-east-1:123456789012:activity:sit-Process":          "",
		"sit-SyncGranule":      "sit-SyncGranule",
		"sit-SyncGranule:live": "sit-SyncGranule",
	} {
		if got := nameFromARN(in); got != want {
			t.Errorf("nameFromARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumberFormats(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 12000: "12,000", 1234567: "1,234,567", -4096: "-4,096"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{50 << 20: "50.0 MB", 54526082: "52.0 MB", 250 << 20: "250 MB", 1 << 10: "0.0 MB"} {
		if got := megabytes(n); got != want {
			t.Errorf("megabytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestUsageWithoutTerraform: a Task naming its Lambda by literal ARN gets
// the usage rules from log evidence alone, and no evidence means silence.
func TestUsageWithoutTerraform(t *testing.T) {
	src := `{"StartAt": "A", "States": {"A": {"Type": "Task",
  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:sit-A",
  "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}}}`
	doc := workflow.Load([]byte(src), workflow.Options{Filename: "a.asl.json"})
	c := usage.NewCollector()
	logs := "2026-11-01T00:00:00Z 11111111-0000-4000-8000-000000000001 Task timed out after 30.00 seconds\n" +
		"2026-11-01T00:00:00Z REPORT RequestId: 11111111-0000-4000-8000-000000000001\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 512 MB\tMax Memory Used: 500 MB\tStatus: timeout\n"
	if err := c.ParseReader(strings.NewReader(logs), usage.Source{Name: "test", Function: "sit-A"}); err != nil {
		t.Fatal(err)
	}
	rules := func(fs []Finding) string {
		var ids []string
		for _, f := range fs {
			if strings.HasPrefix(f.Rule, "usage-") {
				ids = append(ids, f.Severity.String()+" "+f.Rule)
			}
		}
		return strings.Join(ids, ",")
	}
	got := rules(Lint([]*Unit{{Doc: doc, Usage: map[string]*usage.Usage{"sit-A": c.Usage("sit-A")}}}, Options{}))
	if got != "error usage-duration,warning usage-memory" {
		t.Errorf("got %q", got)
	}
	if got := rules(Lint([]*Unit{{Doc: doc}}, Options{})); got != "" {
		t.Errorf("without evidence: got %q", got)
	}
}
