// Command tmpwrite writes a file under the system temp folder and reads it
// back, as handlers staging granules in /tmp do.
package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, e struct {
		Name string `json:"name"`
		Text string `json:"text"`
	}) (any, error) {
		p := filepath.Join(os.TempDir(), e.Name)
		if err := os.WriteFile(p, []byte(e.Text), 0o644); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return map[string]string{"path": p, "read": string(b)}, nil
	})
}
