// Command fail returns an error whose type and message come from the event,
// as a handler failing for a workflow's Catch would.
package main

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

type event struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Repeat  int    `json:"repeat"`
}

func main() {
	lambda.Start(func(ctx context.Context, e event) (any, error) {
		msg := e.Message
		if e.Repeat > 0 {
			msg = strings.Repeat(msg, e.Repeat)
		}
		return nil, messages.InvokeResponse_Error{Type: e.Type, Message: msg}
	})
}
