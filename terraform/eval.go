package terraform

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// origin marks a value with where it was written; it travels with the value
// through variables, module inputs, lookup() and merge(), so a fact can point
// at the tfvars line rather than at the lookup() call.
type origin struct {
	Range  hcl.Range
	Source string
}

// unknownWhy marks an unknown value with the reason it is unknown.
type unknownWhy string

// maxEvalDepth bounds how many references one evaluation may follow, so a
// pathological chain of locals reports instead of exhausting the stack.
const maxEvalDepth = 512

// functions are the Terraform functions whose result depends only on their
// arguments. Calls to any other function make the value unknown, with a reason.
// Each is the implementation Terraform itself uses (internal/lang/functions.go):
// cty's stdlib where Terraform uses it, a copy of Terraform's own where it
// differs from cty's (coalesce, length, lookup, replace, the to* conversions).
var functions = map[string]function.Function{
	"lookup":   lookupFunc,
	"merge":    stdlib.MergeFunc,
	"coalesce": coalesceFunc,
	"try":      tryfunc.TryFunc,
	"can":      tryfunc.CanFunc,
	"concat":   stdlib.ConcatFunc,
	"format":   stdlib.FormatFunc,
	"join":     stdlib.JoinFunc,
	"lower":    stdlib.LowerFunc,
	"upper":    stdlib.UpperFunc,
	"min":      stdlib.MinFunc,
	"max":      stdlib.MaxFunc,
	"length":   lengthFunc,
	"element":  stdlib.ElementFunc,
	"contains": stdlib.ContainsFunc,
	"keys":     stdlib.KeysFunc,
	"values":   stdlib.ValuesFunc,
	"replace":  replaceFunc,
	"tostring": makeToFunc(cty.String),
	"tonumber": makeToFunc(cty.Number),
	"tolist":   makeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":    makeToFunc(cty.Map(cty.DynamicPseudoType)),
}

// selecting functions return one of their arguments, so the argument's origin
// is the result's origin; other functions compute something new, written at the call.
var selecting = map[string]bool{"lookup": true, "merge": true, "coalesce": true, "try": true, "element": true, "tostring": true, "tonumber": true, "tolist": true, "tomap": true}

// coalesceFunc is Terraform's coalesce(): the first argument that is neither
// null nor an empty string (cty's own skips only nulls), every argument first
// converted to the one type they all convert to (coalesce(1, "x") is "1"), an
// error when there is none. It returns the argument itself, marks included,
// so the result points where it was written.
var coalesceFunc = function.New(&function.Spec{
	VarParam: &function.Parameter{Name: "vals", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true, AllowMarked: true, AllowDynamicType: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		types := make([]cty.Type, len(args))
		for i, a := range args {
			types[i] = a.Type()
		}
		ty, _ := convert.UnifyUnsafe(types)
		if ty == cty.NilType {
			return cty.NilType, errors.New("all arguments must have the same type")
		}
		return ty, nil
	},
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
		for _, a := range args {
			v, err := convert.Convert(a, ty) // cannot fail: Type unified them
			if err != nil {
				return cty.NilVal, err
			}
			plain, marks := v.Unmark()
			if !plain.IsKnown() {
				return cty.UnknownVal(ty).WithMarks(marks), nil
			}
			if plain.IsNull() || (ty == cty.String && plain.RawEquals(cty.StringVal(""))) {
				continue
			}
			return v, nil
		}
		return cty.NilVal, errors.New("no non-null, non-empty-string arguments")
	},
})

func refineNotNull(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() }

// lengthFunc is Terraform's length(): also of a string (in grapheme clusters)
// and of an object; cty's takes only lists, maps, sets and tuples.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty == cty.String || ty.IsTupleType() || ty.IsObjectType() || ty.IsListType() || ty.IsMapType() || ty.IsSetType() || ty == cty.DynamicPseudoType {
			return cty.Number, nil
		}
		return cty.Number, function.NewArgErrorf(0, "argument must be a string, a collection type, or a structural type")
	},
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		ty, marks := v.Type(), v.Marks()
		switch {
		case ty == cty.DynamicPseudoType:
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(len(ty.TupleElementTypes()))).WithMarks(marks), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(marks), nil
		case ty == cty.String:
			return stdlib.Strlen(v)
		}
		return v.Length(), nil
	},
})

