package transpile

import (
	"fmt"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// StateMachineRoleVariable is declared for ecs-task-token steps: the role
// the state machines run as must be allowed to start the tasks, and a
// workflow module does not say which role that is.
const StateMachineRoleVariable = "stepshift_state_machine_role_name"

// TaskDefinitionSpec is everything the Terraform of one Lambda's ecs-task-token
// worker needs. The *Expr fields are Terraform traversals.
type TaskDefinitionSpec struct {
	Name              string   // resource name, snake case: "queue_granules"
	DisplayName       string   // the CamelCase name in the AWS names: "QueueGranules"
	Lambda            string   // the Lambda's reference, for the header comment
	Serves            []string // the steps it runs, for the header comment
	LambdaARNExpr     string   // "module.cumulus.queue_granules_task.task_arn"
	Image             string   // "" = var.stepshift_worker_image
	CPU               int
	MemoryReservation int
	HeartbeatMillis   int
	// Parameters tells that the state's Parameters travel in ParametersEnv,
	// so the worker is told to apply them.
	Parameters bool
	TagsExpr   string // "" = no tags argument

	// Declarations the deployment lacks, emitted once per run.
	DeclarePrefixVariable           bool
	DeclareImageVariable            bool
	DeclareRoleVariable             bool
	DeclareStateMachineRoleVariable bool
	DeclareClusterVariable          bool
	DeclareRegion                   bool
}

// command is the worker's command line in the task definition. It spells
// "stepshift worker" although the image's entrypoint already does (the
// worker skips the repetition), so the line also works in an image
// without that entrypoint.
func (s *TaskDefinitionSpec) command() []string {
	cmd := []string{"stepshift", "worker", "--task-token-env", TaskTokenEnv, "--input-env", InputEnv}
	if s.Parameters {
		cmd = append(cmd, "--parameters-env", ParametersEnv)
	}
	return append(cmd, "--lambda-arn", "${"+s.LambdaARNExpr+"}", "--heartbeat", fmt.Sprint(s.HeartbeatMillis))
}

// EmitTaskDefinition renders the new `<name>_ecs.tf` file of an
// ecs-task-token step. Like EmitService, its output is hclwrite.Format-clean.
func EmitTaskDefinition(s *TaskDefinitionSpec) ([]byte, error) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	comment := "# Written by `stepshift migrate`: " + lambdaPhrase(s.Lambda, s.DisplayName) + " runs as ecs:runTask.waitForTaskToken:\n" +
		"# each time a step runs, one ECS task on the Cumulus cluster runs the Lambda's code once\n" +
		"# and answers Step Functions with the task token it was handed" + servesComment(s.Serves)
	body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(comment)}})

	declare := func(name, description string) {
		v := body.AppendNewBlock("variable", []string{name}).Body()
		v.SetAttributeValue("description", cty.StringVal(description))
		v.SetAttributeRaw("type", hclwrite.TokensForIdentifier("string"))
		body.AppendNewline()
	}
	if s.DeclarePrefixVariable {
		declare(PrefixVariable, prefixDescription)
	}
	if s.DeclareImageVariable {
		declare(WorkerImageVariable, "Image of the stepshift worker, built from stepshift's Dockerfile.worker on the Lambda runtime's base image")
	}
	if s.DeclareRoleVariable {
		declare(InstanceRoleVariable, "Name of the IAM role of the Cumulus ECS cluster instances; stepshift workers answer Step Functions with it")
	}
	if s.DeclareStateMachineRoleVariable {
		declare(StateMachineRoleVariable, "Name of the IAM role the workflows' state machines run as (Cumulus: <prefix>-steprole); it starts the one-shot worker tasks")
	}
	if s.DeclareClusterVariable {
		declare(ClusterVariable, "ARN of the Cumulus ECS cluster the stepshift workers run on")
	}
	if s.DeclareRegion {
		body.AppendNewBlock("data", []string{"aws_region", "current"})
		body.AppendNewline()
	}

	logs := body.AppendNewBlock("resource", []string{"aws_cloudwatch_log_group", s.Name + "_worker"}).Body()
	logs.SetAttributeRaw("name", tokensForTemplate("${var.prefix}-"+s.DisplayName+"EcsLogs"))
	logs.SetAttributeValue("retention_in_days", cty.NumberIntVal(30))
	if s.TagsExpr != "" {
		if err := setTraversal(logs, "tags", s.TagsExpr); err != nil {
			return nil, err
		}
	}
	body.AppendNewline()

	td := body.AppendNewBlock("resource", []string{"aws_ecs_task_definition", s.Name}).Body()
	td.SetAttributeRaw("family", tokensForTemplate("${var.prefix}-"+s.DisplayName))
	container, err := s.containerTokens()
	if err != nil {
		return nil, err
	}
	td.SetAttributeRaw("container_definitions", hclwrite.TokensForFunctionCall("jsonencode", hclwrite.TokensForTuple([]hclwrite.Tokens{container})))
	if s.TagsExpr != "" {
		if err := setTraversal(td, "tags", s.TagsExpr); err != nil {
			return nil, err
		}
	}
	body.AppendNewline()

	// Starting the task is the state machine's call; ecs:RunTask names the
	// task definition without its revision so a new revision needs no new
	// policy. iam:PassRole covers a task or execution role added later.
	run := body.AppendNewBlock("resource", []string{"aws_iam_role_policy", s.Name + "_run_task"}).Body()
	run.SetAttributeRaw("name", tokensForTemplate("${var.prefix}-"+s.DisplayName+"-run-task"))
	if err := setTraversal(run, "role", "var."+StateMachineRoleVariable); err != nil {
		return nil, err
	}
	run.SetAttributeRaw("policy", policyDocument(
		statement([]string{"ecs:RunTask"}, hclwrite.TokensForTuple([]hclwrite.Tokens{tokensForTemplate("${aws_ecs_task_definition." + s.Name + ".arn_without_revision}:*")}), nil),
		statement([]string{"iam:PassRole"}, hclwrite.TokensForValue(cty.StringVal("*")), hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{{
			Name: hclwrite.TokensForIdentifier("StringLike"),
			Value: hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{{
				Name: hclwrite.TokensForValue(cty.StringVal("iam:PassedToService")), Value: hclwrite.TokensForValue(cty.StringVal("ecs-tasks.amazonaws.com")),
			}}),
		}})),
	))
	body.AppendNewline()

	// The task definition sets no task role, so the worker and the handler
	// run with the instance role, as Cumulus's own ECS tasks do: the
	// handler keeps its S3/SQS access, and the worker gets what it needs on
	// top. SendTask* act on a task token, which has no ARN.
	lambdaARN, err := traversalTokens(s.LambdaARNExpr)
	if err != nil {
		return nil, err
	}
	worker := body.AppendNewBlock("resource", []string{"aws_iam_role_policy", s.Name + "_worker"}).Body()
	worker.SetAttributeRaw("name", tokensForTemplate("${var.prefix}-"+s.DisplayName+"-task-token-worker"))
	if err := setTraversal(worker, "role", "var."+InstanceRoleVariable); err != nil {
		return nil, err
	}
	worker.SetAttributeRaw("policy", policyDocument(
		statement([]string{"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}, hclwrite.TokensForValue(cty.StringVal("*")), nil),
		statement([]string{"lambda:GetFunction"}, hclwrite.TokensForTuple([]hclwrite.Tokens{lambdaARN}), nil),
		statement([]string{"lambda:GetLayerVersion"}, hclwrite.TokensForValue(cty.StringVal("*")), nil),
		statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, hclwrite.TokensForTuple([]hclwrite.Tokens{tokensForTemplate("${aws_cloudwatch_log_group." + s.Name + "_worker.arn}:*")}), nil),
	))
	return hclwrite.Format(f.Bytes()), nil
}

