package deployed

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"
)

// Defaults for Options fields left zero.
const (
	DefaultConcurrency  = 8
	DefaultMaxAttempts  = 8
	DefaultMaxBackoff   = 20 * time.Second
	DefaultMaxLogEvents = 1_000_000
	DefaultMaxLogPages  = 10_000
)

// Options configures New. Zero values take the defaults above and the SDK's
// own (region from AWS_REGION / the profile).
type Options struct {
	Region      string // "" = from the environment or profile
	Profile     string // shared config profile, "" = default chain
	EndpointURL string // base endpoint for every service (local emulators), "" = AWS
	// Concurrency bounds simultaneous GetFunctionConfiguration and
	// DescribeStateMachine calls.
	Concurrency int
	// MaxAttempts is the SDK retryer's attempts per call (throttling,
	// 5xx, network errors), first attempt included.
	MaxAttempts int
	// MaxBackoff caps the retryer's exponential backoff between attempts.
	MaxBackoff time.Duration
	// MaxLogEvents and MaxLogPages bound one Logs call; a cut read says so.
	MaxLogEvents int
	MaxLogPages  int
	// HTTPClient replaces the SDK's HTTP client (proxies, tests); nil = the SDK's.
	HTTPClient *http.Client
}

// Client talks to Lambda, Step Functions and CloudWatch Logs for one run and
// remembers every function configuration it fetched, so no function is
// asked for twice. Safe for concurrent use.
type Client struct {
	opts   Options
	region string
	lambda *lambda.Client
	sfn    *sfn.Client
	logs   *cloudwatchlogs.Client
	sem    chan struct{}

	mu      sync.Mutex
	configs map[string]*configEntry
	byName  map[string]string // nameKey → key of the first account-qualified entry
	calls   int               // distinct functions asked for; the SDK's retries not counted
}

// New loads the standard credential chain and builds the clients. It makes
// no AWS call (credentials resolve on first use); a missing region is an
// error here rather than on first use.
func New(ctx context.Context, opts Options) (*Client, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxLogEvents <= 0 {
		opts.MaxLogEvents = DefaultMaxLogEvents
	}
	if opts.MaxLogPages <= 0 {
		opts.MaxLogPages = DefaultMaxLogPages
	}
	loaders := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = opts.MaxAttempts
				o.MaxBackoff = opts.MaxBackoff
				o.Backoff = retry.NewExponentialJitterBackoff(opts.MaxBackoff)
				// The default client-side retry quota gives up after a burst
				// of throttles; a lint run would rather wait than lose facts.
				o.RateLimiter = ratelimit.None
				o.Retryables = append([]retry.IsErrorRetryable{refusedIsFinal{}}, o.Retryables...)
			})
		}),
	}
	if opts.Region != "" {
		loaders = append(loaders, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		loaders = append(loaders, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.EndpointURL != "" {
		loaders = append(loaders, config.WithBaseEndpoint(opts.EndpointURL))
	}
	if opts.HTTPClient != nil {
		loaders = append(loaders, config.WithHTTPClient(opts.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: pass --region or set AWS_REGION (or a region in the profile)")
	}
	return &Client{
		opts:    opts,
		region:  cfg.Region,
		lambda:  lambda.NewFromConfig(cfg),
		sfn:     sfn.NewFromConfig(cfg),
		logs:    cloudwatchlogs.NewFromConfig(cfg),
		sem:     make(chan struct{}, opts.Concurrency),
		configs: map[string]*configEntry{},
		byName:  map[string]string{},
	}, nil
}

// Region is the region the clients talk to.
func (c *Client) Region() string { return c.region }

// ErrorKind sorts failed AWS calls by what the user should do about them.
type ErrorKind int

// Error kinds.
const (
	ErrOther        ErrorKind = iota
	ErrAccessDenied           // grant the IAM action named in the message
	ErrNotFound               // the function, state machine or log group does not exist
	ErrThrottled              // still throttled after every retry
	ErrCredentials            // no credentials, or AWS rejected them (expired, wrong key)
)

// String names the kind for JSON output and messages.
func (k ErrorKind) String() string {
	switch k {
	case ErrAccessDenied:
		return "access-denied"
	case ErrNotFound:
		return "not-found"
	case ErrThrottled:
		return "throttled"
	case ErrCredentials:
		return "credentials"
	}
	return "error"
}

// Error is a failed AWS call about one resource, in words a user can act on.
type Error struct {
	Kind     ErrorKind
	Action   string // IAM action of the call: "lambda:GetFunctionConfiguration"
	Resource string // ARN (or name) the call was about
	Code     string // AWS error code, "" for network errors
	Message  string // the complete sentence
	Err      error  // the SDK's error
}

// Error is the message: what failed, on which resource, and what to do.
func (e *Error) Error() string { return e.Message }

// Unwrap gives errors.As access to the SDK error.
func (e *Error) Unwrap() error { return e.Err }

// classify turns an SDK error into an *Error; what names the resource in
// words ("Lambda function sync-granule", "log group /aws/lambda/x").
func classify(err error, action, resource, what string) *Error {
	e := &Error{Kind: ErrOther, Action: action, Resource: resource, Err: err}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = api.ErrorCode()
	}
	detail := err.Error()
	if api != nil && api.ErrorMessage() != "" {
		detail = api.ErrorMessage()
	}
	switch {
	case e.Code == "AccessDeniedException" || e.Code == "AccessDenied":
		e.Kind = ErrAccessDenied
		e.Message = fmt.Sprintf("access denied reading %s: the credentials need IAM permission %s on %s (AWS said: %s)",
			what, action, resource, detail)
	case e.Code == "ResourceNotFoundException" || e.Code == "StateMachineDoesNotExist":
		e.Kind = ErrNotFound
		e.Message = fmt.Sprintf("%s does not exist in %s (AWS said: %s)", what, regionOf(resource), detail)
	case isThrottle(e.Code):
		e.Kind = ErrThrottled
		e.Message = fmt.Sprintf("%s: still throttled after every retry of %s (AWS said: %s)", what, action, detail)
	case e.Code == "UnrecognizedClientException" || e.Code == "InvalidSignatureException" ||
		e.Code == "ExpiredTokenException" || e.Code == "InvalidClientTokenId" || isNoCredentials(err):
		e.Kind = ErrCredentials
		e.Message = fmt.Sprintf("%s: AWS credentials missing or rejected (%s); check AWS_PROFILE / --profile or run `aws sso login`",
			what, detail)
	default:
		e.Message = fmt.Sprintf("%s: %s failed: %v", what, action, err)
	}
	return e
}

func isThrottle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

// isNoCredentials recognises the SDK's "no credentials" failure, which has
// no exported type of its own.
func isNoCredentials(err error) bool {
	return strings.Contains(err.Error(), "failed to retrieve credentials") ||
		strings.Contains(err.Error(), "failed to refresh cached credentials")
}

// regionOf reads the region out of an ARN.
func regionOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 3 && parts[0] == "arn" && parts[3] != "" {
		return parts[3]
	}
	return "this account and region"
}

// refusedIsFinal makes a refused connection final: nothing listens at the
// endpoint (a mistyped --endpoint-url, an emulator that is not running),
// and eight attempts with backoff would only make the user wait a minute
// and a half for the same answer. Throttling, timeouts and resets are still
// retried by the rules after it.
type refusedIsFinal struct{}

// IsErrorRetryable answers false for a refused connection and leaves every
// other error to the standard rules.
func (refusedIsFinal) IsErrorRetryable(err error) aws.Ternary {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}
