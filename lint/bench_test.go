package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// BenchmarkLintCumulusCorpus: loading and linting all 36 Cumulus workflows
// in-process. Budget: under 10 ms per iteration.
func BenchmarkLintCumulusCorpus(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(standin.CorpusDir(b), "cumulus", "workflows", "*.json"))
	srcs := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if srcs[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		stateShapes.reset() // a process lints with a cold cache
		units := make([]*Unit, len(srcs))
		for i, src := range srcs {
			units[i] = &Unit{Doc: workflow.Load(src, workflow.Options{Filename: files[i]})}
		}
		if fs := Lint(units, Options{}); len(fs) > 1000 {
			b.Fatal("unexpected findings")
		}
	}
}

// syntheticDefinition builds a valid definition of n states (Tasks with
// Parameters, Retry and Catch, Choices, Maps, Parallels) of about 500 bytes
// each, so 2,000 states is about 1 MB.
func syntheticDefinition(n int) []byte {
	var b strings.Builder
	b.WriteString("{\n  \"Comment\": \"synthetic\",\n  \"StartAt\": \"S0\",\n  \"States\": {\n")
	for i := 0; i < n; i++ {
		next := fmt.Sprintf("\"Next\": \"S%d\"", i+1)
		if i == n-1 {
			next = "\"End\": true"
		}
		switch i % 4 {
		case 0, 1:
			fmt.Fprintf(&b, `    "S%d": {
      "Type": "Task",
      "Resource": "${task_%d_arn}",
      "Parameters": { "cma": { "event.$": "$", "task_config": { "bucket": "{$.meta.buckets.internal.name}", "provider": "{$.meta.provider}", "granuleIdExtraction": "{$.meta.collection.granuleIdExtraction}" } } },
      "ResultSelector": { "payload.$": "$.Payload", "id.$": "States.Format('{}-{}', $.a, $$.Execution.Id)" },
      "ResultPath": "$.result",
      "TimeoutSeconds": 900,
      "Retry": [{ "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2 }],
      "Catch": [{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.exception", "Next": "Failed" }],
      %s
    },
`, i, i, next)
		case 2:
			fmt.Fprintf(&b, `    "S%d": {
      "Type": "Choice",
      "Choices": [
        { "And": [ { "Variable": "$.meta.status", "StringEquals": "done" }, { "Variable": "$.count", "NumericGreaterThan": 3 } ], "Next": "S%d" },
        { "Variable": "$.payload.granules[0].files", "IsPresent": true, "Next": "S%d" }
      ],
      "Default": "S%d"
    },
`, i, i+1, i+1, i+1)
		default:
			fmt.Fprintf(&b, `    "S%d": {
      "Type": "Map",
      "ItemsPath": "$.payload.granules",
      "MaxConcurrency": 10,
      "ItemProcessor": { "StartAt": "M%d", "States": { "M%d": { "Type": "Pass", "Parameters": { "g.$": "$.granuleId" }, "End": true } } },
      "ResultPath": "$.mapped",
      %s
    },
`, i, i, i, next)
		}
	}
	b.WriteString("    \"Failed\": { \"Type\": \"Fail\", \"Error\": \"WorkflowFailed\", \"Cause\": \"a step failed\" }\n  }\n}\n")
	return []byte(b.String())
}

func TestSyntheticDefinitionIsClean(t *testing.T) {
	src := syntheticDefinition(200)
	doc := workflow.Load(src, workflow.Options{Filename: "synthetic.asl.json"})
	for _, f := range LintDocument(doc, Options{}) {
		if f.Severity > Info {
			t.Errorf("%s", f)
		}
	}
}

// BenchmarkLintSynthetic2000: a 2,000-state, ~1 MB definition, load
// included. Budget: under 50 ms per iteration.
func BenchmarkLintSynthetic2000(b *testing.B) {
	src := syntheticDefinition(2000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		stateShapes.reset()
		doc := workflow.Load(src, workflow.Options{Filename: "synthetic.asl.json"})
		LintDocument(doc, Options{})
	}
}

// BenchmarkSchemaSynthetic2000 isolates the asl-schema rule's share of
// BenchmarkLintSynthetic2000 (the JSON Schema validation dominates).
func BenchmarkSchemaSynthetic2000(b *testing.B) {
	src := syntheticDefinition(2000)
	doc := workflow.Load(src, workflow.Options{Filename: "synthetic.asl.json"})
	r, _ := LookupRule("asl-schema")
	b.ReportAllocs()
	for b.Loop() {
		stateShapes.reset()
		var found []Finding
		r.Check(&Pass{Doc: doc, Unit: &Unit{Doc: doc}, Rule: r, findings: &found})
	}
}
