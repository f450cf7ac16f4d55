package transpile

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/stepshift/stepshift/terraform"
)

// TaskTokenContainer is the container name of every ecs-task-token task
// definition. The state names the container in its ContainerOverrides, and
// one workflow file rendered with two Lambdas reaches two task definitions
// from the same state: their containers must be called alike.
const TaskTokenContainer = "worker"

// worker is what runs one Lambda's code once its Tasks are migrated: an
// activity polled by a cumulus_ecs_service (the activity target) or an ECS
// task definition (ecs-task-token). Every migrated Task reaching that
// Lambda shares it, whichever workflow or rendering it is in.
type worker struct {
	key    string          // the Lambda's reference, plus "+parameters" for a task definition that applies them
	name   string          // Terraform resource name: "sync_granule"
	task   *terraform.Task // the first Task reaching the Lambda: its ARN, facts and usage size the worker
	params bool            // ecs-task-token: the worker applies STEPSHIFT_PARAMETERS
	// reused is set for an activity an earlier migration wrote for this
	// Lambda: the Tasks migrated now point at it, no file is written.
	reused bool
	path   string   // the new .tf file
	serves []string // "SyncGranule of x.asl.json (module.x)", for the file's header
	notes  []string // what its creation decided, told on the step that created it

	service *ServiceSpec
	taskDef *TaskDefinitionSpec
}

// lambdaBaseName is the resource name a worker of the Lambda ref gets when
// nothing else claims it: the Lambda's own Terraform name without the
// "_task" Cumulus gives its task Lambdas ("module.cumulus.sync_granule_task"
// -> "sync_granule", "aws_lambda_function.sync_granule_priority" ->
// "sync_granule_priority"). The state's name alone would give two Lambdas
// reached from same-named states one activity name.
func lambdaBaseName(ref string) string {
	parts := strings.Split(ref, ".")
	last := parts[len(parts)-1]
	if trimmed := strings.TrimSuffix(last, "_task"); trimmed != "" {
		last = trimmed
	}
	return SnakeCase(last)
}

// lambdaQualifiedName is the name of a worker whose base name two Lambdas
// of the deployment share: the whole reference
// ("module.cumulus.sync_granule_task" -> "cumulus_sync_granule").
func lambdaQualifiedName(ref string) string {
	parts := strings.Split(ref, ".")
	switch {
	case parts[0] == "module" && len(parts) == 3:
		return SnakeCase(parts[1]) + "_" + lambdaBaseName(ref)
	case parts[0] == "data" && len(parts) > 2 && parts[1] == "terraform_remote_state":
		return SnakeCase(parts[2]) + "_" + lambdaBaseName(ref)
	case parts[0] == "data":
		return "data_" + lambdaBaseName(ref)
	case parts[0] == "module":
		return "module_" + lambdaBaseName(ref)
	}
	return "function_" + lambdaBaseName(ref)
}

// sharedBaseNames lists the base names two or more Lambdas reached from
// the deployment's root-module Tasks share. It is worked out over the whole
// deployment, not the selection, so a Lambda's worker is named the same
// whichever steps a run migrates.
func sharedBaseNames(d *terraform.Deployment) map[string]bool {
	refs := map[string]map[string]bool{}
	for _, r := range d.Renderings {
		if r.Module != d.Root {
			continue
		}
		for _, t := range r.Tasks {
			lt, ok := lambdaOf(t)
			if !ok {
				continue
			}
			base := lambdaBaseName(lt.ref)
			if refs[base] == nil {
				refs[base] = map[string]bool{}
			}
			refs[base][lt.ref] = true
		}
	}
	shared := map[string]bool{}
	for base, rs := range refs {
		if len(rs) > 1 {
			shared[base] = true
		}
	}
	return shared
}

// nameTaken reports whether a new worker called name would clash with
// what the deployment or this run already has: any resource, module call
// or file the worker's Terraform would add.
func (m *migration) nameTaken(name string) bool {
	root := m.d.Root
	for _, addr := range []string{
		"aws_sfn_activity." + name, "aws_ecs_task_definition." + name,
		"aws_iam_role_policy." + name + "_heartbeat", "aws_iam_role_policy." + name + "_run_task", "aws_iam_role_policy." + name + "_worker",
		"aws_cloudwatch_log_group." + name + "_worker", "aws_appautoscaling_target." + name + "_service", "aws_appautoscaling_policy." + name + "_backlog",
	} {
		if root.Resource(addr) != nil {
			return true
		}
	}
	if root.ModuleCall(name+"_service") != nil {
		return true
	}
	for _, w := range m.workers {
		if w.name == name {
			return true
		}
	}
	path := filepath.Join(root.Dir, name+"_ecs.tf")
	if m.files[path] != nil {
		return true
	}
	_, err := os.Stat(path)
	return err == nil
}

