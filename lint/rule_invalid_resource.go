package lint

import (
	"regexp"
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
			"a function name of letters, digits, `-` and `_`; a qualifier `$LATEST`, a version or an alias; an action; a known integration pattern. " +
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
	default:
		if parts[2] == "states" {
			return "is a Step Functions ARN that is neither an activity nor a service integration (arn:aws:states:::SERVICE:ACTION)"
		}
	}
	return ""
}
