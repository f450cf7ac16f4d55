package terraform

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Options are the command-line inputs Terraform itself would take.
type Options struct {
	VarFiles []string // --var-file, applied in order after terraform.tfvars and *.auto.tfvars
	Vars     []string // --var NAME=VALUE, applied last, in order
	TFState  string   // --tfstate FILE: `terraform show -json` output or a raw terraform.tfstate
}

// maxModuleDepth stops a module that (directly or not) calls itself.
const maxModuleDepth = 16

// maxModules bounds the module instances one deployment may create (a module
// called from many places multiplies).
const maxModules = 2000

// Deployment is a loaded Terraform root module with every module it reaches,
// the workflows it renders and the diagnostics of reading it.
type Deployment struct {
	Dir        string
	Options    Options
	Root       *Module
	Modules    []*Module            // every module instance, root first, depth first in call order
	Files      map[string]*hcl.File // every parsed .tf and tfvars file by path; Bytes feed hclwrite editors
	Renderings []*Rendering         // every templatefile()/heredoc rendering of a workflow, in source order
	State      *State               // from Options.TFState; nil without it
	// Diagnostics are problems in what the user wrote, each with file and position.
	Diagnostics hcl.Diagnostics

	parser      *hclparse.Parser
	modulesJSON map[string]string // modules.json Key → Dir (relative to Dir)
	rootVars    map[string]cty.Value
	eval        evalState
	fns         map[string]function.Function // functions plus this deployment's file functions
	// definitionCalls are templatefile() calls a definition uses through
	// locals, outputs or module inputs (markDefinitionTemplates).
	definitionCalls map[*hclsyntax.FunctionCallExpr]bool
	templateData    map[*hclsyntax.Block]bool // data "template_file" blocks whose rendered a definition uses
	lambdas         map[string]*LambdaFacts
	zips            map[string]zipResult
	// reportedZips keeps a zip shared by many functions (a layer) to one diagnostic.
	reportedZips map[string]bool
}

// Module is one module instance: the root, or one call of a module block.
type Module struct {
	Key       string // "" for the root, "cumulus", "cumulus.ingest": the key modules.json uses
	Dir       string // where its .tf files are, usable from the current directory
	Parent    *Module
	Call      *ModuleCall // the block that instantiated it; nil for the root
	Files     []string
	Variables map[string]*Variable
	Locals    map[string]*hclsyntax.Attribute
	Outputs   map[string]*Output
	Resources []*Resource // managed resources and data sources in file order
	Calls     []*ModuleCall

	d         *Deployment
	each      *eachInstance        // set on a copy evaluating one instance of a for_each block (forEachRenderings)
	callEach  *eachInstance        // set on a copy that is one instance of a module called under for_each (moduleInstanceRenderings)
	resources map[string]*Resource // by Address relative to the module: "aws_lambda_function.x", "data.aws_lambda_function.y"
	calls     map[string]*ModuleCall
}

// Address is the module's Terraform address prefix: "" or "module.cumulus.module.ingest".
func (m *Module) Address() string {
	if m.Parent == nil {
		return ""
	}
	name := "module." + m.Call.Name
	if m.callEach != nil {
		name += fmt.Sprintf("[%q]", m.callEach.key)
	}
	if p := m.Parent.Address(); p != "" {
		return p + "." + name
	}
	return name
}

// Resource returns the resource or data source at a module-relative address
// ("aws_lambda_function.x", "data.aws_lambda_function.y"), nil if there is none.
func (m *Module) Resource(addr string) *Resource { return m.resources[addr] }

// ModuleCall returns the module block of that name, nil if there is none.
func (m *Module) ModuleCall(name string) *ModuleCall { return m.calls[name] }

// Variable is a `variable` block.
type Variable struct {
	Name    string
	Default hcl.Expression // nil when the variable has no default
	Type    cty.Type       // cty.DynamicPseudoType when not declared
	Block   *hclsyntax.Block
}

// Output is an `output` block.
type Output struct {
	Name  string
	Expr  hcl.Expression // its `value`
	Block *hclsyntax.Block
}

// Mode tells a managed resource from a data source.
type Mode int

// Resource modes.
const (
	Managed Mode = iota
	Data
)

// Resource is a `resource` or `data` block.
type Resource struct {
	Mode   Mode
	Type   string
	Name   string
	Block  *hclsyntax.Block
	Module *Module
}

// LocalAddress is the address inside its module: "aws_lambda_function.x" or "data.aws_lambda_function.x".
func (r *Resource) LocalAddress() string {
	if r.Mode == Data {
		return "data." + r.Type + "." + r.Name
	}
	return r.Type + "." + r.Name
}

