package main

import (
	"strings"

	"github.com/stepshift/stepshift/schemas"
	"github.com/urfave/cli/v2"
)

// schemaDocs maps each `stepshift schema NAME` to the embedded schema it
// prints, so editors and CI can fetch exactly what the binary validates with.
var schemaDocs = map[string]struct {
	usage string
	text  func() []byte
}{
	"asl":      {"the JSON Schema of Amazon States Language (draft 2020-12)", schemas.ASL},
	"limits":   {"the JSON Schema of the Lambda/Step Functions limits profiles", schemas.LimitsSchema},
	"runtimes": {"the JSON Schema of the Lambda runtime table", schemas.RuntimesSchema},
}

func init() {
	var subs []*cli.Command
	for _, name := range []string{"asl", "limits", "runtimes"} {
		doc := schemaDocs[name]
		subs = append(subs, &cli.Command{
			Name:  name,
			Usage: "print " + doc.usage,
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usageErrorf("schema %s takes no arguments, got %q", name, c.Args().First())
				}
				if _, err := c.App.Writer.Write(doc.text()); err != nil {
					return internalErrorf("writing the %s schema: %v", name, err)
				}
				return nil
			},
		})
	}
	commands = append(commands, &cli.Command{
		Name:        "schema",
		Usage:       "print an embedded JSON Schema (asl, limits, runtimes) for editors and CI",
		ArgsUsage:   "asl|limits|runtimes",
		Subcommands: subs,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageErrorf("schema needs a name: asl, limits or runtimes")
			}
			return usageErrorf("unknown schema %q; choose one of asl, limits, runtimes", strings.Join(c.Args().Slice(), " "))
		},
	})
}