// workerName picks a free, stable name for the worker of Lambda ref: its
// base name, qualified by the whole reference when another Lambda of the
// deployment has the same base name, numbered when that is taken too.
func (m *migration) workerName(ref string, suffix string) string {
	name := lambdaBaseName(ref)
	if m.sharedBases[name] {
		name = lambdaQualifiedName(ref)
	}
	name += suffix
	if !m.nameTaken(name) {
		return name
	}
	if q := lambdaQualifiedName(ref) + suffix; !m.nameTaken(q) {
		return q
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s_%d", name, i); !m.nameTaken(n) {
			return n
		}
	}
}

// existingActivities maps each Lambda ARN expression that an earlier
// migration (by any stepshift version, or by hand following the Cumulus
// recipe) already runs as an activity to that activity's resource name: a
// root-module module call whose command passes `--activityArn
// aws_sfn_activity.NAME.id` and `--lambdaArn EXPR`, with NAME declared.
func existingActivities(root *terraform.Module) map[string]string {
	out := map[string]string{}
	calls := append([]*terraform.ModuleCall(nil), root.Calls...)
	sort.SliceStable(calls, func(i, j int) bool { return calls[i].Name < calls[j].Name })
	for _, c := range calls {
		attr := c.Args["command"]
		if attr == nil {
			continue
		}
		tuple, ok := attr.Expr.(*hclsyntax.TupleConsExpr)
		if !ok {
			continue
		}
		var activity, lambda string
		for i := 0; i+1 < len(tuple.Exprs); i++ {
			switch literalString(tuple.Exprs[i]) {
			case "--activityArn":
				if names := traversalText(tuple.Exprs[i+1]); len(names) == 3 && names[0] == "aws_sfn_activity" && names[2] == "id" {
					activity = names[1]
				}
			case "--lambdaArn":
				lambda = strings.Join(traversalText(tuple.Exprs[i+1]), ".")
			}
		}
		if activity == "" || lambda == "" || root.Resource("aws_sfn_activity."+activity) == nil {
			continue
		}
		if _, ok := out[lambda]; !ok {
			out[lambda] = activity
		}
	}
	return out
}

// existingTaskDefinitions maps each Lambda that an earlier ecs-task-token
// migration already runs to that task definition's resource name, keyed
// as worker.key is (the Lambda ARN expression, plus "+parameters" when the
// worker applies STEPSHIFT_PARAMETERS). Only task definitions whose
// container is called TaskTokenContainer qualify: a state names the
// container, so one with another name cannot serve every state.
func existingTaskDefinitions(root *terraform.Module) map[string]string {
	out := map[string]string{}
	for _, r := range root.Resources {
		if r.Mode != terraform.Managed || r.Type != "aws_ecs_task_definition" {
			continue
		}
		attr := r.Attr("container_definitions")
		if attr == nil {
			continue
		}
		call, ok := attr.Expr.(*hclsyntax.FunctionCallExpr)
		if !ok || call.Name != "jsonencode" || len(call.Args) != 1 {
			continue
		}
		list, ok := call.Args[0].(*hclsyntax.TupleConsExpr)
		if !ok || len(list.Exprs) != 1 {
			continue
		}
		container, ok := list.Exprs[0].(*hclsyntax.ObjectConsExpr)
		if !ok {
			continue
		}
		var name string
		var command *hclsyntax.TupleConsExpr
		for _, it := range container.Items {
			switch hcl.ExprAsKeyword(it.KeyExpr) {
			case "name":
				name = literalString(it.ValueExpr)
			case "command":
				command, _ = it.ValueExpr.(*hclsyntax.TupleConsExpr)
			}
		}
		if name != TaskTokenContainer || command == nil {
			continue
		}
		lambda, params := "", false
		for i, e := range command.Exprs {
			switch literalString(e) {
			case "--parameters-env":
				params = true
			case "--lambda-arn":
				if i+1 < len(command.Exprs) {
					lambda = strings.Join(traversalText(command.Exprs[i+1]), ".")
				}
			}
		}
		if lambda == "" {
			continue
		}
		key := lambda
		if params {
			key += "+parameters"
		}
		if _, ok := out[key]; !ok {
			out[key] = r.Name
		}
	}
	return out
}

