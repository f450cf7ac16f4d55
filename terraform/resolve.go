package terraform

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/stepshift/stepshift/workflow"
)

// maxFollow bounds how many references resolving one Task may follow.
const maxFollow = 64

// TargetKind is what a Task's Resource turns out to be.
type TargetKind int

// Target kinds. Kinds come from the expression's resource type (or, for a
// module that is not initialised, the Cumulus convention the issue documents:
// `.task_arn` outputs are Lambdas, `module.<wf>.name` of a module rendering a
// state machine is a workflow).
const (
	TargetUnknown TargetKind = iota
	TargetLambda
	TargetActivity
	TargetWorkflow
	TargetQueue
	TargetService // an AWS service integration other than Lambda
	TargetOther   // a resource of another type
)

// String names the kind for dumps.
func (k TargetKind) String() string {
	return [...]string{"unknown", "lambda", "activity", "workflow", "queue", "service", "other"}[k]
}

// Task is one Task state of a rendering joined to what its Resource reaches.
type Task struct {
	State     *workflow.State
	Rendering *Rendering
	Target    Target
	Lambda    *LambdaFacts // set for every TargetLambda, with unknowns where the Lambda cannot be seen
}

// Target is what a Task's Resource (or its lambda:invoke FunctionName) resolves to.
type Target struct {
	Kind      TargetKind
	Expr      string    // the Terraform expression as written: the map value or the inline ${...} reference
	ExprRange hcl.Range // where Expr is written (in the .tf file)
	Variable  *TemplateVar
	Address   string    // absolute address of the resource reached: "module.cumulus.aws_lambda_function.sync_granule_task"
	Resource  *Resource // nil when the resource is not in the loaded configuration
	Value     Fact[string]
	// LambdaRef is the expression naming the Lambda's object as migrate
	// references it: "module.cumulus.sync_granule_task" (whose outputs are
	// task_arn and last_modified_date) or "aws_lambda_function.x".
	LambdaRef        string
	LastModifiedExpr string // "module.cumulus.sync_granule_task.last_modified_date", "aws_lambda_function.x.last_modified"
	Why              string // why Kind or Address is not known
	Note             string // how a resource was matched when not by reference (tfstate naming)
}

type resolution struct {
	kind   TargetKind
	res    *Resource
	addr   string
	why    string
	note   string
	arn    string // a literal ARN reached
	fnName string // the function name of a Lambda ARN built as a string
	module *Module
}

func kindForType(typ string) TargetKind {
	switch typ {
	case "aws_lambda_function", "aws_lambda_alias":
		return TargetLambda
	case "aws_sfn_activity":
		return TargetActivity
	case "aws_sfn_state_machine":
		return TargetWorkflow
	case "aws_sqs_queue":
		return TargetQueue
	}
	return TargetOther
}

func classifyLiteral(s string) TargetKind {
	switch {
	case strings.HasPrefix(s, "arn:") && strings.Contains(s, ":lambda:") && strings.Contains(s, ":function:"):
		return TargetLambda
	case strings.HasPrefix(s, "arn:") && strings.Contains(s, ":states:") && strings.Contains(s, ":activity:"):
		return TargetActivity
	case strings.HasPrefix(s, "arn:") && strings.Contains(s, ":states:") && strings.Contains(s, ":stateMachine:"):
		return TargetWorkflow
	case strings.HasPrefix(s, "https://sqs.") || (strings.HasPrefix(s, "arn:") && strings.Contains(s, ":sqs:")):
		return TargetQueue
	}
	return TargetUnknown
}

