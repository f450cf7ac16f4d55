package terraform

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteFacts writes a stable, human-readable dump of every rendering, every
// Task's target and Lambda facts (with source and range) and every
// diagnostic; paths are relative to the deployment folder. Golden tests and
// `--debug` output use it.
func (d *Deployment) WriteFacts(w io.Writer) error {
	var b strings.Builder
	p := func(indent int, format string, args ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	if v, at, ok := d.CumulusRelease(); ok {
		p(0, "cumulus release %s (%s)", v, rng(at))
	}
	for _, r := range d.Renderings {
		p(0, "rendering %s %s.%s at %s", r.Kind, r.BlockAddress(), r.Attribute.Name, rng(r.Attribute.SrcRange))
		if r.Kind == Templatefile {
			p(1, "template %s map %q", r.TemplatePath, r.Separator)
			for _, v := range r.Vars {
				used := "unused"
				if v.Used {
					used = "used"
				}
				p(1, "var %s = %s (%s, key %s, value %s)", v.Name, v.ExprText, used, rng(v.KeyRange), rng(v.ExprRange))
			}
		} else {
			p(1, "body %s-%d:%d", rng(r.Body), r.Body.End.Line, r.Body.End.Column)
		}
		if r.Document != nil {
			for _, dg := range r.Document.Diagnostics {
				p(1, "workflow diagnostic %s: %s [%s]", dg.Range, dg.Message, dg.Code)
			}
		}
		for _, t := range r.Tasks {
			p(1, "task %q %s", t.State.Name, t.State.Pointer())
			tg := t.Target
			p(2, "target %s expr %q at %s", tg.Kind, tg.Expr, rng(tg.ExprRange))
			if tg.Address != "" {
				p(3, "address %s", tg.Address)
			}
			if tg.LambdaRef != "" {
				p(3, "lambda ref %s last modified %s", tg.LambdaRef, tg.LastModifiedExpr)
			}
			if tg.Why != "" {
				p(3, "why %s", tg.Why)
			}
			if tg.Note != "" {
				p(3, "note %s", tg.Note)
			}
			p(3, "value %s", fact(tg.Value))
			if lf := t.Lambda; lf != nil {
				writeLambda(p, lf)
			}
		}
	}
	for _, dg := range d.Diagnostics {
		at := ""
		if dg.Subject != nil {
			at = rng(*dg.Subject) + ": "
		}
		sev := "error"
		if dg.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		p(0, "diagnostic %s%s: %s: %s", at, sev, dg.Summary, dg.Detail)
	}
	out := b.String()
	if dir := filepath.ToSlash(filepath.Clean(d.Dir)); dir != "." {
		out = strings.ReplaceAll(out, dir+"/", "")
	}
	_, err := io.WriteString(w, out)
	return err
}

func writeLambda(p func(int, string, ...any), lf *LambdaFacts) {
	p(2, "lambda %s declared %s", lf.Address, rng(lf.DefRange))
	p(3, "function_name %s", fact(lf.FunctionName))
	p(3, "memory_mb %s", fact(lf.MemoryMB))
	p(3, "timeout_s %s", fact(lf.TimeoutSeconds))
	p(3, "tmp_mb %s", fact(lf.TmpMB))
	p(3, "runtime %s", fact(lf.Runtime))
	p(3, "handler %s", fact(lf.Handler))
	p(3, "package_type %s", fact(lf.PackageType))
	p(3, "image_uri %s", fact(lf.ImageURI))
	p(3, "environment_bytes %s", fact(lf.EnvironmentBytes))
	writePackage(p, 3, "package", lf.Package)
	p(3, "layer_count %s", fact(lf.LayerCount))
	for i, l := range lf.Layers {
		p(3, "layer %d %s", i, strings.TrimSpace(fact(l.ARN)+" "+l.Address))
		if l.Package != nil {
			writePackage(p, 4, "package", *l.Package)
		}
	}
}

func writePackage(p func(int, string, ...any), indent int, what string, pk Package) {
	p(indent, "%s filename %s", what, fact(pk.Filename))
	p(indent+1, "zipped %s", fact(pk.ZippedBytes))
	p(indent+1, "unzipped %s", fact(pk.UnzippedBytes))
	if pk.Zip != nil && pk.Zip.Inconsistent != "" {
		p(indent+1, "inconsistent %s", pk.Zip.Inconsistent)
	}
	p(indent+1, "s3 %s / %s", fact(pk.S3Bucket), fact(pk.S3Key))
}

func fact[T any](f Fact[T]) string {
	if !f.Known {
		return "unknown: " + f.Why
	}
	s := fmt.Sprintf("%v (%s", f.Value, f.Source)
	if f.Range.Filename != "" {
		s += " " + rng(f.Range)
	}
	return s + ")"
}

func rng(r hcl.Range) string {
	if r.Filename == "" {
		return "-"
	}
	return fmt.Sprintf("%s:%d:%d", filepath.ToSlash(r.Filename), r.Start.Line, r.Start.Column)
}
