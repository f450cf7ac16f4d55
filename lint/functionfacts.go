package lint

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/stepshift/stepshift/terraform"
)

// TaskUseNote starts the related location of a finding about a function
// (its runtime, its package) that points at one Task running it; reporters
// may shorten a long list of them to a count.
const TaskUseNote = "used by Task"

// functionFactRules report facts about a Lambda function itself, not about
// a Task's use of it: one finding at the Terraform line however many Tasks
// (in however many workflows) run the function. Limit findings stay on each
// Task, where a pre-commit user looks.
var functionFactRules = map[string]bool{"lambda-runtime": true, "lambda-image-package": true, "lambda-drift": true}

// reportFunctionFact records a fact about t's function at the Terraform
// line that sets it (at), with the Task as a related location. Lint merges
// the same fact reported for several Tasks into one finding. A fact not
// written in Terraform (an AWS default, --tfstate, the deployed
// configuration) has no line of its own and stays on the Task.
func (p *Pass) reportFunctionFact(t taskFacts, at hcl.Range, format string, args ...any) *Finding {
	if at.Filename == "" {
		return p.Report(t.at, format, args...)
	}
	r := terraform.WorkflowRange(at)
	r.Filename = filepath.Clean(r.Filename)
	// The Task's pointer stays until Lint merges, so a suppression in the
	// Task state's Comment still silences it.
	f := p.ReportRange(r, t.at.Pointer, format, args...)
	f.Rendering = ""
	f.Related = append(f.Related, Related{Message: fmt.Sprintf("%s %q", TaskUseNote, t.state.Name), Range: t.at.Range})
	return f
}

// isFunctionFact reports whether f is a function fact placed at its
// Terraform line (not on a Task).
func isFunctionFact(f *Finding) bool {
	return functionFactRules[f.Rule] && len(f.Related) > 0 && strings.HasPrefix(f.Related[len(f.Related)-1].Message, TaskUseNote) &&
		(strings.HasSuffix(f.Range.Filename, ".tf") || strings.HasSuffix(f.Range.Filename, ".tfvars") || strings.HasSuffix(f.Range.Filename, ".tfvars.json") || strings.HasSuffix(f.Range.Filename, ".tf.json"))
}

// mergeFunctionFacts folds the findings of one function fact (same rule,
// severity, place and message) into one, its Tasks as related locations and
// their count in the message.
func mergeFunctionFacts(fs []Finding) []Finding {
	type key struct {
		rule, msg, file string
		sev             Severity
		start, end      int
	}
	at := map[key]int{}
	out := fs[:0]
	for _, f := range fs {
		if !isFunctionFact(&f) {
			out = append(out, f)
			continue
		}
		k := key{f.Rule, f.Message, f.Range.Filename, f.Severity, f.Range.Start.Byte, f.Range.End.Byte}
		i, ok := at[k]
		if !ok {
			f.Pointer = ""
			f.Related = append([]Related(nil), f.Related...)
			at[k] = len(out)
			out = append(out, f)
			continue
		}
		for _, r := range f.Related {
			dup := false
			for _, have := range out[i].Related {
				dup = dup || (have.Message == r.Message && have.Range == r.Range)
			}
			if !dup {
				out[i].Related = append(out[i].Related, r)
			}
		}
	}
	for _, i := range at {
		rel := out[i].Related
		sort.SliceStable(rel, func(a, b int) bool {
			ra, rb := rel[a].Range, rel[b].Range
			if ra.Filename != rb.Filename {
				return ra.Filename < rb.Filename
			}
			return ra.Start.Byte < rb.Start.Byte
		})
		n := 0
		for _, r := range out[i].Related {
			if strings.HasPrefix(r.Message, TaskUseNote) {
				n++
			}
		}
		if n == 1 {
			out[i].Message += " (1 Task runs it)"
		} else {
			out[i].Message += fmt.Sprintf(" (%d Tasks run it)", n)
		}
	}
	return out
}
