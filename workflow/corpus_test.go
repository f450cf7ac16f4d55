package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/tidwall/gjson"

	"github.com/stepshift/stepshift/internal/standin"
)

func corpusFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(standin.CorpusDir(t), pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files for %s: %v", pattern, err)
	}
	return files
}

func cumulusFiles(t testing.TB) []string { return corpusFiles(t, "cumulus/workflows/*.json") }

func conformanceFiles(t testing.TB) []string {
	return append(corpusFiles(t, "asl-conformance/statelint/*.json"), corpusFiles(t, "asl-conformance/asl-validator/*.json")...)
}

// The corpus README's counts (347 states, 235 Task states) do not match the
// files: counting "Type" members by grep gives 158 states and 112 Task states,
// which is what the state tree must find.
func TestCumulusCorpusLoadsClean(t *testing.T) {
	files := cumulusFiles(t)
	if len(files) != 36 {
		t.Fatalf("want 36 Cumulus workflows, found %d", len(files))
	}
	states, tasks, cma, refs := 0, 0, 0, 0
	for _, f := range files {
		d, err := LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, dg := range d.Diagnostics {
			t.Errorf("%s", dg)
		}
		if d.Definition == nil {
			t.Errorf("%s: no definition found", f)
		}
		src, _ := os.ReadFile(f)
		if want := bytes.Count(src, []byte(`"Type"`)); want != len(d.States) {
			t.Errorf("%s: %d states in the tree, %d \"Type\" members in the file", f, len(d.States), want)
		}
		states += len(d.States)
		for _, s := range d.States {
			if s.Type != "Task" {
				continue
			}
			tasks++
			if s.Field("Parameters").Get("cma") != nil {
				cma++
			}
			if s.Resource.Kind == TerraformRef {
				refs++
			}
		}
	}
	if states != 158 || tasks != 112 || cma != 108 {
		t.Errorf("corpus has %d states, %d Task states, %d CMA tasks; want 158, 112, 108", states, tasks, cma)
	}
	if refs < 100 {
		t.Errorf("only %d Task resources classified as Terraform references", refs)
	}
}

func TestConformanceCorpusLoads(t *testing.T) {
	files := conformanceFiles(t)
	if len(files) != 184 {
		t.Fatalf("want 184 conformance files, found %d", len(files))
	}
	for _, f := range files {
		d, err := LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d.Root == nil && len(d.Diagnostics) == 0 {
			t.Errorf("%s: no tree and no diagnostic", f)
		}
	}
}

