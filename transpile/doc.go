// Package transpile implements `stepshift migrate`: it moves chosen Task
// states of templated Step Functions workflows from Lambda to Step Functions
// activities run by an ECS worker (the Cumulus recipe), or to
// ecs:runTask.waitForTaskToken tasks that run a one-shot worker per
// execution, and writes the Terraform that goes with them.
//
// Every change is a minimal byte-range edit of what the user wrote: the
// workflow JSON keeps its indentation, key order and line endings, the
// templatefile() map keeps its `:` or `=` style and comments, and only new
// Terraform files are generated from scratch (with hclwrite, so they are
// `terraform fmt`-clean). A plan is a set of file changes that is shown as a
// unified diff, checked, or written atomically.
package transpile
