package terraform

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Terraform evaluates every expression as if run from the root module's
// folder: path.root is ".", path.module is a child's folder relative to the
// root ("modules/x", ".terraform/modules/cumulus"), and the file functions
// (file, fileexists, templatefile, a resource's filename) resolve a relative
// path against the working folder, which `terraform -chdir=DIR` makes the
// root module's folder ("Paths are relative to the current working
// directory" in Terraform's file function docs). stepshift evaluates the
// same way and maps the result to its own working folder only when it opens
// a file, so `stepshift lint deploy/` reads what `cd deploy && stepshift
// lint .` reads.

// HostPath is where a path as Terraform evaluated it (relative to the root
// module's folder, or absolute) is from stepshift's working folder.
func (d *Deployment) HostPath(p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.Dir, p)
}

// terraformPath is a module folder as Terraform's path.module gives it:
// relative to the root module's folder, "." for the root.
func (d *Deployment) terraformPath(dir string) string {
	rel, err := filepath.Rel(d.Dir, dir)
	if err != nil {
		return filepath.ToSlash(dir)
	}
	return filepath.ToSlash(rel)
}

// maxFileFunctionBytes bounds what file() reads; Terraform itself has no
// bound, but nothing a workflow needs is this large.
const maxFileFunctionBytes = 8 << 20

// fileFunctions are Terraform's file and fileexists with relative paths
// resolved as Terraform resolves them (see HostPath).
func (d *Deployment) fileFunctions() map[string]function.Function {
	return map[string]function.Function{
		"file": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "path", Type: cty.String}},
			Type:   function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				p := d.HostPath(args[0].AsString())
				st, err := os.Stat(p)
				if err != nil {
					return cty.UnknownVal(cty.String), fmt.Errorf("no file exists at %q", p)
				}
				if st.Size() > maxFileFunctionBytes {
					return cty.UnknownVal(cty.String), fmt.Errorf("%s is larger than %d bytes", p, maxFileFunctionBytes)
				}
				src, err := os.ReadFile(p)
				if err != nil {
					return cty.UnknownVal(cty.String), fmt.Errorf("cannot read %s: %v", p, unwrapPathError(err))
				}
				return cty.StringVal(string(src)), nil
			},
		}),
		"fileexists": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "path", Type: cty.String}},
			Type:   function.StaticReturnType(cty.Bool),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				st, err := os.Stat(d.HostPath(args[0].AsString()))
				if err != nil {
					return cty.False, nil
				}
				if st.IsDir() {
					return cty.UnknownVal(cty.Bool), fmt.Errorf("%s is a folder, not a file", args[0].AsString())
				}
				return cty.True, nil
			},
		}),
	}
}
