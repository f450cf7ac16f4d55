package deployed

import (
	"strconv"

	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/usage"
)

// Overlay joins a function's deployed configuration to what the Terraform
// deployment says of it, for the lint rules.
//
// A value the configuration knows stays: it is what the next `terraform
// apply` deploys, and the configuration is what a finding asks the user to
// edit. Where the deployed value differs, the difference is recorded in
// LambdaFacts.Drift. A value the configuration does not know (a module that
// is not initialised, a variable with no value, a workflow linted without
// Terraform) is taken from the deployed configuration, with Source
// terraform.SourceAWS so findings say where it came from.
//
// base is not modified; nil means nothing is known besides cfg.
func Overlay(base *terraform.LambdaFacts, cfg *FunctionConfig) *terraform.LambdaFacts {
	out := &terraform.LambdaFacts{}
	if base != nil {
		copied := *base
		copied.Drift = append([]terraform.Drift(nil), base.Drift...)
		copied.Layers = append([]terraform.Layer(nil), base.Layers...)
		out = &copied
	}
	if cfg == nil {
		return out
	}
	overlayFact(out, &out.FunctionName, cfg.FunctionName, "function_name", nil)
	overlayFact(out, &out.MemoryMB, cfg.MemorySize, "memory_size", withUnit("MB"))
	overlayFact(out, &out.TimeoutSeconds, cfg.Timeout, "timeout", withUnit("s"))
	overlayFact(out, &out.TmpMB, cfg.EphemeralStorage, "ephemeral_storage.size", withUnit("MB"))
	overlayFact(out, &out.Runtime, cfg.Runtime, "runtime", asIs)
	overlayFact(out, &out.Handler, cfg.Handler, "handler", nil)
	overlayFact(out, &out.PackageType, cfg.PackageType, "package_type", asIs)
	// Lambda counts the environment as the JSON of its map, Terraform's
	// facts as keys plus values: comparing them would report drift that is
	// not there, so the deployed size only fills an unknown.
	overlayFact(out, &out.EnvironmentBytes, cfg.EnvironmentBytes, "environment", nil)
	if !out.LayerCount.Known {
		out.LayerCount = awsFact(len(cfg.Layers))
		out.Layers = nil
		for _, l := range cfg.Layers {
			out.Layers = append(out.Layers, terraform.Layer{
				ARN:     awsFact(l.ARN),
				Package: &terraform.Package{ZippedBytes: awsFact(l.CodeSize)},
			})
		}
	} else if out.LayerCount.Value != len(cfg.Layers) {
		out.Drift = append(out.Drift, terraform.Drift{Setting: "layers", Configured: strconv.Itoa(out.LayerCount.Value),
			Deployed: strconv.Itoa(len(cfg.Layers)), Range: out.LayerCount.Range})
	}
	// CodeSize is the deployed zip: a measure of what runs, not of the local
	// file the direct-upload limit applies to, so it never replaces the
	// measured one.
	if cfg.PackageType != "Image" && !out.Package.ZippedBytes.Known {
		out.Package.ZippedBytes = awsFact(cfg.CodeSize)
	}
	return out
}

func awsFact[T any](v T) terraform.Fact[T] {
	return terraform.Fact[T]{Value: v, Known: true, Source: terraform.SourceAWS}
}

// overlayFact fills an unknown fact with the deployed value (a zero value
// means Lambda did not say), or records drift when a known value differs
// and show renders values for the message (nil: the setting is not
// compared).
func overlayFact[T comparable](facts *terraform.LambdaFacts, fact *terraform.Fact[T], deployed T, setting string, show func(T) string) {
	var zero T
	if deployed == zero {
		return
	}
	if !fact.Known {
		*fact = awsFact(deployed)
		return
	}
	if show != nil && fact.Value != deployed {
		facts.Drift = append(facts.Drift, terraform.Drift{Setting: setting, Configured: show(fact.Value), Deployed: show(deployed), Range: fact.Range})
	}
}

func withUnit(unit string) func(int) string {
	return func(n int) string { return usage.Thousands(int64(n)) + " " + unit }
}

func asIs(s string) string { return s }
