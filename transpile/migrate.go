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
	Steps     []string          // --step NAME or File.asl.json:NAME
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
	Activity string // the activity's resource name when migrated to an activity
	// TaskDefinition is the aws_ecs_task_definition's resource name when
	// migrated to ecs-task-token.
	TaskDefinition string
	Reason         string   // why refused
	Notes          []string // what changed besides the Resource
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
			if s.TaskDefinition != "" {
				fmt.Fprintf(&b, "%s: %s: migrated to ecs:runTask.waitForTaskToken with aws_ecs_task_definition.%s\n", loc, s.State, s.TaskDefinition)
			} else {
				fmt.Fprintf(&b, "%s: %s: migrated to activity aws_sfn_activity.%s\n", loc, s.State, s.Activity)
			}
			for _, n := range s.Notes {
				fmt.Fprintf(&b, "    %s\n", n)
			}
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

// Refused reports whether any selected step was refused.
func (p *Plan) Refused() bool {
	for _, s := range p.Steps {
		if s.Status == StepRefused {
			return true
		}
	}
	return false
}

// SelectionError is a --step that names nothing or more than one workflow's step.
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
		var matches []*terraform.Task
		files := map[string]bool{}
		for _, r := range d.Renderings {
			for _, t := range r.Tasks {
				if t.State.Name != name {
					continue
				}
				if file != "" && filepath.Base(r.Filename()) != filepath.Base(file) && r.Filename() != file {
					continue
				}
				matches = append(matches, t)
				files[r.Filename()+"#"+t.State.Pointer()] = true
			}
		}
		switch {
		case len(matches) == 0:
			return nil, &SelectionError{fmt.Sprintf("--step %s: no Task state of that name in the deployment's workflows", spec)}
		case len(files) > 1:
			var names []string
			for f := range files {
				names = append(names, filepath.Base(strings.SplitN(f, "#", 2)[0])+":"+name)
			}
			sort.Strings(names)
			return nil, &SelectionError{fmt.Sprintf("--step %s is ambiguous; say which: %s", spec, strings.Join(names, ", "))}
		}
		for _, t := range matches {
			add(t)
		}
	}
	if opts.AllLambda {
		for _, r := range d.Renderings {
			for _, t := range r.Tasks {
				// Steps migrated before are selected too, so a second run says so.
				if t.Target.Kind == terraform.TargetLambda || t.Target.Kind == terraform.TargetActivity || isTaskTokenState(t.State) {
					add(t)
				}
			}
		}
	}
	return chosen, nil
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
	m := &migration{d: d, opts: opts, plan: &Plan{Dir: d.Dir}, files: map[string]*pendingFile{}, declared: map[string]bool{}}
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
	names    map[string]string
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
	// Names: the step's snake case, qualified by its workflow when two
	// selected steps or an existing resource would collide.
	count := map[string]int{}
	for _, s := range steps {
		count[SnakeCase(s.name)]++
	}
	m.names = map[string]string{}
	for _, s := range steps {
		n := SnakeCase(s.name)
		if count[n] > 1 || m.d.Root.Resource("aws_sfn_activity."+n) != nil || m.d.Root.ModuleCall(n+"_service") != nil ||
			m.d.Root.Resource("aws_ecs_task_definition."+n) != nil {
			n = s.workflow + "_" + n
		}
		m.names[s.file+"#"+s.pointer] = n
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
	return StepOutcome{Workflow: s.file, State: s.name, Pointer: s.pointer, Range: t.State.NameRange}
}

