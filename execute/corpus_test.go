package execute

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// cumulusInput is a minimal Cumulus message: what a workflow's first step receives.
const cumulusInput = `{"cumulus_meta": {"execution_name": "e", "state_machine": "arn:aws:states:us-east-1:123456789012:stateMachine:s", "system_bucket": "b", "workflow_start_time": 1700000000000},
 "meta": {"buckets": {}, "collection": {"name": "C", "version": "1", "duplicateHandling": "replace", "meta": {}}, "provider": {"id": "p"}, "stack": "s", "workflow_name": "w", "cmr": {}, "sync_granule": {"granuleType": "data"}, "pdr": {"name": "p"}, "process": "modis", "isPdrFinished": true},
 "payload": {"granules": [{"granuleId": "g1", "files": []}], "pdr": {"name": "p"}, "running": [], "completed": [], "failed": []},
 "exception": "None"}`

// echoCumulus mocks every Task the Cumulus way: a CMA task returns the
// Cumulus message it was given (Parameters.cma.event), a lambda:invoke
// integration wraps it in {"StatusCode", "Payload"}.
func echoCumulus(call TaskCall) (Outcome, bool) {
	msg := call.Input
	if in, ok := call.Input.(map[string]any); ok {
		if cma, ok := in["cma"].(map[string]any); ok {
			if ev, ok := cma["event"]; ok {
				msg = ev
			}
		}
		if p, ok := in["Payload"]; ok {
			msg = p
		}
	}
	if len(call.Resource) > 0 && filepath.Base(call.Resource) != "" && containsInvoke(call.Resource) {
		return Outcome{Return: map[string]any{"StatusCode": 200.0, "Payload": msg}}, true
	}
	return Outcome{Return: msg}, true
}

func containsInvoke(res string) bool {
	return len(res) > len("arn:aws:states:::lambda:invoke") && res[:len("arn:aws:states:::lambda:invoke")] == "arn:aws:states:::lambda:invoke" ||
		res == "arn:aws:states:::lambda:invoke"
}

type corpusMachine struct {
	name string
	m    *Machine
}

func loadCumulusCorpus(t testing.TB) []corpusMachine {
	t.Helper()
	dir := filepath.Join(standin.CorpusDir(t), "cumulus", "workflows")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("skipping: no Cumulus corpus at %s: %v", dir, err)
	}
	var out []corpusMachine
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		doc, err := workflow.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := CompileDocument(doc, WorkflowName(path), nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, corpusMachine{e.Name(), m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// TestCumulusCorpusHappyPath runs each of the Cumulus workflows with every
// Task echoing its Cumulus message: every run must take the happy path and succeed.
func TestCumulusCorpusHappyPath(t *testing.T) {
	machines := loadCumulusCorpus(t)
	if len(machines) != 36 {
		t.Errorf("want the 36 Cumulus workflows, found %d", len(machines))
	}
	input, err := ParseJSON([]byte(cumulusInput))
	if err != nil {
		t.Fatal(err)
	}
	for _, cm := range machines {
		res, err := cm.m.Run(input, Options{Mocks: MockFunc(echoCumulus)})
		if err != nil {
			t.Errorf("%s: %v", cm.name, err)
			continue
		}
		if res.Status != Succeeded {
			t.Errorf("%s: %s %s: %s (path %v)", cm.name, res.Status, res.Error, res.Cause, res.Path)
		}
	}
}
