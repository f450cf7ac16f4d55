package workflow

import "strings"

// ResourceKind classifies what a Task state runs.
type ResourceKind int

// Resource kinds.
const (
	UnknownResource    ResourceKind = iota // a URI stepshift does not recognise, or no Resource
	LambdaARN                              // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
	LambdaInvoke                           // arn:aws:states:::lambda:invoke[.waitForTaskToken]
	Activity                               // arn:aws:states:<region>:<account>:activity:<name>
	ServiceIntegration                     // arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]
	TerraformRef                           // the whole string is one ${...} interpolation
	PartlyTemplated                        // an ARN with interpolations inside it
)

var resourceKindNames = [...]string{"unknown", "lambda", "lambda-invoke", "activity", "service-integration", "terraform-reference", "partly-templated"}

// String names the kind for messages and dumps.
func (k ResourceKind) String() string {
	if int(k) < len(resourceKindNames) {
		return resourceKindNames[k]
	}
	return "unknown"
}

// Resource is a Task state's classified Resource, shared by the linter and the migrator.
type Resource struct {
	Kind         ResourceKind
	Raw          string         // the Resource string as written (interpolations as source text)
	Node         *Node          // the Resource value; nil when absent
	Interp       *Interpolation // TerraformRef: the one interpolation
	Service      string         // ServiceIntegration/LambdaInvoke: "lambda", "ecs", "sqs", ...
	Action       string         // "invoke", "runTask", "sendMessage", ...
	Pattern      string         // "", "sync", "sync:2", "waitForTaskToken"
	FunctionName *Node          // LambdaInvoke: Parameters.FunctionName (or FunctionName.$), may be templated
	ARN          string         // LambdaARN/Activity: the literal ARN
	// Partition, Region, Account, Name and Qualifier are the ARN's fields
	// ("aws", "aws-us-gov", "aws-cn", ...). For PartlyTemplated they hold the
	// source text, interpolations included ("${region}").
	Partition string
	Region    string
	Account   string
	Name      string // LambdaARN: function name; Activity: activity name
	Qualifier string // LambdaARN: version or alias, if any
}

// classifyResource reads a Task state's Resource.
func classifyResource(state *Node) *Resource {
	n := state.Get("Resource")
	r := &Resource{Node: n}
	if n == nil || n.Kind != String {
		if n != nil && n.Kind == Unknown {
			r.Kind, r.Interp, r.Raw = TerraformRef, n.Interps[0], "${"+n.Interps[0].Expr+"}"
		}
		return r
	}
	r.Raw = n.Str
	if in := n.WholeInterpolation(); in != nil {
		r.Kind, r.Interp = TerraformRef, in
		return r
	}
	parts := splitARN(n.Str, 7)
	if len(parts) < 6 || parts[0] != "arn" {
		if n.IsTemplated() {
			r.Kind = PartlyTemplated
		}
		return r
	}
	r.Partition, r.Region, r.Account = parts[1], parts[3], parts[4]
	switch service := parts[2]; {
	case service == "lambda" && parts[5] == "function":
		r.Kind, r.ARN = LambdaARN, n.Str
		if len(parts) == 7 {
			name, qual, _ := strings.Cut(parts[6], ":")
			r.Name, r.Qualifier = name, qual
		}
	case service == "states" && parts[5] == "activity" && len(parts) == 7:
		r.Kind, r.ARN, r.Name = Activity, n.Str, parts[6]
	case service == "states" && r.Region == "" && r.Account == "":
		svc := parts[5]
		rest := ""
		if len(parts) == 7 {
			rest = parts[6]
		}
		action, pattern, _ := strings.Cut(rest, ".")
		r.Service, r.Action, r.Pattern = svc, action, pattern
		if svc == "lambda" && action == "invoke" {
			r.Kind = LambdaInvoke
			if params := state.Get("Parameters"); params != nil {
				r.FunctionName = params.Get("FunctionName")
				if r.FunctionName == nil {
					r.FunctionName = params.Get("FunctionName.$")
				}
			}
			if r.FunctionName == nil {
				if args := state.Get("Arguments"); args != nil {
					r.FunctionName = args.Get("FunctionName")
				}
			}
		} else {
			r.Kind = ServiceIntegration
		}
	}
	if r.Kind == UnknownResource && n.IsTemplated() {
		r.Kind = PartlyTemplated
	} else if n.IsTemplated() && (r.Kind == LambdaARN || r.Kind == Activity) {
		// arn:aws:lambda:${region}:...: the shape is known, the values are not.
		r.Kind = PartlyTemplated
	}
	return r
}

// splitARN splits an ARN at its colons into at most max fields, like
// strings.SplitN, except that a colon inside an interpolation does not split:
// "arn:${AWS::Partition}:states:::lambda:invoke" has "${AWS::Partition}" as its
// partition.
func splitARN(s string, max int) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s) && len(parts) < max-1; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
