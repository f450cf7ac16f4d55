package lint

var _ = register(loaderRule("too-deep", Error, "the JSON nests deeper than 256 levels", RuleDoc{
	Checks:  "Objects and arrays nest at most 256 levels deep.",
	Example: `[[[[[[ ... 300 levels ... ]]]]]]`,
	Why:     "No real definition nests this deep; such input is a mistake or an attack on the parser.",
	Fix:     "Flatten the structure.",
}))
