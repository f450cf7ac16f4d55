// Package terraform is stepshift's model of a Terraform deployment around
// Step Functions workflows: it reads the .tf files, tfvars and (optionally) a
// tfstate of a folder with hcl/v2, follows module calls into local and
// initialised modules, evaluates the few expressions that decide a Lambda's
// limits, finds every templatefile()/heredoc renderer of every workflow, and
// joins each Task state to the Terraform that defines its Lambda.
//
// Nothing is guessed: a value the package cannot know is a Fact with Known
// false and a Why, and every known value carries the range where it was
// written so a finding can point at the tfvars or variables.tf line.
package terraform
