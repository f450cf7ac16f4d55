package transpile

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

// Targets of `migrate --target`.
const (
	TargetActivity     = "activity"       // the Cumulus recipe: an activity polled by a cumulus_ecs_service worker
	TargetECSTaskToken = "ecs-task-token" // ecs:runTask.waitForTaskToken running a one-shot worker per task
)

// Options are the choices of `stepshift migrate`.
type Options struct {
	Steps     []string          // --step NAME (every Task state of that name) or File.asl.json:NAME
	AllLambda bool              // --all-lambda
	Tasks     []*terraform.Task // chosen by the caller (--over-limit: the CLI asks lint)

	Target           string // TargetActivity (default) or TargetECSTaskToken
	TimeoutSeconds   int    // --timeout, default DefaultTimeoutSeconds
	HeartbeatSeconds int    // --heartbeat, default DefaultHeartbeatSeconds
	Image            string // --image; "" declares var.stepshift_worker_image
	DesiredCount     int    // --desired-count, default 1
	CumulusVersion   string // --cumulus-version overrides the release found in module sources
	Autoscale        *Autoscale
	// MaxMemoryUsedMB gives the peak memory a Lambda was seen using (from
	// logs), so the worker gets room: memory_reservation >= 1.25x of it.
	MaxMemoryUsedMB func(*terraform.Task) (int, bool)
}

// StepStatus is what happened to one selected step.
type StepStatus int

// Step outcomes, in the order the summary lists them.
const (
	StepMigrated StepStatus = iota
	StepAlreadyActivity
	StepRefused
	StepAlreadyTaskToken // already runs as ecs:runTask.waitForTaskToken
)

// StepOutcome is one selected step in the plan's summary.
type StepOutcome struct {
	Workflow string // the workflow file (the .tf holding a heredoc)
	State    string
	Pointer  string
	Range    workflow.Range
	Status   StepStatus
	// Renderings are the blocks rendering the workflow
	// ("module.sync_granule_workflow"), one per rendering of the state.
	Renderings []string
	// Activities are the activities' resource names when migrated to an
	// activity, one per rendering: renderings reaching different Lambdas
	// reach different activities.
	Activities []string
	// TaskDefinitions are the aws_ecs_task_definitions' resource names when
	// migrated to ecs-task-token, one per rendering.
	TaskDefinitions []string
	// TemplateVariable is the templatefile() variable the state's Resource
	// now reads (templatefile style); each rendering's map binds it.
	TemplateVariable string
	Reason           string // why refused
	// Unsupported tells that the refusal is about how the deployment's
	// Terraform is written (a shape migrate cannot edit), not about the
	// step; Reason then starts with the .tf position.
	Unsupported bool
	Notes       []string // what changed besides the Resource
	// Verification is the behaviour check of a migrated step (verify.go).
	Verification *Verification
}

// workerList renders the outcome's activities or task definitions for the
// summary: one address when every rendering shares it, else each with the
// rendering it serves.
func (o StepOutcome) workerList(resourceType string, names []string) string {
	distinct := map[string]bool{}
	for _, n := range names {
		distinct[n] = true
	}
	if len(distinct) == 1 {
		return resourceType + "." + names[0]
	}
	var parts []string
	for i, n := range names {
		parts = append(parts, fmt.Sprintf("%s.%s (%s)", resourceType, n, o.Renderings[i]))
	}
	return strings.Join(parts, ", ")
}

// Plan is the whole migration: the file changes and what happened to each
// selected step. Nothing is written until the caller commits it.
type Plan struct {
	Dir     string // the deployment folder
	Changes []*FileChange
	Steps   []StepOutcome
	Notes   []string // deployment-wide notes (new variables, IAM)
}

// Pending reports whether the plan changes any file.
func (p *Plan) Pending() bool { return len(p.Changes) > 0 }

// Diff renders every change as a unified diff, paths relative to the
// deployment folder.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, c := range p.Changes {
		b.WriteString(UnifiedDiff(p.rel(c.Path), c.Before, c.After))
	}
	return b.String()
}

