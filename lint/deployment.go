package lint

import (
	"path/filepath"

	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/workflow"
)

// DeploymentUnits makes one unit per rendering of a workflow in d, with the
// Terraform facts of each Task, as `stepshift lint DIR` lints them. include,
// when not nil, chooses by workflow file (its cleaned path). Document file
// names are cleaned so findings match the deployment's file paths.
func DeploymentUnits(d *terraform.Deployment, include func(file string) bool) []*Unit {
	var units []*Unit
	for _, rn := range d.Renderings {
		if rn.Document == nil {
			continue
		}
		file := filepath.Clean(rn.Document.Filename)
		if include != nil && !include(file) {
			continue
		}
		rn.Document.Filename = file
		unit := &Unit{Doc: rn.Document, Label: rn.BlockAddress(), Tasks: map[*workflow.State]*terraform.Task{}}
		for _, t := range rn.Tasks {
			unit.Tasks[t.State] = t
		}
		units = append(units, unit)
	}
	return units
}
