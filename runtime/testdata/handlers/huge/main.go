// Command huge returns a string of the event's "bytes" length.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, e struct {
		Bytes int `json:"bytes"`
	}) (any, error) {
		return map[string]string{"data": strings.Repeat("x", e.Bytes)}, nil
	})
}
