package deployed

import (
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/stepshift/stepshift/terraform"
)

func TestOverlayFillsUnknownsAndRecordsDrift(t *testing.T) {
	where := hcl.Range{Filename: "terraform.tfvars", Start: hcl.Pos{Line: 3, Column: 5}}
	base := &terraform.LambdaFacts{
		Address:        "module.cumulus.aws_lambda_function.sync_granule_task",
		FunctionName:   terraform.Fact[string]{Value: "sit-SyncGranule", Known: true, Source: terraform.SourceTerraform},
		MemoryMB:       terraform.Fact[int]{Value: 3008, Known: true, Source: terraform.SourceTerraform, Range: where},
		TimeoutSeconds: terraform.Fact[int]{Why: "var.timeouts has no value"},
		Runtime:        terraform.Fact[string]{Value: "nodejs22.x", Known: true, Source: terraform.SourceTerraform},
		LayerCount:     terraform.Fact[int]{Why: "unknown"},
	}
	cfg := &FunctionConfig{FunctionName: "sit-SyncGranule", MemorySize: 10240, Timeout: 900, EphemeralStorage: 4096,
		Runtime: "nodejs22.x", PackageType: "Zip", CodeSize: 12345, EnvironmentBytes: 40,
		Layers: []Layer{{ARN: "arn:aws:lambda:us-east-1:1:layer:cma:3", CodeSize: 999}}}
	got := Overlay(base, cfg)

	if got.MemoryMB.Value != 3008 || got.MemoryMB.Source != terraform.SourceTerraform {
		t.Errorf("a configured memory must stay (it is what the next apply deploys): %+v", got.MemoryMB)
	}
	if !got.TimeoutSeconds.Known || got.TimeoutSeconds.Value != 900 || got.TimeoutSeconds.Source != terraform.SourceAWS {
		t.Errorf("an unknown timeout must come from AWS: %+v", got.TimeoutSeconds)
	}
	if got.TmpMB.Value != 4096 || got.TmpMB.Source != terraform.SourceAWS {
		t.Errorf("TmpMB %+v", got.TmpMB)
	}
	if got.Package.ZippedBytes.Value != 12345 || got.LayerCount.Value != 1 || len(got.Layers) != 1 ||
		got.Layers[0].ARN.Value != "arn:aws:lambda:us-east-1:1:layer:cma:3" || got.Layers[0].Package.ZippedBytes.Value != 999 {
		t.Errorf("package and layers: %+v %+v %+v", got.Package, got.LayerCount, got.Layers)
	}
	if len(got.Drift) != 1 || got.Drift[0] != (terraform.Drift{Setting: "memory_size", Configured: "3,008 MB", Deployed: "10,240 MB", Range: where}) {
		t.Errorf("drift: %+v", got.Drift)
	}
	if base.TimeoutSeconds.Known || len(base.Drift) != 0 || got.Address != base.Address {
		t.Errorf("Overlay must copy, not modify, its base: %+v", base)
	}

	alone := Overlay(nil, cfg)
	if alone.MemoryMB.Value != 10240 || alone.MemoryMB.Source != terraform.SourceAWS || len(alone.Drift) != 0 {
		t.Errorf("without Terraform every value comes from AWS: %+v", alone)
	}
	image := Overlay(nil, &FunctionConfig{FunctionName: "img", PackageType: "Image", MemorySize: 128, Timeout: 3})
	if image.Package.ZippedBytes.Known || image.PackageType.Value != "Image" {
		t.Errorf("an image has no zipped size: %+v", image.Package)
	}
	layered := Overlay(&terraform.LambdaFacts{LayerCount: terraform.Fact[int]{Value: 2, Known: true}}, cfg)
	if len(layered.Drift) != 1 || layered.Drift[0].Setting != "layers" {
		t.Errorf("a different number of layers is drift: %+v", layered.Drift)
	}
}