// lookupFunc is Terraform's lookup(): the default is optional (an absent key
// is then an error), and only the looked-up element, and the default only
// when it is used, need be known; cty's requires three arguments and a wholly
// known map and default.
var lookupFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "inputMap", Type: cty.DynamicPseudoType, AllowMarked: true, AllowUnknown: true},
		{Name: "key", Type: cty.String, AllowMarked: true, AllowUnknown: true},
	},
	VarParam: &function.Parameter{Name: "default", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true, AllowNull: true, AllowMarked: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		if len(args) < 1 || len(args) > 3 {
			return cty.NilType, fmt.Errorf("lookup() takes two or three arguments, got %d", len(args))
		}
		ty := args[0].Type()
		switch {
		case ty.IsObjectType():
			if !args[1].IsKnown() {
				return cty.DynamicPseudoType, nil
			}
			keyVal, _ := args[1].Unmark()
			key := keyVal.AsString()
			if ty.HasAttribute(key) {
				return args[0].GetAttr(key).Type(), nil
			} else if len(args) == 3 {
				return args[2].Type(), nil
			}
			return cty.DynamicPseudoType, function.NewArgErrorf(0, "the given object has no attribute %q", key)
		case ty.IsMapType():
			if len(args) == 3 {
				if _, err := convert.Convert(args[2], ty.ElementType()); err != nil {
					return cty.NilType, function.NewArgErrorf(2, "the default value must have the same type as the map elements")
				}
			}
			return ty.ElementType(), nil
		}
		return cty.NilType, function.NewArgErrorf(0, "lookup() requires a map as the first argument")
	},
	Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
		mapVal, mapMarks := args[0].Unmark()
		markses := []cty.ValueMarks{mapMarks}
		// The key's reasons to be unknown matter; where it was written does not.
		keyVal, keyMarks := args[1].Unmark()
		for mk := range keyMarks {
			if _, ok := mk.(origin); !ok {
				markses = append(markses, cty.NewValueMarks(mk))
			}
		}
		if !mapVal.IsKnown() || !keyVal.IsKnown() {
			return cty.UnknownVal(ty).WithMarks(markses...), nil
		}
		key := keyVal.AsString()
		if mapVal.Type().IsObjectType() {
			if mapVal.Type().HasAttribute(key) {
				return mapVal.GetAttr(key).WithMarks(markses...), nil
			}
		} else if mapVal.HasIndex(cty.StringVal(key)) == cty.True {
			return mapVal.Index(cty.StringVal(key)).WithMarks(markses...), nil
		}
		if len(args) == 3 {
			def, err := convert.Convert(args[2], ty)
			if err != nil {
				return cty.NilVal, err
			}
			return def.WithMarks(markses...), nil
		}
		return cty.UnknownVal(cty.DynamicPseudoType), fmt.Errorf("lookup failed to find key %q", key)
	},
})

// makeToFunc is Terraform's tostring(), tonumber(), tolist() and tomap(): the
// same conversions and messages as cty's MakeToFunc, but marks stay on the
// elements they were on (cty's moves every element's marks onto the whole
// result), so tolist(var.sizes)[1] still points where that element was written.
func makeToFunc(want cty.Type) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true, AllowMarked: true, AllowDynamicType: true, AllowUnknown: true}},
		Type: func(args []cty.Value) (cty.Type, error) {
			got := args[0].Type()
			if got.Equals(want) {
				return want, nil
			}
			if convert.GetConversionUnsafe(got, want) == nil {
				switch {
				case got.IsTupleType() && want.IsTupleType():
					return cty.NilType, function.NewArgErrorf(0, "incompatible tuple type for conversion: %s", convert.MismatchMessage(got, want))
				case got.IsObjectType() && want.IsObjectType():
					return cty.NilType, function.NewArgErrorf(0, "incompatible object type for conversion: %s", convert.MismatchMessage(got, want))
				}
				return cty.NilType, function.NewArgErrorf(0, "cannot convert %s to %s", got.FriendlyName(), want.FriendlyNameForConstraint())
			}
			return want, nil
		},
		Impl: func(args []cty.Value, ty cty.Type) (cty.Value, error) {
			if !args[0].IsKnown() {
				return cty.UnknownVal(ty).WithSameMarks(args[0]), nil
			}
			out, err := convert.Convert(args[0], ty)
			if err == nil {
				return out, nil
			}
			// GetConversionUnsafe allowed it, the value did not: "a" to number.
			v, _ := args[0].UnmarkDeep()
			got := v.Type()
			what := "string"
			if got == cty.String && !v.IsNull() {
				what = fmt.Sprintf("%q", v.AsString())
			}
			switch {
			case got == cty.String && want == cty.Bool:
				return cty.NilVal, function.NewArgErrorf(0, `cannot convert %s to bool; only the strings "true" or "false" are allowed`, what)
			case got == cty.String && want == cty.Number:
				return cty.NilVal, function.NewArgErrorf(0, `cannot convert %s to number; given string must be a decimal representation of a number`, what)
			}
			return cty.NilVal, function.NewArgErrorf(0, "cannot convert %s to %s", got.FriendlyName(), want.FriendlyNameForConstraint())
		},
	})
}