func (m *migration) refuse(s *step, format string, args ...any) {
	o := m.outcome(s, s.tasks[0])
	o.Status, o.Reason = StepRefused, fmt.Sprintf(format, args...)
	m.plan.Steps = append(m.plan.Steps, o)
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
	if first.Target.Kind != terraform.TargetLambda {
		why := first.Target.Why
		if why == "" {
			why = "it resolves to a " + first.Target.Kind.String()
		}
		m.refuse(s, "its Resource is not a Lambda migrate can identify (%s)", why)
		return
	}
	for _, t := range s.tasks[1:] {
		if t.Target.LambdaRef != first.Target.LambdaRef {
			m.refuse(s, "its renderings reach different Lambdas (%s, %s); migrate them one at a time by hand", first.Target.LambdaRef, t.Target.LambdaRef)
			return
		}
	}
	for _, t := range s.tasks {
		if t.Rendering.Module != m.d.Root {
			m.refuse(s, "the workflow is rendered inside %s; migrate writes Terraform in the root module only", t.Rendering.Module.Address())
			return
		}
	}
	if first.Target.LambdaRef == "" {
		m.refuse(s, "the Lambda behind %s is not a resource or Cumulus task output migrate can reference in Terraform", first.Target.Expr)
		return
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

	name := m.names[s.file+"#"+s.pointer]
	if r.Kind == terraform.Templatefile {
		for _, t := range s.tasks {
			if t.Rendering.Map == nil {
				m.refuse(s, "the templatefile() vars of %s are not a literal map migrate can add to", t.Rendering.BlockAddress())
				return
			}
		}
	}
	spec := TaskRewrite{TimeoutSeconds: m.opts.TimeoutSeconds, HeartbeatSeconds: m.opts.HeartbeatSeconds}
	// What the templatefile() map gets (templatefile style), or what the
	// heredoc interpolates directly.
	var entries []mapEntry
	clusterExpr := m.clusterARN()
	switch {
	case taskToken:
		tt := &TaskTokenRewrite{LaunchType: LaunchTypeEC2, Container: name,
			Cluster: "${" + clusterExpr + "}", TaskDefinition: "${aws_ecs_task_definition." + name + ".arn}"}
		if r.Kind == terraform.Templatefile {
			tt.Cluster, tt.TaskDefinition = "${"+name+"_cluster_arn}", "${"+name+"_task_definition_arn}"
			entries = []mapEntry{{name + "_cluster_arn", clusterExpr}, {name + "_task_definition_arn", "aws_ecs_task_definition." + name + ".arn"}}
		}
		spec.TaskToken = tt
	case r.Kind == terraform.Templatefile:
		spec.Resource = "${" + name + "_activity_arn}"
		entries = []mapEntry{{name + "_activity_arn", "aws_sfn_activity." + name + ".id"}}
	default:
		spec.Resource = "${aws_sfn_activity." + name + ".id}"
	}
	f, err := m.file(s.file)
	if err != nil {
		m.refuse(s, "cannot read %s: %v", s.file, err)
		return
	}
	var res *TaskResult
	var refusal *Refusal
	var bodyKey [2]int // a heredoc's body in its .tf file
	if r.Kind != terraform.Templatefile {
		bodyKey = [2]int{r.Body.Start.Byte, r.Body.End.Byte}
	}
	if r.Kind == terraform.Templatefile {
		res, refusal, err = RewriteTask(f.current, workflow.Options{Filename: s.file}, s.pointer, spec)
	} else {
		body, ok := f.bodies[bodyKey]
		if !ok {
			body = f.before[bodyKey[0]:bodyKey[1]]
		}
		res, refusal, err = RewriteTask(body, workflow.Options{Filename: s.file, Base: workflow.Pos{Line: r.Body.Start.Line, Column: r.Body.Start.Column, Byte: r.Body.Start.Byte}}, s.pointer, spec)
	}
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
	// are recorded: a refused step changes no file.
	type mapEdit struct {
		file  *pendingFile
		edits []Edit
	}
	var mapEdits []mapEdit
	if r.Kind == terraform.Templatefile {
		for _, t := range s.tasks {
			mapFile, err := m.file(t.Rendering.Map.SrcRange.Filename)
			if err != nil {
				m.refuse(s, "%v", err)
				return
			}
			edits, err := mapEntriesEdits(mapFile.before, t.Rendering.Map, entries)
			if err != nil {
				m.refuse(s, "%v", err)
				return
			}
			mapEdits = append(mapEdits, mapEdit{mapFile, edits})
		}
	}
	path := filepath.Join(m.d.Root.Dir, s.workflow+"_"+SnakeCase(s.name)+"_ecs.tf")
	if _, err := os.Stat(path); err == nil {
		m.refuse(s, "%s already exists", path)
		return
	}
	if m.files[path] != nil {
		m.refuse(s, "%s is already written for another step of this run", path)
		return
	}
	// Declarations made for a step that is then refused must be made again
	// by the next step, so they are rolled back with it.
	declared := maps.Clone(m.declared)
	planNotes := len(m.plan.Notes)
	var tf []byte
	var notes []string
	if taskToken {
		tf, notes, err = m.taskDefinition(s, name, first, res.ParametersMoved)
	} else {
		tf, notes, err = m.service(s, name, first)
	}
	if err != nil {
		m.declared, m.plan.Notes = declared, m.plan.Notes[:planNotes]
		m.refuse(s, "%v", err)
		return
	}
	if r.Kind == terraform.Templatefile {
		f.current = res.Source
	} else {
		f.bodies[bodyKey] = res.Source
	}
	for _, me := range mapEdits {
		me.file.edits = append(me.file.edits, me.edits...)
	}
	nf := &pendingFile{path: path, current: tf, isNew: true}
	m.files[path] = nf
	m.order = append(m.order, path)
	o := m.outcome(s, first)
	o.Status, o.Notes = StepMigrated, append(res.Notes, notes...)
	if taskToken {
		o.TaskDefinition = name
	} else {
		o.Activity = name
	}
	m.plan.Steps = append(m.plan.Steps, o)
}

// service fills and renders the ECS Terraform of a migrated step.
func (m *migration) service(s *step, name string, t *terraform.Task) ([]byte, []string, error) {
	var notes []string
	spec := &ServiceSpec{
		Name: name, StepName: s.name, Workflow: filepath.Base(s.file),
		Image: m.opts.Image, DesiredCount: m.opts.DesiredCount, Autoscale: m.opts.Autoscale,
		HeartbeatMillis:  m.opts.HeartbeatSeconds * 1000 / 4,
		LastModifiedExpr: t.Target.LastModifiedExpr,
	}
	spec.LambdaARNExpr = lambdaARNExpr(t)
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
	out, err := EmitService(spec)
	return out, notes, err
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

// lambdaARNExpr is the Terraform expression of the Lambda's ARN: the
// Cumulus task output's task_arn, or the resource's arn.
func lambdaARNExpr(t *terraform.Task) string {
	if strings.HasPrefix(t.Target.LambdaRef, "module.") {
		return t.Target.LambdaRef + ".task_arn"
	}
	return t.Target.LambdaRef + ".arn"
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

// taskDefinition fills and renders the Terraform of a step migrated to
// ecs-task-token: the one-shot worker's task definition, its log group,
// and the two IAM policies.
func (m *migration) taskDefinition(s *step, name string, t *terraform.Task, parameters bool) ([]byte, []string, error) {
	var notes []string
	spec := &TaskDefinitionSpec{
		Name: name, StepName: s.name, Workflow: filepath.Base(s.file),
		LambdaARNExpr: lambdaARNExpr(t), Image: m.opts.Image, Parameters: parameters,
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
		fmt.Sprintf("wrote aws_ecs_task_definition.%s (EC2, container %q running stepshift worker --task-token-env once per execution) and aws_cloudwatch_log_group.%s_worker", name, name, name),
		fmt.Sprintf("IAM: aws_iam_role_policy.%s_run_task grants the state machine role ecs:RunTask on the task definition and iam:PassRole to ECS tasks; aws_iam_role_policy.%s_worker grants the ECS instance role states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat, lambda:GetFunction on the Lambda, lambda:GetLayerVersion and the log group", name, name))

	spec.DeclareImageVariable = spec.Image == "" && m.declareVariable(WorkerImageVariable, "declared variable "+WorkerImageVariable+" (no default): terraform plan asks for the worker image built from Dockerfile.worker (Cumulus's cumulus-ecs-task image has no one-shot mode)")
	spec.DeclareRoleVariable = m.declareVariable(InstanceRoleVariable, "the one-shot workers answer with the ECS instance role's credentials (the task definitions set no task role, so the handlers keep the permissions Cumulus's ECS tasks have): aws_iam_role_policy grants on var."+InstanceRoleVariable+" (declared, no default)")
	spec.DeclareStateMachineRoleVariable = m.declareVariable(StateMachineRoleVariable, "the state machines need ecs:RunTask and iam:PassRole: aws_iam_role_policy grants them on var."+StateMachineRoleVariable+" (declared, no default; Cumulus names that role <prefix>-steprole)")
	spec.DeclareRegion = m.declareRegion()
	out, err := EmitTaskDefinition(spec)
	return out, notes, err
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

// finish turns the pending files into the plan's changes.
func (m *migration) finish() error {
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
