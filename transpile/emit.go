package transpile

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Names of what a migration declares once per deployment.
const (
	WorkerImageVariable  = "stepshift_worker_image"
	InstanceRoleVariable = "stepshift_ecs_instance_role_name"
	// ClusterVariable is declared when the deployment has no Cumulus module
	// whose ecs_cluster_arn output migrate can reference.
	ClusterVariable = "stepshift_ecs_cluster_arn"
)

// ServiceSpec is everything the Terraform of one Lambda's activity worker needs. The
// *Expr fields are Terraform traversals ("module.cumulus.queue_granules_task.task_arn").
type ServiceSpec struct {
	Name              string   // resource name, snake case: "queue_granules"
	DisplayName       string   // the CamelCase name in the AWS names: "QueueGranules"
	Lambda            string   // the Lambda's reference, for the header comment: "module.cumulus.queue_granules_task"
	Serves            []string // the steps it runs, for the header comment: "QueueGranules of x.asl.json (module.x)"
	ModuleSource      string   // cumulus_ecs_service source
	ClusterARNExpr    string   // "module.cumulus.ecs_cluster_arn"
	LambdaARNExpr     string
	LastModifiedExpr  string // "" when the Lambda has no such attribute we can name
	Image             string // "" = var.stepshift_worker_image
	DesiredCount      int
	CPU               int
	MemoryReservation int
	HeartbeatMillis   int
	RoleNameExpr      string // the ECS instance role's name; "" = var.stepshift_ecs_instance_role_name
	TagsExpr          string // "" = no tags argument
	Autoscale         *Autoscale

	// Declarations the deployment lacks, emitted once per run.
	DeclarePrefixVariable  bool
	DeclareImageVariable   bool
	DeclareRoleVariable    bool
	DeclareRegion          bool
	DeclareClusterVariable bool
}

// PrefixVariable names new resources, as it names every Cumulus resource.
const PrefixVariable = "prefix"

// prefixDescription is the description of a declared var.prefix.
const prefixDescription = "Prefix of the deployment's resource names (Cumulus: the stack prefix)"

// Autoscale is --autoscale MIN:MAX.
type Autoscale struct{ Min, Max int }

// ParseAutoscale reads "MIN:MAX".
func ParseAutoscale(s string) (*Autoscale, error) {
	var a Autoscale
	if _, err := fmt.Sscanf(s, "%d:%d", &a.Min, &a.Max); err != nil || fmt.Sprintf("%d:%d", a.Min, a.Max) != s {
		return nil, fmt.Errorf("--autoscale %q: want MIN:MAX, e.g. 1:4", s)
	}
	if a.Min < 1 || a.Min > a.Max {
		// The policy tracks ActivityScheduleTime, which Step Functions
		// publishes only when a worker takes a task: from zero workers
		// nothing would ever scale out.
		return nil, fmt.Errorf("--autoscale %q: want 1 <= MIN <= MAX; the backlog metric appears only once a worker takes a task, so a service at 0 would never scale out", s)
	}
	return &a, nil
}

// lambdaPhrase names the Lambda in a header comment.
func lambdaPhrase(lambda, display string) string {
	if lambda == "" {
		return display
	}
	return "the Lambda " + lambda
}

// servesComment ends a header comment with the steps the worker runs.
func servesComment(serves []string) string {
	if len(serves) == 0 {
		return ".\n"
	}
	var b strings.Builder
	b.WriteString(", for:\n")
	for _, s := range serves {
		b.WriteString("#   " + s + "\n")
	}
	return b.String()
}

// ActivityAddress is the activity's Terraform address.
func (s *ServiceSpec) ActivityAddress() string { return "aws_sfn_activity." + s.Name }

