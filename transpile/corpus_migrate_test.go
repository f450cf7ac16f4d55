package transpile

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

// Bounds of TestMigrateEveryCorpusTask, measured on the 36 Cumulus
// workflows of ../shared/corpus (112 Task states, every interpolation a
// plain identifier, none refused). They sit just under (or, for refusals,
// at) what the run gives, so a regression in the fixture builder, the
// loader or the rewriter shows as a failure rather than as a quieter log.
const (
	corpusMinCoveredFraction  = 0.98 // Task states with a fixture around them, of all corpus Task states: 112 of 112 measured
	corpusMinMigratedFraction = 0.95 // Task states migrated, of those covered: 109 of 112 (3 are activities already)
	corpusMaxRefused          = 0    // 0 measured; refusals are logged with their reasons: raise only after reading them
	// Of the migrated steps, those whose workflow had an error-level lint
	// finding outside the state (the fixtures' over-limit Lambdas): 61 of
	// 109 measured.
	corpusMinErrorsOutsideFraction = 0.5
)

// corpusActivityVar matches the template variables nasa/cumulus's
// example/cumulus-tf binds to an aws_sfn_activity's id rather than to a
// Lambda ("ecs_task_hello_world_activity_id", "python_processing_service_id"),
// so those Tasks are activities already, as in the real deployment.
var corpusActivityVar = regexp.MustCompile(`(_activity_(id|arn)|_service_id)$`)

// Lambda sizes of the fixtures, cycled over their Lambdas.
var (
	corpusMemoryMB       = []int{1024, 12000, 3008, 1536}
	corpusTimeoutSeconds = []int{300, 900, 60}
)

// corpusFixture is a deployment folder built around one corpus workflow.
type corpusFixture struct {
	file  string            // the workflow's base name
	files map[string][]byte // base name → content: the workflow as-is and main.tf
	doc   *workflow.Document
	tasks []*workflow.State
	// activity tells which Task states run an aws_sfn_activity in the fixture.
	activity map[string]bool // by state pointer
}

// corpusIdent turns a template variable into a Terraform resource name.
func corpusIdent(name string) string {
	s := SnakeCase(name)
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z') {
		s = "x_" + s
	}
	return s
}

// interpolationReads returns the traversals an interpolation reads: the
// variable itself when it is a plain identifier, else every traversal of
// its expression (`${upper(a.b)}` reads a.b). ok is false when the
// expression does not parse.
func interpolationReads(in *workflow.Interpolation) (reads []hcl.Traversal, ok bool) {
	if in.IsVariable() {
		return []hcl.Traversal{{hcl.TraverseRoot{Name: in.Expr}}}, true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(in.Expr), "interpolation", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, false
	}
	return expr.Variables(), true
}

// corpusBinding is what a templatefile() map binds one variable to: a
// string, or an object when the template reads attributes of it
// (`${bucket.name}` binds bucket = { name = "..." }).
type corpusBinding struct {
	value bool                      // read as a whole value
	attrs map[string]*corpusBinding // attributes read; nil for a string
}

// add records that the template reads path below b; false when a value is
// read both as a string and as an object.
func (b *corpusBinding) add(path []string) bool {
	if len(path) == 0 {
		b.value = true
		return b.attrs == nil
	}
	if b.value {
		return false
	}
	if b.attrs == nil {
		b.attrs = map[string]*corpusBinding{}
	}
	c := b.attrs[path[0]]
	if c == nil {
		c = &corpusBinding{}
		b.attrs[path[0]] = c
	}
	return c.add(path[1:])
}

// hcl renders the binding as a Terraform expression; leaves are strings
// naming their path.
func (b *corpusBinding) hcl(path string) string {
	if b.attrs == nil {
		return fmt.Sprintf("%q", "corpus-"+path)
	}
	var keys []string
	for k := range b.attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" = "+b.attrs[k].hcl(path+"."+k))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// buildCorpusFixture writes the Terraform around a corpus workflow: an
