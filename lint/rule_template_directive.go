package lint

var _ = register(loaderRule("template-directive", Error, "the template holds a %{...} directive", RuleDoc{
	Checks:  "No Terraform template directive (`%{ if }`, `%{ for }`) appears in the workflow file: stepshift lints the JSON around interpolations and cannot know what a directive renders. A JSONata expression whose body is an object constructor (`\"{%{'id': $states.input.id}%}\"`) has no directive keyword after `%{` and is read as JSONata text.",
	Example: `"Comment": "%{ if debug }verbose%{ endif }"`,
	Why:     "A directive changes the JSON's shape, so no position-exact lint (or review) of the file is possible.",
	Fix:     "Compute the value in Terraform and pass it in as a templatefile() variable; write a literal %{ as %%{.",
}))