// containerTokens is the task definition's one container, as the object
// jsonencode() turns into ECS's container definition JSON.
func (s *TaskDefinitionSpec) containerTokens() (hclwrite.Tokens, error) {
	image := hclwrite.TokensForValue(cty.StringVal(s.Image))
	if s.Image == "" {
		image = mustTraversal("var." + WorkerImageVariable)
	}
	var command []hclwrite.Tokens
	for _, arg := range s.command() {
		if arg == "${"+s.LambdaARNExpr+"}" {
			t, err := traversalTokens(s.LambdaARNExpr)
			if err != nil {
				return nil, err
			}
			command = append(command, t)
			continue
		}
		command = append(command, hclwrite.TokensForValue(cty.StringVal(arg)))
	}
	region, err := traversalTokens("data.aws_region.current.name")
	if err != nil {
		return nil, err
	}
	logGroup, err := traversalTokens("aws_cloudwatch_log_group." + s.Name + "_worker.name")
	if err != nil {
		return nil, err
	}
	attr := func(name string, value hclwrite.Tokens) hclwrite.ObjectAttrTokens {
		return hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForIdentifier(name), Value: value}
	}
	quoted := func(name string, value hclwrite.Tokens) hclwrite.ObjectAttrTokens {
		return hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForValue(cty.StringVal(name)), Value: value}
	}
	return hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
		attr("name", hclwrite.TokensForValue(cty.StringVal(TaskTokenContainer))),
		attr("image", image),
		attr("essential", hclwrite.TokensForValue(cty.True)),
		attr("cpu", hclwrite.TokensForValue(cty.NumberIntVal(int64(s.CPU)))),
		// A reservation, not a hard limit: the worker enforces the Lambda's
		// MemorySize on the handler itself and reports Runtime.OutOfMemory.
		attr("memoryReservation", hclwrite.TokensForValue(cty.NumberIntVal(int64(s.MemoryReservation)))),
		attr("command", multilineTuple(command)),
		attr("environment", hclwrite.TokensForTuple([]hclwrite.Tokens{hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
			attr("name", hclwrite.TokensForValue(cty.StringVal("AWS_DEFAULT_REGION"))),
			attr("value", region),
		})})),
		attr("logConfiguration", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
			attr("logDriver", hclwrite.TokensForValue(cty.StringVal("awslogs"))),
			attr("options", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
				quoted("awslogs-group", logGroup),
				quoted("awslogs-region", region),
				quoted("awslogs-stream-prefix", hclwrite.TokensForValue(cty.StringVal("worker"))),
			})),
		})),
	}), nil
}

