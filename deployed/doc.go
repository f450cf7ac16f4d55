// Package deployed reads what is really deployed and how it really runs,
// from live AWS through aws-sdk-go-v2: Lambda function configurations,
// Step Functions state machine definitions, and the Lambda logs that package
// usage turns into evidence.
//
// Sources and the IAM permissions each needs (grant them on the functions,
// state machines and log groups concerned; nothing here writes to AWS):
//
//   - Client.Functions: Lambda GetFunctionConfiguration, one call per distinct
//     function (and qualifier) per Client however often it is asked (a name,
//     its partial ARN and its ARN in the client's region are one function),
//     at most Options.Concurrency (default 8) at once. Needs
//     lambda:GetFunctionConfiguration on each function ARN.
//   - Client.StateMachines: Step Functions DescribeStateMachine for an ARN, or
//     ListStateMachines (paged) filtered by name prefix, then
//     DescribeStateMachine. Needs states:DescribeStateMachine on each state
//     machine and, for a prefix, states:ListStateMachines on "*".
//   - Client.Logs: CloudWatch Logs FilterLogEvents on /aws/lambda/<function>
//     (or the function's own log group with LogsFrom), paged and bounded by
//     Options.MaxLogEvents and Options.MaxLogPages. Needs logs:FilterLogEvents
//     on arn:aws:logs:<region>:<account>:log-group:/aws/lambda/<function>:*.
//
// Credentials come from the standard SDK chain (environment, shared config
// and credentials files with Options.Profile, SSO, web identity, ECS/EC2
// roles) through config.LoadDefaultConfig; this package never logs or returns
// them. Options.EndpointURL sets BaseEndpoint so every client talks to a local
// emulator such as moto_server.
//
// Errors about one function or state machine are values in its result, so
// one missing permission does not stop the others: throttling is retried
// with exponential backoff and jitter by the SDK's standard retryer
// (Options.MaxAttempts, Options.MaxBackoff, no client-side retry quota),
// access denied names the missing IAM action and resource, and a function
// that does not exist says so.
package deployed
