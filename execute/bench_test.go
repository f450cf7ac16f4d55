package execute

import "testing"

// BenchmarkCumulusHappyPath: the happy path of all 36 Cumulus workflows in
// process, with generated (echoing) mocks. Budget: under 50 ms per iteration.
func BenchmarkCumulusHappyPath(b *testing.B) {
	machines := loadCumulusCorpus(b)
	input, err := ParseJSON([]byte(cumulusInput))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, cm := range machines {
			res, err := cm.m.Run(input, Options{Mocks: MockFunc(echoCumulus)})
			if err != nil || res.Status != Succeeded {
				b.Fatalf("%s: %v %v", cm.name, err, res)
			}
		}
	}
}

// mapDefinition is an inline Map whose iterations run a Pass state with
// Parameters and a Task.
const mapDefinition = `{"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items",
  "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
  "ItemProcessor": {"StartAt": "Shape", "States": {
    "Shape": {"Type": "Pass", "Parameters": {"n.$": "$.value", "i.$": "$.index"}, "Next": "Work"},
    "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "ResultPath": null, "End": true}}},
  "ResultSelector": {"count.$": "States.ArrayLength($)", "last.$": "$[-1:]"}, "ResultPath": "$.results", "End": true}}}`

// BenchmarkInlineMap10000: an inline Map over 10,000 items. Budget: under
// 1 s per iteration. Step Functions would stop such an execution at its
// 25,000-event history quota, so the benchmark lifts the cap (MaxEvents -1).
func BenchmarkInlineMap10000(b *testing.B) {
	def, _ := ParseJSON([]byte(mapDefinition))
	m, err := Compile(def, "map")
	if err != nil {
		b.Fatal(err)
	}
	items := make([]any, 10000)
	for i := range items {
		items[i] = float64(i)
	}
	input := map[string]any{"items": items}
	mock := MockFunc(func(TaskCall) (Outcome, bool) { return Outcome{Return: "ok"}, true })
	b.ReportAllocs()
	for b.Loop() {
		res, err := m.Run(input, Options{Mocks: mock, MaxEvents: -1})
		if err != nil || res.Status != Succeeded || MarshalJSON(res.Output.(map[string]any)["results"]) != `{"count":10000,"last":[{"i":9999,"n":9999}]}` {
			b.Fatalf("%v %+v", err, res.Error)
		}
	}
}
