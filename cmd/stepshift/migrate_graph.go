//go:build !stepshift_lean

package main

// migrate --graph: the before/after pictures of a migration plan.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/stepshift/stepshift/graph"
	"github.com/stepshift/stepshift/terraform"
	"github.com/stepshift/stepshift/transpile"
	"github.com/stepshift/stepshift/workflow"
)

// writeMigrateGraph writes --graph FILE: for each workflow the plan
// changes (a template file, or a heredoc inside a .tf file), its graph
// before and after the migration, the migrated states highlighted in both.
func writeMigrateGraph(path string, d *terraform.Deployment, plan *transpile.Plan) error {
	changed := map[string]*transpile.FileChange{}
	for _, ch := range plan.Changes {
		changed[filepath.Clean(ch.Path)] = ch
	}
	// One picture per workflow: a template two modules render is one
	// definition; each heredoc is its own.
	type drawing struct {
		file     string
		before   *workflow.Document
		after    *workflow.Document
		migrated map[string]bool // pointers of the states migrated
	}
	var drawings []*drawing
	seen := map[*workflow.Document]bool{}
	heredocs := map[string][][]byte{} // .tf file → its heredoc workflow bodies after the change
	for _, rn := range d.Renderings {
		doc := rn.Document
		if doc == nil || seen[doc] {
			continue
		}
		file := filepath.Clean(doc.Filename)
		dr := &drawing{file: file, before: doc, migrated: map[string]bool{}}
		lo, hi := 0, len(doc.Source)
		if rn.Kind == terraform.Heredoc {
			lo, hi = rn.Body.Start.Byte, rn.Body.End.Byte
		}
		for _, st := range plan.Steps {
			if st.Status == transpile.StepMigrated && filepath.Clean(st.Workflow) == file && st.Range.Start.Byte >= lo && st.Range.Start.Byte < hi {
				dr.migrated[st.Pointer] = true
			}
		}
		ch := changed[file]
		if len(dr.migrated) == 0 || ch == nil {
			continue
		}
		seen[doc] = true
		if rn.Kind == terraform.Heredoc {
			if _, ok := heredocs[file]; !ok {
				heredocs[file] = heredocBodies(ch.After, file)
			}
			// The k-th workflow heredoc of the file before is the k-th after:
			// a migration rewrites heredocs, it never adds or removes one.
			k := 0
			for _, b := range heredocBodies(changed[file].Before, file) {
				if bytes.Equal(b, doc.Source) {
					break
				}
				k++
			}
			if k < len(heredocs[file]) {
				dr.after = workflow.Load(heredocs[file][k], workflow.Options{Filename: file})
			}
		} else {
			dr.after = workflow.Load(ch.After, workflow.Options{Filename: file})
		}
		drawings = append(drawings, dr)
	}
	sort.SliceStable(drawings, func(i, j int) bool { return drawings[i].file < drawings[j].file })

	var out bytes.Buffer
	fmt.Fprintf(&out, "# stepshift migrate: %d workflow(s) changed\n\n", len(drawings))
	if len(drawings) == 0 {
		out.WriteString("No workflow changes.\n")
	}
	for _, dr := range drawings {
		fmt.Fprintf(&out, "## %s\n\n", markdownText(dr.file))
		for _, side := range []struct {
			heading string
			doc     *workflow.Document
		}{{"### Before\n\n", dr.before}, {"### After\n\n", dr.after}} {
			out.WriteString(side.heading)
			if side.doc == nil {
				out.WriteString("The rewritten workflow could not be found in the new file; the diff shows the change.\n\n")
				continue
			}
			g := graph.Build(side.doc, graph.Options{Title: dr.file, Annotate: func(st *workflow.State) graph.Annotation {
				return graph.Annotation{Lines: taskLines(st), Highlight: dr.migrated[st.Pointer()]}
			}})
			out.WriteString("```mermaid\n")
			if err := g.Mermaid(&out); err != nil {
				return err
			}
			out.WriteString("```\n\n")
		}
	}
	return writeFileAtomic(path, out.Bytes())
}

// taskLines is what a migration changes in a Task, as label lines: the
// Resource it runs, and its TimeoutSeconds and HeartbeatSeconds when set.
func taskLines(st *workflow.State) []string {
	if st.Type != "Task" || st.Resource == nil {
		return nil
	}
	lines := []string{st.Resource.Raw}
	var limits []string
	for _, f := range []struct{ key, what string }{{"TimeoutSeconds", "timeout"}, {"HeartbeatSeconds", "heartbeat"}} {
		if v, ok := st.Field(f.key).Int(); ok {
			limits = append(limits, fmt.Sprintf("%s %d s", f.what, v))
		}
	}
	if len(limits) > 0 {
		lines = append(lines, strings.Join(limits, " · "))
	}
	return lines
}

// heredocBodies lists the heredoc bodies of a .tf file that hold a state
// machine ("StartAt" and "States"), in source order: the text between the
// opening line and the closing marker's line, as terraform reads them.
func heredocBodies(src []byte, filename string) [][]byte {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() || f == nil {
		return nil
	}
	var out [][]byte
	hclsyntax.VisitAll(f.Body.(*hclsyntax.Body), func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.TemplateExpr)
		if !ok {
			return nil
		}
		if body, _, ok := terraform.HeredocWorkflow(src, t); ok {
			out = append(out, body)
		}
		return nil
	})
	return out
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
