package runtime

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// Endpoints overrides where each service is reached (--endpoint-url sets
// both; tests point Step Functions at an emulator and Lambda at a fake).
type Endpoints struct {
	StepFunctions string
	Lambda        string
}

// pollHTTPTimeout must exceed GetActivityTask's 60-second long poll, or
// every idle poll would end in a client timeout (and a task AWS hands out
// at second 59 would be lost with the connection).
const pollHTTPTimeout = 70 * time.Second

// AWSClients builds the Step Functions (answers; long polls) and Lambda
// clients from the default credential chain (the ECS task role on ECS).
func AWSClients(ctx context.Context, region string, ep Endpoints) (answers, polls *sfn.Client, lam *lambda.Client, err error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	return ClientsFromConfig(cfg, ep)
}

// ClientsFromConfig is AWSClients for an aws.Config already loaded.
func ClientsFromConfig(cfg aws.Config, ep Endpoints) (answers, polls *sfn.Client, lam *lambda.Client, err error) {
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	sfnOpts := func(timeout time.Duration, retries int) func(*sfn.Options) {
		return func(o *sfn.Options) {
			if ep.StepFunctions != "" {
				o.BaseEndpoint = aws.String(ep.StepFunctions)
			}
			o.HTTPClient = &http.Client{Transport: transport, Timeout: timeout}
			if retries > 0 {
				o.RetryMaxAttempts = retries
			}
		}
	}
	// Answers turn these retries off per call (the worker retries them
	// itself, see answer.go); heartbeats keep them.
	answers = sfn.NewFromConfig(cfg, sfnOpts(DefaultAnswerTimeout, 5))
	// The poll loop backs off itself (and logs why), so the SDK must not
	// also retry a poll behind its back.
	polls = sfn.NewFromConfig(cfg, sfnOpts(pollHTTPTimeout, 1))
	lam = lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if ep.Lambda != "" {
			o.BaseEndpoint = aws.String(ep.Lambda)
		}
		o.HTTPClient = &http.Client{Transport: transport, Timeout: 60 * time.Second}
	})
	return answers, polls, lam, nil
}
