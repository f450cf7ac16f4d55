//go:build !stepshift_lean

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/execute"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

func init() {
	cmd := runCommand
	cmd.Flags = []cli.Flag{
		&cli.StringFlag{Name: "input", Usage: "execution input JSON `FILE` (- for standard input); default {}"},
		&cli.StringFlag{Name: "mock-config", Usage: "Step Functions Local MockConfigFile `FILE`"},
		&cli.StringFlag{Name: "test-case", Usage: "the test case `NAME` in the mock file"},
		&cli.StringFlag{Name: "state-machine-name", Usage: "the workflow's `NAME` in the mock file (default: the file name without .asl.json/.json)"},
		&cli.StringFlag{Name: "format", Value: "text", Usage: "text or json"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for MathRandom, UUID and FULL retry jitter"},
	}
	cmd.Action = runAction
	commands = append(commands, &cmd)
}

func runAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErrorf("run takes one workflow file, got %d arguments", c.NArg())
	}
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageErrorf("--format must be text or json, not %q", format)
	}
	if c.IsSet("mock-config") != c.IsSet("test-case") {
		return usageErrorf("--mock-config and --test-case go together")
	}
	m, err := loadMachine(c.Args().First(), c.String("state-machine-name"))
	if err != nil {
		return err
	}
	var input any = map[string]any{}
	if f := c.String("input"); f != "" {
		var src []byte
		var rerr error
		if f == "-" {
			src, rerr = io.ReadAll(stdinReader)
		} else {
			src, rerr = os.ReadFile(f)
		}
		if rerr != nil {
			return usageErrorf("cannot read the input: %v", rerr)
		}
		v, problems := execute.ParseInput(src, f)
		if len(problems) > 0 {
			return problemsError(c.App.ErrWriter, problems)
		}
		input = v
	}
	var mocks execute.Mocker
	if f := c.String("mock-config"); f != "" {
		cfg, problems, rerr := execute.LoadMockConfig(f)
		if rerr != nil {
			return usageErrorf("cannot read the mock configuration: %v", rerr)
		}
		if len(problems) == 0 {
			problems = cfg.CheckMachine(m)
		}
		if len(problems) > 0 {
			return problemsError(c.App.ErrWriter, problems)
		}
		mk, terr := cfg.TestCase(m.Name, c.String("test-case"))
		if terr != nil {
			return usageErrorf("%v", terr)
		}
		mocks = mk
	}
	res, err := m.Run(input, execute.Options{Mocks: mocks, Seed: c.Int64("seed")})
	if err != nil {
		var nm *execute.NoMockError
		if errors.As(err, &nm) {
			return usageErrorf("%v (give one with --mock-config FILE --test-case NAME)", err)
		}
		return internalErrorf("%v", err)
	}
	w := c.App.Writer
	if format == "json" {
		out := struct {
			Status string          `json:"status"`
			Output json.RawMessage `json:"output"`
			Error  string          `json:"error,omitempty"`
			Cause  string          `json:"cause,omitempty"`
			Path   []string        `json:"path"`
			Events []execute.Event `json:"events"`
		}{res.Status, json.RawMessage(execute.MarshalJSON(res.Output)), res.Error, res.Cause, res.Path, res.Events}
		if out.Path == nil {
			out.Path = []string{}
		}
		b, merr := json.MarshalIndent(out, "", "  ")
		if merr != nil {
			return internalErrorf("%v", merr)
		}
		fmt.Fprintln(w, string(b))
	} else {
		writeRunText(w, res)
	}
	if res.Status != execute.Succeeded {
		return &exitError{code: exitFindings}
	}
	return nil
}

