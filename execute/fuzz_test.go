package execute

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/workflow"
)

// FuzzRun runs definitions (seeded with the Cumulus corpus and the
// conformance fixtures) on random inputs, with mocks that echo, throw or
// time out by invocation: the executor must never panic, and every failure
// must be an execution result (or a missing mock), never a Go error.
func FuzzRun(f *testing.F) {
	seeds := standin.OptionalCorpusFiles(f, "cumulus/workflows/*.json")
	fixtures, _ := filepath.Glob(filepath.Join(standin.ModuleRoot(), "fixtures", "execute", "*.asl.json"))
	seeds = append(seeds, fixtures...)
	for _, s := range seeds {
		src, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		f.Add(src, []byte(cumulusInput), uint8(0))
		f.Add(src, []byte(`{"a": [1, 2, {"b": null}], "s": "x"}`), uint8(3))
	}
	f.Add([]byte(mapDefinition), []byte(`{"items": [1, 2, 3]}`), uint8(1))
	f.Fuzz(func(t *testing.T, def, input []byte, mode uint8) {
		doc := workflow.Load(def, workflow.Options{Filename: "fuzz.asl.json"})
		if doc.Definition == nil {
			return
		}
		m, err := CompileDocument(doc, "fuzz", nil)
		if err != nil {
			return
		}
		in, err := ParseJSON(input)
		if err != nil {
			return
		}
		mocks := MockFunc(func(c TaskCall) (Outcome, bool) {
			switch (int(mode) + c.Invocation) % 4 {
			case 1:
				return Outcome{Error: "Fuzz.Error", Cause: "boom"}, true
			case 2:
				return Outcome{Seconds: 1e9}, true
			case 3:
				return Outcome{Return: map[string]any{"StatusCode": 200.0, "Payload": c.Input}}, true
			}
			return echoCumulus(c)
		})
		res, err := m.Run(in, Options{Mocks: mocks, MaxEvents: 5000, NoEvents: mode%2 == 0})
		if err != nil {
			if _, ok := err.(*NoMockError); !ok {
				t.Fatalf("run error %T: %v", err, err)
			}
			return
		}
		switch res.Status {
		case Succeeded:
			_ = MarshalJSON(res.Output)
		case Failed, TimedOut:
		default:
			t.Fatalf("status %q", res.Status)
		}
		if mode%2 == 1 {
			for _, e := range res.Events {
				if _, err := e.MarshalJSON(); err != nil {
					t.Fatalf("event %s: %v", e.Type, err)
				}
			}
		}
	})
}
