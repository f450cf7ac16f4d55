package schemas

import "testing"

// The compiled table answers asl.go's annotation look-ups (x-expect, title,
// ...) that the decoded schema document used to: for every location a
// failure can name, a node's own or its parent's, both must agree.
func TestTableAnnotationsMatchDocument(t *testing.T) {
	schema, doc, err := compileASLSchema(aslSchemaText)
	if err != nil {
		t.Fatal(err)
	}
	table, document := &aslValidator{schema: schema}, &aslValidator{doc: doc}
	found := 0
	for _, n := range schema.nodes {
		for _, url := range []string{n.loc, trimLastSegment(n.loc)} {
			for _, name := range []string{"title", "x-noun", "x-expect", "x-other", "errorMessage"} {
				got, gotOK := table.annotation(url, name)
				want, wantOK := document.annotation(url, name)
				if got != want || gotOK != wantOK {
					t.Errorf("%s %s: table has %q (%v), document %q (%v)", url, name, got, gotOK, want, wantOK)
				}
				if gotOK {
					found++
				}
			}
		}
	}
	if found < 100 {
		t.Errorf("only %d annotations found; the comparison means little", found)
	}
}