// EmitService renders the new `<name>_ecs.tf` file of an activity worker. The result
// is hclwrite.Format-clean by construction (it is formatted last).
func EmitService(s *ServiceSpec) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	comment := "# Written by `stepshift migrate`: " + lambdaPhrase(s.Lambda, s.DisplayName) + " runs as a Step Functions activity\n" +
		"# polled by a worker on the Cumulus ECS cluster instead of in Lambda" + servesComment(s.Serves)
	body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(comment)}})

	if s.DeclarePrefixVariable {
		v := body.AppendNewBlock("variable", []string{PrefixVariable}).Body()
		v.SetAttributeValue("description", cty.StringVal(prefixDescription))
		v.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		body.AppendNewline()
	}
	if s.DeclareImageVariable {
		v := body.AppendNewBlock("variable", []string{WorkerImageVariable}).Body()
		v.SetAttributeValue("description", cty.StringVal("Image of the activity worker, built from stepshift's Dockerfile.worker (or cumuluss/cumulus-ecs-task for Node.js-only tasks)"))
		v.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		body.AppendNewline()
	}
	if s.DeclareRoleVariable {
		v := body.AppendNewBlock("variable", []string{InstanceRoleVariable}).Body()
		v.SetAttributeValue("description", cty.StringVal("Name of the IAM role of the Cumulus ECS cluster instances; activity workers need states:SendTaskHeartbeat on it"))
		v.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		body.AppendNewline()
	}
	if s.DeclareClusterVariable {
		v := body.AppendNewBlock("variable", []string{ClusterVariable}).Body()
		v.SetAttributeValue("description", cty.StringVal("ARN of the Cumulus ECS cluster the activity workers run on"))
		v.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		body.AppendNewline()
	}
	if s.DeclareRegion {
		body.AppendNewBlock("data", []string{"aws_region", "current"})
		body.AppendNewline()
	}

	act := body.AppendNewBlock("resource", []string{"aws_sfn_activity", s.Name}).Body()
	act.SetAttributeRaw("name", tokensForTemplate("${var.prefix}-"+s.DisplayName))
	if s.TagsExpr != "" {
		if err := setTraversal(act, "tags", s.TagsExpr); err != nil {
			return nil, err
		}
	}
	body.AppendNewline()

	svc := body.AppendNewBlock("module", []string{s.Name + "_service"}).Body()
	svc.SetAttributeValue("source", cty.StringVal(s.ModuleSource))
	svc.AppendNewline()
	if err := setTraversal(svc, "prefix", "var.prefix"); err != nil {
		return nil, err
	}
	svc.SetAttributeValue("name", cty.StringVal(s.DisplayName))
	svc.AppendNewline()
	if err := setTraversal(svc, "cluster_arn", s.ClusterARNExpr); err != nil {
		return nil, err
	}
	svc.SetAttributeValue("desired_count", cty.NumberIntVal(int64(s.DesiredCount)))
	if s.Image != "" {
		svc.SetAttributeValue("image", cty.StringVal(s.Image))
	} else if err := setTraversal(svc, "image", "var."+WorkerImageVariable); err != nil {
		return nil, err
	}
	svc.AppendNewline()
	svc.SetAttributeValue("cpu", cty.NumberIntVal(int64(s.CPU)))
	svc.SetAttributeValue("memory_reservation", cty.NumberIntVal(int64(s.MemoryReservation)))
	svc.AppendNewline()
	region, err := traversalTokens("data.aws_region.current.name")
	if err != nil {
		return nil, err
	}
	svc.SetAttributeRaw("environment", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{{
		Name: hclwrite.TokensForIdentifier("AWS_DEFAULT_REGION"), Value: region,
	}}))
	command := []hclwrite.Tokens{
		hclwrite.TokensForValue(cty.StringVal("cumulus-ecs-task")),
		hclwrite.TokensForValue(cty.StringVal("--activityArn")),
	}
	activityID, _ := traversalTokens(s.ActivityAddress() + ".id")
	lambdaARN, err := traversalTokens(s.LambdaARNExpr)
	if err != nil {
		return nil, err
	}
	command = append(command, activityID, hclwrite.TokensForValue(cty.StringVal("--lambdaArn")), lambdaARN)
	if s.LastModifiedExpr != "" {
		lm, err := traversalTokens(s.LastModifiedExpr)
		if err != nil {
			return nil, err
		}
		command = append(command, hclwrite.TokensForValue(cty.StringVal("--lastModified")), lm)
	}
	command = append(command,
		hclwrite.TokensForValue(cty.StringVal("--heartbeat")),
		hclwrite.TokensForValue(cty.StringVal(fmt.Sprint(s.HeartbeatMillis))))
	svc.SetAttributeRaw("command", multilineTuple(command))
	svc.AppendNewline()
	// cumulus_ecs_service's alarms only take comparison_operator, metric_name and threshold.
	svc.SetAttributeRaw("alarms", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{{
		Name: hclwrite.TokensForIdentifier("MemoryUtilizationHigh"),
		Value: hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
			{Name: hclwrite.TokensForIdentifier("comparison_operator"), Value: hclwrite.TokensForValue(cty.StringVal("GreaterThanThreshold"))},
			{Name: hclwrite.TokensForIdentifier("metric_name"), Value: hclwrite.TokensForValue(cty.StringVal("MemoryUtilization"))},
			{Name: hclwrite.TokensForIdentifier("threshold"), Value: hclwrite.TokensForValue(cty.NumberIntVal(75))},
		}),
	}}))
	body.AppendNewline()

	// The Cumulus ECS instance role has no states:SendTaskHeartbeat; without
	// it every heartbeat fails and long tasks die of States.HeartbeatTimeout.
	pol := body.AppendNewBlock("resource", []string{"aws_iam_role_policy", s.Name + "_heartbeat"}).Body()
	pol.SetAttributeRaw("name", tokensForTemplate("${var.prefix}-"+s.DisplayName+"-activity-heartbeat"))
	roleExpr := s.RoleNameExpr
	if roleExpr == "" {
		roleExpr = "var." + InstanceRoleVariable
	}
	if err := setTraversal(pol, "role", roleExpr); err != nil {
		return nil, err
	}
	pol.SetAttributeRaw("policy", policyTokens())

	if s.Autoscale != nil {
		body.AppendNewline()
		if err := emitAutoscale(body, s); err != nil {
			return nil, err
		}
	}
	return hclwrite.Format(f.Bytes()), nil
}

