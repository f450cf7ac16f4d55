// Command echo returns its event unchanged.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
		return event, nil
	})
}
