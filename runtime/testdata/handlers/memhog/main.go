// Command memhog touches the event's "mb" megabytes and holds them, so the
// worker's memory limit and REPORT line see real resident memory.
package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

var held [][]byte

func main() {
	lambda.Start(func(ctx context.Context, e struct {
		MB     int `json:"mb"`
		HoldMS int `json:"holdMs"`
	}) (any, error) {
		for i := 0; i < e.MB; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			held = append(held, b)
		}
		time.Sleep(time.Duration(e.HoldMS) * time.Millisecond)
		return map[string]int{"held": len(held)}, nil
	})
}