// replaceFunc is Terraform's replace(): a substring wrapped in forward slashes
// is a regular expression, and the replacement may use its $n captures; cty's
// replaces only literal substrings.
var replaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.String),
	RefineResult: refineNotNull,
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		str, substr, replace := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(substr) > 1 && substr[0] == '/' && substr[len(substr)-1] == '/' {
			re, err := regexp.Compile(substr[1 : len(substr)-1])
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(re.ReplaceAllString(str, replace)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, substr, replace)), nil
	},
})

type evalState struct {
	memo   map[string]cty.Value
	active map[string]int // key → index in stack while being computed
	stack  []string
}

// functionTable is the pure functions plus the file functions of this
// deployment, built once.
func (d *Deployment) functionTable() map[string]function.Function {
	if d.fns == nil {
		d.fns = make(map[string]function.Function, len(functions)+2)
		for k, f := range functions {
			d.fns[k] = f
		}
		for k, f := range d.fileFunctions() {
			d.fns[k] = f
		}
	}
	return d.fns
}

func (s *evalState) init() {
	s.memo = map[string]cty.Value{}
	s.active = map[string]int{}
}

// memoize computes a named value once, reporting a reference cycle as an
// unknown value naming the cycle instead of recursing forever.
func (d *Deployment) memoize(key, label string, compute func() cty.Value) cty.Value {
	s := &d.eval
	if v, ok := s.memo[key]; ok {
		return v
	}
	if i, ok := s.active[key]; ok {
		cycle := append(append([]string{}, s.stack[i:]...), label)
		return unknownVal("cycle: " + strings.Join(cycle, " → "))
	}
	if len(s.stack) >= maxEvalDepth {
		return unknownVal(fmt.Sprintf("%s: references nest deeper than %d", label, maxEvalDepth))
	}
	s.active[key] = len(s.stack)
	s.stack = append(s.stack, label)
	v := compute()
	s.stack = s.stack[:len(s.stack)-1]
	delete(s.active, key)
	s.memo[key] = v
	return v
}

func unknownVal(why string) cty.Value { return cty.DynamicVal.Mark(unknownWhy(why)) }

// Eval evaluates expr in this module as far as stepshift can know it: the
// value, or unknown with the reason; Range is where a known value was written.
func (m *Module) Eval(expr hcl.Expression) Fact[cty.Value] {
	return factOf(m.value(expr), expr.Range())
}

func factOf(v cty.Value, at hcl.Range) Fact[cty.Value] {
	plain, marks := v.UnmarkDeep()
	var origins []origin
	var whys []string
	for mk := range marks {
		switch mk := mk.(type) {
		case origin:
			origins = append(origins, mk)
		case unknownWhy:
			whys = append(whys, string(mk))
		}
	}
	if !plain.IsWhollyKnown() {
		sort.Strings(whys)
		if len(whys) == 0 {
			whys = []string{"depends on a value known only after apply"}
		}
		return Fact[cty.Value]{Value: plain, Why: strings.Join(whys, "; ")}
	}
	f := Fact[cty.Value]{Value: plain, Known: true, Source: SourceTerraform, Range: at}
	if len(origins) == 1 {
		f.Source, f.Range = origins[0].Source, origins[0].Range
	} else if len(origins) > 1 {
		// Written in several places (a computed value): the expression is where it is decided.
		f.Source = SourceTerraform
		for _, o := range origins {
			if o.Source == SourceTFState {
				f.Source = SourceTFState
			}
		}
	}
	return f
}