// Address is the absolute address, as tfstate and plans name it.
func (r *Resource) Address() string {
	if p := r.Module.Address(); p != "" {
		return p + "." + r.LocalAddress()
	}
	return r.LocalAddress()
}

// Attr returns the resource's argument of that name, nil if absent.
func (r *Resource) Attr(name string) *hclsyntax.Attribute { return r.Block.Body.Attributes[name] }

// ModuleCall is a `module` block.
type ModuleCall struct {
	Name        string
	Source      string
	SourceRange hcl.Range // the source string, for editors that pin a release
	Version     string
	Args        map[string]*hclsyntax.Attribute // every argument but source/version/providers/depends_on/count/for_each
	Block       *hclsyntax.Block
	Module      *Module // the instance; nil when it could not be loaded (see Why)
	Why         string  // why Module is nil: "module.cumulus not initialised (run terraform init)"
	Release     string  // the Cumulus release its source pins ("v21.3.3"), "" if none
}

// IsLocal reports whether the source is a local path (./ or ../), which
// Terraform reads in place rather than installing.
func (c *ModuleCall) IsLocal() bool {
	return strings.HasPrefix(c.Source, "./") || strings.HasPrefix(c.Source, "../")
}

// Load reads the Terraform root module in dir and everything it reaches. It
// never returns nil; problems are in Deployment.Diagnostics.
func Load(dir string, opts Options) *Deployment {
	d := &Deployment{
		Dir:      dir,
		Options:  opts,
		Files:    map[string]*hcl.File{},
		parser:   hclparse.NewParser(),
		rootVars: map[string]cty.Value{},
		lambdas:  map[string]*LambdaFacts{},
		zips:     map[string]zipResult{},

		reportedZips: map[string]bool{},
	}
	d.eval.init()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		d.errorf(hcl.Range{Filename: dir}, "Cannot read Terraform folder", "%s is not a readable folder", dir)
		d.Root = d.newModule("", dir, nil, nil)
		return d
	}
	d.readModulesJSON()
	d.Root = d.loadModule("", dir, nil, nil)
	d.loadRootVariables()
	if opts.TFState != "" {
		st, diags := LoadState(opts.TFState)
		d.Diagnostics = append(d.Diagnostics, diags...)
		d.State = st
	}
	d.findRenderings()
	return d
}

func (d *Deployment) errorf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	d.Diagnostics = append(d.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

func (d *Deployment) warnf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	d.Diagnostics = append(d.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

func (d *Deployment) newModule(key, dir string, parent *Module, call *ModuleCall) *Module {
	m := &Module{
		Key: key, Dir: dir, Parent: parent, Call: call, d: d,
		Variables: map[string]*Variable{}, Locals: map[string]*hclsyntax.Attribute{},
		Outputs: map[string]*Output{}, resources: map[string]*Resource{}, calls: map[string]*ModuleCall{},
	}
	d.Modules = append(d.Modules, m)
	return m
}

// modulesManifest is .terraform/modules/modules.json as `terraform init` writes it.
type modulesManifest struct {
	Modules []struct {
		Key    string `json:"Key"`
		Source string `json:"Source"`
		Dir    string `json:"Dir"`
	} `json:"Modules"`
}

func (d *Deployment) readModulesJSON() {
	path := filepath.Join(d.Dir, ".terraform", "modules", "modules.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return // not initialised: remote modules will say so where they are used
	}
	var mf modulesManifest
	if err := json.Unmarshal(data, &mf); err != nil {
		d.errorf(hcl.Range{Filename: path, Start: hcl.InitialPos, End: hcl.InitialPos}, "Invalid modules.json", "%s: %v (run terraform init again)", path, err)
		return
	}
	d.modulesJSON = map[string]string{}
	for _, e := range mf.Modules {
		d.modulesJSON[e.Key] = e.Dir
	}
}

func (d *Deployment) parseFile(path string) *hcl.File {
	if f, ok := d.Files[path]; ok {
		return f
	}
	src, err := os.ReadFile(path)
	if err != nil {
		d.errorf(hcl.Range{Filename: path}, "Cannot read file", "%v", err)
		return nil
	}
	f, diags := d.parser.ParseHCL(src, path)
	d.Diagnostics = append(d.Diagnostics, diags...)
	d.Files[path] = f
	return f
}

func (d *Deployment) loadModule(key, dir string, parent *Module, call *ModuleCall) *Module {
	m := d.newModule(key, dir, parent, call)
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.errorf(hcl.Range{Filename: dir}, "Cannot read module folder", "%v", err)
		return m
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".tf") || strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		f := d.parseFile(path)
		if f == nil {
			continue
		}
		m.Files = append(m.Files, path)
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		m.addBody(body)
	}
	depth := strings.Count(key, ".") + 1
	for _, c := range m.Calls {
		d.loadCall(m, c, depth)
	}
	return m
}

