// Command panic panics in the handler; aws-lambda-go reports it and exits,
// so the worker must restart the runtime.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, e map[string]any) (any, error) {
		if e["panic"] == true {
			panic("handler blew up")
		}
		return map[string]any{"ok": true}, nil
	})
}
