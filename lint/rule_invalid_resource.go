package lint

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/stepshift/stepshift/workflow"
)

var _ = register(&Rule{
	ID:       "invalid-resource",
	Severity: Error,
	Summary:  "a Task's Resource is a malformed Lambda, activity or service-integration ARN, or not a URI",
	AWSCode:  "INVALID_RESOURCE",
	Check:    checkInvalidResource,
	Doc: RuleDoc{
		Checks: "A Task's `Resource` that Terraform does not fill in must be a URI, and when it is a Lambda function ARN " +
			"(`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`), an activity ARN (`arn:aws:states:REGION:ACCOUNT:activity:NAME`) " +
			"or a service integration (`arn:aws:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]`) its parts must be well formed: " +
			"a function name of letters, digits, `-` and `_`; a qualifier `$LATEST`, a version or an alias; an action; a known integration pattern " +
			"that the service supports, by AWS's table of optimized integrations (no `.sync` on `lambda`, `dynamodb`, `sqs`, `sns`, `events`, " +
			"`apigateway` or any `aws-sdk:` integration; no `.waitForTaskToken` on `dynamodb`, `athena`, `batch`, `codebuild`, `glue`, ...); " +
			"and an action the optimized integration has: `dynamodb` only `getItem`, `putItem`, `updateItem`, `deleteItem`; `lambda` and " +
			"`apigateway` only `invoke`; `sqs` only `sendMessage`; `sns` only `publish`; `events` only `putEvents`; `states` only " +
			"`startExecution` (other APIs go through `arn:aws:states:::aws-sdk:SERVICE:ACTION`). " +
			"URIs stepshift does not recognise are `unknown-resource` warnings instead.",
		Example: `"Resource": "arn:aws:lambda:us-east-1:123456789012:function:SyncGranule:"`,
		Why:     "Step Functions rejects the definition (INVALID_RESOURCE) when the state machine is created or updated.",
		Fix:     "Correct the ARN, or let Terraform fill it in (`\"Resource\": \"${sync_granule_task_arn}\"`).",
	},
})

// The patterns are compiled on first use: the bounded repeats ({1,128})
// compile to large programs, and compiling them at package init cost every
// stepshift process (even --help) about a millisecond.
var (
	lambdaNameRE      = lazyRegexp(`^[A-Za-z0-9_-]{1,64}$`)
	lambdaQualifierRE = lazyRegexp(`^(\$LATEST|[A-Za-z0-9_-]{1,128})$`)
	activityNameRE    = lazyRegexp(`^[^\s<>{}\[\]?*"#%\\^|~` + "`" + `$&,;:/]{1,80}$`)
	uriSchemeRE       = lazyRegexp(`^[A-Za-z][A-Za-z0-9+.-]*:\S+$`)
)

func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

// integrationPatterns are the suffixes Step Functions knows after an action.
var integrationPatterns = map[string]bool{"": true, "sync": true, "sync:2": true, "waitForTaskToken": true}

// servicePatterns is AWS's table of the integration patterns each service
// supports beyond Request Response ("Integrating optimized services with
// Step Functions", Step Functions developer guide): "sync" is Run a Job
// (.sync, .sync:2), "waitForTaskToken" is Wait for Callback. The AWS SDK
// integrations ("aws-sdk", over two hundred services) support Wait for
// Callback but not Run a Job. Services not in the table are not judged.
var servicePatterns = map[string]map[string]bool{
	"aws-sdk":          {"waitForTaskToken": true},
	"apigateway":       {"waitForTaskToken": true},
	"athena":           {"sync": true},
	"batch":            {"sync": true},
	"bedrock":          {"sync": true, "waitForTaskToken": true},
	"codebuild":        {"sync": true},
	"dynamodb":         {},
	"ecs":              {"sync": true, "waitForTaskToken": true},
	"eks":              {"sync": true, "waitForTaskToken": true},
	"elasticmapreduce": {"sync": true},
	"emr-containers":   {"sync": true},
	"emr-serverless":   {"sync": true},
	"events":           {"waitForTaskToken": true},
	"glue":             {"sync": true},
	"databrew":         {"sync": true},
	"lambda":           {"waitForTaskToken": true},
	"mediaconvert":     {"sync": true},
	"sagemaker":        {"sync": true},
	"sns":              {"waitForTaskToken": true},
	"sqs":              {"waitForTaskToken": true},
	"states":           {"sync": true, "waitForTaskToken": true},
}

