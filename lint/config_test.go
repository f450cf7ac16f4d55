package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/workflow"
)

const stalePassDoc = `{
  "StartAt": "A",
  "States": {
    "A": { "Type": "Pass", "Parameters": { "p": "$.x" }, "End": true },
    "B": { "Type": "Succeed" }
  }
}
`

func rulesOf(fs []Finding) string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Severity.String()+":"+f.Rule)
	}
	return strings.Join(ids, " ")
}

func TestConfigOverridesSeverityAndDisables(t *testing.T) {
	cfg, diags := ParseConfig([]byte(`
rule "no-dollar" {
  severity = "error"
}
rule "unreachable-state" {
  enabled = false
}
`), filepath.Join(t.TempDir(), ".stepshift.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	doc := workflow.Load([]byte(stalePassDoc), workflow.Options{Filename: "a.asl.json"})
	if got, want := rulesOf(LintDocument(doc, Options{})), "warning:no-dollar error:unreachable-state"; got != want {
		t.Fatalf("without config: %q, want %q", got, want)
	}
	if got, want := rulesOf(LintDocument(doc, Options{Config: cfg})), "error:no-dollar"; got != want {
		t.Errorf("with config: %q, want %q", got, want)
	}
}

func TestConfigExpressType(t *testing.T) {
	cfg, diags := ParseConfig([]byte(`type = "express"`), "x/.stepshift.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	src := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","End":true}}}`
	doc := workflow.Load([]byte(src), workflow.Options{Filename: "a.asl.json"})
	if got := rulesOf(LintDocument(doc, Options{Config: cfg})); !strings.Contains(got, "error:express-unsupported") {
		t.Errorf("type = express did not make .sync an error: %q", got)
	}
	if got := rulesOf(LintDocument(doc, Options{})); strings.Contains(got, "express-unsupported") {
		t.Errorf("a standard machine got %q", got)
	}
}

func TestConfigIgnoresPaths(t *testing.T) {
	dir := t.TempDir()
	cfg, diags := ParseConfig([]byte(`ignore = ["legacy/**", "*.tmp.json"]`), filepath.Join(dir, ".stepshift.hcl"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for file, want := range map[string]bool{
		filepath.Join(dir, "legacy", "a", "wf.asl.json"): true,
		filepath.Join(dir, "legacy", "wf.asl.json"):      true,
		filepath.Join(dir, "x.tmp.json"):                 true,
		filepath.Join(dir, "sub", "x.tmp.json"):          false,
		filepath.Join(dir, "wf.asl.json"):                false,
	} {
		if got := cfg.Ignored(file); got != want {
			t.Errorf("Ignored(%s) = %v, want %v", file, got, want)
		}
	}
	doc := workflow.Load([]byte(`{`), workflow.Options{Filename: filepath.Join(dir, "legacy", "broken.asl.json")})
	if fs := LintDocument(doc, Options{Config: cfg}); len(fs) != 0 {
		t.Errorf("an ignored file was reported: %v", fs)
	}
}

func TestConfigErrorsArePositioned(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"unknown rule":    {"rule \"no-dolar\" {\n  enabled = false\n}\n", `did you mean "no-dollar"`},
		"bad severity":    {"rule \"no-dollar\" {\n  severity = \"fatal\"\n}\n", "unknown severity"},
		"bad enabled":     {"rule \"no-dollar\" {\n  enabled = \"no\"\n}\n", "enabled must be true or false"},
		"bad type":        {"type = \"fast\"\n", `want "standard" or "express"`},
		"unknown setting": {"colour = true\n", "colour"},
		"duplicate block": {"rule \"no-dollar\" {}\nrule \"no-dollar\" {}\n", "configured twice"},
		"ignore not list": {"ignore = \"x\"\n", "list of path patterns"},
		"invalid hcl":     {"rule {\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, diags := ParseConfig([]byte(tc.src), "cfg.hcl")
			if !diags.HasErrors() {
				t.Fatalf("no error for %q", tc.src)
			}
			if !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", diags.Error(), tc.want)
			}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Start.Line == 0 {
					t.Errorf("diagnostic without a position: %v", d)
				}
			}
		})
	}
}

func TestFindConfigWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "a", ConfigFileName)
	if err := os.WriteFile(want, []byte("type = \"standard\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, ok := FindConfig(deep)
	if !ok || got != want {
		t.Errorf("FindConfig(%s) = %q, %v; want %q", deep, got, ok, want)
	}
	cfg, diags := LoadConfig(got)
	if diags.HasErrors() || cfg.Type != "standard" {
		t.Errorf("LoadConfig: %v, %v", cfg, diags)
	}
}
