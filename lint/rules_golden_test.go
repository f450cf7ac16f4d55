package lint

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// factRulePrefixes are rules that need Terraform or usage facts; their
// fixtures are deployments (fixtures/rules/<id>/main.tf + want.golden),
// tested by deployment_test.go.
var factRulePrefixes = []string{"lambda-", "usage-", "activity-", "task-timeout", "cma-", "terraform-", "payload-size"}

// noFixtureRules cannot have a committed fixture, each for a reason. Every
// entry names a registered rule (TestNoFixtureRulesAreRules), so a renamed
// or removed rule cannot leave an exemption behind.
var noFixtureRules = map[string]string{
	"internal-error": "reports a crashed rule; no input should ever trigger it",
	"file-too-large": "needs a file over 8 MiB; covered by workflow's bad-input tests",
}

// TestNoFixtureRulesAreRules: an exemption from fixtures must name a rule
// that exists (rules register themselves from lint/rule_*.go and engine.go
// at package init), and a rule that has fixtures needs no exemption.
func TestNoFixtureRulesAreRules(t *testing.T) {
	root := filepath.Join(standin.ModuleRoot(), "fixtures", "rules")
	for id, why := range noFixtureRules {
		if _, ok := LookupRule(id); !ok {
			t.Errorf("noFixtureRules lists %q (%s), which is not a registered rule", id, why)
		}
		if why == "" {
			t.Errorf("noFixtureRules lists %q without a reason", id)
		}
		if m, _ := filepath.Glob(filepath.Join(root, id, "*.asl.json")); len(m) > 0 {
			t.Errorf("noFixtureRules lists %q, but fixtures/rules/%s has fixtures; remove the exemption", id, id)
		}
	}
}

func needsFactFixture(id string) bool {
	for _, p := range factRulePrefixes {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// TestASLRuleFixtures lints every fixtures/rules/<rule>/{pass,fail}-*.asl.json
// alone and compares all its findings, `path:line:col: message [rule]`,
// with the .out file beside it (go test ./lint -run TestASLRuleFixtures -update
// rewrites them; review the diff by hand). A fail- file must get a finding of
// its folder's rule, a pass- file none. Files with "express" in the name
// are linted with --express.
func TestASLRuleFixtures(t *testing.T) {
	root := filepath.Join(standin.ModuleRoot(), "fixtures", "rules")
	covered := map[string]map[string]bool{} // rule → "pass"/"fail" seen
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.asl.json"))
	for _, file := range files {
		rule := filepath.Base(filepath.Dir(file))
		name := filepath.Base(file)
		kind := strings.TrimSuffix(name, ".asl.json")
		kind, _, _ = strings.Cut(kind, "-")
		if kind != "pass" && kind != "fail" {
			continue // a deployment-style fixture of a fact rule
		}
		t.Run(rule+"/"+name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rel := filepath.ToSlash(filepath.Join("fixtures", "rules", rule, name))
			doc := workflow.Load(src, workflow.Options{Filename: rel})
			fs := LintDocument(doc, Options{Express: strings.Contains(name, "express")})
			var got strings.Builder
			hits := 0
			for _, f := range fs {
				got.WriteString(f.String() + "\n")
				if f.Rule == rule {
					hits++
				}
				if f.Rule == "internal-error" {
					t.Errorf("a rule crashed: %s", f)
				}
			}
			switch {
			case kind == "fail" && hits == 0:
				t.Errorf("%s: want at least one %s finding, got:\n%s", rel, rule, got.String())
			case kind == "pass" && hits > 0:
				t.Errorf("%s: want no %s finding, got:\n%s", rel, rule, got.String())
			}
			checkGolden(t, strings.TrimSuffix(file, ".asl.json")+".out", got.String())
		})
		if covered[rule] == nil {
			covered[rule] = map[string]bool{}
		}
		covered[rule][kind] = true
	}
	var missing []string
	for _, r := range Rules() {
		if needsFactFixture(r.ID) || noFixtureRules[r.ID] != "" {
			continue
		}
		if !covered[r.ID]["pass"] || !covered[r.ID]["fail"] {
			missing = append(missing, r.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("rules without both a pass- and a fail- fixture in fixtures/rules/<rule>/: %s", strings.Join(missing, ", "))
	}
}

// TestLoaderCodesAreRules: the loader's diagnostic codes reach the user only
// through the rule of the same ID (loader.go), so each must be registered;
// a code without one would be dropped without a word.
func TestLoaderCodesAreRules(t *testing.T) {
	for id := range loaderCodes {
		if _, ok := LookupRule(id); !ok {
			t.Errorf("loader code %q has no rule; its diagnostics would never be reported", id)
		}
	}
}