// aws_sfn_state_machine rendering it with templatefile(), whose map binds
// every variable the template reads — a Task's Resource (or lambda:invoke
// FunctionName) to an aws_lambda_function declared beside it (or to an
// aws_sfn_activity, see corpusActivityVar), anything else to a string —
// and a remote `cumulus` module pinning the release the corpus comes from
// (migrate pins cumulus_ecs_service to it). skip is why no fixture could
// be built.
func buildCorpusFixture(path string, src []byte) (fx *corpusFixture, skip string) {
	base := filepath.Base(path)
	doc := workflow.Load(src, workflow.Options{Filename: base})
	if len(doc.Diagnostics) > 0 || doc.Definition == nil {
		return nil, fmt.Sprintf("does not load cleanly: %v", doc.Diagnostics)
	}
	fx = &corpusFixture{file: base, doc: doc, activity: map[string]bool{}}
	taskVars := map[string]bool{}     // variables a Task runs
	activityVars := map[string]bool{} // of those, the ones bound to an aws_sfn_activity
	for _, st := range doc.States {
		if st.Type != "Task" {
			continue
		}
		fx.tasks = append(fx.tasks, st)
		r := st.Resource
		if r == nil {
			continue
		}
		var in *workflow.Interpolation
		switch {
		case r.Kind == workflow.TerraformRef:
			in = r.Interp
		case r.Kind == workflow.LambdaInvoke && r.FunctionName != nil:
			in = r.FunctionName.WholeInterpolation()
		}
		if in != nil && in.IsVariable() {
			taskVars[in.Expr] = true
			if corpusActivityVar.MatchString(in.Expr) && r.Kind == workflow.TerraformRef {
				activityVars[in.Expr] = true
			}
		}
	}
	binds := map[string]*corpusBinding{}
	var vars []string
	for _, in := range doc.Interpolations {
		reads, ok := interpolationReads(in)
		if !ok {
			return nil, fmt.Sprintf("interpolation ${%s} at %s is not an expression a templatefile() map can bind", in.Expr, in.Range)
		}
		for _, tr := range reads {
			v := tr.RootName()
			var path []string
			for _, step := range tr[1:] {
				a, ok := step.(hcl.TraverseAttr)
				if !ok {
					return nil, fmt.Sprintf("${%s} indexes %s, which this fixture cannot bind", in.Expr, v)
				}
				path = append(path, a.Name)
			}
			if !hclsyntax.ValidIdentifier(v) {
				return nil, fmt.Sprintf("${%s} reads %q, which cannot be a templatefile() variable", in.Expr, v)
			}
			b := binds[v]
			if b == nil {
				b = &corpusBinding{}
				binds[v] = b
				vars = append(vars, v)
			}
			if !b.add(path) || (len(path) > 0 && taskVars[v]) {
				return nil, fmt.Sprintf("${%s} reads %s both as a value and as an object", in.Expr, v)
			}
		}
	}
	sort.Strings(vars)
	for _, st := range fx.tasks {
		if r := st.Resource; r != nil && r.Kind == workflow.TerraformRef && r.Interp != nil && activityVars[r.Interp.Expr] {
			fx.activity[st.Pointer()] = true
		}
	}

	var tf strings.Builder
	tf.WriteString("# Generated by TestMigrateEveryCorpusTask around " + base + " (unchanged corpus copy).\n\n")
	// Every Cumulus deployment declares prefix; migrate's Terraform names
	// what it creates after it.
	tf.WriteString("variable \"prefix\" {\n  type = string\n}\n\n")
	tf.WriteString("locals {\n  role = \"arn:aws:iam::123456789012:role/corpus-lambda-processing\"\n}\n\n")
	tf.WriteString("# The Cumulus release the corpus comes from (nasa/cumulus, just after v20.0.0); not initialised.\n")
	tf.WriteString("module \"cumulus\" {\n  source = \"https://github.com/nasa/cumulus/releases/download/v20.0.0/terraform-aws-cumulus.zip//tf-modules/cumulus\"\n  prefix = var.prefix\n}\n\n")
	var items []string
	used := map[string]string{} // resource name → variable, so two variables never share one
	for i, v := range vars {
		if !taskVars[v] {
			items = append(items, fmt.Sprintf("    %s = %s\n", v, binds[v].hcl(v)))
			continue
		}
		name := corpusIdent(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(v, "_arn"), "_task"), "_id"))
		if other, ok := used[name]; ok && other != v {
			name = fmt.Sprintf("%s_%d", name, i)
		}
		used[name] = v
		if activityVars[v] {
			fmt.Fprintf(&tf, "resource \"aws_sfn_activity\" %q {\n  name = %q\n}\n\n", name, "corpus-"+name)
			items = append(items, fmt.Sprintf("    %s = aws_sfn_activity.%s.id\n", v, name))
			continue
		}
		// Sizes cycle so the deployment has lint findings for the check to
		// compare: memory over Lambda's 10,240 MB maximum (an error), or
		// timeout at its 900 s (a warning), on some of the Lambdas.
		fmt.Fprintf(&tf, `resource "aws_lambda_function" %q {
  function_name = %q
  role          = local.role
  handler       = "index.handler"
  runtime       = "nodejs22.x"
  s3_bucket     = "corpus-internal"
  s3_key        = "lambdas/%s.zip"
  memory_size   = %d
  timeout       = %d
}

`, name, "corpus-"+name, name, corpusMemoryMB[i%len(corpusMemoryMB)], corpusTimeoutSeconds[i%len(corpusTimeoutSeconds)])
		items = append(items, fmt.Sprintf("    %s = aws_lambda_function.%s.arn\n", v, name))
	}
	fmt.Fprintf(&tf, "resource \"aws_sfn_state_machine\" \"workflow\" {\n  name     = %q\n  role_arn = local.role\n", "corpus-"+strings.TrimSuffix(strings.TrimSuffix(base, ".json"), ".asl"))
	fmt.Fprintf(&tf, "  definition = templatefile(\"${path.module}/%s\", {\n%s  })\n}\n", base, strings.Join(items, ""))
	fx.files = map[string][]byte{base: src, "main.tf": hclwrite.Format([]byte(tf.String()))}
	return fx, ""
}

