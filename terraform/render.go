package terraform

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/stepshift/stepshift/workflow"
)

// RenderKind tells how a workflow reaches Step Functions.
type RenderKind int

// The two ways Cumulus deployments render a workflow.
const (
	Templatefile RenderKind = iota // templatefile("x.asl.json", { var = expr, ... })
	Heredoc                        // <<JSON ... JSON with inline ${...} references
)

// String names the kind for dumps.
func (k RenderKind) String() string {
	if k == Heredoc {
		return "heredoc"
	}
	return "templatefile"
}

// Rendering is one place a workflow definition is rendered. One .asl.json
// rendered by two modules is two Renderings: their maps differ.
type Rendering struct {
	Kind      RenderKind
	Module    *Module
	Block     *hclsyntax.Block     // the block holding the attribute (a module call, an aws_sfn_state_machine)
	Attribute *hclsyntax.Attribute // state_machine_definition, definition, ...

	// Templatefile renderings.
	Call         *hclsyntax.FunctionCallExpr
	TemplatePath string                    // the evaluated path, usable from the current directory; "" when unknown
	Map          *hclsyntax.ObjectConsExpr // the vars argument when written as a map; nil otherwise
	Separator    string                    // ":" or "=" as the map's first item uses it ("" for an empty or missing map)
	Vars         []*TemplateVar            // the map's items in source order (for a local, variable or merge(): as followed)
	VarsWhy      string                    // why the vars argument could not be followed (wholly or in part); "" when it could

	// Instance is the for_each key of the block's instance this rendering
	// is ("" when the block has no for_each): a templatefile() whose path
	// or variables use each.key / each.value renders once per instance.
	Instance string

	// Heredoc renderings: where the body sits in the .tf file.
	Body hcl.Range

	Document *workflow.Document // nil when the template could not be read
	Tasks    []*Task            // one per Task state, in document order
}

// TemplateVar is one item of a templatefile() map.
type TemplateVar struct {
	Name      string
	KeyRange  hcl.Range
	Expr      hcl.Expression
	ExprText  string // the value expression as written
	ExprRange hcl.Range
	Used      bool // the template references it
	// Module is where Expr is written and evaluated when that is not the
	// rendering's module (a map passed in as a module argument); nil otherwise.
	Module *Module
}

// BlockAddress is the absolute address of the block holding the rendering:
// "module.discover_granules_workflow", "aws_sfn_state_machine.x".
func (r *Rendering) BlockAddress() string {
	local := r.Block.Type
	if r.Block.Type == "resource" || r.Block.Type == "module" {
		local = ""
		if r.Block.Type == "module" {
			local = "module."
		}
		for i, l := range r.Block.Labels {
			if i > 0 {
				local += "."
			}
			local += l
		}
	} else if r.Block.Type == "data" {
		local = "data." + r.Block.Labels[0] + "." + r.Block.Labels[1]
	} else if r.Block.Type == "output" && len(r.Block.Labels) == 1 {
		local = "output." + r.Block.Labels[0]
	} else if r.Block.Type == "locals" {
		local = "local." + r.Attribute.Name
	}
	if r.Instance != "" {
		local += fmt.Sprintf("[%q]", r.Instance)
	}
	return r.Module.label(local)
}

