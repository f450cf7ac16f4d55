package terraform

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stepshift/stepshift/workflow"
)

// forEachRenderings renders a templatefile() of a block created under
// for_each whose path or variables use each.key / each.value
// (templatefile("${path.module}/${each.key}.asl.json", each.value)) once
// per instance, when the for_each keys are known: a map literal (through
// locals, variables and merge()) or a known map or set of strings. ok is
// false when the call does not depend on each, and the call renders once.
// When the keys are not known, the workflows cannot be named: one warning
// says why, and nothing is rendered (Terraform itself would accept it).
func (d *Deployment) forEachRenderings(m *Module, top *hclsyntax.Block, a *hclsyntax.Attribute, c *hclsyntax.FunctionCallExpr, definition bool, src []byte, docs map[string]*workflow.Document) (rs []*Rendering, ok bool) {
	if !usesEach(c) {
		return nil, false
	}
	fe := top.Body.Attributes["for_each"]
	if fe == nil {
		// each outside for_each: Terraform rejects it; say so as before.
		return nil, false
	}
	keys, why := d.forEachKeys(m, fe.Expr)
	if len(keys) == 0 {
		rng := c.Range()
		d.Diagnostics = append(d.Diagnostics, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Workflows per instance not linted",
			Detail:  fmt.Sprintf("%s() uses each.key/each.value and the for_each of %s cannot be followed (%s): its workflows are not linted with their Lambdas (a template file in the folder is linted alone)", c.Name, blockLabel(m, top), why),
			Subject: &rng})
		return nil, true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		inst := *m
		inst.each = &eachInstance{key: k}
		var mapExpr hcl.Expression = c.Args[1]
		vm := &inst
		if isEachValue(mapExpr) {
			if it := keys[k]; it != nil {
				mapExpr, vm = it.Expr, it.Module
			}
		}
		r := d.renderTemplate(&inst, top, a, c, c.Args[0], nil, definition, src, docs)
		if r == nil {
			continue
		}
		r.Module, r.Instance = m, k
		if mapExpr != c.Args[1] {
			r.Vars, r.VarsWhy = d.indirectVars(vm, mapExpr, 0)
		} else if mp, ok := mapExpr.(*hclsyntax.ObjectConsExpr); ok {
			r.Vars = d.objectVars(m, mp)
		} else {
			r.Vars, r.VarsWhy = d.indirectVars(m, mapExpr, 0)
		}
		rs = append(rs, r)
	}
	return rs, true
}

// eachInstance is the instance of a for_each block a module copy evaluates in.
type eachInstance struct{ key string }

// usesEach reports whether the call refers to each.* anywhere.
func usesEach(c *hclsyntax.FunctionCallExpr) bool {
	for _, tr := range c.Variables() {
		if tr.RootName() == "each" {
			return true
		}
	}
	return false
}

// isEachValue reports whether expr is exactly each.value.
func isEachValue(expr hcl.Expression) bool {
	st, ok := unwrap(expr).(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return false
	}
	names := traversalNames(st.Traversal)
	return len(names) == 2 && len(st.Traversal) == 2 && names[0] == "each" && names[1] == "value"
}

// blockLabel is a block's address in its module ("aws_sfn_state_machine.x").
func blockLabel(m *Module, b *hclsyntax.Block) string {
	local := b.Type
	for _, l := range b.Labels {
		local += "." + l
	}
	if b.Type == "resource" && len(b.Labels) == 2 {
		local = b.Labels[0] + "." + b.Labels[1]
	}
	return m.label(local)
}

// forEachKeys lists the keys of a for_each expression evaluated in m, each
// with its item when the keys come from a map literal (through locals,
// variables and merge()); a known map or set of strings gives keys without
// items. why says why no key is known.
func (d *Deployment) forEachKeys(m *Module, expr hcl.Expression) (keys map[string]*TemplateVar, why string) {
	items, why := d.indirectVars(m, expr, 0)
	keys = map[string]*TemplateVar{}
	for _, it := range items {
		keys[it.Name] = it
	}
	if len(items) > 0 {
		return keys, ""
	}
	// toset(["a", "b"]) (its keys are the list's strings), or a map known
	// as a value.
	if call, ok := unwrap(expr).(*hclsyntax.FunctionCallExpr); ok && call.Name == "toset" && len(call.Args) == 1 {
		expr = call.Args[0]
	}
	v := m.Eval(expr)
	if !v.Known || v.Value.IsNull() || !v.Value.CanIterateElements() {
		if why == "" || !v.Known {
			why = v.Why
		}
		return keys, why
	}
	for it := v.Value.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if v.Value.Type().IsSetType() || v.Value.Type().IsListType() || v.Value.Type().IsTupleType() {
			k = e
		}
		if s, ok := asString(k); ok {
			keys[s] = nil
		}
	}
	return keys, ""
}

// moduleInstanceRenderings renders a templatefile() of a module called
// under for_each whose path differs per instance (a variable set from
// each.key) once per known key, each in a copy of the module that
// evaluates its call's arguments with that key; ok is false when m is not
// such a module instance or its keys are not known (why says why).
func (d *Deployment) moduleInstanceRenderings(m *Module, top *hclsyntax.Block, a *hclsyntax.Attribute, c *hclsyntax.FunctionCallExpr, pathExpr, mapExpr hcl.Expression, definition bool, src []byte, docs map[string]*workflow.Document) (rs []*Rendering, ok bool, why string) {
	if m.Call == nil || m.Call.Block == nil || m.callEach != nil {
		return nil, false, ""
	}
	fe := m.Call.Block.Body.Attributes["for_each"]
	if fe == nil {
		return nil, false, ""
	}
	keys, why := d.forEachKeys(m.Parent, fe.Expr)
	if len(keys) == 0 {
		return nil, false, why
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		inst := *m
		inst.callEach = &eachInstance{key: k}
		r := d.renderTemplate(&inst, top, a, c, pathExpr, mapExpr, definition, src, docs)
		if r == nil {
			continue
		}
		rs = append(rs, r)
	}
	return rs, true, ""
}