// write puts a fresh copy of the fixture in a new temp folder.
func (fx *corpusFixture) write(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range fx.files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// corpusFinding is a lint finding reduced to what survives a migration
// unchanged: positions move when the migrated state grows, so a finding is
// its rule, severity, file (base name) and JSON Pointer; findings without a
// pointer (Terraform configuration) are told apart by their message.
type corpusFinding struct {
	rule, severity, file, pointer, message string
}

func (f corpusFinding) String() string {
	return fmt.Sprintf("%s %s %s#%s %s", f.severity, f.rule, f.file, f.pointer, f.message)
}

// lintDeployment lints a deployment the way `stepshift lint DIR` does:
// one unit per rendering with its Tasks' Terraform facts, plus the
// deployment's own diagnostics as terraform-config findings.
func lintDeployment(d *terraform.Deployment) []corpusFinding {
	units := lint.DeploymentUnits(d, nil)
	var out []corpusFinding
	for _, f := range append(lint.Lint(units, lint.Options{}), lint.TerraformFindings(d, nil)...) {
		cf := corpusFinding{rule: f.Rule, severity: f.Severity.String(), file: filepath.Base(f.Range.Filename), pointer: f.Pointer}
		if f.Pointer == "" {
			cf.message = strings.ReplaceAll(f.Message, d.Dir, "DIR")
		}
		out = append(out, cf)
	}
	return out
}

// corpusStats is what the whole run saw.
type corpusStats struct {
	mu                                  sync.Mutex
	workflows, fixtures, tasks, covered int
	migrated, alreadyActivity, refused  int
	// verified counts the migrated steps the behaviour check ran on (every
	// one must be), scenarios the scenarios it ran.
	verified, scenarios int
	// errorsOutside counts the migrated steps whose workflow had an
	// error-level finding outside the state before the migration, so the
	// lint comparison had something to compare.
	errorsOutside     int
	refusals, skipped []string
}

// TestMigrateEveryCorpusTask is the migrate acceptance criterion over the
// Cumulus corpus. For every Task state of every workflow in
// ../shared/corpus/cumulus/workflows/, in a deployment fixture built around
// the unchanged workflow (buildCorpusFixture), it runs Migrate for that one
// step (--step FILE:STATE, target activity, as the CLI's defaults), writes
// the plan with FileSet.Commit into a fresh copy of the fixture, and checks:
//
//   - the plan: one outcome for the step, at its pointer; a refused step has
//     a reason and changes no file; a migrated one changes exactly the
//     workflow and main.tf and adds one <workflow>_<step>_ecs.tf, all inside
//     the deployment folder;
//   - (a) the migrated copy loads with no error diagnostic; its one
//     rendering has a document with no load diagnostic, the map binds every
//     variable the template reads, every reference in the root module's
//     .tf files names something declared (undeclaredReferences: what
//     `terraform validate` would reject and terraform.Load does not), and
//     the migrated Task now resolves to the aws_sfn_activity the plan named;
//   - (b) lint: every error-level finding of the migrated deployment
//     (keyed by rule, file base name and JSON Pointer; by message when it
//     has no pointer) was an error-level finding of the deployment before,
//     wherever it is (inside the migrated state too); and outside the
//     migrated state the workflow's findings of every severity are the
//     same (rule, severity, pointer, with multiplicity) as before.
//     Non-error findings inside the state may come and go (Lambda-limit
//     warnings leave with the Lambda; activity rules arrive), and error
//     findings may disappear (an over-limit Lambda's);
//   - (c) the original and migrated JSON, parsed, agree at every pointer
//     outside the state (assertOnlyStateChanged), and the state has the
//     activity shape (checkMigratedState);
//   - (d) Migrate on the migrated copy with the same step changes nothing
//     and reports the step as StepAlreadyActivity;
//   - (e) the plan's behaviour check (verify.go) ran on the step, in every
//     scenario, and found the original and migrated workflows alike.
//
// Tasks the fixture binds to an aws_sfn_activity (corpusActivityVar) must
// come out StepAlreadyActivity on the first run, with no change.
func TestMigrateEveryCorpusTask(t *testing.T) {
	corpusWorkflows(t) // skips here without the corpus, not in the subtest, where the totals below would fail
	stats := &corpusStats{}
	t.Run("workflows", func(t *testing.T) {
		for _, path := range corpusWorkflows(t) {
			stats.workflows++
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			nTasks := 0
			for _, st := range workflow.Load(src, workflow.Options{Filename: path}).States {
				if st.Type == "Task" {
					nTasks++
				}
			}
			stats.tasks += nTasks
			fx, skip := buildCorpusFixture(path, src)
			if fx == nil {
				t.Logf("%s: no fixture (%d Task states not covered): %s", filepath.Base(path), nTasks, skip)
				stats.skipped = append(stats.skipped, filepath.Base(path)+": "+skip)
				continue
			}
			stats.fixtures++
			stats.covered += len(fx.tasks)
			t.Run(fx.file, func(t *testing.T) {
				t.Parallel()
				for _, st := range fx.tasks {
					t.Run(st.Name, func(t *testing.T) {
						migrateCorpusTask(t, fx, st, stats)
					})
				}
			})
		}
	})
	stats.mu.Lock()
	defer stats.mu.Unlock()
	t.Logf("%d workflows (%d with a fixture), %d Task states, %d covered: %d migrated, %d already activities, %d refused; %d migrations compared with lint errors outside the state",
		stats.workflows, stats.fixtures, stats.tasks, stats.covered, stats.migrated, stats.alreadyActivity, stats.refused, stats.errorsOutside)
	for _, r := range stats.refusals {
		t.Logf("refused: %s", r)
	}
	if stats.tasks == 0 {
		t.Fatal("no Task state in the corpus")
	}
	if float64(stats.covered) < corpusMinCoveredFraction*float64(stats.tasks) {
		t.Errorf("only %d of %d corpus Task states have a deployment fixture (want at least %.0f%%); skipped: %v",
			stats.covered, stats.tasks, 100*corpusMinCoveredFraction, stats.skipped)
	}
	if float64(stats.migrated) < corpusMinMigratedFraction*float64(stats.covered) {
		t.Errorf("only %d of %d covered Task states were migrated (want at least %.0f%%)", stats.migrated, stats.covered, 100*corpusMinMigratedFraction)
	}
	if float64(stats.errorsOutside) < corpusMinErrorsOutsideFraction*float64(stats.migrated) {
		t.Errorf("only %d of %d migrations had lint errors outside the state to compare (want at least %.0f%%): the fixtures lost their over-limit Lambdas",
			stats.errorsOutside, stats.migrated, 100*corpusMinErrorsOutsideFraction)
	}
	t.Logf("behaviour check: %d of %d migrated steps verified, %d scenarios run on both definitions", stats.verified, stats.migrated, stats.scenarios)
	if stats.verified != stats.migrated && !t.Failed() {
		t.Errorf("%d of %d migrated steps verified", stats.verified, stats.migrated)
	}
	if stats.refused > corpusMaxRefused {
		t.Errorf("%d steps refused, more than the %d measured: %v", stats.refused, corpusMaxRefused, stats.refusals)
	}
	if stats.migrated+stats.alreadyActivity+stats.refused != stats.covered && !t.Failed() {
		t.Errorf("%d outcomes for %d covered Task states", stats.migrated+stats.alreadyActivity+stats.refused, stats.covered)
	}
}

// migrateCorpusTask migrates one Task state of a fixture and checks the
// result; see TestMigrateEveryCorpusTask.
func migrateCorpusTask(t *testing.T, fx *corpusFixture, st *workflow.State, stats *corpusStats) {
	step := fx.file + ":" + st.Name
	ptr := st.Pointer()
	dir := fx.write(t)
	wfPath := filepath.Join(dir, fx.file)

	d := terraform.Load(dir, terraform.Options{})
	if d.Diagnostics.HasErrors() {
		t.Fatalf("fixture does not load: %s\n%s", d.Diagnostics.Error(), fx.files["main.tf"])
	}
	if refs := undeclaredReferences(d); len(refs) > 0 {
		t.Fatalf("fixture references undeclared objects: %v\n%s", refs, fx.files["main.tf"])
	}
	findingsBefore := lintDeployment(d)
	opts := Options{Steps: []string{step}, DesiredCount: 1}
	plan, err := Migrate(d, opts)
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if len(plan.Steps) != 1 || plan.Steps[0].Pointer != ptr || plan.Steps[0].State != st.Name {
		t.Fatalf("want one outcome for %s at %s, got %+v", step, ptr, plan.Steps)
	}
	out := plan.Steps[0]
	record := func(f func()) {
		stats.mu.Lock()
		defer stats.mu.Unlock()
		f()
	}
	switch out.Status {
	case StepRefused:
		record(func() {
			stats.refused++
			stats.refusals = append(stats.refusals, step+": "+out.Reason)
		})
		if strings.TrimSpace(out.Reason) == "" {
			t.Errorf("refused without a reason:\n%s", plan.Summary())
		}
		if plan.Pending() {
			t.Errorf("a refused step changes files:\n%s", plan.Diff())
		}
		return
	case StepAlreadyActivity:
		record(func() { stats.alreadyActivity++ })
		if !fx.activity[ptr] {
			t.Errorf("a Lambda Task is reported as already an activity:\n%s", plan.Summary())
		}
		if plan.Pending() {
			t.Errorf("a step that is already an activity changes files:\n%s", plan.Diff())
		}
		return
	case StepMigrated:
		record(func() { stats.migrated++ })
		if fx.activity[ptr] {
			t.Errorf("a Task bound to an aws_sfn_activity was migrated again:\n%s", plan.Summary())
		}
	default:
		t.Fatalf("unexpected status %v:\n%s", out.Status, plan.Summary())
	}
	// (e) The behaviour check ran on the step and found no difference.
	switch v := out.Verification; {
	case v == nil || v.Skipped != "":
		t.Errorf("the migrated step was not verified: %+v", v)
	case v.Differs():
		t.Errorf("the migration changes behaviour:\n%s", plan.Summary())
	case v.Scenarios < 5:
		t.Errorf("only %d scenarios: want success twice, an unnamed error, a timeout and a dead worker at least", v.Scenarios)
	default:
		record(func() { stats.verified++; stats.scenarios += v.Scenarios })
	}
	if len(out.Activities) != 1 || out.TemplateVariable == "" {
		t.Fatalf("migrated without naming its one activity and template variable:\n%s", plan.Summary())
	}
	activity := out.Activities[0]

	// The plan touches the workflow, main.tf and one new file, in dir.
	var newFiles []string
	changed := map[string]bool{}
	for _, c := range plan.Changes {
		rel, err := filepath.Rel(dir, c.Path)
		if err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
			t.Fatalf("change outside the deployment folder: %s", c.Path)
		}
		if c.IsNew() {
			newFiles = append(newFiles, rel)
		} else {
			changed[rel] = true
			if string(c.Before) != string(fx.files[rel]) {
				t.Errorf("%s: Before is not the file as written", rel)
			}
		}
	}
	if len(changed) != 2 || !changed[fx.file] || !changed["main.tf"] {
		t.Errorf("changed files %v, want %s and main.tf", changed, fx.file)
	}
	if len(newFiles) != 1 || !strings.HasSuffix(newFiles[0], "_ecs.tf") {
		t.Errorf("new files %v, want one <lambda>_ecs.tf", newFiles)
	}
	if err := (FileSet{FS: OSFileSystem{}}).Commit("", plan.Changes); err != nil {
		t.Fatalf("Commit: %v", err)
	}

	// (a) The migrated copy loads and renders, and the step is an activity.
	migrated := terraform.Load(dir, terraform.Options{})
	if migrated.Diagnostics.HasErrors() {
		t.Fatalf("migrated deployment does not load: %s\n%s", migrated.Diagnostics.Error(), plan.Diff())
	}
	if len(migrated.Renderings) != 1 || migrated.Renderings[0].Document == nil {
		t.Fatalf("migrated deployment has %d renderings, want the workflow's one with its document", len(migrated.Renderings))
	}
	if refs := undeclaredReferences(migrated); len(refs) > 0 {
		t.Errorf("the migrated Terraform references undeclared objects: %v", refs)
	}
	rn := migrated.Renderings[0]
	if len(rn.Document.Diagnostics) > 0 {
		t.Fatalf("migrated workflow has load diagnostics: %v", rn.Document.Diagnostics)
	}
	for _, in := range rn.Document.Interpolations {
		reads, _ := interpolationReads(in)
		for _, tr := range reads {
			if v := tr.RootName(); rn.Var(v) == nil {
				t.Errorf("the migrated template reads ${%s}, which its templatefile() map does not bind", v)
			}
		}
	}
	var task *terraform.Task
	for _, tk := range rn.Tasks {
		if tk.State.Pointer() == ptr {
			task = tk
		}
	}
	if task == nil {
		t.Fatalf("no Task at %s after the migration", ptr)
	}
	if task.Target.Kind != terraform.TargetActivity || task.Target.Resource == nil ||
		task.Target.Resource.LocalAddress() != "aws_sfn_activity."+activity {
		t.Errorf("migrated Task resolves to %v %q (%s), want aws_sfn_activity.%s", task.Target.Kind, task.Target.Address, task.Target.Why, activity)
	}

	// (b) No new lint error; outside the state, the same findings.
	findingsAfter := lintDeployment(migrated)
	errorsBefore := map[corpusFinding]bool{}
	for _, f := range findingsBefore {
		if f.severity == lint.Error.String() {
			errorsBefore[f] = true
		}
	}
	for _, f := range findingsAfter {
		if f.severity == lint.Error.String() && !errorsBefore[f] {
			t.Errorf("the migration brought a new lint error: %s", f)
		}
	}
	outside := func(fs []corpusFinding) map[string]int {
		m := map[string]int{}
		for _, f := range fs {
			if f.file == fx.file && f.pointer != "" && !under(f.pointer, ptr) {
				m[f.rule+" "+f.severity+" "+f.pointer]++
			}
		}
		return m
	}
	ob, oa := outside(findingsBefore), outside(findingsAfter)
	for k := range ob {
		if strings.Contains(k, " "+lint.Error.String()+" ") {
			record(func() { stats.errorsOutside++ })
			break
		}
	}
	for k, n := range ob {
		if oa[k] != n {
			t.Errorf("outside %s, finding %q: %d before, %d after", ptr, k, n, oa[k])
		}
	}
	for k, n := range oa {
		if _, ok := ob[k]; !ok {
			t.Errorf("outside %s, new finding %q (x%d)", ptr, k, n)
		}
	}

	// (c) Structurally, only the state changed, and it is an activity task.
	afterSrc, err := os.ReadFile(wfPath)
	if err != nil {
		t.Fatal(err)
	}
	after := workflow.Load(afterSrc, workflow.Options{Filename: fx.file})
	if len(after.Diagnostics) > 0 || after.Root == nil {
		t.Fatalf("migrated JSON does not load: %v", after.Diagnostics)
	}
	assertOnlyStateChanged(t, fx.doc, after, ptr)
	var ms *workflow.State
	for _, s := range after.States {
		if s.Pointer() == ptr {
			ms = s
		}
	}
	if ms == nil {
		t.Fatalf("state %s is gone", ptr)
	}
	checkMigratedState(t, ms, TaskRewrite{Resource: "${" + out.TemplateVariable + "}"})

	// (d) A second run is a no-op.
	plan2, err := Migrate(migrated, opts)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if plan2.Pending() {
		t.Errorf("second run is not a no-op:\n%s", plan2.Diff())
	}
	if len(plan2.Steps) != 1 || plan2.Steps[0].Status != StepAlreadyActivity || plan2.Steps[0].Pointer != ptr {
		t.Errorf("second run: want %s already an activity, got:\n%s", step, plan2.Summary())
	}
}