// value evaluates expr keeping provenance marks on its leaves.
func (m *Module) value(expr hcl.Expression) cty.Value {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return e.Val.Mark(origin{e.SrcRange, SourceTerraform})
	case *hclsyntax.TemplateExpr:
		return remark(m.evaluate(e), e.SrcRange)
	case *hclsyntax.TemplateWrapExpr:
		return m.value(e.Wrapped)
	case *hclsyntax.ParenthesesExpr:
		return m.value(e.Expression)
	case *hclsyntax.ObjectConsExpr:
		attrs := make(map[string]cty.Value, len(e.Items))
		for _, it := range e.Items {
			key := hcl.ExprAsKeyword(it.KeyExpr)
			if key == "" {
				kv, _ := m.evaluate(it.KeyExpr).Unmark()
				if !kv.IsKnown() || kv.IsNull() {
					return unknownVal("an object key at " + rangeString(it.KeyExpr.Range()) + " is not known")
				}
				s, err := convert.Convert(kv, cty.String)
				if err != nil {
					return unknownVal("an object key at " + rangeString(it.KeyExpr.Range()) + " is not a string")
				}
				key = s.AsString()
			}
			attrs[key] = m.value(it.ValueExpr)
		}
		return cty.ObjectVal(attrs)
	case *hclsyntax.TupleConsExpr:
		if len(e.Exprs) == 0 {
			return cty.EmptyTupleVal
		}
		elems := make([]cty.Value, len(e.Exprs))
		for i, x := range e.Exprs {
			elems[i] = m.value(x)
		}
		return cty.TupleVal(elems)
	case *hclsyntax.FunctionCallExpr:
		v := m.evaluate(e)
		if !selecting[e.Name] {
			v = remark(v, e.Range())
		}
		return v
	case *hclsyntax.UnaryOpExpr, *hclsyntax.BinaryOpExpr:
		return remark(m.evaluate(expr), expr.Range())
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.ConditionalExpr, *hclsyntax.IndexExpr, *hclsyntax.RelativeTraversalExpr:
		return m.evaluate(expr)
	}
	v := m.evaluate(expr)
	if _, marks := v.UnmarkDeep(); !hasOrigin(marks) {
		// Expressions of other syntaxes (tfvars.json) have no inner ranges.
		v = markDeep(v, origin{expr.Range(), SourceTerraform})
	}
	return v
}

func hasOrigin(marks cty.ValueMarks) bool {
	for mk := range marks {
		if _, ok := mk.(origin); ok {
			return true
		}
	}
	return false
}

// remark replaces the origins of a computed value by the place it is computed,
// keeping the reasons an unknown part is unknown.
func remark(v cty.Value, at hcl.Range) cty.Value {
	plain, marks := v.UnmarkDeep()
	keep := make(cty.ValueMarks)
	for mk := range marks {
		if _, ok := mk.(unknownWhy); ok {
			keep[mk] = struct{}{}
		}
	}
	return markDeep(plain, origin{at, SourceTerraform}).WithMarks(keep)
}

// markDeep marks every primitive leaf of v (unknown ones too).
func markDeep(v cty.Value, o origin) cty.Value {
	out, err := cty.Transform(v, func(_ cty.Path, x cty.Value) (cty.Value, error) {
		if x.Type().IsPrimitiveType() || !x.IsKnown() || x.IsNull() {
			return x.Mark(o), nil
		}
		return x, nil
	})
	if err != nil {
		return v.Mark(o)
	}
	return out
}

// evaluate runs hcl's evaluator with a context holding exactly the
// references expr makes, each resolved (lazily, memoized) by this package.
func (m *Module) evaluate(expr hcl.Expression) cty.Value {
	fns := m.d.functionTable()
	if name, rng := unsupportedCall(expr, fns); name != "" {
		return unknownVal(fmt.Sprintf("%s() at %s is not evaluated by stepshift", name, rangeString(rng)))
	}
	tree := map[string]any{}
	var whys []string
	for _, tr := range expr.Variables() {
		m.bind(tree, tr, &whys)
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: fns}
	for k, v := range tree {
		ctx.Variables[k] = treeValue(v)
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		for _, dg := range diags {
			if dg.Severity == hcl.DiagError {
				why := dg.Summary
				if dg.Detail != "" {
					why += ": " + dg.Detail
				}
				if dg.Subject != nil {
					why = rangeString(*dg.Subject) + ": " + why
				}
				return unknownVal(why)
			}
		}
	}
	if !v.IsWhollyKnown() {
		if _, marks := v.UnmarkDeep(); !hasWhy(marks) {
			if len(whys) == 0 {
				whys = []string{"depends on a value known only after apply"}
			}
			sort.Strings(whys)
			v = v.Mark(unknownWhy(strings.Join(dedupe(whys), "; ")))
		}
	}
	return v
}

