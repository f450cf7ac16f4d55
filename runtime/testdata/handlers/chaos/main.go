// Command chaos is the chaos test's handler: it names the execution it runs
// for on stderr (so the test counts handler runs per execution), sleeps
// "ms" milliseconds (so heartbeats go out) and returns its id with "pad"
// bytes of padding (so some outputs exceed what the emulator accepts).
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, e struct {
		ID  int `json:"id"`
		Ms  int `json:"ms"`
		Pad int `json:"pad"`
	}) (any, error) {
		fmt.Fprintf(os.Stderr, "CHAOS-RAN %d\n", e.ID)
		time.Sleep(time.Duration(e.Ms) * time.Millisecond)
		return map[string]any{"id": e.ID, "pad": strings.Repeat("p", e.Pad)}, nil
	})
}