// serviceActions are the API actions of the optimized integrations whose
// action list AWS closes ("Integrating optimized services with Step
// Functions", Step Functions developer guide: "Only GetItem, PutItem,
// UpdateItem, and DeleteItem API actions are available through optimized
// integration" for DynamoDB; one action each for the others). Any other
// action needs the AWS SDK integration (arn:aws:states:::aws-sdk:SERVICE:ACTION),
// and Step Functions rejects the definition: the resource is not recognized.
// Spelled as the Resource ARN spells them; the comparison ignores case.
// Services not listed are not judged by action.
var serviceActions = map[string][]string{
	"apigateway":   {"invoke"},
	"athena":       {"startQueryExecution", "stopQueryExecution", "getQueryExecution", "getQueryResults"},
	"batch":        {"submitJob"},
	"databrew":     {"startJobRun"},
	"dynamodb":     {"getItem", "putItem", "updateItem", "deleteItem"},
	"ecs":          {"runTask"},
	"events":       {"putEvents"},
	"glue":         {"startJobRun"},
	"lambda":       {"invoke"},
	"mediaconvert": {"createJob"},
	"sns":          {"publish"},
	"sqs":          {"sendMessage"},
	"states":       {"startExecution"},
}

// patternNames name the patterns as AWS's table does.
var patternNames = map[string]string{"sync": "Run a Job (.sync)", "waitForTaskToken": "Wait for Callback (.waitForTaskToken)"}

func checkInvalidResource(p *Pass) {
	for _, st := range p.Doc.States {
		r := st.Resource
		if st.Type != "Task" || r == nil || r.Node == nil || r.Node.Kind != workflow.String || r.Node.IsTemplated() {
			continue
		}
		if msg := resourceProblem(r); msg != "" {
			p.Report(r.Node, "state %q: \"Resource\" %q %s", st.Name, r.Raw, msg)
		}
	}
}

// resourceProblem says what is wrong with a literal Resource, "" if nothing
// (or if it is merely unrecognised, which unknown-resource reports).
func resourceProblem(r *workflow.Resource) string {
	raw := r.Raw
	if !strings.HasPrefix(raw, "arn:") {
		if !uriSchemeRE().MatchString(raw) {
			return "is not a URI; a Task runs a Lambda function, an activity or a service integration named by its ARN"
		}
		return ""
	}
	parts := strings.SplitN(raw, ":", 7)
	if len(parts) < 6 {
		return "is not a complete ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
	}
	switch r.Kind {
	case workflow.LambdaARN:
		if len(parts) < 7 {
			return "has no function name"
		}
		name, qual, hasQual := strings.Cut(parts[6], ":")
		if !lambdaNameRE().MatchString(name) {
			return "has an invalid function name " + quote(name) + " (letters, digits, - and _, at most 64)"
		}
		if hasQual && !lambdaQualifierRE().MatchString(qual) {
			if qual == "" {
				return "ends with \":\" but no version or alias follows"
			}
			return "has an invalid qualifier " + quote(qual) + " (want $LATEST, a version number or an alias of letters, digits, - and _)"
		}
	case workflow.Activity:
		if !activityNameRE().MatchString(r.Name) {
			return "has an invalid activity name " + quote(r.Name)
		}
	case workflow.LambdaInvoke, workflow.ServiceIntegration:
		if r.Service == "" || r.Action == "" {
			return "names no service and action (arn:aws:states:::SERVICE:ACTION)"
		}
		if !integrationPatterns[r.Pattern] {
			return "has an unknown integration pattern " + quote("."+r.Pattern) + " (want .sync, .sync:2 or .waitForTaskToken)"
		}
		if actions, closed := serviceActions[r.Service]; closed && !slices.ContainsFunc(actions, func(a string) bool { return strings.EqualFold(a, r.Action) }) {
			return "names an action the optimized " + r.Service + " integration does not have (it has " + strings.Join(actions, ", ") +
				"); call other APIs through the AWS SDK integration, arn:aws:states:::aws-sdk:" + r.Service + ":" + r.Action
		}
		kind := strings.TrimSuffix(r.Pattern, ":2")
		if supported, known := servicePatterns[r.Service]; known && kind != "" && !supported[kind] {
			name := "the " + r.Service + " integration"
			if r.Service == "aws-sdk" {
				name = "an AWS SDK integration"
			}
			return "uses " + patternNames[kind] + ", which " + name + " does not support"
		}
	default:
		if parts[2] == "states" {
			return "is a Step Functions ARN that is neither an activity nor a service integration (arn:aws:states:::SERVICE:ACTION)"
		}
	}
	return ""
}
