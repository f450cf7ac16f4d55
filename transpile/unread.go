package transpile

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/stepshift/stepshift/terraform"
)

// unreadDefinitions lists, positioned, the root module's state machine
// definitions that no rendering reads: a module output
// (`module.bignbit.workflow_definition`), jsonencode(), file(), a
// variable. Their states are invisible to --step, so a --step that matches
// nothing names them rather than only saying "no such state".
func unreadDefinitions(d *terraform.Deployment) []string {
	read := map[*hclsyntax.Attribute]bool{}
	for _, r := range d.Renderings {
		read[r.Attribute] = true
	}
	readLocal := func(expr hclsyntax.Expression) bool {
		names := traversalText(expr)
		if len(names) != 2 || names[0] != "local" {
			return false
		}
		a := d.Root.Locals[names[1]]
		return a != nil && read[a]
	}
	var out []string
	for _, path := range d.Root.Files {
		f := d.Files[path]
		if f == nil {
			continue
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, b := range body.Blocks {
			addr := ""
			switch {
			case b.Type == "module" && len(b.Labels) == 1:
				addr = "module." + b.Labels[0]
			case b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == "aws_sfn_state_machine":
				addr = b.Labels[0] + "." + b.Labels[1]
			default:
				continue
			}
			for _, name := range []string{"state_machine_definition", "definition"} {
				a := b.Body.Attributes[name]
				if a == nil || read[a] || readLocal(a.Expr) {
					continue
				}
				rng := a.Expr.Range()
				rel := rng.Filename
				if r, err := filepath.Rel(d.Dir, rng.Filename); err == nil && !strings.HasPrefix(r, "..") {
					rel = filepath.ToSlash(r)
				}
				out = append(out, fmt.Sprintf("%s:%d:%d: the %s of %s is %s", rel, rng.Start.Line, rng.Start.Column, name, addr, exprText(d, a.Expr)))
			}
		}
	}
	return out
}
