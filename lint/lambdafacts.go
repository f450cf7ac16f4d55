package lint

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/stepshift/stepshift/schemas"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/usage"
	"github.com/stepshift/stepshift/workflow"
)

// taskFacts is one Task state with what the deployment knows about it. The
// Lambda-limit, activity and usage rules all start from it.
type taskFacts struct {
	state  *workflow.State
	task   *terraform.Task        // nil when the unit has no Terraform facts for the state
	lambda *terraform.LambdaFacts // nil unless the Task runs a Lambda the deployment describes
	at     *workflow.Node         // where findings point: the state's Resource value
}

// taskStates lists every Task state of the document with its facts, in
// document order.
func (p *Pass) taskStates() []taskFacts {
	var out []taskFacts
	for _, st := range p.Doc.States {
		if st.Type != "Task" {
			continue
		}
		tf := p.Unit.facts(st)
		if tf.at = st.Field("Resource"); tf.at == nil {
			tf.at = st.Node
		}
		out = append(out, tf)
	}
	return out
}

// lambdaTasks lists the Task states whose Lambda the deployment describes.
func (p *Pass) lambdaTasks() []taskFacts {
	var out []taskFacts
	for _, t := range p.taskStates() {
		if t.lambda != nil {
			out = append(out, t)
		}
	}
	return out
}

// isActivity reports whether the Task runs an activity, by its literal ARN
// or by what Terraform resolved its Resource to.
func (t taskFacts) isActivity() bool {
	if r := t.state.Resource; r != nil && r.Kind == workflow.Activity {
		return true
	}
	return t.task != nil && t.task.Target.Kind == terraform.TargetActivity
}

// isLambda reports whether the Task invokes a Lambda: a literal function
// ARN, the lambda:invoke integration, or a Terraform reference that
// resolves to a function.
func (t taskFacts) isLambda() bool {
	if r := t.state.Resource; r != nil && (r.Kind == workflow.LambdaARN || r.Kind == workflow.LambdaInvoke) {
		return true
	}
	return t.task != nil && t.task.Target.Kind == terraform.TargetLambda
}

// functionName is the name the Lambda's logs are filed under: the
// function_name Terraform sets, else the name in an evaluated or literal
// ARN. "" when unknown.
func (t taskFacts) functionName() string {
	if t.lambda != nil && t.lambda.FunctionName.Known && t.lambda.FunctionName.Value != "" {
		return t.lambda.FunctionName.Value
	}
	if t.task != nil && t.task.Target.Value.Known {
		if n := nameFromARN(t.task.Target.Value.Value); n != "" {
			return n
		}
	}
	if r := t.state.Resource; r != nil {
		switch {
		case r.Kind == workflow.LambdaARN && r.Name != "":
			return r.Name
		case r.Kind == workflow.LambdaInvoke && r.FunctionName != nil && r.FunctionName.Kind == workflow.String &&
			!r.FunctionName.IsTemplated() && !strings.HasSuffix(r.FunctionName.Key, ".$"):
			return nameFromARN(r.FunctionName.Str)
		}
	}
	return ""
}

// FunctionName is the name of the Lambda a Task state runs, the way the
// usage rules look up its logs: the function_name the deployment sets, else
// the name in an evaluated or literal ARN; "" when unknown or not a Lambda.
func (u *Unit) FunctionName(st *workflow.State) string {
	return u.facts(st).functionName()
}

// LambdaRef is how Lambda's API can name the function a Task state runs:
// its ARN when the deployment evaluated one or the definition writes one
// (so the account and region are the ones the workflow uses), else its
// function name; "" when the Task runs no Lambda stepshift can name.
func (u *Unit) LambdaRef(st *workflow.State) string {
	t := u.facts(st)
	if t.task != nil && t.task.Target.Value.Known && strings.HasPrefix(t.task.Target.Value.Value, "arn:") && nameFromARN(t.task.Target.Value.Value) != "" {
		return t.task.Target.Value.Value
	}
	if r := st.Resource; r != nil {
		switch {
		case r.Kind == workflow.LambdaARN && r.ARN != "":
			return r.ARN
		case r.Kind == workflow.LambdaInvoke && r.FunctionName != nil && r.FunctionName.Kind == workflow.String &&
			!r.FunctionName.IsTemplated() && !strings.HasSuffix(r.FunctionName.Key, ".$"):
			return r.FunctionName.Str
		}
	}
	if t.lambda != nil {
		return t.functionName()
	}
	return ""
}

// facts is what the unit knows about the Task state st, without the
// finding position (a Pass sets that). u may be nil.
func (u *Unit) facts(st *workflow.State) taskFacts {
	tf := taskFacts{state: st, task: u.Task(st)}
	if tf.task != nil && tf.task.Target.Kind == terraform.TargetLambda {
		tf.lambda = tf.task.Lambda
	}
	return tf
}

// nameFromARN returns the function name of a Lambda ARN
// ("arn:aws:lambda:us-east-1:1234:function:name[:qualifier]") or of a
// bare name; "" for other ARNs.
func nameFromARN(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		if i := strings.IndexByte(s, ':'); i >= 0 {
			s = s[:i]
		}
		return s
	}
	parts := strings.Split(s, ":")
	if len(parts) >= 7 && parts[2] == "lambda" && parts[5] == "function" {
		return parts[6]
	}
	return ""
}

