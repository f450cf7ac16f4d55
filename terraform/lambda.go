package terraform

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Values AWS applies when an aws_lambda_function leaves the argument out.
const (
	DefaultMemoryMB       = 128
	DefaultTimeoutSeconds = 3
	DefaultTmpMB          = 512
	DefaultPackageType    = "Zip"
)

// LambdaFacts is everything the deployment says about one Lambda function.
type LambdaFacts struct {
	Address  string    // "module.cumulus.aws_lambda_function.sync_granule_task"; may be only known from tfstate
	DefRange hcl.Range // the resource block's header; zero when not in the loaded configuration
	Resource *Resource // nil when not in the loaded configuration

	FunctionName     Fact[string]
	MemoryMB         Fact[int]
	TimeoutSeconds   Fact[int]
	TmpMB            Fact[int] // ephemeral_storage.size
	Runtime          Fact[string]
	Handler          Fact[string]
	PackageType      Fact[string] // "Zip" or "Image"
	ImageURI         Fact[string]
	EnvironmentBytes Fact[int] // bytes of environment variable keys and values (Lambda's 4 KB limit)
	Package          Package
	LayerCount       Fact[int]
	Layers           []Layer

	// Drift lists the settings whose deployed value (package deployed,
	// `lint --aws`) differs from the value above: a pending `terraform
	// apply`, or a change made outside Terraform that the next apply undoes.
	Drift []Drift
}

// Drift is one setting of a function whose deployed value differs from the
// one the configuration gives. The configured value stays in LambdaFacts,
// since it is what the next apply deploys.
type Drift struct {
	Setting    string    // the Terraform argument: "memory_size", "timeout", "ephemeral_storage.size", "runtime"...
	Configured string    // as the configuration gives it: "3008"
	Deployed   string    // as Lambda reports it: "1024"
	Range      hcl.Range // where the configured value is written; zero when defaulted
}

// Package is where a function's (or layer's) code comes from.
type Package struct {
	Filename      Fact[string] // the local zip path as evaluated, usable from the current directory
	ZippedBytes   Fact[int64]  // the zip's size on disk
	UnzippedBytes Fact[int64]  // the sum of its directory's uncompressed sizes
	Zip           *ZipInfo     // nil when no local zip could be read
	S3Bucket      Fact[string]
	S3Key         Fact[string]
}

// Layer is one entry of `layers`.
type Layer struct {
	ARN     Fact[string]
	Address string   // the aws_lambda_layer_version it references, when it does
	Package *Package // that layer's local zip, when it has one
}

// lambdaFor builds the facts of the Lambda a Target reaches, with the reason
// for every fact it cannot know.
func (d *Deployment) lambdaFor(m *Module, t Target) *LambdaFacts {
	if t.Resource != nil && t.Resource.Type == "aws_lambda_function" {
		return d.lambdaFacts(t.Resource.Module, t.Resource, t.Resource.Address())
	}
	if t.Address != "" && d.State != nil && d.State.Resources[t.Address] != nil {
		return d.lambdaFacts(nil, nil, t.Address)
	}
	why := t.Why
	if why == "" {
		why = "the Lambda is not defined in this deployment"
	}
	lf := &LambdaFacts{Address: t.Address}
	if t.Value.Known {
		name := t.Value.Value
		if i := strings.Index(name, ":function:"); i >= 0 {
			name = strings.SplitN(name[i+len(":function:"):], ":", 2)[0]
		}
		lf.FunctionName = Fact[string]{Value: name, Known: true, Source: t.Value.Source, Range: t.Value.Range}
	} else {
		lf.FunctionName = unknownFact[string](why)
	}
	lf.MemoryMB, lf.TimeoutSeconds, lf.TmpMB = unknownFact[int](why), unknownFact[int](why), unknownFact[int](why)
	lf.Runtime, lf.Handler, lf.PackageType, lf.ImageURI = unknownFact[string](why), unknownFact[string](why), unknownFact[string](why), unknownFact[string](why)
	lf.EnvironmentBytes, lf.LayerCount = unknownFact[int](why), unknownFact[int](why)
	lf.Package = Package{Filename: unknownFact[string](why), ZippedBytes: unknownFact[int64](why), UnzippedBytes: unknownFact[int64](why),
		S3Bucket: unknownFact[string](why), S3Key: unknownFact[string](why)}
	return lf
}