// gjsonPath turns an RFC 6901 pointer into a gjson path.
func gjsonPath(pointer string) string {
	if pointer == "" {
		return "@this"
	}
	toks := strings.Split(pointer[1:], "/")
	for i, tok := range toks {
		tok = unescapePointer(tok)
		var b strings.Builder
		for _, r := range tok {
			if strings.ContainsRune(`.*?|#@\!=<>%"`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		toks[i] = b.String()
	}
	return strings.Join(toks, ".")
}

func walk(n *Node, f func(*Node)) {
	f(n)
	for _, m := range n.Members {
		walk(m, f)
	}
	for _, e := range n.Elems {
		walk(e, f)
	}
}

// TestPointerRangesMatchGJSON is the index's property: for every value of
// every corpus file, the text at its range, parsed alone, equals what gjson
// returns for its pointer; every key range holds the quoted key; and the
// pointer leads back to the node.
func TestPointerRangesMatchGJSON(t *testing.T) {
	files := append(cumulusFiles(t), conformanceFiles(t)...)
	checked := 0
	for _, f := range files {
		d, err := LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d.Root == nil || len(d.Interpolations) > 0 && !strings.Contains(f, "cumulus") {
			continue
		}
		hasDup := false
		for _, dg := range d.Diagnostics {
			hasDup = hasDup || dg.Code == "duplicate-key"
		}
		walk(d.Root, func(n *Node) {
			text := d.Rendered[n.Range.Start.Byte:n.Range.End.Byte]
			var alone, viaGJSON any
			if err := json.Unmarshal(text, &alone); err != nil {
				t.Errorf("%s %s: range text %q does not parse: %v", f, n.Pointer, text, err)
				return
			}
			if !hasDup {
				res := gjson.GetBytes(d.Rendered, gjsonPath(n.Pointer))
				if !res.Exists() {
					t.Errorf("%s %s: gjson finds nothing at %s", f, n.Pointer, gjsonPath(n.Pointer))
					return
				}
				_ = json.Unmarshal([]byte(res.Raw), &viaGJSON)
				if !reflect.DeepEqual(alone, viaGJSON) {
					t.Errorf("%s %s: range text %s, gjson %s", f, n.Pointer, text, res.Raw)
				}
				if d.Lookup(n.Pointer) != n {
					t.Errorf("%s: Lookup(%q) does not return the node", f, n.Pointer)
				}
			}
			if n.Kind == String && !n.IsTemplated() && alone != n.Str {
				t.Errorf("%s %s: decoded %q, the text parses to %q", f, n.Pointer, n.Str, alone)
			}
			if n.Parent != nil && n.Parent.Kind == Object && !strings.Contains(n.Key, "${") {
				key := d.Source[n.KeyRange.Start.Byte:n.KeyRange.End.Byte]
				var decoded string
				if key[0] != '"' || json.Unmarshal(key, &decoded) != nil || decoded != n.Key {
					t.Errorf("%s %s: key range holds %s, key is %q", f, n.Pointer, key, n.Key)
				}
			}
			lines := bytes.Split(d.Source, []byte("\n"))
			line := []rune(string(lines[n.Range.Start.Line-1]))
			prefix := string(line[:n.Range.Start.Column-1])
			lineStart := bytes.LastIndexByte(d.Source[:n.Range.Start.Byte], '\n') + 1
			if prefix != string(d.Source[lineStart:n.Range.Start.Byte]) {
				t.Errorf("%s %s: line:col %d:%d disagrees with byte %d", f, n.Pointer, n.Range.Start.Line, n.Range.Start.Column, n.Range.Start.Byte)
			}
			checked++
		})
	}
	if checked < 6000 {
		t.Errorf("only %d values checked", checked)
	}
}

// hclInterpolations returns the byte range of the expression inside every
// interpolation hclsyntax.ParseTemplate (the grammar templatefile() uses)
// finds in src.
func hclInterpolations(t *testing.T, name string, src []byte) [][2]int {
	t.Helper()
	expr, diags := hclsyntax.ParseTemplate(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: hcl: %s", name, diags)
	}
	var parts []hclsyntax.Expression
	switch e := expr.(type) {
	case *hclsyntax.TemplateExpr:
		parts = e.Parts
	case *hclsyntax.TemplateWrapExpr:
		parts = []hclsyntax.Expression{e.Wrapped}
	}
	var out [][2]int
	for _, part := range parts {
		if _, lit := part.(*hclsyntax.LiteralValueExpr); lit {
			continue
		}
		r := part.Range()
		out = append(out, [2]int{r.Start.Byte, r.End.Byte})
	}
	return out
}

// TestInterpolationsMatchHCLTemplateParser checks the scanner against
// hclsyntax.ParseTemplate (which Load does not call: it takes about 900 ms on
// the 1 MB synthetic definition): both must find the same interpolations, and
// each expression hcl finds must lie inside the matching "${...}" range.
func TestInterpolationsMatchHCLTemplateParser(t *testing.T) {
	type input struct {
		name string
		src  []byte
	}
	var inputs []input
	for _, f := range append(cumulusFiles(t), "../fixtures/loader/interpolations.asl.json") {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{f, src})
	}
	for i, s := range []string{
		`{"a": "x\\${y}"}`, `{"a": "$$${x}"}`, `{"a": "$$$${x}"}`, `{"a": "%%%{x}"}`,
		`{"a": "${"}"}"}`, `{"a": "${ x }", "b": "${x~}"}`, `{"a": "$", "b": "a$"}`,
		`{"a": "${"${y}"}"}`, `{"a": "${a.b[0].c}${a["k"]}"}`, `{"a": "\"${y}\""}`,
		`{"a": ${n}, "b": [${m}, "${k}"]}`, `{"a": "\${y}"}`, `{"a": "${lookup(var.m, "k", "}")}"}`,
	} {
		inputs = append(inputs, input{fmt.Sprintf("case%d", i), []byte(s)})
	}
	for _, in := range inputs {
		want := hclInterpolations(t, in.name, in.src)
		d := Load(in.src, Options{Filename: in.name})
		if len(d.Interpolations) != len(want) {
			t.Errorf("%s: %d interpolations, hcl finds %d", in.name, len(d.Interpolations), len(want))
			continue
		}
		for k, got := range d.Interpolations {
			if want[k][0] < got.Range.Start.Byte+2 || want[k][1] > got.Range.End.Byte-1 {
				t.Errorf("%s: interpolation %d at bytes %d-%d, hcl's expression at %d-%d", in.name, k, got.Range.Start.Byte, got.Range.End.Byte, want[k][0], want[k][1])
			}
		}
	}
}

func TestResourceClassification(t *testing.T) {
	cases := []struct {
		resource string
		params   string
		kind     ResourceKind
		check    func(*Resource) string
	}{
		{`"arn:aws:lambda:us-east-1:123456789012:function:sync-granule"`, ``, LambdaARN, func(r *Resource) string {
			if r.Name != "sync-granule" || r.Region != "us-east-1" || r.Account != "123456789012" {
				return fmt.Sprintf("name/region/account %q %q %q", r.Name, r.Region, r.Account)
			}
			return ""
		}},
		{`"arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:live"`, ``, LambdaARN, func(r *Resource) string {
			if r.Partition != "aws-us-gov" || r.Qualifier != "live" {
				return fmt.Sprintf("partition %q qualifier %q", r.Partition, r.Qualifier)
			}
			return ""
		}},
		{`"arn:aws:states:::lambda:invoke"`, `{"FunctionName": "${fn_arn}", "Payload.$": "$"}`, LambdaInvoke, func(r *Resource) string {
			if r.FunctionName == nil || r.FunctionName.WholeInterpolation() == nil || r.FunctionName.WholeInterpolation().Expr != "fn_arn" {
				return "FunctionName not found"
			}
			return ""
		}},
		{`"arn:aws:states:::lambda:invoke.waitForTaskToken"`, `{"FunctionName": "f"}`, LambdaInvoke, func(r *Resource) string {
			if r.Pattern != "waitForTaskToken" {
				return "pattern " + r.Pattern
			}
			return ""
		}},
		{`"arn:aws:states:us-east-1:123456789012:activity:big-task"`, ``, Activity, func(r *Resource) string {
			if r.Name != "big-task" {
				return "name " + r.Name
			}
			return ""
		}},
		{`"arn:aws:states:::ecs:runTask.sync"`, ``, ServiceIntegration, func(r *Resource) string {
			if r.Service != "ecs" || r.Action != "runTask" || r.Pattern != "sync" {
				return fmt.Sprintf("%s %s %s", r.Service, r.Action, r.Pattern)
			}
			return ""
		}},
		{`"arn:aws:states:::states:startExecution.sync:2"`, ``, ServiceIntegration, func(r *Resource) string {
			if r.Pattern != "sync:2" {
				return "pattern " + r.Pattern
			}
			return ""
		}},
		{`"arn:aws:states:::sqs:sendMessage.waitForTaskToken"`, ``, ServiceIntegration, nil},
		{`"arn:aws:states:::s3:putObject"`, ``, ServiceIntegration, nil},
		{`"${queue_granules_task_arn}"`, ``, TerraformRef, func(r *Resource) string {
			if !r.Interp.IsVariable() {
				return "not a variable"
			}
			return ""
		}},
		{`"${module.cumulus.sync_granule_task.task_arn}"`, ``, TerraformRef, func(r *Resource) string {
			if r.Interp.IsVariable() || r.Interp.Expr != "module.cumulus.sync_granule_task.task_arn" {
				return "expr " + r.Interp.Expr
			}
			return ""
		}},
		{`${bare_arn}`, ``, TerraformRef, nil},
		{`"arn:aws:lambda:${region}:${account}:function:x"`, ``, PartlyTemplated, nil},
		{`"foo:bar"`, ``, UnknownResource, nil},
		{`42`, ``, UnknownResource, nil},
	}
	for _, c := range cases {
		params := ""
		if c.params != "" {
			params = `, "Parameters": ` + c.params
		}
		src := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": ` + c.resource + params + `, "End": true}}}`
		d := Load([]byte(src), Options{Filename: "t.json"})
		if len(d.Diagnostics) > 0 || len(d.States) != 1 {
			t.Errorf("%s: %v", c.resource, d.Diagnostics)
			continue
		}
		r := d.States[0].Resource
		if r.Kind != c.kind {
			t.Errorf("%s: kind %s, want %s", c.resource, r.Kind, c.kind)
			continue
		}
		if c.check != nil {
			if msg := c.check(r); msg != "" {
				t.Errorf("%s: %s", c.resource, msg)
			}
		}
	}
}

func TestNestedScopes(t *testing.T) {
	src := `{"StartAt": "P", "States": {
  "P": {"Type": "Parallel", "Branches": [
     {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
     {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "${x}", "End": true}}}, "End": true}}}
  ], "End": true}}}`
	d := Load([]byte(src), Options{Filename: "n.json"})
	if len(d.Scopes) != 4 || len(d.States) != 4 {
		t.Fatalf("%d scopes, %d states", len(d.Scopes), len(d.States))
	}
	task := d.States[3]
	if task.Name != "T" || task.Scope.Kind != IteratorScope || task.Scope.Parent.Name != "M" || task.Scope.Parent.Scope.Kind != BranchScope {
		t.Errorf("task T in scope %v under %v", task.Scope.Kind, task.Scope.Parent.Name)
	}
	if task.Pointer() != "/States/P/Branches/1/States/M/ItemProcessor/States/T" {
		t.Errorf("pointer %s", task.Pointer())
	}
}