func hasWhy(marks cty.ValueMarks) bool {
	for mk := range marks {
		if _, ok := mk.(unknownWhy); ok {
			return true
		}
	}
	return false
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func unsupportedCall(expr hcl.Expression, fns map[string]function.Function) (string, hcl.Range) {
	node, ok := expr.(hclsyntax.Node)
	if !ok {
		return "", hcl.Range{}
	}
	var name string
	var rng hcl.Range
	hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && name == "" {
			if _, ok := fns[c.Name]; !ok {
				name, rng = c.Name, c.NameRange
			}
		}
		return nil
	})
	return name, rng
}

func treeValue(v any) cty.Value {
	switch v := v.(type) {
	case cty.Value:
		return v
	case map[string]any:
		attrs := make(map[string]cty.Value, len(v))
		for k, x := range v {
			attrs[k] = treeValue(x)
		}
		return cty.ObjectVal(attrs)
	}
	return cty.DynamicVal
}

// put stores a leaf at path, leaving an existing leaf on the way in place
// (a whole-object reference already covers the deeper one).
func put(tree map[string]any, path []string, v cty.Value) {
	for i, name := range path {
		if i == len(path)-1 {
			if _, exists := tree[name]; !exists {
				tree[name] = v
			}
			return
		}
		next, exists := tree[name]
		if !exists {
			sub := map[string]any{}
			tree[name] = sub
			tree = sub
			continue
		}
		sub, ok := next.(map[string]any)
		if !ok {
			return
		}
		tree = sub
	}
}

// traversalNames returns the leading attribute-like steps of tr.
func traversalNames(tr hcl.Traversal) []string {
	names := []string{tr.RootName()}
	for _, step := range tr[1:] {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
				names = append(names, s.Key.AsString())
				continue
			}
			return names
		default:
			return names
		}
	}
	return names
}

func (m *Module) bind(tree map[string]any, tr hcl.Traversal, whys *[]string) {
	names := traversalNames(tr)
	leaf := func(n int, v cty.Value) {
		if n > len(names) {
			n = len(names)
		}
		if !v.IsWhollyKnown() {
			if _, marks := v.UnmarkDeep(); hasWhy(marks) {
				for mk := range marks {
					if w, ok := mk.(unknownWhy); ok {
						*whys = append(*whys, string(w))
					}
				}
			}
		}
		put(tree, names[:n], v)
	}
	need := func(n int, what string) bool {
		if len(names) >= n {
			return true
		}
		leaf(len(names), unknownVal(strings.Join(names, ".")+": "+what))
		return false
	}
	switch root := names[0]; root {
	case "var":
		if need(2, "the whole var object is not evaluated") {
			leaf(2, m.varValue(names[1]))
		}
	case "local":
		if need(2, "the whole local object is not evaluated") {
			leaf(2, m.localValue(names[1]))
		}
	case "path":
		if need(2, "the whole path object is not evaluated") {
			leaf(2, m.pathValue(names[1]))
		}
	case "module":
		if need(3, "a whole module object is not evaluated") {
			leaf(3, m.outputValue(names[1], names[2]))
		}
	case "data":
		if need(4, "instances of data sources with count/for_each are not evaluated") {
			leaf(4, m.resourceAttr("data."+names[1]+"."+names[2], names[3]))
		}
	case "count", "each":
		if root == "each" && m.each != nil && len(names) >= 2 && names[1] == "key" {
			leaf(2, cty.StringVal(m.each.key))
			return
		}
		leaf(1, unknownVal(fmt.Sprintf("%s.* differs per instance of a resource created under %s", root, map[string]string{"count": "count", "each": "for_each"}[root])))
	case "self", "terraform":
		leaf(1, unknownVal(root+".* is not evaluated by stepshift"))
	default:
		if need(3, "instances of resources with count/for_each are not evaluated") {
			leaf(3, m.resourceAttr(root+"."+names[1], names[2]))
		}
	}
}