// statement is one IAM policy statement; condition may be nil.
func statement(actions []string, resource, condition hclwrite.Tokens) hclwrite.Tokens {
	var acts []cty.Value
	for _, a := range actions {
		acts = append(acts, cty.StringVal(a))
	}
	attrs := []hclwrite.ObjectAttrTokens{
		{Name: hclwrite.TokensForIdentifier("Effect"), Value: hclwrite.TokensForValue(cty.StringVal("Allow"))},
		{Name: hclwrite.TokensForIdentifier("Action"), Value: hclwrite.TokensForValue(cty.TupleVal(acts))},
		{Name: hclwrite.TokensForIdentifier("Resource"), Value: resource},
	}
	if condition != nil {
		attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: hclwrite.TokensForIdentifier("Condition"), Value: condition})
	}
	return hclwrite.TokensForObject(attrs)
}

// policyDocument is jsonencode() of an IAM policy with these statements.
func policyDocument(statements ...hclwrite.Tokens) hclwrite.Tokens {
	return hclwrite.TokensForFunctionCall("jsonencode", hclwrite.TokensForObject([]hclwrite.ObjectAttrTokens{
		{Name: hclwrite.TokensForIdentifier("Version"), Value: hclwrite.TokensForValue(cty.StringVal("2012-10-17"))},
		{Name: hclwrite.TokensForIdentifier("Statement"), Value: multilineTuple(statements)},
	}))
}