// emitAutoscale scales the service on how long activity tasks wait to be
// picked up (ActivityScheduleTime per activity ARN): a backlog makes the
// wait grow, an idle activity makes it vanish.
func emitAutoscale(body *hclwrite.Body, s *ServiceSpec) error {
	tgt := body.AppendNewBlock("resource", []string{"aws_appautoscaling_target", s.Name + "_service"}).Body()
	tgt.SetAttributeValue("min_capacity", cty.NumberIntVal(int64(s.Autoscale.Min)))
	tgt.SetAttributeValue("max_capacity", cty.NumberIntVal(int64(s.Autoscale.Max)))
	// cumulus_ecs_service names its ECS service "<prefix>-<name>"; the cluster name is the last part of its ARN.
	tgt.SetAttributeRaw("resource_id", tokensForTemplate(`service/${element(split("/", `+s.ClusterARNExpr+`), 1)}/${var.prefix}-`+s.DisplayName))
	tgt.SetAttributeValue("scalable_dimension", cty.StringVal("ecs:service:DesiredCount"))
	tgt.SetAttributeValue("service_namespace", cty.StringVal("ecs"))
	tgt.SetAttributeRaw("depends_on", hclwrite.TokensForTuple([]hclwrite.Tokens{mustTraversal("module." + s.Name + "_service")}))
	body.AppendNewline()

	pol := body.AppendNewBlock("resource", []string{"aws_appautoscaling_policy", s.Name + "_backlog"}).Body()
	pol.SetAttributeRaw("name", tokensForTemplate("${var.prefix}-"+s.DisplayName+"-activity-backlog"))
	pol.SetAttributeValue("policy_type", cty.StringVal("TargetTrackingScaling"))
	for _, a := range []string{"resource_id", "scalable_dimension", "service_namespace"} {
		if err := setTraversal(pol, a, "aws_appautoscaling_target."+s.Name+"_service."+a); err != nil {
			return err
		}
	}
	tt := pol.AppendNewBlock("target_tracking_scaling_policy_configuration", nil).Body()
	tt.SetAttributeValue("target_value", cty.NumberIntVal(60000))
	tt.SetAttributeValue("scale_in_cooldown", cty.NumberIntVal(300))
	tt.SetAttributeValue("scale_out_cooldown", cty.NumberIntVal(60))
	cm := tt.AppendNewBlock("customized_metric_specification", nil).Body()
	cm.SetAttributeValue("namespace", cty.StringVal("AWS/States"))
	cm.SetAttributeValue("metric_name", cty.StringVal("ActivityScheduleTime"))
	cm.SetAttributeValue("statistic", cty.StringVal("Average"))
	cm.SetAttributeValue("unit", cty.StringVal("Milliseconds"))
	dim := cm.AppendNewBlock("dimensions", nil).Body()
	dim.SetAttributeValue("name", cty.StringVal("ActivityArn"))
	return setTraversal(dim, "value", s.ActivityAddress()+".id")
}

