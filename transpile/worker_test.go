package transpile

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// awsName is what the worker's AWS names may hold after the prefix:
// activity names, ECS service and family names and IAM policy names all
// accept letters, digits, "-" and "_".
var awsName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func checkWorkerNames(t *testing.T, ref string) {
	for _, name := range []string{lambdaBaseName(ref), lambdaQualifiedName(ref)} {
		if !hclsyntax.ValidIdentifier(name) {
			t.Errorf("%q: worker name %q is not a Terraform identifier", ref, name)
		}
		if !awsName.MatchString(CamelCase(name)) {
			t.Errorf("%q: AWS name %q of %q has characters AWS rejects", ref, CamelCase(name), name)
		}
	}
	if lambdaBaseName(ref) == lambdaQualifiedName(ref) {
		t.Errorf("%q: the qualified name is the base name %q: a clash would stay a clash", ref, lambdaBaseName(ref))
	}
}

func TestWorkerNameForms(t *testing.T) {
	for ref, want := range map[string][2]string{
		"module.cumulus.sync_granule_task":                            {"sync_granule", "cumulus_sync_granule"},
		"aws_lambda_function.sync_granule_priority":                   {"sync_granule_priority", "function_sync_granule_priority"},
		"data.aws_lambda_function.fake_processing":                    {"fake_processing", "data_fake_processing"},
		"module.my_task":                                              {"my", "module_my"},
		"data.terraform_remote_state.cumulus.outputs.queue_pdrs_task": {"queue_pdrs", "cumulus_queue_pdrs"},
		"aws_lambda_function._task":                                   {"task", "function_task"},
	} {
		checkWorkerNames(t, ref)
		if got := [2]string{lambdaBaseName(ref), lambdaQualifiedName(ref)}; got != want {
			t.Errorf("%s: names %v, want %v", ref, got, want)
		}
	}
	if got := CamelCase("sync_granule_priority"); got != "SyncGranulePriority" {
		t.Errorf("CamelCase = %q", got)
	}
}

// FuzzWorkerNames: whatever Terraform reference a Lambda has, its worker's
// names are Terraform identifiers and its AWS names use only characters AWS
// accepts.
func FuzzWorkerNames(f *testing.F) {
	for _, seed := range []string{"module.cumulus.sync_granule_task", "aws_lambda_function.x", "data.aws_lambda_function.Y-z", "module.a", "aws_lambda_function.2fast"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		names := exprNames(ref)
		if len(names) < 2 || strings.Join(names, ".") != ref {
			return // not a plain reference: no Lambda is named so
		}
		checkWorkerNames(t, ref)
	})
}
