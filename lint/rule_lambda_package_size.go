package lint

import (
	"path/filepath"
	"strings"
)

var _ = register(&Rule{
	ID:       "lambda-package-size",
	Severity: Error,
	Summary:  "a Task's Lambda package is over (or near) Lambda's 50 MB zipped or 250 MB unzipped limit",
	Check:    checkLambdaPackageSize,
	Doc: RuleDoc{
		Checks: "The local package zip of the Lambda each Task state runs (`filename`), measured from the zip's central directory without extracting it: " +
			"its size on disk against the 50 MB direct-upload limit, and its uncompressed total plus that of every layer with a local zip (`aws_lambda_layer_version` with `filename`) against the 250 MB unzipped limit. " +
			"Over a limit is an error; at or above the margin is a warning. Packages in S3 and layers known only by ARN are not measured (the message says which layers were left out).",
		Example: `resource "aws_lambda_function" "discover_granules_task" {
  filename = "${path.module}/../tasks/discover-granules/dist/lambda.zip"  # 52 MB
}`,
		Why: "Lambda rejects a direct upload over 50 MB zipped, and any function whose code and layers unzip to more than 250 MB, so `terraform apply` fails; a package near the limit fails on the next added dependency.",
		Fix: "Upload through S3 (`s3_bucket`/`s3_key`) to get past the 50 MB direct-upload limit; trim dependencies; or move the step to ECS (`stepshift migrate --step NAME`), where the image size is not limited this way.",
	},
})

func checkLambdaPackageSize(p *Pass) {
	l := p.limits()
	for _, t := range p.lambdaTasks() {
		pkg := t.lambda.Package
		name := "the package"
		if pkg.Filename.Known {
			name = filepath.Base(pkg.Filename.Value)
		}
		if z := pkg.ZippedBytes; z.Known && pkg.Filename.Known {
			max := l.ZippedPackageMaxBytes
			var f *Finding
			switch {
			case z.Value > max:
				f = p.Report(t.at, "%s: %s is %s zipped; Lambda accepts at most %s for a direct upload — upload it through S3 (s3_bucket/s3_key) or move this step to ECS (%s)",
					t.lambdaLabel(), name, megabytes(z.Value), megabytes(max), t.migrateHint())
			case p.nearLimit(float64(z.Value), float64(max)):
				f = p.Report(t.at, "%s: %s is %s zipped, %s of the %s Lambda accepts for a direct upload",
					t.lambdaLabel(), name, megabytes(z.Value), percentOf(float64(z.Value), float64(max)), megabytes(max)).WithSeverity(Warning)
			}
			if f != nil {
				withFact(f, pkg.Filename, "the package is set here")
			}
		}
		u := pkg.UnzippedBytes
		if !u.Known || (pkg.Zip != nil && pkg.Zip.Inconsistent != "") {
			// A directory that cannot be trusted (a zip bomb, a damaged
			// file) is terraform-config's finding; its claimed total is
			// no measure of the package.
			continue
		}
		total := u.Value
		var counted, left []string
		var layerFacts []int
		for i, layer := range t.lambda.Layers {
			if layer.Package != nil && layer.Package.UnzippedBytes.Known && (layer.Package.Zip == nil || layer.Package.Zip.Inconsistent == "") {
				total += layer.Package.UnzippedBytes.Value
				counted = append(counted, filepath.Base(layer.Package.Filename.Value))
				layerFacts = append(layerFacts, i)
				continue
			}
			label := layer.Address
			if label == "" && layer.ARN.Known {
				label = layer.ARN.Value
			}
			if label == "" {
				label = "layer " + commas(int64(i))
			}
			left = append(left, label)
		}
		max := l.UnzippedPackageMaxBytes
		what := name + " unzips to " + megabytes(u.Value)
		if len(counted) > 0 {
			what += ", " + megabytes(total) + " with its layer zips (" + strings.Join(counted, ", ") + ")"
		}
		note := ""
		if len(left) > 0 {
			note = " (not counted: " + strings.Join(left, ", ") + ", no local zip)"
		}
		var f *Finding
		switch {
		case total > max:
			f = p.Report(t.at, "%s: %s%s; Lambda allows at most %s unzipped, layers included — move this step to ECS (%s)",
				t.lambdaLabel(), what, note, megabytes(max), t.migrateHint())
		case p.nearLimit(float64(total), float64(max)):
			f = p.Report(t.at, "%s: %s%s, %s of the %s Lambda allows unzipped, layers included",
				t.lambdaLabel(), what, note, percentOf(float64(total), float64(max)), megabytes(max)).WithSeverity(Warning)
		default:
			continue
		}
		withFact(f, pkg.Filename, "the package is set here")
		for _, i := range layerFacts {
			withFact(f, t.lambda.Layers[i].Package.Filename, "a layer's package is set here")
		}
	}
}
