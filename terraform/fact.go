package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Where a fact's value came from. Findings say "(default)" or "(tfstate)" so a
// reader knows whether editing the Terraform will change it.
const (
	SourceTerraform = "terraform" // written in a .tf or tfvars file
	SourceDefault   = "default"   // AWS/Terraform applies it when the argument is absent
	SourceTFState   = "tfstate"   // read from --tfstate
	SourceCLI       = "cli"       // given as --var k=v
	SourceZip       = "zip"       // measured from a package zip on disk
	SourceAWS       = "aws"       // read from the live account (package deployed)
)

// Fact is one value of the deployment with its provenance. Range is where the
// value was written (the tfvars line, the variables.tf default), zero when it
// came from outside Terraform.
type Fact[T any] struct {
	Value  T
	Known  bool
	Why    string // when !Known: "module.cumulus not initialised (run terraform init)"
	Source string
	Range  hcl.Range
}

// String renders the value or "unknown (why)" for dumps and messages.
func (f Fact[T]) String() string {
	if !f.Known {
		return "unknown (" + f.Why + ")"
	}
	return fmt.Sprint(f.Value)
}

func unknownFact[T any](why string) Fact[T] { return Fact[T]{Why: why} }

func defaultFact[T any](v T) Fact[T] { return Fact[T]{Value: v, Known: true, Source: SourceDefault} }