// Var returns the map item of that name, nil if the map has none.
func (r *Rendering) Var(name string) *TemplateVar {
	for _, v := range r.Vars {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Filename is the workflow's file: the template, or the .tf holding the heredoc.
func (r *Rendering) Filename() string {
	if r.Kind == Heredoc {
		return r.Body.Filename
	}
	return r.TemplatePath
}

func (d *Deployment) findRenderings() {
	d.markDefinitionTemplates()
	docs := map[string]*workflow.Document{}
	for _, m := range d.Modules {
		for _, path := range m.Files {
			f := d.Files[path]
			if f == nil {
				continue
			}
			body, ok := f.Body.(*hclsyntax.Body)
			if !ok {
				continue
			}
			for _, b := range body.Blocks {
				if b.Type == "data" && d.templateData[b] {
					if r := d.templateDataRendering(m, b, f.Bytes, docs); r != nil {
						d.Renderings = append(d.Renderings, r)
					}
					continue
				}
				d.scanBlock(m, b, b, f.Bytes, docs)
			}
		}
	}
	for _, r := range d.Renderings {
		d.resolveTasks(r)
	}
}

// maxDefinitionHops bounds how many locals, outputs and module inputs a
// definition is followed through to its templatefile().
const maxDefinitionHops = 16

// markDefinitionTemplates finds the templatefile() calls whose result a
// state machine definition uses through locals, module outputs or module
// inputs (`definition = module.bignbit.workflow_definition`, whose output
// is templatefile("${path.module}/state_machine_definition.tpl", {...})).
// Those are workflow renderings whatever the template's name, rendered in
// the module that calls templatefile(), with its Lambda facts.
func (d *Deployment) markDefinitionTemplates() {
	d.definitionCalls = map[*hclsyntax.FunctionCallExpr]bool{}
	d.templateData = map[*hclsyntax.Block]bool{}
	seen := map[hcl.Expression]bool{}
	var follow func(m *Module, expr hcl.Expression, hops int)
	follow = func(m *Module, expr hcl.Expression, hops int) {
		node, ok := expr.(hclsyntax.Node)
		if !ok || hops > maxDefinitionHops || seen[expr] {
			return
		}
		seen[expr] = true
		hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
			if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && (c.Name == "templatefile" || c.Name == "file") && hops > 0 {
				d.definitionCalls[c] = true
			}
			return nil
		})
		for _, tr := range expr.Variables() {
			names := traversalNames(tr)
			switch {
			case names[0] == "local" && len(names) >= 2:
				if a := m.Locals[names[1]]; a != nil {
					follow(m, a.Expr, hops+1)
				}
			case names[0] == "module" && len(names) >= 3:
				if c := m.calls[names[1]]; c != nil && c.Module != nil {
					if o := c.Module.Outputs[names[2]]; o != nil && o.Expr != nil {
						follow(c.Module, o.Expr, hops+1)
					}
				}
			case names[0] == "data" && len(names) >= 3 && names[1] == "template_file":
				if r := m.resources["data.template_file."+names[2]]; r != nil {
					d.templateData[r.Block] = true
				}
			case names[0] == "var" && len(names) >= 2 && m.Call != nil:
				if a := m.Call.Args[names[1]]; a != nil {
					follow(m.Parent, a.Expr, hops+1)
				}
			}
		}
	}
	var scan func(m *Module, b *hclsyntax.Block)
	scan = func(m *Module, b *hclsyntax.Block) {
		for name, a := range b.Body.Attributes {
			switch {
			case isDefinitionAttr(name):
				follow(m, a.Expr, 0)
			case b.Type == "locals" && namesDefinition(name),
				b.Type == "output" && name == "value" && len(b.Labels) == 1 && namesDefinition(b.Labels[0]):
				// A module that only returns the definition
				// (bignbit's output "workflow_definition"), linted on
				// its own: its name says what it holds.
				follow(m, a.Expr, 1)
			}
		}
		for _, nb := range b.Body.Blocks {
			scan(m, nb)
		}
	}
	for _, m := range d.Modules {
		for _, path := range m.Files {
			if f := d.Files[path]; f != nil {
				if body, ok := f.Body.(*hclsyntax.Body); ok {
					for _, b := range body.Blocks {
						scan(m, b)
					}
				}
			}
		}
	}
}

// namesDefinition reports whether a local or output name says it holds a
// state machine definition ("workflow_definition", "state_machine_definition").
func namesDefinition(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "definition") && (strings.Contains(n, "workflow") || strings.Contains(n, "state_machine") || strings.Contains(n, "sfn") || n == "definition")
}

func sortedAttributes(body *hclsyntax.Body) []*hclsyntax.Attribute {
	attrs := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	return attrs
}