// undeclaredReferences lists the references in the root module's .tf
// files that name nothing the root module declares — a variable, local,
// module call, resource or data source — which `terraform validate` would
// reject, though terraform.Load only follows the references it needs.
func undeclaredReferences(d *terraform.Deployment) []string {
	root := d.Root
	var out []string
	check := func(tr hcl.Traversal) {
		attr := func(i int) (string, bool) {
			if len(tr) <= i {
				return "", false
			}
			a, ok := tr[i].(hcl.TraverseAttr)
			return a.Name, ok
		}
		name, ok := attr(1)
		declared := true
		switch kind := tr.RootName(); kind {
		case "path", "terraform", "count", "each", "self":
			return
		case "var":
			declared = ok && root.Variables[name] != nil
		case "local":
			_, declared = root.Locals[name]
			declared = ok && declared
		case "module":
			declared = ok && root.ModuleCall(name) != nil
		case "data":
			n, ok2 := attr(2)
			declared = ok && ok2 && root.Resource("data."+name+"."+n) != nil
		default:
			declared = ok && root.Resource(kind+"."+name) != nil
		}
		if !declared {
			r := tr.SourceRange()
			out = append(out, fmt.Sprintf("%s:%d: %s", filepath.Base(r.Filename), r.Start.Line, hclTraversalText(tr)))
		}
	}
	var walk func(b *hclsyntax.Body)
	walk = func(b *hclsyntax.Body) {
		for _, a := range b.Attributes {
			for _, tr := range a.Expr.Variables() {
				check(tr)
			}
		}
		for _, blk := range b.Blocks {
			switch blk.Type {
			case "variable", "terraform", "lifecycle": // type constraints and attribute names, not references
				continue
			}
			walk(blk.Body)
		}
	}
	for _, path := range root.Files {
		if f := d.Files[path]; f != nil && strings.HasSuffix(path, ".tf") {
			if b, ok := f.Body.(*hclsyntax.Body); ok {
				walk(b)
			}
		}
	}
	sort.Strings(out)
	return out
}

