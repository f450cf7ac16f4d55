package lint

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stepshift/stepshift/internal/standin"
	"github.com/stepshift/stepshift/schemas"
	"github.com/stepshift/stepshift/workflow"
)

// TestShapeCacheMatchesWholeDocument: validating state by state through the
// shape cache (validateDefinition) reports exactly what validating the whole
// definition at once reports, on every corpus and fixture file — except the
// names of nested states, which the cache renames and state-name checks.
func TestShapeCacheMatchesWholeDocument(t *testing.T) {
	files := append(standin.OptionalCorpusFiles(t, "asl-conformance/*/*.json"), standin.OptionalCorpusFiles(t, "cumulus/workflows/*.json")...)
	for _, pat := range []string{
		filepath.Join(standin.ModuleRoot(), "fixtures", "rules", "*", "*.asl.json"),
	} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	key := func(vs []schemas.Violation) []string {
		var out []string
		for _, v := range vs {
			if v.Keyword != "propertyNames" {
				out = append(out, v.Pointer+" "+v.Keyword+" "+v.Message)
			}
		}
		sort.Strings(out)
		return out
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc := workflow.Load(src, workflow.Options{Filename: f})
		if doc.Definition == nil || doc.Definition.Kind != workflow.Object {
			continue
		}
		stateShapes.reset()
		cold := key(validateDefinition(doc.Definition))
		warm := key(validateDefinition(doc.Definition))
		whole := key(schemas.ValidateASL(toValue(doc.Definition)))
		for i := 0; i < len(whole) || i < len(cold); i++ {
			var w, c string
			if i < len(whole) {
				w = whole[i]
			}
			if i < len(cold) {
				c = cold[i]
			}
			if w != c {
				t.Errorf("%s: whole document says %q, state by state %q", f, w, c)
				break
			}
		}
		if len(warm) != len(cold) {
			t.Errorf("%s: a warm cache gives %d violations, a cold one %d", f, len(warm), len(cold))
		}
	}
}
