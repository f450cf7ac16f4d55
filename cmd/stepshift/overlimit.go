package main

import (
	"strings"

	"github.com/stepshift/stepshift/lint"
	"github.com/stepshift/stepshift/terraform"
)

func init() {
	overLimitSelector = overLimitTasks
}

// overLimitTasks picks the steps `migrate --over-limit` moves: every Task
// with an error-level Lambda-limit or usage finding from lint.
func overLimitTasks(d *terraform.Deployment) ([]*terraform.Task, error) {
	units := deploymentUnits(d, func(string) bool { return true })
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
				if f.Severity == lint.Error && f.Range.Filename == u.Doc.Filename && isLimitRule(f.Rule) &&
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
