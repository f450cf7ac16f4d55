package lint

var _ = register(&Rule{
	ID:       "lambda-layers",
	Severity: Error,
	Summary:  "a Task's Lambda has more layers than Lambda allows",
	Check:    checkLambdaLayers,
	Doc: RuleDoc{
		Checks:  "The number of entries in `layers` of the Lambda each Task state runs, against Lambda's maximum of 5.",
		Example: `layers = [var.cma_layer_arn, var.gdal_layer, var.numpy_layer, var.pandas_layer, var.h5py_layer, var.extra_layer]`,
		Why:     "Lambda rejects a function with more than 5 layers, so `terraform apply` fails.",
		Fix:     "Merge layers, or build the dependencies into the package or an image; on ECS (`stepshift migrate --step NAME`) there are no layers to count.",
	},
})

func checkLambdaLayers(p *Pass) {
	max := p.limits().LayersMax
	for _, t := range p.lambdaTasks() {
		n := t.lambda.LayerCount
		if !n.Known || max <= 0 || n.Value <= max {
			continue
		}
		f := p.Report(t.at, "%s has %d layers%s; Lambda allows at most %d", t.lambdaLabel(), n.Value, sourceNote(n), max)
		withFact(f, n, "layers are set here")
	}
}
