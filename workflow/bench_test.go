package workflow

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkLoadCumulusCorpus: loading and indexing all 36 Cumulus workflows
// (budget: under 5 ms per op).
func BenchmarkLoadCumulusCorpus(b *testing.B) {
	var srcs [][]byte
	var total int
	for _, f := range cumulusFiles(b) {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
		total += len(src)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			if d := Load(src, Options{Filename: "x"}); d.Root == nil {
				b.Fatal("load failed")
			}
		}
	}
}

// SyntheticDefinition returns a templated definition of about size bytes
// holding n Task states in a chain, in the Cumulus style.
func syntheticDefinition(n int) []byte {
	var b strings.Builder
	b.WriteString("{\n  \"StartAt\": \"Step0\",\n  \"States\": {\n")
	for i := range n {
		fmt.Fprintf(&b, `    "Step%d": {
      "Type": "Task",
      "Resource": "${step_%d_task_arn}",
      "Parameters": {"cma": {"event.$": "$", "task_config": {"provider": "{$.meta.provider}", "collection": "{$.meta.collection}", "buckets": "{$.meta.buckets}", "stack": "{$.meta.stack}", "granuleIdExtraction": "{$.meta.collection.granuleIdExtraction}"}}},
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Failed"}],
`, i, i)
		fmt.Fprintf(&b, "      \"Next\": \"Step%d\"\n    },\n", i+1)
	}
	fmt.Fprintf(&b, "    \"Step%d\": {\"Type\": \"Succeed\"},\n    \"Failed\": {\"Type\": \"Fail\", \"Cause\": \"x\"}\n  }\n}\n", n)
	return []byte(b.String())
}

// BenchmarkLoadSynthetic2000: a ~1 MB definition with 2,000 states (budget: under 20 ms).
func BenchmarkLoadSynthetic2000(b *testing.B) {
	src := syntheticDefinition(2000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if d := Load(src, Options{Filename: "x"}); len(d.States) != 2002 || len(d.Diagnostics) > 0 {
			b.Fatalf("%d states, %v", len(d.States), d.Diagnostics)
		}
	}
}
