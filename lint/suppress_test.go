package lint

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/workflow"
)

func TestParseSuppression(t *testing.T) {
	for comment, want := range map[string][]string{
		"stepshift:ignore no-dollar -- literal text wanted": {"no-dollar"},
		"Sync it. stepshift:ignore a,b , c -- why":          {"a", "b", "c"},
		"stepshift:ignore no-path":                          {"no-path"},
		"nothing to see":                                    nil,
	} {
		rules, starts, _, ok := ParseSuppression(comment)
		if ok != (want != nil) || !reflect.DeepEqual(rules, want) {
			t.Errorf("ParseSuppression(%q) = %v, %v; want %v", comment, rules, ok, want)
		}
		for i, id := range rules {
			if comment[starts[i]:starts[i]+len(id)] != id {
				t.Errorf("%q: start of %q is %d", comment, id, starts[i])
			}
		}
	}
}

func TestSuppressionSilencesOnlyItsObjectAndRules(t *testing.T) {
	src := `{
  "StartAt": "A",
  "States": {
    "A": {
      "Type": "Pass",
      "Comment": "stepshift:ignore no-dollar -- the task wants the text",
      "Parameters": { "p": "$.x" },
      "Next": "B"
    },
    "B": { "Type": "Pass", "Parameters": { "q": "$.y" }, "Next": "C" },
    "C": {
      "Type": "Task",
      "Resource": "foo:bar",
      "Catch": [{ "Comment": "stepshift:ignore next-target -- renamed soon", "ErrorEquals": ["States.ALL"], "Next": "Gone" }],
      "End": true
    }
  }
}`
	doc := workflow.Load([]byte(src), workflow.Options{Filename: "s.asl.json"})
	var got []string
	for _, f := range LintDocument(doc, Options{}) {
		got = append(got, f.Rule+"@"+f.Pointer)
	}
	want := []string{"no-dollar@/States/B/Parameters/q", "unknown-resource@/States/C/Resource"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
}

func TestUnusedSuppressionIsReportedAtTheRuleID(t *testing.T) {
	src := `{"StartAt":"A","States":{"A":{"Type":"Succeed","Comment":"stepshift:ignore no-dollar,no-such-rule -- old"}}}`
	doc := workflow.Load([]byte(src), workflow.Options{Filename: "u.asl.json"})
	fs := LintDocument(doc, Options{})
	if len(fs) != 2 {
		t.Fatalf("want 2 unused-suppression findings, got %v", fs)
	}
	for i, id := range []string{"no-dollar", "no-such-rule"} {
		f := fs[i]
		if f.Rule != "unused-suppression" || f.Severity != Info || !strings.Contains(f.Message, id) {
			t.Errorf("finding %d: %s (%s)", i, f, f.Severity)
		}
		if at := strings.Index(src, id); f.Range.Start.Byte != at || f.Range.End.Byte != at+len(id) {
			t.Errorf("finding %d at bytes %d-%d, want %d-%d", i, f.Range.Start.Byte, f.Range.End.Byte, at, at+len(id))
		}
	}
	// A suppression of a rule the configuration turned off is not stale.
	cfg, _ := ParseConfig([]byte("rule \"no-dollar\" {\n enabled = false\n}\n"), "c.hcl")
	for _, f := range LintDocument(doc, Options{Config: cfg}) {
		if strings.Contains(f.Message, "no-dollar") {
			t.Errorf("reported a suppression of a disabled rule: %s", f)
		}
	}
}