// literalString is the value of a plain quoted string expression, "" for
// anything else.
func literalString(expr hclsyntax.Expression) string {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) != 1 {
		return ""
	}
	lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || !lit.Val.Type().Equals(cty.String) || lit.Val.IsNull() || !lit.Val.IsKnown() {
		return ""
	}
	return lit.Val.AsString()
}

// traversalText is the names of a plain reference ("a.b.c" or "${a.b.c}"),
// nil when the expression is anything else or indexes.
func traversalText(expr hclsyntax.Expression) []string {
	if w, ok := expr.(*hclsyntax.TemplateWrapExpr); ok {
		expr = w.Wrapped
	}
	st, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return nil
	}
	var names []string
	for _, tr := range st.Traversal {
		switch tr := tr.(type) {
		case hcl.TraverseRoot:
			names = append(names, tr.Name)
		case hcl.TraverseAttr:
			names = append(names, tr.Name)
		default:
			return nil
		}
	}
	return names
}

// CamelCase turns a snake_case resource name into the CamelCase the AWS
// names of a worker use, as Cumulus names its resources
// ("sync_granule_priority" -> "SyncGranulePriority").
func CamelCase(snake string) string {
	var b strings.Builder
	for _, part := range strings.Split(snake, "_") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// lambdaTarget is the Lambda a Task reaches, as migrate references it in
// the Terraform it writes.
type lambdaTarget struct {
	// ref names the Lambda's object: "module.cumulus.sync_granule_task",
	// "aws_lambda_function.x", "data.terraform_remote_state.cumulus.outputs.sync_granule_task".
	ref          string
	arn          string // the ARN expression the worker is given
	lastModified string // "" when none can be named
	note         string // what the reference leaves to the reader
}

// lambdaOf returns the Lambda t reaches; ok is false when migrate cannot
// name it in Terraform.
func lambdaOf(t *terraform.Task) (lambdaTarget, bool) {
	switch t.Target.Kind {
	case terraform.TargetLambda:
		ref := t.Target.LambdaRef
		if ref == "" {
			return lambdaTarget{}, false
		}
		lt := lambdaTarget{ref: ref, lastModified: t.Target.LastModifiedExpr}
		switch {
		case strings.HasPrefix(ref, "module.") && strings.Count(ref, ".") == 1:
			// A task's own deploy module: its ARN is the output the
			// workflow reads, whatever that output is called.
			names := exprNames(t.Target.Expr)
			if len(names) != 3 || names[0]+"."+names[1] != ref {
				return lambdaTarget{}, false
			}
			lt.arn = strings.Join(names, ".")
		case strings.HasPrefix(ref, "module."):
			lt.arn = ref + ".task_arn"
		default:
			lt.arn = ref + ".arn"
		}
		return lt, true
	case terraform.TargetOther, terraform.TargetUnknown:
		// A Cumulus task output another stack exports, read through its
		// remote state, as deployments that keep workflows apart from the
		// cumulus module do.
		names := exprNames(t.Target.Expr)
		if len(names) == 6 && names[0] == "data" && names[1] == "terraform_remote_state" && names[3] == "outputs" && names[5] == "task_arn" {
			ref := strings.Join(names[:5], ".")
			return lambdaTarget{ref: ref, arn: ref + ".task_arn",
				note: fmt.Sprintf("the Lambda comes from %s: the worker is not given --lastModified (add %s.last_modified_date if that stack's output has it, so ECS redeploys when the Lambda changes)", ref, ref)}, true
		}
	}
	return lambdaTarget{}, false
}

// isLambdaTask reports whether t reaches a Lambda migrate can reference.
func isLambdaTask(t *terraform.Task) bool {
	_, ok := lambdaOf(t)
	return ok
}

// exprNames is the names of a plain reference written as text
// ("a.b.c" or "${a.b.c}"), nil for anything else.
func exprNames(text string) []string {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "${") && strings.HasSuffix(text, "}") {
		text = strings.TrimSpace(text[2 : len(text)-1])
	}
	expr, diags := hclsyntax.ParseExpression([]byte(text), "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	return traversalText(expr)
}