func (m *Module) label(ref string) string {
	if a := m.Address(); a != "" {
		return a + "." + ref
	}
	return ref
}

func (m *Module) varValue(name string) cty.Value {
	ref := "var." + name
	return m.d.memoize(m.memoKey()+"|"+ref, m.label(ref), func() cty.Value {
		v := m.Variables[name]
		if v == nil {
			return unknownVal(fmt.Sprintf("%s is not declared in %s", m.label(ref), m.Dir))
		}
		var val cty.Value
		set := false
		if m.Parent == nil {
			val, set = m.d.rootVars[name]
		} else if a := m.Call.Args[name]; a != nil {
			p := m.Parent
			if m.callEach != nil {
				// One instance of a for_each call: its arguments see each.key.
				pc := *m.Parent
				pc.each = m.callEach
				p = &pc
			}
			val, set = p.value(a.Expr), true
		}
		if !set {
			if v.Default == nil {
				if m.Parent == nil {
					return unknownVal(ref + " has no value (no default; not set in tfvars or --var)")
				}
				return unknownVal(fmt.Sprintf("%s has no value (module.%s does not set it and it has no default)", m.label(ref), m.Call.Name))
			}
			val = m.value(v.Default)
		}
		if v.Type != cty.DynamicPseudoType {
			conv, err := convert.Convert(val, v.Type)
			if err != nil {
				return unknownVal(fmt.Sprintf("%s: %v", m.label(ref), err))
			}
			val = conv
		}
		return val
	})
}

func (m *Module) localValue(name string) cty.Value {
	ref := "local." + name
	return m.d.memoize(m.memoKey()+"|"+ref, m.label(ref), func() cty.Value {
		a := m.Locals[name]
		if a == nil {
			return unknownVal(fmt.Sprintf("%s is not declared in %s", m.label(ref), m.Dir))
		}
		return m.value(a.Expr)
	})
}

func (m *Module) pathValue(name string) cty.Value {
	switch name {
	case "module":
		return cty.StringVal(m.d.terraformPath(m.Dir))
	case "root":
		return cty.StringVal(".")
	case "cwd":
		// Terraform's path.cwd is absolute.
		if abs, err := filepath.Abs(m.d.Dir); err == nil {
			return cty.StringVal(filepath.ToSlash(abs))
		}
		return cty.StringVal(filepath.ToSlash(m.d.Dir))
	}
	return unknownVal("path." + name + " is not a Terraform path value")
}

func (m *Module) outputValue(call, name string) cty.Value {
	ref := "module." + call + "." + name
	return m.d.memoize(m.memoKey()+"|"+ref, m.label(ref), func() cty.Value {
		c := m.calls[call]
		if c == nil {
			return unknownVal(fmt.Sprintf("no module %q in %s", call, m.Dir))
		}
		if c.Module == nil {
			return unknownVal(c.Why)
		}
		o := c.Module.Outputs[name]
		if o == nil || o.Expr == nil {
			return unknownVal(fmt.Sprintf("%s has no output %q", m.label("module."+call), name))
		}
		return c.Module.value(o.Expr)
	})
}

// resourceAttr is an attribute of a resource: its configured argument, else
// its value in the tfstate, else unknown until apply.
func (m *Module) resourceAttr(local, attr string) cty.Value {
	ref := local + "." + attr
	return m.d.memoize(m.memoKey()+"|"+ref, m.label(ref), func() cty.Value {
		r := m.resources[local]
		if r != nil {
			if a := r.Attr(attr); a != nil {
				return m.value(a.Expr)
			}
		}
		if v, ok := m.d.State.attr(m.label(local), attr); ok {
			return v
		}
		if r == nil {
			return unknownVal(fmt.Sprintf("%s is not declared in %s", m.label(local), m.Dir))
		}
		if m.d.State != nil {
			return unknownVal(fmt.Sprintf("%s is not in %s", m.label(ref), m.d.State.File))
		}
		return unknownVal(m.label(ref) + " is known only after apply (give --tfstate)")
	})
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// memoKey keys memoized values of m: its Key, and the instance for a copy
// that is one instance of a module called under for_each.
func (m *Module) memoKey() string {
	if m.callEach != nil {
		return m.Key + fmt.Sprintf("[%q]", m.callEach.key)
	}
	return m.Key
}
