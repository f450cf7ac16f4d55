package terraform

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var cumulusReleaseRE = regexp.MustCompile(`github\.com/nasa/cumulus/releases/download/(v\d+\.\d+\.\d+[^/]*)/`)

// cumulusRelease extracts the release a module source pins, e.g. "v21.3.3" from
// https://github.com/nasa/cumulus/releases/download/v21.3.3/terraform-aws-cumulus.zip//tf-modules/cumulus.
func cumulusRelease(source string) string {
	if m := cumulusReleaseRE.FindStringSubmatch(source); m != nil {
		return m[1]
	}
	return ""
}

// CumulusRelease is the Cumulus release the deployment's module sources pin
// (the most used one if they disagree), with the range of one source that
// pins it. ok is false when no module source names a release.
func (d *Deployment) CumulusRelease() (version string, at hcl.Range, ok bool) {
	count := map[string]int{}
	first := map[string]hcl.Range{}
	for _, m := range d.Modules {
		for _, c := range m.Calls {
			if c.Release == "" {
				continue
			}
			if count[c.Release] == 0 {
				first[c.Release] = c.SourceRange
			}
			count[c.Release]++
		}
	}
	for v, n := range count {
		if n > count[version] || (n == count[version] && v > version) {
			version = v
		}
	}
	return version, first[version], version != ""
}

// loadRootVariables applies Terraform's precedence for root variables:
// terraform.tfvars(.json) < *.auto.tfvars(.json) in name order < --var-file in order < --var in order.
func (d *Deployment) loadRootVariables() {
	var files []string
	for _, name := range []string{"terraform.tfvars", "terraform.tfvars.json"} {
		if p := filepath.Join(d.Dir, name); fileExists(p) {
			files = append(files, p)
		}
	}
	auto, _ := filepath.Glob(filepath.Join(d.Dir, "*.auto.tfvars"))
	autoJSON, _ := filepath.Glob(filepath.Join(d.Dir, "*.auto.tfvars.json"))
	auto = append(auto, autoJSON...)
	sort.Strings(auto)
	files = append(files, auto...)
	files = append(files, d.Options.VarFiles...)
	for _, p := range files {
		d.readVarFile(p)
	}
	for _, kv := range d.Options.Vars {
		name, raw, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			d.errorf(hcl.Range{Filename: "--var"}, "Invalid --var", "--var %q: expected NAME=VALUE", kv)
			continue
		}
		val := cty.StringVal(raw)
		if v := d.Root.Variables[name]; v != nil && !v.Type.IsPrimitiveType() && v.Type != cty.DynamicPseudoType {
			// Terraform parses complex-typed -var values as HCL expressions.
			expr, diags := hclsyntax.ParseExpression([]byte(raw), "--var "+name, hcl.InitialPos)
			if diags.HasErrors() {
				d.Diagnostics = append(d.Diagnostics, diags...)
				continue
			}
			pv, diags := expr.Value(nil)
			if diags.HasErrors() {
				d.Diagnostics = append(d.Diagnostics, diags...)
				continue
			}
			val = pv
		}
		d.rootVars[name] = markDeep(val, origin{Source: SourceCLI})
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func (d *Deployment) readVarFile(path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		d.errorf(hcl.Range{Filename: path}, "Cannot read variables file", "%v", err)
		return
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = d.parser.ParseJSON(src, path)
	} else {
		f, diags = d.parser.ParseHCL(src, path)
	}
	d.Diagnostics = append(d.Diagnostics, diags...)
	if f == nil {
		return
	}
	d.Files[path] = f
	attrs, diags := f.Body.JustAttributes()
	d.Diagnostics = append(d.Diagnostics, diags...)
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		a := attrs[name]
		if len(a.Expr.Variables()) > 0 {
			d.errorf(a.Expr.Range(), "Variables not allowed", "%s: a variables file may only hold literal values", name)
			continue
		}
		if d.Root.Variables[name] == nil {
			d.warnf(a.NameRange, "Value for undeclared variable", "%s sets %q, which the root module does not declare", filepath.Base(path), name)
		}
		d.rootVars[name] = d.Root.value(a.Expr)
	}
}
