package terraform

import (
	"github.com/hashicorp/hcl/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const rawStateV4 = `{
  "version": 4,
  "terraform_version": "1.5.7",
  "serial": 12,
  "lineage": "3c1f",
  "outputs": {},
  "resources": [
    {
      "module": "module.cumulus.module.ingest",
      "mode": "managed",
      "type": "aws_lambda_function",
      "name": "sync_granule_task",
      "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "arn": "arn:aws:lambda:us-east-1:123456789012:function:sit-SyncGranule",
            "function_name": "sit-SyncGranule",
            "memory_size": 3008,
            "timeout": 900,
            "runtime": "nodejs20.x",
            "handler": "index.handler",
            "package_type": "Zip",
            "ephemeral_storage": [{"size": 4096}],
            "environment": [{"variables": {"stackName": "sit"}}],
            "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:CMA:3"]
          }
        }
      ]
    },
    {
      "mode": "data",
      "type": "aws_lambda_function",
      "name": "fake_processing",
      "instances": [{"attributes": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:sit-Fake", "memory_size": 512, "timeout": 60}}]
    }
  ]
}`

const showJSONState = `{
  "format_version": "1.0",
  "terraform_version": "1.9.0",
  "values": {
    "root_module": {
      "resources": [
        {"address": "data.aws_lambda_function.fake_processing", "mode": "data", "type": "aws_lambda_function", "name": "fake_processing",
         "values": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:sit-Fake", "memory_size": 512, "timeout": 60, "ephemeral_storage": [{"size": 512}], "layers": []}}
      ],
      "child_modules": [
        {"address": "module.cumulus", "child_modules": [
          {"address": "module.cumulus.module.ingest", "resources": [
            {"address": "module.cumulus.module.ingest.aws_lambda_function.sync_granule_task", "mode": "managed", "type": "aws_lambda_function", "name": "sync_granule_task",
             "values": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:sit-SyncGranule", "function_name": "sit-SyncGranule", "memory_size": 3008, "timeout": 900,
                        "runtime": "nodejs20.x", "handler": "index.handler", "package_type": "Zip", "ephemeral_storage": [{"size": 4096}],
                        "environment": [{"variables": {"stackName": "sit"}}], "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:CMA:3"]}}
          ]}
        ]}
      ]
    }
  }
}`

const showJSONPlan = `{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_lambda_function.x", "mode": "managed", "type": "aws_lambda_function", "name": "x", "values": {"memory_size": 2048}}
  ]}},
  "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [
    {"address": "aws_lambda_function.x", "mode": "managed", "type": "aws_lambda_function", "name": "x", "values": {"memory_size": 1024, "arn": "arn:aws:lambda:us-east-1:1:function:x"}}
  ]}}}
}`

var zeroRange hcl.Range

func TestStateFormats(t *testing.T) {
	for name, src := range map[string]string{"tfstate": rawStateV4, "state": showJSONState} {
		t.Run(name, func(t *testing.T) {
			s, diags := ParseState([]byte(src), name+".json")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if s.Format != name {
				t.Errorf("format %q, want %q", s.Format, name)
			}
			addr := "module.cumulus.module.ingest.aws_lambda_function.sync_granule_task"
			v, ok := s.attr(addr, "memory_size")
			if !ok {
				t.Fatalf("%s.memory_size missing; have %v", addr, s.Resources)
			}
			f := factOf(v, zeroRange)
			if n := toInt(f); !n.Known || n.Value != 3008 || n.Source != SourceTFState {
				t.Errorf("memory_size %+v, want 3008 from tfstate", n)
			}
			if got := s.findByName("module.cumulus", "aws_lambda_function", "sync_granule_task"); len(got) != 1 || got[0] != addr {
				t.Errorf("findByName = %v", got)
			}
			if _, ok := s.attr("data.aws_lambda_function.fake_processing", "timeout"); !ok {
				t.Errorf("data source values missing")
			}
		})
	}
	t.Run("plan", func(t *testing.T) {
		s, diags := ParseState([]byte(showJSONPlan), "plan.json")
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		mem, _ := s.attr("aws_lambda_function.x", "memory_size")
		arn, ok := s.attr("aws_lambda_function.x", "arn")
		if n := toInt(factOf(mem, zeroRange)); n.Value != 2048 || !ok || !factOf(arn, zeroRange).Known {
			t.Errorf("plan: planned values must win and the prior state fill the rest: memory %v arn %v", n, ok)
		}
	})
}

func TestStateBadInput(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"old version":   {`{"version": 3, "modules": []}`, "version 3"},
		"show format 2": {"{\n  \"format_version\": \"2.0\"\n}", `format_version "2.0"`},
		"syntax":        {"{\n  \"version\": 4,\n  oops\n}", "not Terraform state"},
		"neither":       {`{"resources": []}`, "neither"},
		"wrong type":    {`{"version": "4"}`, "not Terraform state"},
	} {
		t.Run(name, func(t *testing.T) {
			s, diags := ParseState([]byte(tc.src), "bad.tfstate")
			if s != nil || !diags.HasErrors() {
				t.Fatalf("want an error")
			}
			d := diags[0]
			if !strings.Contains(d.Detail, tc.want) || !strings.Contains(d.Detail, "bad.tfstate") || d.Subject == nil || d.Subject.Filename != "bad.tfstate" {
				t.Errorf("diagnostic %q at %v, want it to name the file and %q", d.Detail, d.Subject, tc.want)
			}
		})
	}
	s, diags := ParseState([]byte("{\n  \"format_version\": \"2.0\"\n}"), "x")
	if s != nil || diags[0].Subject.Start.Line != 2 {
		t.Errorf("version diagnostic should point at line 2, got %v", diags[0].Subject)
	}
	if _, diags := LoadState(filepath.Join(t.TempDir(), "missing.tfstate")); !diags.HasErrors() {
		t.Errorf("a missing file must be a diagnostic")
	}
}

func TestStateFillsUnknowns(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"main.tf": `
data "aws_lambda_function" "fake_processing" {
  function_name = "sit-Fake"
}
resource "aws_lambda_function" "x" {
  function_name = "x"
  memory_size   = 256
}
`,
		"state.json": showJSONState,
	})
	d := Load(dir, Options{TFState: filepath.Join(dir, "state.json")})
	noErrors(t, d)
	f := evalIn(t, d.Root, "data.aws_lambda_function.fake_processing.memory_size")
	wantNumber(t, f, 512, "", 0)
	if f.Source != SourceTFState {
		t.Errorf("source %q, want tfstate", f.Source)
	}
	lf := d.lambdaFacts(d.Root, d.Root.Resource("data.aws_lambda_function.fake_processing"), "data.aws_lambda_function.fake_processing")
	if !lf.TimeoutSeconds.Known || lf.TimeoutSeconds.Value != 60 || !lf.TmpMB.Known || lf.TmpMB.Value != 512 || lf.LayerCount.Value != 0 || !lf.LayerCount.Known {
		t.Errorf("data source facts from state: timeout %v tmp %v layers %v", lf.TimeoutSeconds, lf.TmpMB, lf.LayerCount)
	}
	wantUnknown(t, evalIn(t, d.Root, "aws_lambda_function.x.arn"), "is not in")

	bad := filepath.Join(dir, "old.tfstate")
	if err := os.WriteFile(bad, []byte(`{"version": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	d = Load(dir, Options{TFState: bad})
	if dg := hasDiag(d, "Unsupported tfstate version"); dg == nil {
		t.Errorf("want a version diagnostic, got %v", d.Diagnostics)
	}
}

func FuzzParseState(f *testing.F) {
	for _, s := range []string{rawStateV4, showJSONState, showJSONPlan, `{"version":3}`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, diags := ParseState(src, "fuzz.tfstate")
		if s == nil && !diags.HasErrors() {
			t.Fatal("nil state without an error")
		}
		if s != nil {
			for addr := range s.Resources {
				s.attr(addr, "memory_size")
			}
		}
	})
}