func (d *Deployment) resolveTasks(r *Rendering) {
	if r.Document == nil {
		return
	}
	for _, st := range r.Document.States {
		if st.Resource == nil {
			continue
		}
		t := &Task{State: st, Rendering: r}
		t.Target = d.resolveResource(r, st.Resource)
		if t.Target.Kind == TargetLambda {
			t.Lambda = d.lambdaFor(r.Module, t.Target)
		}
		r.Tasks = append(r.Tasks, t)
	}
	for _, in := range r.Document.Interpolations {
		if in.IsVariable() {
			if v := r.Var(in.Expr); v != nil {
				v.Used = true
			} else if r.Map != nil && r.Call != nil && r.Call.Name == "templatefile" && !bytes.Contains(r.Document.Source, []byte("%{")) {
				// (A %{ for } directive binds names of its own; such
				// templates are template-directive's to report.)
				// Terraform refuses the plan: templatefile() evaluates
				// every ${...} of the template against the map alone.
				rng := HCLRange(in.Range)
				d.Diagnostics = append(d.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Template variable not in the vars map",
					Detail:  fmt.Sprintf("${%s}: the templatefile() map at %s has no key %q, so Terraform rejects the call (vars map does not contain key %q)", in.Expr, rangeString(r.Map.Range()), in.Expr, in.Expr),
					Subject: &rng, Context: r.Call.Range().Ptr()})
			}
		}
	}
}

func (d *Deployment) resolveResource(r *Rendering, res *workflow.Resource) Target {
	switch res.Kind {
	case workflow.TerraformRef:
		return d.resolveInterp(r, res.Interp)
	case workflow.LambdaInvoke:
		fn := res.FunctionName
		if fn == nil {
			return Target{Kind: TargetLambda, Why: "lambda:invoke without Parameters.FunctionName"}
		}
		if in := fn.WholeInterpolation(); in != nil {
			t := d.resolveInterp(r, in)
			if t.Kind == TargetUnknown && t.Why == "" {
				t.Kind = TargetLambda
			}
			return t
		}
		if fn.Kind == workflow.String && !fn.IsTemplated() {
			return d.literalLambda(fn.Str)
		}
		return Target{Kind: TargetLambda, Why: "Parameters.FunctionName is computed at run time (FunctionName.$) or partly templated"}
	case workflow.LambdaARN:
		return d.literalLambda(res.ARN)
	case workflow.Activity:
		return Target{Kind: TargetActivity, Value: Fact[string]{Value: res.ARN, Known: true, Source: SourceTerraform}}
	case workflow.ServiceIntegration:
		return Target{Kind: TargetService}
	}
	return Target{Why: fmt.Sprintf("Resource %q is not a reference stepshift can follow", res.Raw)}
}

// literalLambda is a Lambda named by a literal ARN or name in the workflow;
// when exactly one aws_lambda_function of the deployment has that
// function_name, its facts are that function's.
func (d *Deployment) literalLambda(nameOrARN string) Target {
	t := Target{Kind: TargetLambda, Value: Fact[string]{Value: nameOrARN, Known: true, Source: SourceTerraform}}
	name := nameOrARN
	if i := strings.Index(name, ":function:"); i >= 0 {
		name = strings.SplitN(name[i+len(":function:"):], ":", 2)[0]
	}
	var found []*Resource
	for _, m := range d.Modules {
		for _, r := range m.Resources {
			if r.Mode != Managed || r.Type != "aws_lambda_function" || r.Attr("function_name") == nil {
				continue
			}
			if f := m.Eval(r.Attr("function_name").Expr); f.Known && f.Value.Type() == cty.String && f.Value.AsString() == name {
				found = append(found, r)
			}
		}
	}
	if len(found) == 1 {
		t.Resource, t.Address = found[0], found[0].Address()
		t.Note = "matched by function_name " + name
		return t
	}
	t.Why = "a literal ARN string (" + nameOrARN + "): no single aws_lambda_function of this deployment has its function_name"
	return t
}