// writeRunText prints the status, the path with retries and catches, and
// the output or the error.
func writeRunText(w io.Writer, res *execute.Result) {
	fmt.Fprintf(w, "%s in %s (virtual time)\n", res.Status, virtualSeconds(res.Seconds))
	fmt.Fprintln(w, "path:")
	for _, st := range res.Steps {
		fmt.Fprintf(w, "  %s\n", st.State)
		for _, r := range st.Retries {
			fmt.Fprintf(w, "    retry %d after %s (%s)\n", r.Attempt, virtualSeconds(r.AfterSecs), r.Error)
		}
		if st.Caught != "" {
			fmt.Fprintf(w, "    caught %s -> %s\n", st.Caught, st.Next)
		}
	}
	if res.Status == execute.Succeeded {
		b, _ := json.MarshalIndent(json.RawMessage(execute.MarshalJSON(res.Output)), "", "  ")
		fmt.Fprintf(w, "output:\n%s\n", b)
		return
	}
	if res.Error != "" {
		fmt.Fprintf(w, "error: %s\n", res.Error)
	}
	if res.Cause != "" {
		fmt.Fprintf(w, "cause: %s\n", res.Cause)
	}
}

func virtualSeconds(s float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", s), "0"), ".") + "s"
}

// problemsError prints each positioned problem and returns exit 2.
func problemsError(w io.Writer, problems []execute.Problem) error {
	for _, p := range problems {
		fmt.Fprintln(w, p.String())
	}
	return usageErrorf("%d problem(s) in the input files; fix them first", len(problems))
}

// loadMachine loads and compiles a workflow file. A templated file renders
// with the Terraform facts of the deployment in its folder: each Task's
// Resource becomes the ARN Terraform resolves, or a placeholder ARN of the
// same kind (Lambda or activity) when it is known only after apply.
func loadMachine(path, name string) (*execute.Machine, error) {
	doc, err := workflow.LoadFile(path)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if doc.Definition == nil {
		for _, d := range doc.Diagnostics {
			return nil, usageErrorf("%s", d)
		}
	}
	if name == "" {
		name = execute.WorkflowName(path)
	}
	var values execute.Values
	if len(doc.Interpolations) > 0 {
		values = terraformValues(path)
	}
	m, err := execute.CompileDocument(doc, name, values)
	if err != nil {
		return nil, usageErrorf("%s: %v", path, err)
	}
	return m, nil
}

// deployments caches each folder's Terraform: the workflows of one
// deployment share it.
var deployments = map[string]*terraform.Deployment{}

// terraformValues resolves a template's interpolations through the first
// rendering of it in the Terraform of its folder (nil when there is none).
func terraformValues(path string) execute.Values {
	dir := filepath.Dir(path)
	tfs, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	if len(tfs) == 0 {
		return nil
	}
	abs, _ := filepath.Abs(path)
	d := deployments[dir]
	if d == nil {
		d = terraform.Load(dir, terraform.Options{})
		deployments[dir] = d
	}
	for _, r := range d.Renderings {
		rp, _ := filepath.Abs(r.TemplatePath)
		if r.TemplatePath == "" || rp != abs {
			continue
		}
		values := execute.Values{}
		for _, v := range r.Vars {
			f := r.Module.Eval(v.Expr)
			if f.Known && f.Value.IsKnown() && !f.Value.IsNull() && f.Value.Type().FriendlyName() == "string" {
				values[v.Name] = f.Value.AsString()
			}
		}
		for _, t := range r.Tasks {
			res := t.State.Resource
			if res == nil || res.Interp == nil {
				continue
			}
			expr := res.Interp.Expr
			if t.Target.Value.Known && strings.HasPrefix(t.Target.Value.Value, "arn:") {
				values[expr] = t.Target.Value.Value
				continue
			}
			kind, name := workflow.LambdaARN, expr
			if t.Target.Kind == terraform.TargetActivity {
				kind = workflow.Activity
			}
			if t.Lambda != nil && t.Lambda.FunctionName.Known {
				name = t.Lambda.FunctionName.Value
			}
			values[expr] = execute.PlaceholderARN(kind, name)
		}
		return values
	}
	return nil
}