func (m *Module) addBody(body *hclsyntax.Body) {
	d := m.d
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable":
			if len(b.Labels) != 1 {
				continue
			}
			v := &Variable{Name: b.Labels[0], Type: cty.DynamicPseudoType, Block: b}
			if a := b.Body.Attributes["default"]; a != nil {
				v.Default = a.Expr
			}
			if a := b.Body.Attributes["type"]; a != nil {
				if ty, diags := typeexpr.TypeConstraint(a.Expr); !diags.HasErrors() {
					v.Type = ty
				}
			}
			m.Variables[v.Name] = v
		case "locals":
			for name, a := range b.Body.Attributes {
				m.Locals[name] = a
			}
		case "output":
			if len(b.Labels) != 1 {
				continue
			}
			o := &Output{Name: b.Labels[0], Block: b}
			if a := b.Body.Attributes["value"]; a != nil {
				o.Expr = a.Expr
			}
			m.Outputs[o.Name] = o
		case "resource", "data":
			if len(b.Labels) != 2 {
				continue
			}
			r := &Resource{Type: b.Labels[0], Name: b.Labels[1], Block: b, Module: m}
			if b.Type == "data" {
				r.Mode = Data
			}
			m.Resources = append(m.Resources, r)
			m.resources[r.LocalAddress()] = r
		case "module":
			if len(b.Labels) != 1 {
				continue
			}
			c := &ModuleCall{Name: b.Labels[0], Block: b, Args: map[string]*hclsyntax.Attribute{}}
			for name, a := range b.Body.Attributes {
				switch name {
				case "source":
					v, diags := a.Expr.Value(nil)
					if diags.HasErrors() || v.Type() != cty.String || !v.IsKnown() || v.IsNull() {
						d.errorf(a.Expr.Range(), "Invalid module source", "module %q: source must be a literal string", c.Name)
						continue
					}
					c.Source, c.SourceRange = v.AsString(), a.Expr.Range()
					c.Release = cumulusRelease(c.Source)
				case "version":
					if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
						c.Version = v.AsString()
					}
				case "providers", "depends_on", "count", "for_each":
				default:
					c.Args[name] = a
				}
			}
			if c.Source == "" && b.Body.Attributes["source"] == nil {
				d.errorf(b.DefRange(), "Module without source", "module %q has no source argument", c.Name)
			}
			m.Calls = append(m.Calls, c)
			m.calls[c.Name] = c
		}
	}
}

func (d *Deployment) loadCall(parent *Module, c *ModuleCall, depth int) {
	key := c.Name
	if parent.Key != "" {
		key = parent.Key + "." + c.Name
	}
	if c.Source == "" {
		c.Why = "module." + c.Name + " has no readable source"
		return
	}
	if depth > maxModuleDepth {
		c.Why = fmt.Sprintf("module.%s: modules nest deeper than %d (a module calling itself?)", c.Name, maxModuleDepth)
		d.errorf(c.SourceRange, "Module nesting too deep", "%s", c.Why)
		return
	}
	var dir string
	if rel, ok := d.modulesJSON[key]; ok {
		dir = filepath.Join(d.Dir, rel)
	} else if c.IsLocal() {
		dir = filepath.Join(parent.Dir, filepath.FromSlash(c.Source))
	} else {
		c.Why = "module." + c.Name + " not initialised (run terraform init)"
		return
	}
	for a := parent; a != nil; a = a.Parent {
		if filepath.Clean(a.Dir) == filepath.Clean(dir) {
			c.Why = fmt.Sprintf("module.%s: source %s calls a module that is already being called (a module calling itself)", c.Name, c.Source)
			d.errorf(c.SourceRange, "Module calls itself", "%s", c.Why)
			return
		}
	}
	if len(d.Modules) >= maxModules {
		c.Why = fmt.Sprintf("module.%s: more than %d module instances", c.Name, maxModules)
		d.errorf(c.SourceRange, "Too many modules", "%s", c.Why)
		return
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if c.IsLocal() {
			c.Why = fmt.Sprintf("module.%s: source %s not found", c.Name, c.Source)
			d.errorf(c.SourceRange, "Module source not found", "%s (looked in %s)", c.Why, dir)
		} else {
			c.Why = "module." + c.Name + " not initialised (run terraform init)"
		}
		return
	}
	c.Module = d.loadModule(key, dir, parent, c)
}