func (d *Deployment) resolveInterp(r *Rendering, in *workflow.Interpolation) Target {
	rng := HCLRange(in.Range)
	if in.IsVariable() {
		if r.Kind != Templatefile {
			return Target{Expr: in.Expr, ExprRange: rng, Why: "${" + in.Expr + "} is not a Terraform reference"}
		}
		v := r.Var(in.Expr)
		if v == nil && r.Map == nil {
			why := "the templatefile() variables are not written as a map literal, so the expression behind " + in.Expr + " cannot be followed"
			if r.VarsWhy != "" {
				why = "template variable " + in.Expr + " is not in the templatefile() variables as followed (" + r.VarsWhy + ")"
			} else if len(r.Vars) > 0 {
				why = "template variable " + in.Expr + " is not in the templatefile() variables"
			}
			return Target{Expr: in.Expr, ExprRange: rng, Why: why}
		}
		if v == nil {
			return Target{Expr: in.Expr, ExprRange: rng, Why: "template variable " + in.Expr + " is not in the templatefile() map"}
		}
		vm := r.Module
		if v.Module != nil {
			vm = v.Module
		}
		t := d.resolveExpr(vm, v.Expr, v.ExprText, v.ExprRange)
		t.Variable = v
		return t
	}
	if r.Kind == Templatefile {
		return Target{Expr: in.Expr, ExprRange: rng, Why: "templatefile() templates see only their map's variables, not ${" + in.Expr + "}"}
	}
	// The expression starts 2 bytes into the interpolation ("${"), after any spaces.
	start := rng.Start
	start.Byte += 2
	start.Column += 2
	expr, diags := hclsyntax.ParseExpression([]byte(in.Expr), rng.Filename, start)
	if diags.HasErrors() {
		return Target{Expr: in.Expr, ExprRange: rng, Why: "${" + in.Expr + "}: " + diags[0].Summary}
	}
	return d.resolveExpr(r.Module, expr, in.Expr, rng)
}

func (d *Deployment) resolveExpr(m *Module, expr hcl.Expression, text string, rng hcl.Range) Target {
	t := Target{Expr: text, ExprRange: rng}
	res := d.followExpr(m, expr, nil, 0)
	t.Kind, t.Resource, t.Address, t.Why, t.Note = res.kind, res.res, res.addr, res.why, res.note
	if res.arn != "" && t.Kind == TargetUnknown {
		t.Kind = classifyLiteral(res.arn)
		if t.Kind == TargetLambda {
			// A literal ARN or name in the map: the deployment's own
			// function when one has that function_name.
			lit := d.literalLambda(res.arn)
			t.Resource, t.Address, t.Note = lit.Resource, lit.Address, lit.Note
			if lit.Resource == nil {
				t.Why = "a literal ARN string (" + res.arn + "): no single aws_lambda_function of this deployment has its function_name"
			}
		}
	}
	v := m.Eval(expr)
	t.Value = Fact[string]{Known: v.Known, Why: v.Why, Source: v.Source, Range: v.Range}
	if v.Known {
		if s, ok := asString(v.Value); ok {
			t.Value.Value = s
			if t.Kind == TargetUnknown {
				t.Kind = classifyLiteral(s)
			}
		} else {
			t.Value = unknownFact[string]("not a string")
		}
	}
	if t.Kind == TargetLambda && t.Resource == nil && res.fnName != "" {
		// "arn:aws:lambda:${local.region}:${local.account_id}:function:${var.prefix}-X"
		// (OPERA's map): the deployment's function of that name, if one.
		lit := d.literalLambda(res.fnName)
		t.Resource, t.Address, t.Note = lit.Resource, lit.Address, lit.Note
		if lit.Resource != nil {
			t.Why = ""
		} else {
			t.Why = "a Lambda ARN written as a string (function " + res.fnName + "): no single aws_lambda_function of this deployment has that function_name"
		}
	}
	if t.Kind == TargetLambda {
		t.LambdaRef, t.LastModifiedExpr = lambdaRefs(m, expr)
	}
	if t.Resource != nil && t.Resource.Type == "aws_lambda_alias" {
		d.throughAlias(m, &t)
	}
	return t
}