// lambdaSource reads one Lambda's arguments from its configuration (m, r)
// and/or the state entry at addr.
type lambdaSource struct {
	d    *Deployment
	m    *Module
	r    *Resource
	addr string
}

// get returns an argument's value: configured, else from the state; present
// is false when neither has it (Terraform's default applies).
func (s lambdaSource) get(name string) (f Fact[cty.Value], present bool) {
	if s.r != nil {
		if a := s.r.Attr(name); a != nil {
			f = s.m.Eval(a.Expr)
			if !f.Known {
				if v, ok := s.d.State.attr(s.addr, name); ok {
					return factOf(v, hcl.Range{}), true
				}
			}
			if f.Known && f.Value.IsNull() {
				return f, false
			}
			return f, true
		}
		if s.r.Mode == Managed && s.d.State == nil {
			return f, false
		}
	}
	if v, ok := s.d.State.attr(s.addr, name); ok {
		f = factOf(v, hcl.Range{})
		return f, !f.Value.IsNull()
	}
	return f, false
}

// block returns a nested block's argument (ephemeral_storage.size,
// environment.variables): from configuration, else from the state's list-of-one.
func (s lambdaSource) block(typ, name string) (f Fact[cty.Value], present bool) {
	if s.r != nil {
		for _, b := range s.r.Block.Body.Blocks {
			if b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ {
				return Fact[cty.Value]{Why: fmt.Sprintf("%s: dynamic %q blocks are not evaluated", rangeString(b.DefRange()), typ)}, true
			}
			if b.Type != typ {
				continue
			}
			if a := b.Body.Attributes[name]; a != nil {
				return s.m.Eval(a.Expr), true
			}
			return f, false
		}
		if s.r.Mode == Managed && s.d.State == nil {
			return f, false
		}
	}
	if v, ok := s.d.State.attr(s.addr, typ); ok {
		plain, _ := v.UnmarkDeep()
		if plain.IsKnown() && !plain.IsNull() && (plain.Type().IsListType() || plain.Type().IsTupleType()) && plain.LengthInt() == 1 {
			inner := plain.Index(cty.NumberIntVal(0))
			if inner.Type().IsObjectType() && inner.Type().HasAttribute(name) {
				f = factOf(markDeep(inner.GetAttr(name), origin{Source: SourceTFState}), hcl.Range{})
				return f, !f.Value.IsNull()
			}
		}
	}
	return f, false
}

// notApplied explains a data source or remote value missing from the state.
func (s lambdaSource) missing(name string) string {
	if s.r != nil && s.r.Mode == Data {
		return fmt.Sprintf("%s.%s is read from AWS at plan time (give --tfstate)", s.addr, name)
	}
	if s.d.State != nil {
		return fmt.Sprintf("%s.%s is not in %s", s.addr, name, s.d.State.File)
	}
	return fmt.Sprintf("%s.%s is not known", s.addr, name)
}

func toInt(f Fact[cty.Value]) Fact[int] {
	out := Fact[int]{Known: f.Known, Why: f.Why, Source: f.Source, Range: f.Range}
	if !f.Known {
		return out
	}
	n, ok := number(f.Value)
	if !ok || !n.IsInt() {
		return Fact[int]{Why: fmt.Sprintf("%s: not a whole number", rangeString(f.Range))}
	}
	i, _ := n.Int64()
	out.Value = int(i)
	return out
}

func number(v cty.Value) (*big.Float, bool) {
	if v.IsNull() {
		return nil, false
	}
	if v.Type() == cty.String {
		f, _, err := big.ParseFloat(strings.TrimSpace(v.AsString()), 10, 512, big.ToNearestEven)
		return f, err == nil
	}
	if v.Type() != cty.Number {
		return nil, false
	}
	return v.AsBigFloat(), true
}

func toStr(f Fact[cty.Value]) Fact[string] {
	out := Fact[string]{Known: f.Known, Why: f.Why, Source: f.Source, Range: f.Range}
	if !f.Known {
		return out
	}
	s, ok := asString(f.Value)
	if !ok {
		return Fact[string]{Why: fmt.Sprintf("%s: not a string", rangeString(f.Range))}
	}
	out.Value = s
	return out
}

