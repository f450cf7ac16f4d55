package transpile

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
)

var (
	corpusLambdaBlock = regexp.MustCompile(`(?s)resource "aws_lambda_function" "([a-z0-9_]+)" \{.*?\n\}\n`)
	corpusLambdaRef   = regexp.MustCompile(`aws_lambda_function\.([a-z0-9_]+)\.arn`)
	corpusMachineName = regexp.MustCompile(`name(\s*)= "corpus-`)
)

// withAltRendering adds to a corpus fixture's main.tf a second state
// machine rendering the same template, every Lambda variable bound to a
// twin Lambda ("<name>_alt"): one workflow file, two renderings reaching
// different Lambdas, as a deployment's priority copy of a workflow does.
func withAltRendering(t *testing.T, main string) string {
	i := strings.Index(main, `resource "aws_sfn_state_machine" "workflow"`)
	if i < 0 {
		t.Fatalf("the fixture's main.tf has no state machine:\n%s", main)
	}
	alt := strings.Replace(main[i:], `"workflow"`, `"workflow_alt"`, 1)
	alt = corpusMachineName.ReplaceAllString(alt, `name${1}= "alt-`)
	alt = corpusLambdaRef.ReplaceAllString(alt, "aws_lambda_function.${1}_alt.arn")
	var twins strings.Builder
	for _, m := range corpusLambdaBlock.FindAllStringSubmatch(main, -1) {
		twin := strings.Replace(m[0], `"`+m[1]+`"`, `"`+m[1]+`_alt"`, 1)
		twin = strings.Replace(twin, `"corpus-`+m[1]+`"`, `"corpus-`+m[1]+`-alt"`, 1)
		twins.WriteString("\n" + twin)
	}
	return main + twins.String() + "\n" + alt
}

// TestMigrateCorpusSharesWorkersPerLambda: on every corpus workflow
// rendered twice (its fixture's Lambdas, and twin Lambdas), --all-lambda
// gives each Lambda reached exactly one activity, every migrated Task of
// every rendering reaches the activity whose worker runs the Lambda that
// Task reached before, the result has no new lint error, and a second run
// changes nothing.
func TestMigrateCorpusSharesWorkersPerLambda(t *testing.T) {
	checked := 0
	for _, path := range corpusWorkflows(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fx, _ := buildCorpusFixture(path, src)
		if fx == nil {
			continue
		}
		t.Run(fx.file, func(t *testing.T) {
			dir := fx.write(t)
			writeTestFile(t, dir, "main.tf", withAltRendering(t, string(fx.files["main.tf"])))
			d := terraform.Load(dir, terraform.Options{})
			if d.Diagnostics.HasErrors() {
				t.Fatalf("fixture does not load: %s", d.Diagnostics.Error())
			}
			if len(d.Renderings) != 2 {
				t.Fatalf("%d renderings, want 2", len(d.Renderings))
			}
			// Before: the Lambda ARN expression each Task reaches, by rendering and state.
			before := map[string]string{}
			lambdas := map[string]bool{}
			for _, r := range d.Renderings {
				for _, tk := range r.Tasks {
					if lt, ok := lambdaOf(tk); ok {
						before[r.BlockAddress()+"#"+tk.State.Pointer()] = lt.arn
						lambdas[lt.arn] = true
					}
				}
			}
			if len(before) == 0 {
				t.Skip("no Lambda Task")
			}
			errorsBefore := map[corpusFinding]bool{}
			for _, f := range lintDeployment(d) {
				if f.severity == lint.Error.String() {
					errorsBefore[f] = true
				}
			}
			opts := Options{AllLambda: true, DesiredCount: 1}
			plan, err := Migrate(d, opts)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Refused() {
				t.Fatalf("refused:\n%s", plan.Summary())
			}
			if err := (FileSet{}).Commit("", plan.Changes); err != nil {
				t.Fatal(err)
			}
			migrated := terraform.Load(dir, terraform.Options{})
			if migrated.Diagnostics.HasErrors() {
				t.Fatalf("migrated deployment does not load: %s", migrated.Diagnostics.Error())
			}
			if bad := undeclaredReferences(migrated); len(bad) > 0 {
				t.Errorf("undeclared references: %v", bad)
			}
			workerOf := existingActivities(migrated.Root) // Lambda ARN expression → activity
			activities := map[string]bool{}
			for _, r := range migrated.Renderings {
				for _, tk := range r.Tasks {
					arn, ok := before[r.BlockAddress()+"#"+tk.State.Pointer()]
					if !ok {
						continue
					}
					if tk.Target.Kind != terraform.TargetActivity || tk.Target.Resource == nil {
						t.Errorf("%s %s: reaches %v (%s), want an activity", r.BlockAddress(), tk.State.Name, tk.Target.Kind, tk.Target.Why)
						continue
					}
					got := tk.Target.Resource.Name
					activities[got] = true
					if want := workerOf[arn]; got != want {
						t.Errorf("%s %s: reaches aws_sfn_activity.%s, whose worker is not the one running %s (aws_sfn_activity.%s)", r.BlockAddress(), tk.State.Name, got, arn, want)
					}
				}
			}
			if len(activities) != len(lambdas) || len(workerOf) != len(lambdas) {
				t.Errorf("%d Lambdas reached, %d activities reached and %d workers written; want one each", len(lambdas), len(activities), len(workerOf))
			}
			for _, f := range lintDeployment(migrated) {
				if f.severity == lint.Error.String() && !errorsBefore[f] {
					t.Errorf("the migration brought a new lint error: %s", f)
				}
			}
			plan2, err := Migrate(migrated, opts)
			if err != nil {
				t.Fatal(err)
			}
			if plan2.Pending() {
				t.Errorf("second run is not a no-op:\n%s", plan2.Diff())
			}
			checked++
		})
	}
	if checked == 0 {
		t.Fatal("no corpus workflow was checked")
	}
	t.Logf("%d corpus workflows rendered twice and migrated", checked)
}