// throughAlias follows an aws_lambda_alias target to the function its
// function_name names (a reference, a name or an ARN), whose facts the
// alias's versions share: memory, timeout and runtime are the function's
// configuration. The alias stays the reference migrate invokes; the
// function's last_modified is its change marker.
func (d *Deployment) throughAlias(m *Module, t *Target) {
	alias := t.Resource
	via := "through " + t.Address
	fn := alias.Attr("function_name")
	if fn == nil {
		t.Resource, t.Why = nil, t.Address+" has no function_name"
		return
	}
	res := d.followExpr(alias.Module, fn.Expr, nil, 0)
	if res.res != nil && res.res.Type == "aws_lambda_function" {
		t.Resource, t.Address, t.Note = res.res, res.res.Address(), via
		if res.res.Module == m && t.LambdaRef != "" {
			t.LastModifiedExpr = res.res.LocalAddress() + ".last_modified"
		}
		return
	}
	name := alias.Module.Eval(fn.Expr)
	if s, ok := asString(name.Value); name.Known && ok {
		lit := d.literalLambda(s)
		t.Resource, t.Why = lit.Resource, ""
		if lit.Resource == nil {
			t.Why = t.Address + ": function_name " + s + " is no aws_lambda_function of this deployment"
			return
		}
		t.Address, t.Note = lit.Address, via+", "+lit.Note
		return
	}
	why := res.why
	if why == "" {
		why = name.Why
	}
	t.Resource, t.Why = nil, "the function of "+t.Address+" is not known: "+why
}

// lambdaARNTemplate recognises a Lambda ARN built as a string template
// ("arn:aws:lambda:${region}:${account}:function:${prefix}-X") and
// evaluates the function name after ":function:". ok is false for other
// strings; name is "" (and why says why) when the name is not known.
func (m *Module) lambdaARNTemplate(e *hclsyntax.TemplateExpr) (name, why string, ok bool) {
	if len(e.Parts) == 0 {
		return "", "", false
	}
	first, isLit := e.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !isLit || first.Val.Type() != cty.String || !strings.HasPrefix(first.Val.AsString(), "arn:") {
		return "", "", false
	}
	var b strings.Builder
	inName := false
	for _, part := range e.Parts {
		if lit, isLit := part.(*hclsyntax.LiteralValueExpr); isLit && lit.Val.Type() == cty.String {
			text := lit.Val.AsString()
			if !inName {
				if i := strings.Index(text, ":function:"); i >= 0 {
					inName = true
					text = text[i+len(":function:"):]
				} else {
					continue
				}
			}
			b.WriteString(text)
			continue
		}
		if !inName {
			continue
		}
		v := m.Eval(part)
		s, isStr := asString(v.Value)
		if !v.Known || !isStr {
			why := v.Why
			if why == "" {
				why = "not a string"
			}
			return "", "a Lambda ARN written as a string whose function name is not known: " + why, true
		}
		b.WriteString(s)
	}
	if !inName || b.Len() == 0 {
		return "", "", false
	}
	first2 := strings.SplitN(b.String(), ":", 2)[0] // drop a :qualifier
	return first2, "", true
}

func asString(v cty.Value) (string, bool) {
	if v.IsNull() || !v.IsKnown() {
		return "", false
	}
	switch v.Type() {
	case cty.String:
		return v.AsString(), true
	case cty.Number:
		return v.AsBigFloat().Text('f', -1), true
	case cty.Bool:
		return fmt.Sprint(v.True()), true
	}
	return "", false
}

// lambdaRefs names the Lambda object and its last-modified attribute the way
// migrate writes them beside the ARN expression.
func lambdaRefs(m *Module, expr hcl.Expression) (ref, lastModified string) {
	st, ok := unwrap(expr).(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return "", ""
	}
	names := traversalNames(st.Traversal)
	if len(names) != len(st.Traversal) {
		return "", ""
	}
	switch {
	case len(names) == 4 && names[0] == "module" && names[3] == "task_arn":
		ref = strings.Join(names[:3], ".")
		c := m.calls[names[1]]
		if c == nil {
			return ref, ""
		}
		if c.Module == nil {
			return ref, ref + ".last_modified_date" // the Cumulus task output object, not readable before init
		}
		if o := c.Module.Outputs[names[2]]; o != nil {
			if obj, ok := unwrap(o.Expr).(*hclsyntax.ObjectConsExpr); ok {
				for _, it := range obj.Items {
					if hcl.ExprAsKeyword(it.KeyExpr) == "last_modified_date" {
						return ref, ref + ".last_modified_date"
					}
				}
			}
		}
		return ref, ""
	case len(names) == 3 && names[0] == "module":
		// A task's own deploy module exposing the ARN and its last-modified date.
		if c := m.calls[names[1]]; c != nil && c.Module != nil && c.Module.Outputs["last_modified_date"] != nil {
			ref = strings.Join(names[:2], ".")
			return ref, ref + ".last_modified_date"
		}
		return "", ""
	case len(names) == 3 && names[0] == "aws_lambda_function":
		ref = strings.Join(names[:2], ".")
		return ref, ref + ".last_modified"
	case len(names) == 3 && names[0] == "aws_lambda_alias":
		// Its last_modified is the function's (throughAlias).
		return strings.Join(names[:2], "."), ""
	case len(names) == 4 && names[0] == "data" && names[1] == "aws_lambda_function":
		ref = strings.Join(names[:3], ".")
		return ref, ref + ".last_modified"
	}
	return "", ""
}