func (d *Deployment) scanBlock(m *Module, top, b *hclsyntax.Block, src []byte, docs map[string]*workflow.Document) {
	for _, a := range sortedAttributes(b.Body) {
		if t, ok := a.Expr.(*hclsyntax.TemplateExpr); ok && isHeredoc(src, t) {
			if r := d.heredocRendering(m, top, a, t, src); r != nil {
				d.Renderings = append(d.Renderings, r)
			}
			continue
		}
		hclsyntax.VisitAll(a.Expr, func(n hclsyntax.Node) hcl.Diagnostics {
			c, ok := n.(*hclsyntax.FunctionCallExpr)
			switch {
			case !ok:
			case c.Name == "templatefile":
				for _, r := range d.templatefileRendering(m, top, a, c, src, docs) {
					if r != nil {
						d.Renderings = append(d.Renderings, r)
					}
				}
			case c.Name == "file" && len(c.Args) == 1 && (isDefinitionAttr(a.Name) || d.definitionCalls[c]):
				// definition = file("${path.module}/wf.asl.json"): a
				// definition with no template variables.
				if r := d.renderTemplate(m, top, a, c, c.Args[0], nil, true, src, docs); r != nil {
					d.Renderings = append(d.Renderings, r)
				}
			}
			return nil
		})
	}
	for _, nb := range b.Body.Blocks {
		d.scanBlock(m, top, nb, src, docs)
	}
}

func isHeredoc(src []byte, t *hclsyntax.TemplateExpr) bool {
	s := t.SrcRange.Start.Byte
	return s+2 <= len(src) && src[s] == '<' && src[s+1] == '<'
}

func isDefinitionAttr(name string) bool {
	return name == "state_machine_definition" || name == "definition"
}

func (d *Deployment) templatefileRendering(m *Module, top *hclsyntax.Block, a *hclsyntax.Attribute, c *hclsyntax.FunctionCallExpr, src []byte, docs map[string]*workflow.Document) []*Rendering {
	if len(c.Args) != 2 {
		d.errorf(c.Range(), "Invalid templatefile call", "templatefile() takes a path and a map of variables")
		return nil
	}
	definition := isDefinitionAttr(a.Name) || d.definitionCalls[c]
	if rs, ok := d.forEachRenderings(m, top, a, c, definition, src, docs); ok {
		return rs
	}
	return []*Rendering{d.renderTemplate(m, top, a, c, c.Args[0], c.Args[1], definition, src, docs)}
}

// templateDataRendering is a `data "template_file"` block (the template
// provider's older form of templatefile(), which bignbit used) whose
// `rendered` a definition uses: template = file(PATH), vars = {...}.
func (d *Deployment) templateDataRendering(m *Module, b *hclsyntax.Block, src []byte, docs map[string]*workflow.Document) *Rendering {
	tmpl, vars := b.Body.Attributes["template"], b.Body.Attributes["vars"]
	if tmpl == nil {
		return nil
	}
	c, ok := tmpl.Expr.(*hclsyntax.FunctionCallExpr)
	if !ok || c.Name != "file" || len(c.Args) != 1 {
		return nil // an inline template: not a file to lint
	}
	var mapExpr hcl.Expression
	if vars != nil {
		mapExpr = vars.Expr
	}
	return d.renderTemplate(m, b, tmpl, c, c.Args[0], mapExpr, true, src, docs)
}

