package workflow

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dump renders everything a loader fixture must pin: diagnostics in the
// canonical "path:line:col: message [code]" form, every interpolation with its
// exact range, and every state with its scope, type and resource class.
func dump(d *Document) string {
	var b strings.Builder
	for _, dg := range d.Diagnostics {
		fmt.Fprintln(&b, dg.String())
	}
	for _, in := range d.Interpolations {
		where := "string"
		if in.Bare {
			where = "bare"
		}
		fmt.Fprintf(&b, "interpolation %d:%d-%d:%d bytes %d-%d %s %q variable=%v\n",
			in.Range.Start.Line, in.Range.Start.Column, in.Range.End.Line, in.Range.End.Column,
			in.Range.Start.Byte, in.Range.End.Byte, where, in.Expr, in.IsVariable())
	}
	for _, s := range d.States {
		fmt.Fprintf(&b, "state %s %q type=%q scope=%s name-at=%d:%d", s.Pointer(), s.Name, s.Type, s.Scope.Kind, s.NameRange.Start.Line, s.NameRange.Start.Column)
		if s.Resource != nil {
			fmt.Fprintf(&b, " resource=%s", s.Resource.Kind)
			r := s.Resource
			if r.Interp != nil {
				fmt.Fprintf(&b, " expr=%q", r.Interp.Expr)
			}
			for _, f := range [][2]string{{"service", r.Service}, {"action", r.Action}, {"pattern", r.Pattern},
				{"partition", r.Partition}, {"region", r.Region}, {"account", r.Account}, {"name", r.Name}, {"qualifier", r.Qualifier}} {
				if f[1] != "" {
					fmt.Fprintf(&b, " %s=%q", f[0], f[1])
				}
			}
			if r.FunctionName != nil {
				fmt.Fprintf(&b, " function=%q@%d:%d", r.FunctionName.Str, r.FunctionName.Range.Start.Line, r.FunctionName.Range.Start.Column)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestLoaderGolden(t *testing.T) {
	inputs, err := filepath.Glob("../fixtures/loader/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no loader fixtures: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimPrefix(in, "../")
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := dump(Load(src, Options{Filename: name}))
			golden := strings.TrimSuffix(strings.TrimSuffix(in, ".json"), ".asl") + ".out"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run go test ./workflow -update and review it): %v", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s\n--- got ---\n%s--- want ---\n%s", in, golden, got, want)
			}
		})
	}
}

// TestInterpolationTextAtRange checks that each interpolation's byte range
// holds exactly "${" + expression + "}" in the source, and that line:col agree
// with the bytes.
func TestInterpolationTextAtRange(t *testing.T) {
	src, err := os.ReadFile("../fixtures/loader/interpolations.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	d := Load(src, Options{Filename: "x"})
	if len(d.Interpolations) != 7 {
		t.Fatalf("found %d interpolations, want 7", len(d.Interpolations))
	}
	lines := strings.Split(string(src), "\n")
	for _, in := range d.Interpolations {
		text := string(src[in.Range.Start.Byte:in.Range.End.Byte])
		if !strings.HasPrefix(text, "${") || !strings.HasSuffix(text, "}") || !strings.Contains(text, in.Expr) {
			t.Errorf("range %v holds %q, not the interpolation of %q", in.Range, text, in.Expr)
		}
		line := []rune(lines[in.Range.Start.Line-1])
		if got := string(line[in.Range.Start.Column-1 : in.Range.Start.Column+1]); got != "${" {
			t.Errorf("line:col %d:%d points at %q", in.Range.Start.Line, in.Range.Start.Column, got)
		}
	}
	// "$${" is a literal and "$$." survives: neither is an interpolation.
	lit := d.Lookup("/States/QueueGranules/Parameters/cma/task_config/literal")
	if lit == nil || lit.Str != "${not_terraform}" || lit.IsTemplated() {
		t.Errorf("$${ escape decoded as %+v", lit)
	}
	tok := d.Lookup("/States/QueueGranules/Parameters/cma/task_config/token.$")
	if tok == nil || tok.Str != "$$.Task.Token" {
		t.Errorf("$$. context path decoded as %+v", tok)
	}
	bare := d.Lookup("/TimeoutSeconds")
	if bare == nil || bare.Kind != Unknown || bare.WholeInterpolation() == nil || bare.WholeInterpolation().Expr != "workflow_timeout" {
		t.Errorf("bare interpolation decoded as %+v", bare)
	}
	q := d.Lookup("/States/QueueGranules/Parameters/cma/task_config/queueUrl")
	if q == nil || q.Str != `${lookup(var.queues, "start_sf")}` || q.WholeInterpolation() == nil {
		t.Errorf("interpolation with quotes decoded as %+v", q)
	}
	if len(d.Rendered) != len(d.Source) {
		t.Errorf("rendered length %d != source length %d", len(d.Rendered), len(d.Source))
	}
}

func TestBaseOffsetsHeredocPositions(t *testing.T) {
	body := []byte("{\n  \"StartAt\": \"A\",\n  \"States\": {\"A\": {\"Type\": \"Pass\", \"End\": true, \"End\": true}}\n}\n")
	d := Load(body, Options{Filename: "main.tf", Base: Pos{Line: 10, Column: 1, Byte: 200}})
	if len(d.Diagnostics) != 1 {
		t.Fatalf("diagnostics: %v", d.Diagnostics)
	}
	got := d.Diagnostics[0].Range
	if got.Start.Line != 12 || got.Start.Byte != 200+strings.LastIndex(string(body), `"End"`) {
		t.Errorf("duplicate key at %+v, want line 12 byte offset into main.tf", got.Start)
	}
}
