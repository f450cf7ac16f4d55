package lint

var _ = register(&Rule{
	ID:       "lambda-image-package",
	Severity: Info,
	Summary:  "a Task's Lambda is a container image, which the stepshift worker cannot run without that image",
	Check:    checkLambdaImagePackage,
	Doc: RuleDoc{
		Checks: "Lambdas with `package_type = \"Image\"`: once per function, at the Terraform line, with every Task that runs it as a related location.",
		Example: `resource "aws_lambda_function" "report" {
  package_type = "Image"
  image_uri    = "123456789012.dkr.ecr.us-east-1.amazonaws.com/report:1.4"
}`,
		Why: "`stepshift worker` runs a zip package's code through the Lambda Runtime API; an image function's code, runtime and entry point live in the image, so migrating the step to ECS needs that image as the task's container.",
		Fix: "Nothing to fix while the step stays on Lambda. To migrate it, run the function's image as the ECS container (its Runtime Interface Client talks to the worker) instead of the default worker image.",
	},
})

func checkLambdaImagePackage(p *Pass) {
	for _, t := range p.lambdaTasks() {
		pt := t.lambda.PackageType
		if !pt.Known || pt.Value != "Image" {
			continue
		}
		img := ""
		if t.lambda.ImageURI.Known && t.lambda.ImageURI.Value != "" {
			img = " (" + t.lambda.ImageURI.Value + ")"
		}
		f := p.reportFunctionFact(t, pt.Range, "%s is a container image%s: moving a step that runs it to ECS needs that image as the worker's container, not a zip package", t.functionLabel(), img)
		if pt.Range.Filename == "" {
			withFact(f, pt, "package_type is set here")
		}
	}
}