// renderTemplate makes the rendering of a template file at pathExpr with
// the variables of mapExpr (nil: none), c being the call that reads it.
func (d *Deployment) renderTemplate(m *Module, top *hclsyntax.Block, a *hclsyntax.Attribute, c *hclsyntax.FunctionCallExpr, pathExpr, mapExpr hcl.Expression, definition bool, src []byte, docs map[string]*workflow.Document) *Rendering {
	path := m.Eval(pathExpr)
	var pathStr string
	if path.Known && path.Value.Type() == cty.String && !path.Value.IsNull() {
		// Resolved as Terraform resolves it (from the root module's
		// folder) and cleaned, so "${path.module}/x.asl.json" in the root
		// ("./x.asl.json") names the same file as every other path to it.
		pathStr = d.HostPath(path.Value.AsString())
	}
	// templatefile() renders other things too (user data, policies): only JSON
	// templates and definition arguments are workflows.
	if pathStr != "" && filepath.Ext(pathStr) != ".json" && !definition {
		return nil
	}
	if pathStr == "" && !definition {
		return nil
	}
	r := &Rendering{Kind: Templatefile, Module: m, Block: top, Attribute: a, Call: c, TemplatePath: pathStr}
	if mp, ok := mapExpr.(*hclsyntax.ObjectConsExpr); ok {
		r.Map = mp
		for i, it := range mp.Items {
			name := hcl.ExprAsKeyword(it.KeyExpr)
			if name == "" {
				if kv, diags := it.KeyExpr.Value(nil); !diags.HasErrors() && kv.Type() == cty.String && kv.IsKnown() && !kv.IsNull() {
					name = kv.AsString()
				}
			}
			vr := it.ValueExpr.Range()
			r.Vars = append(r.Vars, &TemplateVar{Name: name, KeyRange: it.KeyExpr.Range(), Expr: it.ValueExpr,
				ExprText: string(vr.SliceBytes(src)), ExprRange: vr})
			if i == 0 {
				between := src[it.KeyExpr.Range().End.Byte:vr.Start.Byte]
				if bytes.ContainsRune(between, ':') {
					r.Separator = ":"
				} else {
					r.Separator = "="
				}
			}
		}
	} else if mapExpr != nil {
		// local.x, var.x or merge(...): followed to the map literals it
		// is made of, so each Task still reaches its Lambda. Map stays nil:
		// migrate has no one literal to add to.
		r.Vars, r.VarsWhy = d.indirectVars(m, mapExpr, 0)
	}
	if pathStr == "" {
		if rs, ok, _ := d.moduleInstanceRenderings(m, top, a, c, pathExpr, mapExpr, definition, src, docs); ok {
			d.Renderings = append(d.Renderings, rs...)
			return nil
		}
		if where := perInstance(m, top); where != "" {
			// Terraform renders one template per instance; which files
			// those are is not known here. Not an error in what the user
			// wrote: say what is not linted and why.
			rng := pathExpr.Range()
			d.Diagnostics = append(d.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Workflows per instance not linted",
				Detail:  fmt.Sprintf("%s() path differs per instance of %s: %s; its workflows are not linted with their Lambdas (a template file in the folder is linted alone)", c.Name, where, path.Why),
				Subject: &rng, Context: c.Range().Ptr()})
			return nil
		}
		d.errorf(pathExpr.Range(), "Template path not known", "%s() path: %s", c.Name, path.Why)
		return r
	}
	doc, ok := docs[pathStr]
	if !ok {
		src, err := os.ReadFile(pathStr)
		if err != nil {
			rng := pathExpr.Range()
			diag := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Template file not found",
				Detail: fmt.Sprintf("%s(): %s cannot be read: %v", c.Name, pathStr, unwrapPathError(err)), Subject: &rng, Context: c.Range().Ptr()}
			if inModuleCache(pathStr) && os.IsNotExist(err) {
				// A template inside a module `terraform init` has not
				// downloaded yet: Terraform itself would say so first.
				diag.Severity, diag.Summary = hcl.DiagWarning, "Template not downloaded"
				diag.Detail = fmt.Sprintf("%s(): %s is inside .terraform/modules, which is not there yet (run terraform init); this workflow is not linted", c.Name, pathStr)
			}
			d.Diagnostics = append(d.Diagnostics, diag)
			docs[pathStr] = nil
			return r
		}
		doc = workflow.Load(src, workflow.Options{Filename: pathStr})
		docs[pathStr] = doc
	}
	r.Document = doc
	return r
}

