package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// indirectVars lists the items of a templatefile() vars argument written as
// a reference rather than a map literal: local.x, var.x (the calling
// module's argument, a tfvars value or the default) and merge() of those
// and of map literals, a later map's key replacing an earlier one's as
// merge() does. why says what could not be followed; the items found are
// kept either way.
func (d *Deployment) indirectVars(m *Module, expr hcl.Expression, depth int) (vars []*TemplateVar, why string) {
	if depth > maxFollow {
		return nil, fmt.Sprintf("references nest deeper than %d", maxFollow)
	}
	switch e := unwrap(expr).(type) {
	case *hclsyntax.ObjectConsExpr:
		return d.objectVars(m, e), ""
	case *hclsyntax.FunctionCallExpr:
		if e.Name == "tomap" && len(e.Args) == 1 && !e.ExpandFinal {
			return d.indirectVars(m, e.Args[0], depth+1)
		}
		if e.Name != "merge" || e.ExpandFinal {
			return nil, fmt.Sprintf("%s: the templatefile() variables are the result of %s(), which stepshift does not follow", rangeString(e.Range()), e.Name)
		}
		for _, arg := range e.Args {
			vs, w := d.indirectVars(m, arg, depth+1)
			if w != "" && why == "" {
				why = w
			}
			vars = mergeVars(vars, vs)
		}
		return vars, why
	case *hclsyntax.ScopeTraversalExpr:
		names := traversalNames(e.Traversal)
		if len(names) != 2 || len(e.Traversal) != 2 {
			break
		}
		switch names[0] {
		case "local":
			if a := m.Locals[names[1]]; a != nil {
				return d.indirectVars(m, a.Expr, depth+1)
			}
			return nil, m.label("local."+names[1]) + " is not declared"
		case "var":
			v := m.Variables[names[1]]
			if v == nil {
				return nil, m.label("var."+names[1]) + " is not declared"
			}
			if m.Parent != nil {
				if a := m.Call.Args[names[1]]; a != nil {
					return d.indirectVars(m.Parent, a.Expr, depth+1)
				}
			} else if val, set := d.rootVars[names[1]]; set {
				return valueVars(m, v, val)
			}
			if v.Default != nil {
				return d.indirectVars(m, v.Default, depth+1)
			}
			return nil, m.label("var."+names[1]) + " has no value"
		}
	}
	return nil, rangeString(expr.Range()) + ": the templatefile() variables are not a map literal, local, variable or merge() stepshift can follow"
}

// objectVars makes one TemplateVar per item of a map literal written in m.
func (d *Deployment) objectVars(m *Module, mp *hclsyntax.ObjectConsExpr) []*TemplateVar {
	var src []byte
	if f := d.Files[mp.SrcRange.Filename]; f != nil {
		src = f.Bytes
	}
	var vars []*TemplateVar
	for _, it := range mp.Items {
		name := hcl.ExprAsKeyword(it.KeyExpr)
		if name == "" {
			if kv, diags := it.KeyExpr.Value(nil); !diags.HasErrors() && kv.Type() == cty.String && kv.IsKnown() && !kv.IsNull() {
				name = kv.AsString()
			}
		}
		vr := it.ValueExpr.Range()
		text := ""
		if vr.End.Byte <= len(src) {
			text = string(vr.SliceBytes(src))
		}
		vars = append(vars, &TemplateVar{Name: name, KeyRange: it.KeyExpr.Range(), Expr: it.ValueExpr,
			ExprText: text, ExprRange: vr, Module: m})
	}
	return vars
}

// valueVars makes the items of a root variable set by tfvars or --var: its
// string values are literals (a literal ARN is matched to the deployment's
// function of that name), placed at the variable's declaration.
func valueVars(m *Module, v *Variable, val cty.Value) ([]*TemplateVar, string) {
	ref := "var." + v.Name
	val, _ = val.UnmarkDeep()
	if !val.IsWhollyKnown() || val.IsNull() || !(val.Type().IsObjectType() || val.Type().IsMapType()) {
		return nil, ref + " (set in tfvars or --var) is not a known map"
	}
	at := v.Block.DefRange()
	var vars []*TemplateVar
	for it := val.ElementIterator(); it.Next(); {
		k, ev := it.Element()
		s, ok := asString(ev)
		if !ok {
			continue
		}
		vars = append(vars, &TemplateVar{Name: k.AsString(), KeyRange: at,
			Expr: &hclsyntax.LiteralValueExpr{Val: cty.StringVal(s), SrcRange: at}, ExprText: fmt.Sprintf("%q", s), ExprRange: at, Module: m})
	}
	return vars, ""
}

// mergeVars appends more to vars, an item of more replacing the item of
// vars with its name, as merge() does.
func mergeVars(vars, more []*TemplateVar) []*TemplateVar {
	for _, v := range more {
		replaced := false
		for i, old := range vars {
			if old.Name == v.Name {
				vars[i], replaced = v, true
				break
			}
		}
		if !replaced {
			vars = append(vars, v)
		}
	}
	return vars
}
