// Command env returns the environment variables the event names, plus the
// working directory, so tests see what Lambda would have given the runtime.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	lambda.Start(func(ctx context.Context, e struct {
		Names []string `json:"names"`
	}) (any, error) {
		out := map[string]string{}
		for _, n := range e.Names {
			out[n] = os.Getenv(n)
		}
		wd, _ := os.Getwd()
		out["cwd"] = wd
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			out["requestId"] = lc.AwsRequestID
			out["invokedArn"] = lc.InvokedFunctionArn
		}
		if dl, ok := ctx.Deadline(); ok && !dl.IsZero() {
			out["hasDeadline"] = "yes"
		}
		return out, nil
	})
}
