package lint

// SeverityBasis is why a rule has its default severity. The policy: a rule
// is an error only when AWS rejects the definition, the deployment fails,
// the run is certain to fail, or stepshift could not read the file at all
// (so nothing in it was checked and a gate must not pass it); everything
// else is advice, a warning or info. TestRuleSeverityPolicy holds every
// registered rule to it.
type SeverityBasis int

// The bases, the four that justify an error first.
const (
	BasisAWSRejects  SeverityBasis = iota + 1 // ValidateStateMachineDefinition / CreateStateMachine refuses it
	BasisDeployFails                          // terraform apply (or Lambda's API) fails
	BasisRunFails                             // the execution is certain to fail when it reaches the state
	BasisUnlintable                           // stepshift could not read or check the file
	BasisAdvice                               // AWS accepts it and a run can succeed: a warning or info
	// BasisSpecAllows: AWS rejects it but the ASL specification allows it
	// and other ASL engines run it (statelint's and asl-validator's own
	// valid definitions use "Resource": "foo:bar"); a warning, the one
	// recorded exception to the policy.
	BasisSpecAllows
)

// String is the basis as the docs word it.
func (b SeverityBasis) String() string {
	switch b {
	case BasisAWSRejects:
		return "AWS rejects the definition"
	case BasisDeployFails:
		return "the deployment fails"
	case BasisRunFails:
		return "the run is certain to fail"
	case BasisUnlintable:
		return "stepshift could not check the file"
	case BasisAdvice:
		return "advice: AWS accepts it and the run can succeed"
	case BasisSpecAllows:
		return "AWS rejects it, but the ASL spec allows it and other engines run it: a warning by exception"
	}
	return "unclassified"
}

// justifiesError reports whether the basis allows an error by default.
func (b SeverityBasis) justifiesError() bool {
	return b >= BasisAWSRejects && b <= BasisUnlintable
}

// severityBasis records why each rule has its default severity; a rule
// registered without an entry fails TestRuleSeverityPolicy.
var severityBasis = map[string]SeverityBasis{
	"activity-heartbeat":     BasisAdvice,
	"activity-lambda-retry":  BasisAdvice,
	"asl-schema":             BasisAWSRejects,
	"choice-comparison":      BasisAWSRejects,
	"cma-config-schema":      BasisRunFails,
	"cma-event":              BasisRunFails,
	"cma-outputs":            BasisRunFails,
	"cma-replace-config":     BasisRunFails,
	"cma-template":           BasisRunFails,
	"credentials-role":       BasisAWSRejects,
	"duplicate-key":          BasisAWSRejects,
	"duplicate-state-name":   BasisAWSRejects,
	"empty-file":             BasisAWSRejects,
	"express-unsupported":    BasisAWSRejects,
	"file-too-large":         BasisAWSRejects,
	"heartbeat-timeout":      BasisAWSRejects,
	"internal-error":         BasisUnlintable,
	"invalid-path":           BasisAWSRejects,
	"invalid-resource":       BasisAWSRejects,
	"invalid-utf8":           BasisAWSRejects,
	"json-syntax":            BasisAWSRejects,
	"jsonata-expression":     BasisAWSRejects,
	"lambda-drift":           BasisAdvice,
	"lambda-facts-unknown":   BasisAdvice,
	"lambda-image-package":   BasisAdvice,
	"lambda-layers":          BasisDeployFails,
	"lambda-memory":          BasisDeployFails,
	"lambda-package-size":    BasisDeployFails,
	"lambda-retry":           BasisAdvice,
	"lambda-runtime":         BasisAdvice,
	"lambda-timeout":         BasisDeployFails,
	"lambda-tmp-storage":     BasisDeployFails,
	"map-distributed-fields": BasisAdvice,
	"next-target":            BasisAWSRejects,
	"no-dollar":              BasisAdvice,
	"no-path":                BasisAdvice,
	"no-terminal":            BasisAWSRejects,
	"not-a-state-machine":    BasisAWSRejects,
	"not-text":               BasisAWSRejects,
	"pass-result-path":       BasisAdvice,
	"payload-key-collision":  BasisAWSRejects,
	"query-language-fields":  BasisAWSRejects,
	"start-at":               BasisAWSRejects,
	"state-name":             BasisAWSRejects,
	"states-all":             BasisAWSRejects,
	"task-timeout":           BasisAdvice,
	"template-directive":     BasisUnlintable,
	"template-syntax":        BasisDeployFails,
	"terraform-config":       BasisDeployFails,
	"too-deep":               BasisUnlintable,
	"unknown-resource":       BasisSpecAllows,
	"unreachable-state":      BasisAWSRejects,
	"unused-suppression":     BasisAdvice,
	"usage-duration":         BasisRunFails,
	"usage-memory":           BasisRunFails,
	"usage-tmp":              BasisRunFails,
}

// severityPolicy is the paragraph docs/rules/README.md opens with.
const severityPolicy = "**Severity policy.** A rule's default severity is *error* only when AWS rejects the definition " +
	"(ValidateStateMachineDefinition or CreateStateMachine refuses it), the deployment fails, the run is certain to fail, " +
	"or stepshift could not read the file at all (nothing in it was checked, so a gate must not pass it). " +
	"Everything else is advice: a *warning* (likely wrong, AWS accepts it) or *info*. One recorded exception: `unknown-resource` " +
	"(a Resource that is no Lambda, activity or service-integration ARN) is a warning although AWS rejects it, because the ASL spec allows any URI " +
	"and the spec's own conformance suites use such resources. A rule that reports at two levels " +
	"(over a limit: error; near it: warning) is listed with its default. Each rule's page says which reason applies; " +
	"`TestRuleSeverityPolicy` in lint/ fails when a rule is added without one.\n\n"
