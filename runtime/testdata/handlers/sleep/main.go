// Command sleep sleeps for the event's "ms" and returns {"slept": ms}; it
// ignores its context, as a handler stuck in I/O would.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, e struct {
		MS int `json:"ms"`
	}) (any, error) {
		time.Sleep(time.Duration(e.MS) * time.Millisecond)
		return map[string]int{"slept": e.MS}, nil
	})
}