// inModuleCache reports whether path lies in a .terraform folder, where
// `terraform init` puts downloaded modules.
func inModuleCache(path string) bool {
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		if part == ".terraform" {
			return true
		}
	}
	return false
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// HeredocWorkflow returns the body of a heredoc template expression of src
// when it holds a state machine (it names "StartAt" and "States"): the text
// between the opening line and the closing marker's line, as Terraform reads
// it, and the byte offset in src where that body starts.
func HeredocWorkflow(src []byte, t *hclsyntax.TemplateExpr) (body []byte, start int, ok bool) {
	begin, end := t.SrcRange.Start.Byte, t.SrcRange.End.Byte
	if end > len(src) || !isHeredoc(src, t) {
		return nil, 0, false
	}
	nl := bytes.IndexByte(src[begin:end], '\n')
	if nl < 0 {
		return nil, 0, false
	}
	start = begin + nl + 1
	// The body ends where the closing marker's line begins.
	bodyEnd := start
	if i := bytes.LastIndexByte(src[start:end], '\n'); i >= 0 {
		bodyEnd = start + i + 1
	}
	body = src[start:bodyEnd]
	if !bytes.Contains(body, []byte(`"StartAt"`)) || !bytes.Contains(body, []byte(`"States"`)) {
		return nil, 0, false
	}
	return body, start, true
}

// heredocRendering treats a heredoc holding a state machine (it names
// "StartAt" and "States") as a workflow whose positions are in the .tf file.
func (d *Deployment) heredocRendering(m *Module, top *hclsyntax.Block, a *hclsyntax.Attribute, t *hclsyntax.TemplateExpr, src []byte) *Rendering {
	body, bodyStart, ok := HeredocWorkflow(src, t)
	if !ok {
		return nil
	}
	bodyEnd := bodyStart + len(body)
	startPos := hcl.Pos{Line: t.SrcRange.Start.Line + 1, Column: 1, Byte: bodyStart}
	endPos := posAt(src, bodyEnd)
	r := &Rendering{Kind: Heredoc, Module: m, Block: top, Attribute: a,
		Body: hcl.Range{Filename: t.SrcRange.Filename, Start: startPos, End: endPos}}
	r.Document = workflow.Load(body, workflow.Options{Filename: t.SrcRange.Filename,
		Base: workflow.Pos{Line: startPos.Line, Column: startPos.Column, Byte: startPos.Byte}})
	return r
}

// WorkflowRange converts an hcl range to the workflow package's range type,
// which findings use.
func WorkflowRange(r hcl.Range) workflow.Range {
	return workflow.Range{Filename: r.Filename,
		Start: workflow.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:   workflow.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
}

// HCLRange converts a workflow range (e.g. an interpolation inside a heredoc) to an hcl range.
func HCLRange(r workflow.Range) hcl.Range {
	return hcl.Range{Filename: r.Filename,
		Start: hcl.Pos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
		End:   hcl.Pos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte}}
}

// Tasks returns every Task of every rendering, in rendering order.
func (d *Deployment) Tasks() []*Task {
	var out []*Task
	for _, r := range d.Renderings {
		out = append(out, r.Tasks...)
	}
	return out
}

// perInstance names the block or module call, from top up through m's
// callers, that is created under count or for_each ("" when none is): a
// template path may then differ per instance.
func perInstance(m *Module, top *hclsyntax.Block) string {
	for _, meta := range []string{"for_each", "count"} {
		if top.Body.Attributes[meta] != nil {
			return blockLabel(m, top) + " (" + meta + ")"
		}
	}
	for mod := m; mod != nil && mod.Call != nil; mod = mod.Parent {
		for _, meta := range []string{"for_each", "count"} {
			if mod.Call.Block != nil && mod.Call.Block.Body.Attributes[meta] != nil {
				return mod.Parent.label("module."+mod.Call.Name) + " (" + meta + ")"
			}
		}
	}
	return ""
}