func unwrap(expr hcl.Expression) hcl.Expression {
	for {
		switch e := expr.(type) {
		case *hclsyntax.TemplateWrapExpr:
			expr = e.Wrapped
		case *hclsyntax.ParenthesesExpr:
			expr = e.Expression
		default:
			return expr
		}
	}
}

func (d *Deployment) followExpr(m *Module, expr hcl.Expression, rest []string, depth int) resolution {
	if depth > maxFollow {
		return resolution{why: fmt.Sprintf("references nest deeper than %d", maxFollow)}
	}
	switch e := unwrap(expr).(type) {
	case *hclsyntax.ScopeTraversalExpr:
		names := traversalNames(e.Traversal)
		if len(names) != len(e.Traversal) {
			// aws_lambda_function.x[0].arn, data.y.z[count.index].arn:
			// one instance of a resource created under count or for_each.
			// Every instance has the configuration written in the block,
			// so the facts are that configuration's; what differs per
			// instance (count.index, each.key) stays unknown, saying so.
			isResource := names[0] != "module" && names[0] != "local" && names[0] != "var" && len(names) >= 2
			if names[0] == "data" {
				isResource = len(names) >= 3
			}
			if !isResource {
				return resolution{why: rangeString(e.Range()) + ": an indexed reference into " + strings.Join(names, ".") + " is not followed"}
			}
		}
		return d.follow(m, append(names, rest...), depth+1)
	case *hclsyntax.ObjectConsExpr:
		if len(rest) > 0 {
			for _, it := range e.Items {
				if hcl.ExprAsKeyword(it.KeyExpr) == rest[0] {
					return d.followExpr(m, it.ValueExpr, rest[1:], depth+1)
				}
			}
			return resolution{why: fmt.Sprintf("%s: the object has no attribute %q", rangeString(e.Range()), rest[0])}
		}
	case *hclsyntax.ConditionalExpr:
		// cond ? aws_lambda_function.task.qualified_arn : aws_lambda_function.task.arn
		// (Cumulus's cumulus_lambda_function task_arn): the branch the
		// condition picks when it is known, else the one resource both
		// branches reach.
		if c := m.Eval(e.Condition); c.Known && !c.Value.IsNull() && c.Value.Type() == cty.Bool {
			if c.Value.True() {
				return d.followExpr(m, e.TrueResult, rest, depth+1)
			}
			return d.followExpr(m, e.FalseResult, rest, depth+1)
		}
		t, f := d.followExpr(m, e.TrueResult, rest, depth+1), d.followExpr(m, e.FalseResult, rest, depth+1)
		if t.res != nil && t.res == f.res {
			return t
		}
		return resolution{why: rangeString(e.Range()) + ": the branches of a condition that is not known reach different things"}
	case *hclsyntax.LiteralValueExpr:
		// A string value from tfvars (valueVars).
		if s, ok := asString(e.Val); ok && len(rest) == 0 {
			return resolution{arn: s}
		}
	case *hclsyntax.TemplateExpr:
		if e.IsStringLiteral() && len(rest) == 0 {
			v, _ := e.Value(nil)
			return resolution{arn: v.AsString()}
		}
		if len(rest) == 0 {
			if name, why, ok := m.lambdaARNTemplate(e); ok {
				return resolution{kind: TargetLambda, fnName: name, why: why}
			}
		}
	}
	return resolution{why: rangeString(expr.Range()) + ": not a reference stepshift can follow"}
}