func (d *Deployment) lambdaFacts(m *Module, r *Resource, addr string) *LambdaFacts {
	if lf, ok := d.lambdas[addr]; ok {
		return lf
	}
	s := lambdaSource{d: d, m: m, r: r, addr: addr}
	lf := &LambdaFacts{Address: addr, Resource: r}
	d.lambdas[addr] = lf
	if r != nil {
		lf.DefRange = r.Block.DefRange()
	}
	str := func(name string, def *string) Fact[string] {
		f, ok := s.get(name)
		switch {
		case ok:
			return toStr(f)
		case def != nil:
			return defaultFact(*def)
		}
		return unknownFact[string](s.missing(name))
	}
	integer := func(f Fact[cty.Value], ok bool, name string, def int) Fact[int] {
		switch {
		case ok:
			return toInt(f)
		case r != nil && r.Mode == Managed:
			return defaultFact(def)
		}
		return unknownFact[int](s.missing(name))
	}
	lf.FunctionName = str("function_name", nil)
	f, ok := s.get("memory_size")
	lf.MemoryMB = integer(f, ok, "memory_size", DefaultMemoryMB)
	f, ok = s.get("timeout")
	lf.TimeoutSeconds = integer(f, ok, "timeout", DefaultTimeoutSeconds)
	f, ok = s.block("ephemeral_storage", "size")
	lf.TmpMB = integer(f, ok, "ephemeral_storage.size", DefaultTmpMB)
	var pkgDefault *string
	if r != nil && r.Mode == Managed {
		def := DefaultPackageType
		pkgDefault = &def
	}
	lf.PackageType = str("package_type", pkgDefault)
	image := lf.PackageType.Known && lf.PackageType.Value == "Image"
	lf.Runtime = str("runtime", nil)
	lf.Handler = str("handler", nil)
	lf.ImageURI = str("image_uri", nil)
	if image {
		for _, fact := range []*Fact[string]{&lf.Runtime, &lf.Handler} {
			if !fact.Known {
				fact.Why = "not set: package_type is Image"
			}
		}
	} else if !lf.ImageURI.Known {
		lf.ImageURI.Why = "not set: package_type is Zip"
	}

	f, ok = s.block("environment", "variables")
	switch {
	case !ok && r != nil && r.Mode == Managed:
		lf.EnvironmentBytes = defaultFact(0)
	case !ok:
		lf.EnvironmentBytes = unknownFact[int](s.missing("environment"))
	case !f.Known:
		lf.EnvironmentBytes = Fact[int]{Why: f.Why}
	default:
		lf.EnvironmentBytes = envBytes(f)
	}

	lf.Package = d.packageOf(s, image)
	d.layersOf(s, lf)
	return lf
}

func envBytes(f Fact[cty.Value]) Fact[int] {
	v := f.Value
	out := Fact[int]{Known: true, Source: f.Source, Range: f.Range}
	if v.IsNull() {
		return out
	}
	if !v.CanIterateElements() {
		return Fact[int]{Why: rangeString(f.Range) + ": environment variables are not a map"}
	}
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		s, ok := asString(val)
		if !ok {
			return Fact[int]{Why: rangeString(f.Range) + ": an environment value is not a string"}
		}
		out.Value += len(k.AsString()) + len(s)
	}
	return out
}

func (d *Deployment) packageOf(s lambdaSource, image bool) Package {
	p := Package{}
	for _, f := range []struct {
		name string
		dst  *Fact[string]
	}{{"filename", &p.Filename}, {"s3_bucket", &p.S3Bucket}, {"s3_key", &p.S3Key}} {
		v, ok := s.get(f.name)
		switch {
		case ok:
			*f.dst = toStr(v)
		case image:
			*f.dst = unknownFact[string]("not set: package_type is Image")
		default:
			*f.dst = unknownFact[string](f.name + " is not set")
		}
	}
	p.ZippedBytes, p.UnzippedBytes = unknownFact[int64]("no local package zip"), unknownFact[int64]("no local package zip")
	switch {
	case p.Filename.Known && p.Filename.Source != SourceTFState:
		p.Filename.Value = filepath.ToSlash(d.HostPath(p.Filename.Value))
		d.measure(&p, s.r)
	case image:
		why := "an image function has no zip"
		p.ZippedBytes.Why, p.UnzippedBytes.Why = why, why
	case p.S3Key.Known:
		why := fmt.Sprintf("the package is in S3 (s3://%s/%s), not on disk", p.S3Bucket.Value, p.S3Key.Value)
		p.ZippedBytes.Why, p.UnzippedBytes.Why = why, why
	case !p.Filename.Known && p.Filename.Why != "filename is not set":
		p.ZippedBytes.Why, p.UnzippedBytes.Why = "filename: "+p.Filename.Why, "filename: "+p.Filename.Why
	}
	return p
}