func policyTokens() hclwrite.Tokens {
	stmt := hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
		{Name: hclwrite.TokensForIdentifier("Effect"), Value: hclwrite.TokensForValue(cty.StringVal("Allow"))},
		{Name: hclwrite.TokensForIdentifier("Action"), Value: hclwrite.TokensForValue(cty.TupleVal([]cty.Value{cty.StringVal("states:SendTaskHeartbeat")}))},
		// SendTaskHeartbeat acts on a task token, not on an ARN: it has no resource-level permissions.
		{Name: hclwrite.TokensForIdentifier("Resource"), Value: hclwrite.TokensForValue(cty.StringVal("*"))},
	})
	doc := hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
		{Name: hclwrite.TokensForIdentifier("Version"), Value: hclwrite.TokensForValue(cty.StringVal("2012-10-17"))},
		{Name: hclwrite.TokensForIdentifier("Statement"), Value: hclwrite.TokensForTuple([]hclwrite.Tokens{stmt})},
	})
	return hclwrite.TokensForFunctionCall("jsonencode", doc)
}

// multilineTuple writes one element per line, as the Cumulus docs lay out
// the worker command, so a reviewer reads flag and value pairs.
func multilineTuple(elems []hclwrite.Tokens) hclwrite.Tokens {
	toks := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}, {Type: hclsyntax.TokenNewline, Bytes: []byte("\n")}}
	for i, e := range elems {
		toks = append(toks, e...)
		if i < len(elems)-1 {
			toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")})
		}
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")})
	}
	return append(toks, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

// tokensForTemplate writes a quoted template verbatim ("${var.prefix}-X");
// TokensForValue would escape the interpolation.
func tokensForTemplate(tmpl string) hclwrite.Tokens {
	return hclwrite.Tokens{
		{Type: hclsyntax.TokenOQuote, Bytes: []byte(`"`)},
		{Type: hclsyntax.TokenQuotedLit, Bytes: []byte(tmpl)},
		{Type: hclsyntax.TokenCQuote, Bytes: []byte(`"`)},
	}
}

func traversalTokens(expr string) (hclwrite.Tokens, error) {
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(expr), "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("internal: %q is not a Terraform reference: %s", expr, diags.Error())
	}
	return hclwrite.TokensForTraversal(tr), nil
}

func mustTraversal(expr string) hclwrite.Tokens {
	t, err := traversalTokens(expr)
	if err != nil {
		return hclwrite.TokensForIdentifier(strings.ReplaceAll(expr, ".", "_"))
	}
	return t
}

func setTraversal(b *hclwrite.Body, name, expr string) error {
	t, err := traversalTokens(expr)
	if err != nil {
		return err
	}
	b.SetAttributeRaw(name, t)
	return nil
}

// EmitFormatCheck verifies that generated Terraform parses and is
// hclwrite.Format-clean, the two promises of EmitService.
func EmitFormatCheck(src []byte) (bool, error) {
	if _, diags := hclparse.NewParser().ParseHCL(src, "generated.tf"); diags.HasErrors() {
		return false, fmt.Errorf("generated Terraform does not parse: %s", diags.Error())
	}
	if string(hclwrite.Format(src)) != string(src) {
		return false, fmt.Errorf("generated Terraform is not terraform fmt-clean")
	}
	return true, nil
}