// hclTraversalText renders a traversal's attribute steps: "var.prefix".
func hclTraversalText(tr hcl.Traversal) string {
	parts := []string{tr.RootName()}
	for _, s := range tr[1:] {
		if a, ok := s.(hcl.TraverseAttr); ok {
			parts = append(parts, a.Name)
		}
	}
	return strings.Join(parts, ".")
}

// TestCorpusFixtureBindsInterpolations checks the fixture builder of
// TestMigrateEveryCorpusTask on the interpolations the corpus does not
// have (today every corpus interpolation is a plain identifier): function
// calls bind their variables, attribute reads bind objects, and what no
// map can bind is a reason to skip, not a broken fixture.
func TestCorpusFixtureBindsInterpolations(t *testing.T) {
	src := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${a_task_arn}",` +
		`"Parameters":{"p":"${upper(stack)}","b":"${cfg.bucket.name}/${cfg.bucket.region}","s":"{$.meta.x}"},"End":true}}}`
	fx, skip := buildCorpusFixture("/x/synthetic.asl.json", []byte(src))
	if fx == nil {
		t.Fatalf("no fixture: %s", skip)
	}
	dir := fx.write(t)
	d := terraform.Load(dir, terraform.Options{})
	if d.Diagnostics.HasErrors() || len(d.Renderings) != 1 {
		t.Fatalf("fixture does not load (%d renderings): %s\n%s", len(d.Renderings), d.Diagnostics.Error(), fx.files["main.tf"])
	}
	rn := d.Renderings[0]
	for _, v := range []string{"a_task_arn", "stack", "cfg"} {
		if rn.Var(v) == nil {
			t.Fatalf("map does not bind %s:\n%s", v, fx.files["main.tf"])
		}
	}
	cfg := rn.Module.Eval(rn.Var("cfg").Expr)
	if !cfg.Known || !cfg.Value.Type().IsObjectType() || !cfg.Value.Type().HasAttribute("bucket") ||
		!cfg.Value.GetAttr("bucket").Type().HasAttribute("name") || !cfg.Value.GetAttr("bucket").Type().HasAttribute("region") {
		t.Errorf("cfg is bound to %v, want an object with bucket.name and bucket.region", cfg)
	}
	if len(rn.Tasks) != 1 || rn.Tasks[0].Target.Kind != terraform.TargetLambda {
		t.Fatalf("the Task does not resolve to its Lambda: %+v", rn.Tasks)
	}
	plan, err := Migrate(d, Options{Steps: []string{"synthetic.asl.json:A"}, DesiredCount: 1})
	if err != nil || len(plan.Steps) != 1 || plan.Steps[0].Status != StepMigrated {
		t.Fatalf("synthetic step not migrated (err %v):\n%s", err, plan.Summary())
	}

	for name, bad := range map[string]string{
		"value-and-object": `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"a":"${cfg}","b":"${cfg.x}"},"End":true}}}`,
		"index":            `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"a":"${list[0]}"},"End":true}}}`,
		"unparsable":       `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"a":"${a +}"},"End":true}}}`,
	} {
		if fx, skip := buildCorpusFixture("/x/"+name+".asl.json", []byte(bad)); fx != nil || skip == "" {
			t.Errorf("%s: built a fixture it cannot bind (skip %q)", name, skip)
		}
	}
}