func (d *Deployment) follow(m *Module, names []string, depth int) resolution {
	ref := strings.Join(names, ".")
	switch names[0] {
	case "module":
		if len(names) < 3 {
			return resolution{why: m.label(ref) + ": a whole module is not a resource"}
		}
		c := m.calls[names[1]]
		if c == nil {
			return resolution{why: fmt.Sprintf("no module %q in %s", names[1], m.Dir)}
		}
		_, rendersWorkflow := c.Args["state_machine_definition"]
		if c.Module == nil {
			out := resolution{why: c.Why}
			switch {
			case rendersWorkflow:
				out.kind = TargetWorkflow
			case names[len(names)-1] == "task_arn":
				out.kind = TargetLambda
				prefix := m.label("module." + c.Name)
				if addrs := d.State.findByName(prefix, "aws_lambda_function", names[2]); len(addrs) == 1 {
					out.addr = addrs[0]
					out.note = fmt.Sprintf("matched %s in %s by Cumulus naming (output %s)", addrs[0], d.State.File, names[2])
				}
			}
			return out
		}
		o := c.Module.Outputs[names[2]]
		if o == nil || o.Expr == nil {
			out := resolution{why: fmt.Sprintf("%s has no output %q", m.label("module."+c.Name), names[2])}
			if rendersWorkflow {
				out.kind = TargetWorkflow
			}
			return out
		}
		out := d.followExpr(c.Module, o.Expr, names[3:], depth+1)
		if out.kind == TargetUnknown && rendersWorkflow {
			out.kind, out.why = TargetWorkflow, ""
		}
		return out
	case "local":
		if len(names) < 2 || m.Locals[names[1]] == nil {
			return resolution{why: m.label(ref) + " is not declared"}
		}
		return d.followExpr(m, m.Locals[names[1]].Expr, names[2:], depth+1)
	case "var":
		if len(names) < 2 {
			return resolution{why: "the whole var object is not a resource"}
		}
		if m.Parent != nil {
			if a := m.Call.Args[names[1]]; a != nil {
				return d.followExpr(m.Parent, a.Expr, names[2:], depth+1)
			}
		}
		v := factOf(m.varValue(names[1]), hcl.Range{})
		if s, ok := asString(v.Value); v.Known && ok && len(names) == 2 {
			return resolution{arn: s}
		}
		if !v.Known {
			return resolution{why: v.Why}
		}
		return resolution{why: m.label(ref) + " is not a reference to a resource"}
	case "data":
		if len(names) < 3 {
			return resolution{why: m.label(ref) + " is incomplete"}
		}
		local := "data." + names[1] + "." + names[2]
		if names[1] == "terraform_remote_state" {
			// CIRRUS-DAAC reads task ARNs from the Cumulus stack's state
			// this way: what it is, only that other stack knows (migrate
			// recognises a `.outputs.X_task.task_arn` by its shape).
			return resolution{kind: TargetOther, why: fmt.Sprintf("the ARN comes from another Terraform stack's state (%s): lint that stack, or give --aws to read the deployed function", m.label(ref))}
		}
		return resolution{kind: kindForType(names[1]), res: m.resources[local], addr: m.label(local), module: m}
	case "count", "each", "path", "self", "terraform":
		return resolution{why: m.label(ref) + " is not a resource"}
	}
	if len(names) < 2 {
		return resolution{why: m.label(ref) + " is not a resource"}
	}
	local := names[0] + "." + names[1]
	out := resolution{kind: kindForType(names[0]), res: m.resources[local], addr: m.label(local), module: m}
	if r := out.res; r != nil {
		for _, meta := range []string{"count", "for_each"} {
			if r.Attr(meta) != nil {
				out.note = fmt.Sprintf("%s is created under %s: its facts are the configuration every instance shares", out.addr, meta)
			}
		}
	}
	if out.res == nil {
		if d.State == nil || d.State.Resources[out.addr] == nil {
			out.why = fmt.Sprintf("%s is not declared in %s", out.addr, m.Dir)
		}
	}
	return out
}
