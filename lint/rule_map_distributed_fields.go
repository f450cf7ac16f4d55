package lint

import "github.com/stepshift/stepshift/workflow"

var _ = register(&Rule{
	ID:       "map-distributed-fields",
	Severity: Warning,
	Summary:  "a Distributed Map field (ItemReader, ItemBatcher, ResultWriter, Label, ToleratedFailure...) on a Map that runs inline",
	Check:    checkMapDistributedFields,
	Doc: RuleDoc{
		Checks: "A Map state runs inline unless its `ItemProcessor` holds `\"ProcessorConfig\": {\"Mode\": \"DISTRIBUTED\"}`: " +
			"no `ProcessorConfig`, a `ProcessorConfig` without `Mode`, and the older `Iterator` without one all mean INLINE (AWS reads an `Iterator` with a `ProcessorConfig` as an `ItemProcessor`). " +
			"`ItemReader`, `ItemBatcher`, `ResultWriter`, `Label`, `ToleratedFailurePercentage`, `ToleratedFailureCount` and their `...Path` forms " +
			"are fields of the Distributed Map only; each one on an inline Map is reported at its key. A `Mode` or `ProcessorConfig` Terraform fills in is not judged.",
		Example: `"Process": {
  "Type": "Map",
  "ItemReader": {
    "Resource": "arn:aws:states:::s3:getObject",
    "ReaderConfig": { "InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW" },
    "Parameters": { "Bucket": "granules", "Key": "list.csv" }
  },
  "ItemProcessor": {
    "StartAt": "Ingest",
    "States": { "Ingest": { "Type": "Pass", "End": true } }
  },
  "End": true
}`,
		Why: "An inline Map iterates over the array in its own input, inside the parent execution: there is no S3 reader or writer, no batching, no failure tolerance and no Map Run to label. " +
			"AWS documents these fields only for Distributed mode, so on an inline Map the field cannot do what it asks — usually the `ProcessorConfig` was forgotten or lost in an edit.",
		Fix: "Add `\"ProcessorConfig\": {\"Mode\": \"DISTRIBUTED\", \"ExecutionType\": \"STANDARD\"}` (or `\"EXPRESS\"`) to the Map's `ItemProcessor` (an `Iterator` becomes an `ItemProcessor`), " +
			"or remove the field if the Map is meant to run inline.",
	},
})

// distributedOnlyFields are the Map fields AWS documents for Distributed
// mode only. Sources: the "Distributed Map state fields" section of
// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
// (ItemReader, ItemBatcher, ResultWriter, ToleratedFailurePercentage(Path),
// ToleratedFailureCount(Path), Label), against which the "Inline Map state
// fields" of .../state-map-inline.html list none of them and say a Map runs
// inline by default (ProcessorConfig and its Mode are optional). aws-cdk-lib
// agrees: only its DistributedMap construct renders these fields
// (aws-stepfunctions/lib/states/distributed-map.ts).
var distributedOnlyFields = map[string]bool{
	"ItemReader": true, "ItemBatcher": true, "ResultWriter": true, "Label": true,
	"ToleratedFailurePercentage": true, "ToleratedFailurePercentagePath": true,
	"ToleratedFailureCount": true, "ToleratedFailureCountPath": true,
}

// Severity: a warning, not an error. The documents say where the fields
// belong but not that ValidateStateMachineDefinition rejects them on an
// inline Map, and asl-validator's conformance suite keeps two such
// definitions as valid (valid-map-noconfig, valid-map-tolerated).

func checkMapDistributedFields(p *Pass) {
	for _, st := range p.Doc.States {
		if st.Type != "Map" || st.Node.Kind != workflow.Object || templatedMembers(st.Node) {
			continue
		}
		in, ok := inlineMap(st)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, m := range st.Node.Members {
			if !distributedOnlyFields[m.Key] || seen[m.Key] {
				continue
			}
			seen[m.Key] = true
			p.ReportKey(m, "state %q: %q is a Distributed Map field and needs \"ProcessorConfig\": {\"Mode\": \"DISTRIBUTED\"} %s; this Map runs inline (%s)",
				st.Name, m.Key, in.where, in.why).WithRelated(in.at, "%s", in.note)
		}
	}
}

// inlineReason says why a Map state runs inline, where the fix goes and
// which part of the definition decides.
type inlineReason struct {
	why, where, note string
	at               workflow.Range
}

// inlineMap reports whether a Map state surely runs inline, and why. It is
// false when the Map runs distributed, when Terraform decides, and when the
// processor is malformed (asl-schema reports that).
func inlineMap(st *workflow.State) (inlineReason, bool) {
	const inProcessor = "in its \"ItemProcessor\""
	ip := st.Field("ItemProcessor")
	if ip == nil {
		it := st.Field("Iterator")
		if it == nil || it.Kind != workflow.Object {
			return inlineReason{}, false
		}
		if it.Get("ProcessorConfig") == nil {
			return inlineReason{why: "the older \"Iterator\" without \"ProcessorConfig\" does", where: "(rename \"Iterator\" to \"ItemProcessor\" and add it there)",
				note: "\"Iterator\" runs the Map inline", at: it.KeyRange}, true
		}
		// AWS accepts the older spelling with a ProcessorConfig too and
		// reads it as an ItemProcessor.
		ip = it
	}
	if ip.Kind != workflow.Object || templatedMembers(ip) {
		return inlineReason{}, false
	}
	pc := ip.Get("ProcessorConfig")
	if pc == nil {
		return inlineReason{why: "its \"ItemProcessor\" has no \"ProcessorConfig\"", where: inProcessor,
			note: "\"ItemProcessor\" without \"ProcessorConfig\" runs inline", at: ip.KeyRange}, true
	}
	if pc.Kind != workflow.Object || templatedMembers(pc) {
		return inlineReason{}, false
	}
	mode := pc.Get("Mode")
	if mode == nil {
		return inlineReason{why: "its \"ProcessorConfig\" has no \"Mode\", which defaults to INLINE", where: inProcessor,
			note: "\"ProcessorConfig\" without \"Mode\" runs inline", at: pc.KeyRange}, true
	}
	if mode.Kind != workflow.String || mode.IsTemplated() || mode.Str != "INLINE" {
		return inlineReason{}, false // DISTRIBUTED, Terraform's, or a bad Mode asl-schema reports
	}
	return inlineReason{why: "its \"ProcessorConfig\" sets \"Mode\": \"INLINE\"", where: inProcessor,
		note: "the Map is set to run inline here", at: mode.Range}, true
}
