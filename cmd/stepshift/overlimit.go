package main

import (
	"strings"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/usage"
)

// overLimitTasks picks the steps `migrate --over-limit` moves: every Task
// with an error-level Lambda-limit or usage finding from lint on units (the
// deployment's renderings, with deployed facts and usage evidence when the
// run has them).
func overLimitTasks(units []*lint.Unit) ([]*terraform.Task, error) {
	cfg, err := loadLintConfig("")
	if err != nil {
		return nil, err
	}
	findings := lint.Lint(units, lint.Options{Config: cfg})
	var picked []*terraform.Task
	seen := map[*terraform.Task]bool{}
	for _, u := range units {
		for _, st := range u.Doc.States {
			task := u.Tasks[st]
			if task == nil || seen[task] {
				continue
			}
			for _, f := range findings {
				if f.Severity == lint.Error && f.Range.Filename == u.Doc.Filename && f.Rendering == u.Label && isLimitRule(f.Rule) &&
					(f.Pointer == st.Pointer() || strings.HasPrefix(f.Pointer, st.Pointer()+"/")) {
					picked = append(picked, task)
					seen[task] = true
					break
				}
			}
		}
	}
	return picked, nil
}

// isLimitRule reports whether a rule judges whether a Task fits in Lambda.
func isLimitRule(id string) bool {
	switch id {
	case "lambda-memory", "lambda-timeout", "lambda-tmp-storage", "lambda-package-size", "lambda-layers",
		"usage-memory", "usage-duration", "usage-tmp":
		return true
	}
	return false
}

// peakMemory is transpile.Options.MaxMemoryUsedMB over the run's evidence:
// the most memory a task's Lambda was seen using, by its function name.
func peakMemory(byFunction map[string]*usage.Usage) func(*terraform.Task) (int, bool) {
	return func(t *terraform.Task) (int, bool) {
		if t == nil || t.Lambda == nil || !t.Lambda.FunctionName.Known {
			return 0, false
		}
		u := byFunction[t.Lambda.FunctionName.Value]
		if u == nil || u.Invocations == 0 || u.MaxMemoryUsedMB == 0 {
			return 0, false
		}
		return u.MaxMemoryUsedMB, true
	}
}