// measure reads the zip directory at p.Filename. A missing zip is a warning
// (it is often built later in CI); an unreadable one is an error.
func (d *Deployment) measure(p *Package, r *Resource) {
	path := filepath.FromSlash(p.Filename.Value)
	at := p.Filename.Range
	if r != nil {
		if a := r.Attr("filename"); a != nil {
			at = a.Expr.Range()
		}
	}
	z, err := d.readZip(path)
	if err != nil {
		why := err.Error()
		p.ZippedBytes.Why, p.UnzippedBytes.Why = why, why
		if !d.reportedZips[path] {
			d.reportedZips[path] = true
			if isNotExist(err) {
				d.warnf(at, "Package zip not found", "%s (build the package to measure it)", why)
			} else {
				d.errorf(at, "Unreadable package zip", "%s", why)
			}
		}
		return
	}
	p.Zip = z
	p.ZippedBytes = Fact[int64]{Value: z.CompressedBytes, Known: true, Source: SourceZip, Range: at}
	p.UnzippedBytes = Fact[int64]{Value: z.UncompressedBytes, Known: true, Source: SourceZip, Range: at}
	if z.Inconsistent != "" {
		if !d.reportedZips[path] {
			d.reportedZips[path] = true
			d.warnf(at, "Inconsistent zip directory", "%s: %s; its claimed sizes are reported, nothing was extracted", path, z.Inconsistent)
		}
	}
}

func (d *Deployment) layersOf(s lambdaSource, lf *LambdaFacts) {
	var exprs []hcl.Expression
	if s.r != nil {
		if a := s.r.Attr("layers"); a != nil {
			if tup, ok := unwrap(a.Expr).(*hclsyntax.TupleConsExpr); ok {
				exprs = make([]hcl.Expression, len(tup.Exprs))
				for i, e := range tup.Exprs {
					exprs[i] = e
				}
				lf.LayerCount = Fact[int]{Value: len(exprs), Known: true, Source: SourceTerraform, Range: a.Expr.Range()}
			}
		}
	}
	if exprs == nil {
		f, ok := s.get("layers")
		switch {
		case !ok && s.r != nil && s.r.Mode == Managed:
			lf.LayerCount = defaultFact(0)
			return
		case !ok:
			lf.LayerCount = unknownFact[int](s.missing("layers"))
			return
		case !f.Known:
			lf.LayerCount = Fact[int]{Why: f.Why}
			return
		case f.Value.IsNull():
			lf.LayerCount = Fact[int]{Known: true, Source: f.Source, Range: f.Range}
			return
		case !f.Value.CanIterateElements():
			lf.LayerCount = Fact[int]{Why: rangeString(f.Range) + ": layers is not a list"}
			return
		}
		lf.LayerCount = Fact[int]{Value: f.Value.LengthInt(), Known: true, Source: f.Source, Range: f.Range}
		for it := f.Value.ElementIterator(); it.Next(); {
			_, v := it.Element()
			str, _ := asString(v)
			lf.Layers = append(lf.Layers, Layer{ARN: Fact[string]{Value: str, Known: true, Source: f.Source, Range: f.Range}})
		}
		return
	}
	for _, e := range exprs {
		l := Layer{ARN: toStr(s.m.Eval(e))}
		res := d.followExpr(s.m, e, nil, 0)
		if res.res != nil && res.res.Type == "aws_lambda_layer_version" && res.res.Mode == Managed {
			l.Address = res.addr
			ls := lambdaSource{d: d, m: res.res.Module, r: res.res, addr: res.addr}
			pkg := d.packageOf(ls, false)
			l.Package = &pkg
		}
		lf.Layers = append(lf.Layers, l)
	}
}