// lambdaLabel names a task's Lambda in a message:
// `Lambda "ghrc-sit-SyncGranule" (module.cumulus.aws_lambda_function.sync_granule_task)`.
func (t taskFacts) lambdaLabel() string {
	name := t.functionName()
	addr := ""
	if t.lambda != nil {
		addr = t.lambda.Address
	}
	if addr == "" && t.task != nil {
		addr = t.task.Target.Expr
	}
	switch {
	case name != "" && addr != "":
		return fmt.Sprintf("Lambda %q (%s)", name, addr)
	case name != "":
		return fmt.Sprintf("Lambda %q", name)
	case addr != "":
		return "Lambda " + addr
	}
	return "the Lambda"
}

// functionLabel names the function the way a finding about the function
// itself (not one Task's use of it) does: the lambdaLabel, which names no
// Task.
func (t taskFacts) functionLabel() string { return t.lambdaLabel() }

// migrateHint is the command that moves the step off Lambda.
func (t taskFacts) migrateHint() string {
	name := t.state.Name
	if strings.ContainsAny(name, " \t'\"$`\\!*?[]{}()<>|&;") {
		name = "'" + strings.ReplaceAll(name, "'", `'\''`) + "'"
	}
	return "stepshift migrate --step " + name
}

// withFact adds the Terraform location that set a fact as related
// information ("terraform.tfvars:17:19: memory_size is set here").
func withFact[T any](f *Finding, fact terraform.Fact[T], what string) *Finding {
	return withRange(f, fact.Range, what)
}

// withRange adds a Terraform location as related information; a zero
// range (a value from outside Terraform) adds nothing.
func withRange(f *Finding, rng hcl.Range, what string) *Finding {
	if rng.Filename == "" {
		return f
	}
	r := terraform.WorkflowRange(rng)
	r.Filename = filepath.Clean(r.Filename)
	return f.WithRelated(r, "%s", what)
}

// sourceNote says where a value came from when it was not written in the
// Terraform the finding points at, so a reader knows what to edit.
func sourceNote[T any](fact terraform.Fact[T]) string {
	switch fact.Source {
	case terraform.SourceDefault:
		return " (AWS default)"
	case terraform.SourceTFState:
		return " (from --tfstate)"
	case terraform.SourceCLI:
		return " (from --var)"
	case terraform.SourceAWS:
		return " (deployed configuration)"
	}
	return ""
}

var defaultLimits = sync.OnceValue(func() schemas.Limits {
	l, err := schemas.LoadLimits(schemas.DefaultProfile)
	if err != nil {
		// The embedded data is checked by schemas' own tests; without it
		// the limit rules fall back to the AWS quotas written here.
		return schemas.Limits{Profile: schemas.DefaultProfile, MemoryMinMB: 128, MemoryMaxMB: 10240,
			EphemeralStorageMinMB: 512, EphemeralStorageMaxMB: 10240, TimeoutMaxSeconds: 900,
			ZippedPackageMaxBytes: 50 << 20, UnzippedPackageMaxBytes: 250 << 20, LayersMax: 5,
			EnvironmentVariablesMaxBytes: 4096, StepFunctionsPayloadMaxBytes: 256 << 10}
	}
	return l
})

// limits are the quotas of this run: Options.Limits, or the AWS profile.
func (p *Pass) limits() schemas.Limits {
	if p.opts.Limits.MemoryMaxMB != 0 {
		return p.opts.Limits
	}
	return defaultLimits()
}

// limitsName names the source of the numbers for messages: "Lambda", or
// "the cumulus-docs limits", or "this account (memory_max_mb)".
func (p *Pass) limitsName() string {
	if l := p.limits(); l.Profile != "" && l.Profile != schemas.DefaultProfile {
		return "the " + l.Profile + " limits"
	}
	return "Lambda"
}

// memoryLimitName says whose memory cap a finding compares with: a
// memory_max_mb lower than the profile's is the account's own cap.
func (p *Pass) memoryLimitName() string {
	l := p.limits()
	if prof, err := schemas.LoadLimits(l.Profile); err == nil && l.Profile != "" && prof.MemoryMaxMB != l.MemoryMaxMB {
		return "this account (memory_max_mb)"
	}
	return p.limitsName()
}

// margin is the near-limit fraction of this run.
func (p *Pass) margin() float64 {
	if m := p.opts.Margin; m > 0 && m <= 1 {
		return m
	}
	return DefaultMargin
}

// nearLimit reports whether v is at or above the margin of limit (and not over it).
func (p *Pass) nearLimit(v, limit float64) bool {
	return limit > 0 && v <= limit && v >= p.margin()*limit
}

// percentOf renders v as a whole percentage of limit, rounded down so
// "99%" never means "over".
func percentOf(v, limit float64) string {
	if limit <= 0 {
		return "?"
	}
	return strconv.Itoa(int(math.Floor(v*100/limit))) + "%"
}

// commas renders n with thousands separators: 12000 → "12,000".
func commas(n int64) string { return usage.Thousands(n) }

// megabytes renders a byte count in MB (2^20 bytes, as Lambda's quotas
// count them) with one decimal below 100 MB.
func megabytes(n int64) string {
	mb := float64(n) / (1 << 20)
	if mb < 100 {
		return strconv.FormatFloat(math.Round(mb*10)/10, 'f', 1, 64) + " MB"
	}
	return commas(int64(math.Round(mb))) + " MB"
}

// elemsOf returns the elements of an array node; nil for a missing or
// non-array node, so rules can range over optional fields.
func elemsOf(n *workflow.Node) []*workflow.Node {
	if n == nil || n.Kind != workflow.Array {
		return nil
	}
	return n.Elems
}