func (p *Plan) rel(path string) string {
	if r, err := filepath.Rel(p.Dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}

// Summary is the human account of the plan.
func (p *Plan) Summary() string {
	var b strings.Builder
	for _, s := range p.Steps {
		loc := fmt.Sprintf("%s:%d:%d", p.rel(s.Range.Filename), s.Range.Start.Line, s.Range.Start.Column)
		switch s.Status {
		case StepMigrated:
			if len(s.TaskDefinitions) > 0 {
				fmt.Fprintf(&b, "%s: %s: migrated to ecs:runTask.waitForTaskToken with %s\n", loc, s.State, s.workerList("aws_ecs_task_definition", s.TaskDefinitions))
			} else {
				fmt.Fprintf(&b, "%s: %s: migrated to activity %s\n", loc, s.State, s.workerList("aws_sfn_activity", s.Activities))
			}
			for _, n := range s.Notes {
				fmt.Fprintf(&b, "    %s\n", n)
			}
			b.WriteString(verificationSummary(loc, s))
		case StepAlreadyActivity:
			fmt.Fprintf(&b, "%s: %s: already an activity\n", loc, s.State)
		case StepAlreadyTaskToken:
			fmt.Fprintf(&b, "%s: %s: already migrated to ecs:runTask.waitForTaskToken\n", loc, s.State)
		case StepRefused:
			fmt.Fprintf(&b, "%s: %s: not migrated: %s\n", loc, s.State, s.Reason)
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if len(p.Steps) == 0 {
		b.WriteString("no step selected\n")
	}
	fmt.Fprintf(&b, "%d file(s) to change\n", len(p.Changes))
	return b.String()
}

// Unsupported reports whether a selected step was refused because of how
// the deployment's Terraform is written (exit 2: configuration migrate
// cannot edit), rather than because of the step itself.
func (p *Plan) Unsupported() bool {
	for _, s := range p.Steps {
		if s.Status == StepRefused && s.Unsupported {
			return true
		}
	}
	return false
}

// Refused reports whether any selected step was refused.
func (p *Plan) Refused() bool {
	for _, s := range p.Steps {
		if s.Status == StepRefused {
			return true
		}
	}
	return false
}

// SelectionError is a --step that names no Task state, or options that contradict each other.
type SelectionError struct{ Message string }

func (e *SelectionError) Error() string { return e.Message }

// step is one selected (workflow file, state) with every rendering of it.
type step struct {
	file     string
	pointer  string
	name     string
	tasks    []*terraform.Task // one per rendering
	workflow string            // identifier part for names: "queue_granules_workflow"
}

// Select resolves the options' selection to the steps of d, in document order.
func Select(d *terraform.Deployment, opts Options) ([]*terraform.Task, error) {
	var chosen []*terraform.Task
	seen := map[*terraform.Task]bool{}
	add := func(t *terraform.Task) {
		if !seen[t] {
			seen[t] = true
			chosen = append(chosen, t)
		}
	}
	for _, t := range opts.Tasks {
		add(t)
	}
	for _, spec := range opts.Steps {
		file, name := "", spec
		if i := strings.LastIndex(spec, ":"); i >= 0 {
			file, name = spec[:i], spec[i+1:]
		}
		// Every Task state of that name, in every workflow and rendering:
		// Tasks reaching one Lambda then share its worker.
		matched := false
		for _, r := range d.Renderings {
			for _, t := range r.Tasks {
				if t.State.Name != name {
					continue
				}
				if file != "" && !sameWorkflowFile(d.Dir, r.Filename(), file) {
					continue
				}
				matched = true
				add(t)
			}
		}
		if !matched {
			where := "the deployment's workflows"
			if file != "" {
				where = file
			}
			msg := fmt.Sprintf("--step %s: no Task state of that name in %s", spec, where)
			if unread := unreadDefinitions(d); len(unread) > 0 {
				// A state there is invisible: say where, and what migrate reads.
				msg += "; migrate reads workflows rendered by templatefile() or written as heredocs in the root module, not these definitions:\n  " + strings.Join(unread, "\n  ")
			}
			return nil, &SelectionError{msg}
		}
	}
	if opts.AllLambda {
		for _, r := range d.Renderings {
			for _, t := range r.Tasks {
				// Steps migrated before are selected too, so a second run says so.
				if t.Target.Kind == terraform.TargetLambda || isLambdaTask(t) || t.Target.Kind == terraform.TargetActivity || isTaskTokenState(t.State) {
					add(t)
				}
			}
		}
	}
	return chosen, nil
}

// sameWorkflowFile reports whether the File part of --step File:NAME names
// the workflow file path: by base name when it has no folder
// ("x.asl.json"), else as a path from the deployment folder or the
// current directory ("templates/x.asl.json"), so two templates of one
// name in different folders can be told apart.
func sameWorkflowFile(dir, path, file string) bool {
	if !strings.ContainsAny(file, `/\`) {
		return filepath.Base(path) == file
	}
	file = filepath.Clean(filepath.FromSlash(file))
	return filepath.Clean(path) == file || filepath.Clean(path) == filepath.Join(dir, file)
}

// Migrate plans the migration of the selected steps of deployment d.
func Migrate(d *terraform.Deployment, opts Options) (*Plan, error) {
	if opts.Target == "" {
		opts.Target = TargetActivity
	}
	if opts.Target != TargetActivity && opts.Target != TargetECSTaskToken {
		return nil, &SelectionError{fmt.Sprintf("--target %q: want %s or %s", opts.Target, TargetActivity, TargetECSTaskToken)}
	}
	if opts.Target == TargetECSTaskToken && opts.Autoscale != nil {
		return nil, &SelectionError{"--autoscale scales the activity target's worker service; --target " + TargetECSTaskToken + " starts one ECS task per execution of the step"}
	}
	if opts.DesiredCount < 0 {
		return nil, &SelectionError{"--desired-count must not be negative"}
	}
	if opts.TimeoutSeconds == 0 {
		opts.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if opts.HeartbeatSeconds == 0 {
		opts.HeartbeatSeconds = DefaultHeartbeatSeconds
	}
	if opts.HeartbeatSeconds >= opts.TimeoutSeconds {
		return nil, &SelectionError{fmt.Sprintf("--heartbeat %ds must be shorter than --timeout %ds", opts.HeartbeatSeconds, opts.TimeoutSeconds)}
	}
	tasks, err := Select(d, opts)
	if err != nil {
		return nil, err
	}
	m := &migration{d: d, opts: opts, plan: &Plan{Dir: d.Dir}, files: map[string]*pendingFile{}, declared: map[string]bool{},
		workers: map[string]*worker{}, existing: existingActivities(d.Root), existingTaskDefs: existingTaskDefinitions(d.Root),
		sharedBases: sharedBaseNames(d), templateVars: map[string]map[string]bool{}}
	for _, st := range m.group(withSiblings(d, tasks)) {
		m.migrate(st)
	}
	if err := m.finish(); err != nil {
		return nil, err
	}
	return m.plan, nil
}

// pendingFile accumulates the changes to one file: whole-content rewrites
// for workflow JSON, edits in original offsets for .tf files.
type pendingFile struct {
	path    string
	before  []byte
	current []byte            // JSON files: the content so far
	bodies  map[[2]int][]byte // .tf files: heredoc body [start,end) → new body
	edits   []Edit            // .tf files: map edits
	isNew   bool
}

type migration struct {
	d        *terraform.Deployment
	opts     Options
	plan     *Plan
	files    map[string]*pendingFile
	order    []string
	declared map[string]bool // variables and data sources this run declares

	workers     map[string]*worker // by worker.key
	workerOrder []*worker
	existing    map[string]string // Lambda ARN expression -> activity an earlier migration runs it as
	// existingTaskDefs are the task definitions an earlier ecs-task-token
	// migration wrote, by worker key (see existingTaskDefinitions).
	existingTaskDefs map[string]string
	sharedBases      map[string]bool // base names two Lambdas of the deployment share
	// templateVars are the template variables this run adds, by workflow file.
	templateVars map[string]map[string]bool
}

func (m *migration) file(path string) (*pendingFile, error) {
	if f, ok := m.files[path]; ok {
		return f, nil
	}
	var src []byte
	if hf := m.d.Files[path]; hf != nil {
		src = hf.Bytes
	} else {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		src = b
	}
	f := &pendingFile{path: path, before: src, current: src, bodies: map[[2]int][]byte{}}
	m.files[path] = f
	m.order = append(m.order, path)
	return f, nil
}

// withSiblings adds to the chosen tasks the same state in every other
// rendering of the same workflow file: the file is edited once for all of
// them, so a step chosen in one rendering (--over-limit picks by rendering)
// is migrated, or refused, for all.
func withSiblings(d *terraform.Deployment, tasks []*terraform.Task) []*terraform.Task {
	chosen := map[*terraform.Task]bool{}
	wanted := map[string]bool{}
	for _, t := range tasks {
		chosen[t] = true
		if t.Rendering.Kind != terraform.Heredoc {
			wanted[t.Rendering.Filename()+"#"+t.State.Pointer()] = true
		}
	}
	out := append([]*terraform.Task(nil), tasks...)
	for _, rn := range d.Renderings {
		for _, t := range rn.Tasks {
			if !chosen[t] && rn.Kind != terraform.Heredoc && wanted[rn.Filename()+"#"+t.State.Pointer()] {
				chosen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// group joins the renderings of one workflow file: its JSON is edited once.
func (m *migration) group(tasks []*terraform.Task) []*step {
	var steps []*step
	by := map[string]*step{}
	for _, t := range tasks {
		r := t.Rendering
		key := r.Filename() + "#" + t.State.Pointer()
		if r.Kind == terraform.Heredoc {
			key += fmt.Sprintf("@%d", r.Body.Start.Byte)
		}
		s := by[key]
		if s == nil {
			s = &step{file: r.Filename(), pointer: t.State.Pointer(), name: t.State.Name, workflow: workflowIdent(r)}
			by[key] = s
			steps = append(steps, s)
		}
		s.tasks = append(s.tasks, t)
	}
	return steps
}

// workflowIdent names a rendering's workflow for file and resource names:
// the template's base name, or the block holding a heredoc.
func workflowIdent(r *terraform.Rendering) string {
	if r.Kind == terraform.Templatefile {
		base := filepath.Base(r.TemplatePath)
		base = strings.TrimSuffix(strings.TrimSuffix(base, ".json"), ".asl")
		return SnakeCase(base)
	}
	if len(r.Block.Labels) > 0 {
		return SnakeCase(r.Block.Labels[len(r.Block.Labels)-1])
	}
	return "workflow"
}

func (m *migration) outcome(s *step, t *terraform.Task) StepOutcome {
	o := StepOutcome{Workflow: s.file, State: s.name, Pointer: s.pointer, Range: t.State.NameRange}
	for _, t := range s.tasks {
		o.Renderings = append(o.Renderings, t.Rendering.BlockAddress())
	}
	return o
}

func (m *migration) refuse(s *step, format string, args ...any) {
	o := m.outcome(s, s.tasks[0])
	o.Status, o.Reason = StepRefused, fmt.Sprintf(format, args...)
	m.plan.Steps = append(m.plan.Steps, o)
}

// unsupported refuses s because of the Terraform at rng, naming it first.
func (m *migration) unsupported(s *step, rng hcl.Range, format string, args ...any) {
	o := m.outcome(s, s.tasks[0])
	o.Status, o.Unsupported = StepRefused, true
	o.Reason = fmt.Sprintf("%s:%d:%d: %s", m.plan.rel(rng.Filename), rng.Start.Line, rng.Start.Column, fmt.Sprintf(format, args...))
	m.plan.Steps = append(m.plan.Steps, o)
}

// renderingPhrase names a rendering in a refusal when the state has several.
func renderingPhrase(s *step, t *terraform.Task) string {
	if len(s.tasks) == 1 {
		return ""
	}
	return " (as " + t.Rendering.BlockAddress() + " renders it)"
}

// templateVar picks the template variable a state's rewritten Parameters
// or Resource reads: the state's snake-case name plus suffix, qualified by
// the workflow, then numbered, when a rendering's map, the template's text
// or another step of this run already uses that name.
func (m *migration) templateVar(s *step, text []byte, suffix string) string {
	base := SnakeCase(s.name)
	taken := func(name string) bool {
		if m.templateVars[s.file][name] || bytes.Contains(text, []byte(name)) {
			return true
		}
		for _, t := range s.tasks {
			if t.Rendering.Var(name) != nil {
				return true
			}
		}
		return false
	}
	for _, n := range []string{base + suffix, s.workflow + "_" + base + suffix} {
		if !taken(n) {
			return n
		}
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s_%s_%d%s", s.workflow, base, i, suffix); !taken(n) {
			return n
		}
	}
}

// runState is what a refused step must undo: the workers, declarations
// and notes it added.
type runState struct {
	declared map[string]bool
	notes    int
	workers  int
}

func (m *migration) save() runState {
	return runState{declared: maps.Clone(m.declared), notes: len(m.plan.Notes), workers: len(m.workerOrder)}
}

func (m *migration) restore(st runState) {
	m.declared, m.plan.Notes = st.declared, m.plan.Notes[:st.notes]
	for _, w := range m.workerOrder[st.workers:] {
		delete(m.workers, w.key)
	}
	m.workerOrder = m.workerOrder[:st.workers]
}

// workerFor returns the worker of t's Lambda, making it (and checking its
// Terraform renders) on first use. Activities an earlier migration wrote
// for the Lambda are reused.
func (m *migration) workerFor(t *terraform.Task, params bool) (*worker, error) {
	taskToken := m.opts.Target == TargetECSTaskToken
	lt, _ := lambdaOf(t)
	ref := lt.ref
	key := ref
	if taskToken && params {
		key += "+parameters"
	}
	if w := m.workers[key]; w != nil {
		return w, nil
	}
	w := &worker{key: key, task: t, params: params}
	existingKey := lt.arn
	if taskToken && params {
		existingKey += "+parameters"
	}
	if name, ok := m.existing[lt.arn]; ok && !taskToken {
		w.name, w.reused = name, true
		w.notes = []string{fmt.Sprintf("runs on aws_sfn_activity.%s, which an earlier migration wrote for %s", name, ref)}
	} else if name, ok := m.existingTaskDefs[existingKey]; ok && taskToken {
		w.name, w.reused = name, true
		w.notes = []string{fmt.Sprintf("runs on aws_ecs_task_definition.%s, which an earlier migration wrote for %s", name, ref)}
	} else {
		w.name = m.workerName(ref, "")
		w.path = filepath.Join(m.d.Root.Dir, w.name+"_ecs.tf")
		var err error
		if taskToken {
			w.taskDef, w.notes, err = m.taskDefinition(w)
		} else {
			w.service, w.notes, err = m.service(w)
		}
		if err == nil {
			_, err = w.emit()
		}
		if err != nil {
			return nil, err
		}
	}
	m.workers[key] = w
	m.workerOrder = append(m.workerOrder, w)
	return w, nil
}

// emit renders the worker's new .tf file.
func (w *worker) emit() ([]byte, error) {
	if w.taskDef != nil {
		w.taskDef.Serves = w.serves
		return EmitTaskDefinition(w.taskDef)
	}
	w.service.Serves = w.serves
	return EmitService(w.service)
}

func (m *migration) migrate(s *step) {
	first := s.tasks[0]
	r := first.Rendering
	if first.Target.Kind == terraform.TargetActivity || (first.State.Resource != nil && first.State.Resource.Kind == workflow.Activity) {
		o := m.outcome(s, first)
		o.Status = StepAlreadyActivity
		m.plan.Steps = append(m.plan.Steps, o)
		return
	}
	if isTaskTokenState(first.State) {
		o := m.outcome(s, first)
		o.Status = StepAlreadyTaskToken
		m.plan.Steps = append(m.plan.Steps, o)
		return
	}
	if first.State.Type != "Task" {
		m.refuse(s, "it is not a Task state")
		return
	}
	// The file is edited once for every rendering: each must be in the
	// root module, bind its template variables in a map literal migrate can
	// add to, and reach a Lambda migrate can reference.
	for _, t := range s.tasks {
		if rn := t.Rendering; rn.Module != m.d.Root {
			m.unsupported(s, rn.Attribute.SrcRange, "%s renders the workflow inside %s; migrate writes Terraform in the root module only: migrate that module's own folder, or render the workflow from the root module",
				rn.BlockAddress(), rn.Module.Address())
			return
		}
	}
	for _, t := range s.tasks {
		if rn := t.Rendering; rn.Kind == terraform.Templatefile && inTerraformDir(rn.TemplatePath) && len(rn.Call.Args) == 2 {
			m.unsupported(s, rn.Call.Args[0].Range(), "the template %s is inside .terraform, where terraform init installs modules and would undo the edit: copy it into the deployment and render the copy",
				m.plan.rel(rn.TemplatePath))
			return
		}
	}
	for _, t := range s.tasks {
		if rn := t.Rendering; rn.Kind == terraform.Templatefile && rn.Map == nil && len(rn.Call.Args) == 2 {
			vars := rn.Call.Args[1]
			m.unsupported(s, vars.Range(), "the templatefile() variables of %s are %s, not a map literal migrate can add the activity's variable to; write them as { name = value, ... } in the call",
				rn.BlockAddress(), exprText(m.d, vars))
			return
		}
	}
	for _, t := range s.tasks {
		if t.Target.Kind == terraform.TargetLambda || isLambdaTask(t) {
			continue
		}
		why := t.Target.Why
		switch {
		case why == "" && t.Target.Address != "":
			why = "it resolves to " + t.Target.Address
		case why == "":
			why = "it resolves to a " + t.Target.Kind.String()
		}
		if t.Target.Kind == terraform.TargetUnknown && t.Target.ExprRange.Filename != "" {
			m.unsupported(s, t.Target.ExprRange, "the Resource%s is %s, which migrate cannot follow to a Lambda (%s)", renderingPhrase(s, t), t.Target.Expr, why)
			return
		}
		m.refuse(s, "its Resource%s is not a Lambda migrate can identify (%s)", renderingPhrase(s, t), why)
		return
	}
	for _, t := range s.tasks {
		if !isLambdaTask(t) {
			if res := t.State.Resource; t.Target.Expr == "" && res != nil && res.Node != nil {
				// A Lambda ARN written into the workflow: there is no
				// Terraform object to give the worker and no map to bind.
				how := "write ${NAME} and bind NAME = aws_lambda_function.X.arn in the templatefile() map"
				if t.Rendering.Kind == terraform.Heredoc {
					how = "write ${aws_lambda_function.X.arn}"
				}
				m.unsupported(s, terraform.HCLRange(res.Node.Range), "the Resource is the literal ARN %s; migrate needs a Terraform reference to the Lambda: %s", res.Raw, how)
				return
			}
			if t.Target.ExprRange.Filename != "" {
				m.unsupported(s, t.Target.ExprRange, "the Lambda behind %s%s is not a resource or Cumulus task output migrate can reference in Terraform (write the map value as aws_lambda_function.NAME.arn or module.NAME.TASK.task_arn)", t.Target.Expr, renderingPhrase(s, t))
			} else {
				m.refuse(s, "the Lambda behind %s%s is not a resource or Cumulus task output migrate can reference in Terraform", t.Target.Expr, renderingPhrase(s, t))
			}
			return
		}
	}
	taskToken := m.opts.Target == TargetECSTaskToken
	if taskToken {
		// Judged on the workflow as the deployment has it: a step before
		// this one migrated in the same run still bounds its input.
		if reason := taskTokenRefusal(first.State); reason != "" {
			m.refuse(s, "%s", reason)
			return
		}
	}
	f, err := m.file(s.file)
	if err != nil {
		m.refuse(s, "cannot read %s: %v", s.file, err)
		return
	}

	// The rewrite of the state. Templatefile style: the state reads
	// template variables, and each rendering's map binds them to the
	// worker of the Lambda that rendering reaches. Heredoc style (one
	// rendering): the state names its worker directly.
	spec := TaskRewrite{TimeoutSeconds: m.opts.TimeoutSeconds, HeartbeatSeconds: m.opts.HeartbeatSeconds}
	clusterExpr := m.clusterARN()
	var resourceVar, clusterVar, taskDefVar string
	name := func(w *worker) string { return SnakeCase(s.name) } // provisional, until the heredoc's worker is known
	setNames := func(w *worker) {
		switch {
		case taskToken:
			tt := &TaskTokenRewrite{LaunchType: LaunchTypeEC2, Container: TaskTokenContainer,
				Cluster: "${" + clusterExpr + "}", TaskDefinition: "${aws_ecs_task_definition." + name(w) + ".arn}"}
			if r.Kind == terraform.Templatefile {
				tt.Cluster, tt.TaskDefinition = "${"+clusterVar+"}", "${"+taskDefVar+"}"
			}
			spec.TaskToken = tt
		case r.Kind == terraform.Templatefile:
			spec.Resource = "${" + resourceVar + "}"
		default:
			spec.Resource = "${aws_sfn_activity." + name(w) + ".id}"
		}
	}
	if r.Kind == terraform.Templatefile {
		if taskToken {
			clusterVar = m.templateVar(s, f.before, "_cluster_arn")
			taskDefVar = m.templateVar(s, f.before, "_task_definition_arn")
		} else {
			resourceVar = m.templateVar(s, f.before, "_activity_arn")
		}
	}
	var bodyKey [2]int // a heredoc's body in its .tf file
	if r.Kind != terraform.Templatefile {
		bodyKey = [2]int{r.Body.Start.Byte, r.Body.End.Byte}
	}
	rewrite := func() (*TaskResult, *Refusal, error) {
		if r.Kind == terraform.Templatefile {
			return RewriteTask(f.current, workflow.Options{Filename: s.file}, s.pointer, spec)
		}
		body, ok := f.bodies[bodyKey]
		if !ok {
			body = f.before[bodyKey[0]:bodyKey[1]]
		}
		return RewriteTask(body, workflow.Options{Filename: s.file, Base: workflow.Pos{Line: r.Body.Start.Line, Column: r.Body.Start.Column, Byte: r.Body.Start.Byte}}, s.pointer, spec)
	}
	setNames(nil)
	res, refusal, err := rewrite()
	switch {
	case err != nil:
		m.refuse(s, "%v", err)
		return
	case refusal != nil:
		m.refuse(s, "%s", refusal.Reason)
		return
	case res.AlreadyActivity:
		o := m.outcome(s, first)
		o.Status = StepAlreadyActivity
		m.plan.Steps = append(m.plan.Steps, o)
		return
	case res.AlreadyTaskToken:
		o := m.outcome(s, first)
		o.Status = StepAlreadyTaskToken
		m.plan.Steps = append(m.plan.Steps, o)
		return
	}

	// Everything that can refuse the step happens before any of its edits
	// are recorded: a refused step changes no file and leaves no worker.
	saved := m.save()
	fail := func(format string, args ...any) {
		m.restore(saved)
		m.refuse(s, format, args...)
	}
	workers := make([]*worker, len(s.tasks))
	for i, t := range s.tasks {
		w, err := m.workerFor(t, res.ParametersMoved)
		if err != nil {
			fail("%v", err)
			return
		}
		workers[i] = w
	}
	if r.Kind != terraform.Templatefile {
		name = func(w *worker) string { return w.name }
		setNames(workers[0])
		// The same rewrite with the worker's name: it cannot refuse now
		// that the provisional one did not, but a failure is still said.
		res, refusal, err = rewrite()
		switch {
		case err != nil:
			fail("%v", err)
			return
		case refusal != nil:
			fail("%s", refusal.Reason)
			return
		}
	}
	type mapEdit struct {
		file  *pendingFile
		edits []Edit
	}
	var mapEdits []mapEdit
	if r.Kind == terraform.Templatefile {
		for i, t := range s.tasks {
			w := workers[i]
			entries := []mapEntry{{resourceVar, "aws_sfn_activity." + w.name + ".id"}}
			if taskToken {
				entries = []mapEntry{{clusterVar, clusterExpr}, {taskDefVar, "aws_ecs_task_definition." + w.name + ".arn"}}
			}
			mapFile, err := m.file(t.Rendering.Map.SrcRange.Filename)
			if err != nil {
				fail("%v", err)
				return
			}
			edits, err := mapEntriesEdits(mapFile.before, t.Rendering.Map, entries)
			if err != nil {
				fail("%v", err)
				return
			}
			mapEdits = append(mapEdits, mapEdit{mapFile, edits})
		}
	}

	before := priorSource(f, r, bodyKey) // for the behaviour check (verify.go)
	if r.Kind == terraform.Templatefile {
		f.current = res.Source
		if m.templateVars[s.file] == nil {
			m.templateVars[s.file] = map[string]bool{}
		}
		for _, v := range []string{resourceVar, clusterVar, taskDefVar} {
			if v != "" {
				m.templateVars[s.file][v] = true
			}
		}
	} else {
		f.bodies[bodyKey] = res.Source
	}
	for _, me := range mapEdits {
		me.file.edits = append(me.file.edits, me.edits...)
	}
	o := m.outcome(s, first)
	o.Status, o.Notes = StepMigrated, res.Notes
	o.Verification = m.verifyStep(s, r, before, res.Source)
	if r.Kind == terraform.Templatefile && outside(m.d.Dir, s.file) {
		// templatefile() fails on a variable its map lacks: any other
		// deployment rendering the file must bind the new one too.
		var added []string
		for _, v := range []string{resourceVar, clusterVar, taskDefVar} {
			if v != "" {
				added = append(added, v)
			}
		}
		o.Notes = append(o.Notes, fmt.Sprintf("%s is outside the deployment folder: another deployment that renders it must bind %s too, or its terraform plan fails", m.plan.rel(s.file), strings.Join(added, " and ")))
	}
	o.TemplateVariable = resourceVar
	if taskToken {
		o.TemplateVariable = taskDefVar
	}
	told := map[*worker]bool{}
	for i, w := range workers {
		if taskToken {
			o.TaskDefinitions = append(o.TaskDefinitions, w.name)
		} else {
			o.Activities = append(o.Activities, w.name)
		}
		w.serves = append(w.serves, fmt.Sprintf("%s of %s (%s)", s.name, filepath.Base(s.file), s.tasks[i].Rendering.BlockAddress()))
		if !told[w] {
			told[w] = true
			o.Notes = append(o.Notes, w.notes...)
			w.notes = nil // said once, on the first step the worker runs
		}
	}
	m.plan.Steps = append(m.plan.Steps, o)
}

// service fills the ECS Terraform of a new activity worker.
func (m *migration) service(w *worker) (*ServiceSpec, []string, error) {
	var notes []string
	t := w.task
	lt, _ := lambdaOf(t)
	spec := &ServiceSpec{
		Name: w.name, DisplayName: CamelCase(w.name), Lambda: lt.ref,
		Image: m.opts.Image, DesiredCount: m.opts.DesiredCount, Autoscale: m.opts.Autoscale,
		HeartbeatMillis:  m.opts.HeartbeatSeconds * 1000 / 4,
		LastModifiedExpr: lt.lastModified, LambdaARNExpr: lt.arn,
	}
	if lt.note != "" {
		notes = append(notes, lt.note)
	}
	src, err := m.moduleSource()
	if err != nil {
		return nil, nil, err
	}
	spec.ModuleSource = src
	spec.ClusterARNExpr = m.clusterARN()
	var clusterNotes []string
	spec.DeclareClusterVariable, clusterNotes = m.declareCluster(spec.ClusterARNExpr)
	notes = append(notes, clusterNotes...)
	spec.TagsExpr = m.tagsExpr()
	spec.DeclarePrefixVariable = m.declarePrefix()
	var sizeNotes []string
	spec.CPU, spec.MemoryReservation, sizeNotes = m.sizing(t)
	notes = append(notes, sizeNotes...)

	spec.DeclareImageVariable = spec.Image == "" && m.declareVariable(WorkerImageVariable, "declared variable "+WorkerImageVariable+" (no default): terraform plan asks for the worker image built from Dockerfile.worker; --image cumuluss/cumulus-ecs-task:2.1.0 keeps Cumulus's Node.js-only worker")
	spec.DeclareRoleVariable = m.declareVariable(InstanceRoleVariable, "the Cumulus ECS instance role lacks states:SendTaskHeartbeat: an aws_iam_role_policy grants it on var."+InstanceRoleVariable+" (declared, no default)")
	spec.DeclareRegion = m.declareRegion()
	return spec, notes, nil
}

// declarePrefix reports whether this step's file declares var.prefix, which
// the names of new resources use: once per run, when the deployment has no
// such variable.
func (m *migration) declarePrefix() bool {
	return m.declareVariable(PrefixVariable, "declared variable "+PrefixVariable+" (no default), which names the new resources; set it to the deployment's prefix")
}

// declareVariable reports whether this step's new file must declare
// var.name: the deployment has none and no earlier step of the run declared
// it. note, when not "", goes into the plan's notes with the declaration.
func (m *migration) declareVariable(name, note string) bool {
	if m.d.Root.Variables[name] != nil || m.declared[name] {
		return false
	}
	m.declared[name] = true
	if note != "" {
		m.plan.Notes = append(m.plan.Notes, note)
	}
	return true
}

// declareCluster reports whether this step's file declares the cluster
// variable clusterExpr names when the deployment has no module.cumulus
// output for it, with the step's note saying so (once per run).
func (m *migration) declareCluster(clusterExpr string) (bool, []string) {
	if clusterExpr != "var."+ClusterVariable || m.declared[ClusterVariable] {
		return false, nil
	}
	return m.declareVariable(ClusterVariable, ""), []string{"no module.cumulus with an ecs_cluster_arn output: declared variable " + ClusterVariable}
}

// declareRegion reports whether this step's new file must declare
// data.aws_region.current (the worker's AWS_DEFAULT_REGION), once per run.
func (m *migration) declareRegion() bool {
	const addr = "data.aws_region.current"
	if m.d.Root.Resource(addr) != nil || m.declared[addr] {
		return false
	}
	m.declared[addr] = true
	return true
}

// tagsExpr is what new resources are tagged with: the deployment's own
// tags when it has them.
func (m *migration) tagsExpr() string {
	expr := ""
	if m.d.Root.Variables["tags"] != nil {
		expr = "var.tags"
	}
	if _, ok := m.d.Root.Locals["tags"]; ok {
		expr = "local.tags"
	}
	return expr
}

// sizing gives the worker the Lambda's resources: memory_reservation is
// the Lambda's memory (at least 1.25x its peak when usage is known), cpu
// its share of a vCPU.
func (m *migration) sizing(t *terraform.Task) (cpu, reservation int, notes []string) {
	mem := 1024
	if t.Lambda != nil && t.Lambda.MemoryMB.Known {
		mem = t.Lambda.MemoryMB.Value
	} else {
		why := "no Lambda facts"
		if t.Lambda != nil {
			why = t.Lambda.MemoryMB.Why
		}
		notes = append(notes, fmt.Sprintf("the Lambda's memory is unknown (%s): memory_reservation set to %d MB, review it", why, mem))
	}
	reservation = mem
	if m.opts.MaxMemoryUsedMB != nil {
		if used, ok := m.opts.MaxMemoryUsedMB(t); ok {
			if need := int(math.Ceil(float64(used) * 1.25)); need > reservation {
				reservation = need
				notes = append(notes, fmt.Sprintf("memory_reservation %d MB: 1.25x the %d MB the Lambda was seen using", need, used))
			}
		}
	}
	// Lambda gives a function one vCPU at 1,769 MB; ECS counts 1,024 units per vCPU.
	cpu = max(128, int(math.Round(float64(mem)*1024/1769)))
	return cpu, reservation, notes
}

// taskDefinition fills the Terraform of a new ecs-task-token worker: the
// one-shot worker's task definition, its log group, and the two IAM
// policies.
func (m *migration) taskDefinition(w *worker) (*TaskDefinitionSpec, []string, error) {
	var notes []string
	t, name := w.task, w.name
	lt, _ := lambdaOf(t)
	spec := &TaskDefinitionSpec{
		Name: name, DisplayName: CamelCase(name), Lambda: lt.ref,
		LambdaARNExpr: lt.arn, Image: m.opts.Image, Parameters: w.params,
		HeartbeatMillis: m.opts.HeartbeatSeconds * 1000 / 4,
		TagsExpr:        m.tagsExpr(),
	}
	spec.DeclarePrefixVariable = m.declarePrefix()
	var clusterNotes []string
	spec.DeclareClusterVariable, clusterNotes = m.declareCluster(m.clusterARN())
	notes = append(notes, clusterNotes...)
	var sizeNotes []string
	spec.CPU, spec.MemoryReservation, sizeNotes = m.sizing(t)
	notes = append(notes, sizeNotes...)
	notes = append(notes,
		fmt.Sprintf("wrote aws_ecs_task_definition.%s (EC2, container %q running stepshift worker --task-token-env once per execution) and aws_cloudwatch_log_group.%s_worker", name, TaskTokenContainer, name),
		fmt.Sprintf("IAM: aws_iam_role_policy.%s_run_task grants the state machine role ecs:RunTask on the task definition and iam:PassRole to ECS tasks; aws_iam_role_policy.%s_worker grants the ECS instance role states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat, lambda:GetFunction on the Lambda, lambda:GetLayerVersion and the log group", name, name))

	spec.DeclareImageVariable = spec.Image == "" && m.declareVariable(WorkerImageVariable, "declared variable "+WorkerImageVariable+" (no default): terraform plan asks for the worker image built from Dockerfile.worker (Cumulus's cumulus-ecs-task image has no one-shot mode)")
	spec.DeclareRoleVariable = m.declareVariable(InstanceRoleVariable, "the one-shot workers answer with the ECS instance role's credentials (the task definitions set no task role, so the handlers keep the permissions Cumulus's ECS tasks have): aws_iam_role_policy grants on var."+InstanceRoleVariable+" (declared, no default)")
	spec.DeclareStateMachineRoleVariable = m.declareVariable(StateMachineRoleVariable, "the state machines need ecs:RunTask and iam:PassRole: aws_iam_role_policy grants them on var."+StateMachineRoleVariable+" (declared, no default; Cumulus names that role <prefix>-steprole)")
	spec.DeclareRegion = m.declareRegion()
	return spec, notes, nil
}

// moduleSource pins cumulus_ecs_service to the release the deployment
// already uses, so the worker module and the rest of Cumulus agree.
func (m *migration) moduleSource() (string, error) {
	if v := m.opts.CumulusVersion; v != "" {
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		return "https://github.com/nasa/cumulus/releases/download/" + v + "/terraform-aws-cumulus-ecs-service.zip", nil
	}
	if v, _, ok := m.d.CumulusRelease(); ok {
		return "https://github.com/nasa/cumulus/releases/download/" + v + "/terraform-aws-cumulus-ecs-service.zip", nil
	}
	// A deployment built from a Cumulus checkout uses tf-modules/cumulus; its sibling is the service module.
	for _, c := range m.d.Root.Calls {
		if c.IsLocal() && filepath.Base(c.Source) == "cumulus" {
			sib := filepath.ToSlash(filepath.Join(filepath.Dir(c.Source), "cumulus_ecs_service"))
			if !strings.HasPrefix(sib, ".") {
				sib = "./" + sib
			}
			if st, err := os.Stat(filepath.Join(m.d.Root.Dir, sib)); err == nil && st.IsDir() {
				return sib, nil
			}
		}
	}
	return "", fmt.Errorf("cannot tell which Cumulus release the deployment uses (no module source pins one): pass --cumulus-version")
}

// clusterARN names the Cumulus ECS cluster: module.<cumulus>.ecs_cluster_arn
// when that output exists (or the module is remote and not initialised, as
// the real Cumulus module has it), else a variable.
func (m *migration) clusterARN() string {
	for _, c := range m.d.Root.Calls {
		if c.Module != nil && c.Module.Outputs["ecs_cluster_arn"] != nil {
			return "module." + c.Name + ".ecs_cluster_arn"
		}
	}
	for _, c := range m.d.Root.Calls {
		if c.Module == nil && c.Release != "" && strings.HasSuffix(c.Source, "//tf-modules/cumulus") {
			return "module." + c.Name + ".ecs_cluster_arn"
		}
	}
	return "var." + ClusterVariable
}

// outside reports whether path is outside the folder dir.
func outside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// inTerraformDir reports whether path is inside a .terraform folder.
func inTerraformDir(path string) bool {
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		if part == ".terraform" {
			return true
		}
	}
	return false
}

// exprText is an expression as written in its .tf file, on one line and
// cut at 80 characters.
func exprText(d *terraform.Deployment, expr hclsyntax.Expression) string {
	rng := expr.Range()
	if f := d.Files[rng.Filename]; f != nil && rng.End.Byte <= len(f.Bytes) {
		text := strings.Join(strings.Fields(string(rng.SliceBytes(f.Bytes))), " ")
		if r := []rune(text); len(r) > 80 {
			text = string(r[:77]) + "..."
		}
		return text
	}
	return "an expression"
}

// finish turns the pending files into the plan's changes: each new
// worker's file, now that it knows every step it serves, and the edits.
func (m *migration) finish() error {
	for _, w := range m.workerOrder {
		if w.reused {
			continue
		}
		tf, err := w.emit()
		if err != nil {
			return err
		}
		m.files[w.path] = &pendingFile{path: w.path, current: tf, isNew: true}
		m.order = append(m.order, w.path)
	}
	for _, path := range m.order {
		f := m.files[path]
		c := &FileChange{Path: path, Before: f.before, Mode: 0o644}
		if f.isNew {
			c.Before = nil
			c.After = f.current
		} else {
			after := f.current
			if len(f.bodies) > 0 || len(f.edits) > 0 {
				edits := append([]Edit(nil), f.edits...)
				for k, body := range f.bodies {
					edits = append(edits, Edit{Start: k[0], End: k[1], Text: string(body)})
				}
				out, err := applyEdits(f.before, edits)
				if err != nil {
					return err
				}
				after = out
			}
			// A .tf file that was `terraform fmt`-clean stays so: a new
			// map key longer than the others realigns every "=" of the map,
			// which only formatting gets right. A file that was not clean
			// is left as its author wrote it.
			if strings.HasSuffix(path, ".tf") && bytes.Equal(hclwrite.Format(f.before), f.before) {
				after = hclwrite.Format(after)
			}
			if string(after) == string(f.before) {
				continue
			}
			c.After = after
			if st, err := os.Stat(path); err == nil {
				c.Mode = st.Mode().Perm()
			}
		}
		m.plan.Changes = append(m.plan.Changes, c)
	}
	sort.SliceStable(m.plan.Changes, func(i, j int) bool { return m.plan.Changes[i].Path < m.plan.Changes[j].Path })
	return nil
}
