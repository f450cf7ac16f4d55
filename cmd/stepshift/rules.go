package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/lint"
)

func init() {
	commands = append(commands,
		&cli.Command{
			Name:  "rules",
			Usage: "list every lint rule with its default severity, AWS code and summary",
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usageErrorf("rules takes no arguments; use `stepshift explain %s` for one rule", c.Args().First())
				}
				w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "RULE\tSEVERITY\tAWS CODE\tSUMMARY")
				for _, r := range lint.Rules() {
					code := r.AWSCode
					if code == "" {
						code = "-"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, code, r.Summary)
				}
				if err := w.Flush(); err != nil {
					return internalErrorf("writing the rule list: %v", err)
				}
				return nil
			},
		},
		&cli.Command{
			Name:      "explain",
			Usage:     "print a lint rule's documentation: what it checks, an example, why, how to fix",
			ArgsUsage: "RULE",
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return usageErrorf("explain needs one rule ID; `stepshift rules` lists them")
				}
				id := c.Args().First()
				r, ok := lint.LookupRule(id)
				if !ok {
					return usageErrorf("no rule is called %q%s; `stepshift rules` lists them", id, closestRule(id))
				}
				if _, err := fmt.Fprint(c.App.Writer, r.Explain()); err != nil {
					return internalErrorf("%v", err)
				}
				return nil
			},
		},
		&cli.Command{
			Name:   "docs",
			Usage:  "write docs/rules/*.md from the rule definitions (for maintainers: `make docs`)",
			Hidden: true,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "out", Value: "docs/rules", Usage: "the folder to write"},
			},
			Action: func(c *cli.Context) error {
				if err := lint.WriteDocs(c.String("out")); err != nil {
					return internalErrorf("writing rule docs: %v", err)
				}
				return nil
			},
		},
	)
}

// closestRule suggests a rule ID sharing the longest prefix with a typo.
func closestRule(id string) string {
	best, bestLen := "", 2
	for _, r := range lint.Rules() {
		n := 0
		for n < len(id) && n < len(r.ID) && id[n] == r.ID[n] {
			n++
		}
		if n > bestLen || (n == bestLen && best == "" && strings.Contains(r.ID, id)) {
			best, bestLen = r.ID, n
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
