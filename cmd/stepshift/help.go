package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

// templateHelp is urfave/cli's own help printer, used for every help text
// printAppHelp does not write.
var templateHelp = cli.HelpPrinter

func init() {
	cli.HelpPrinter = func(w io.Writer, templ string, data any) {
		if app, ok := data.(*cli.App); ok && templ == cli.AppHelpTemplate && plainApp(app) {
			printAppHelp(w, app)
			return
		}
		templateHelp(w, templ, data)
	}
}

// plainApp reports whether the app uses only what printAppHelp writes: no
// usage text, arguments, description, authors, copyright, shown version,
// categories or usage lines of more than one line. Anything else goes to the template.
func plainApp(app *cli.App) bool {
	if app.UsageText != "" || app.ArgsUsage != "" || app.Args || app.Description != "" ||
		len(app.Authors) > 0 || app.Copyright != "" || (app.Version != "" && !app.HideVersion) ||
		len(app.VisibleFlagCategories()) > 0 || strings.Contains(app.Usage, "\n") {
		return false
	}
	for _, cat := range app.VisibleCategories() {
		if cat.Name() != "" {
			return false
		}
	}
	for _, c := range app.VisibleCommands() {
		if strings.Contains(c.Usage, "\n") {
			return false
		}
	}
	return true
}

// printAppHelp writes `stepshift --help` as urfave/cli's AppHelpTemplate
// does, without text/template: parsing and running that template on every
// call was about a millisecond, a tenth of the lean front's start-up (see
// handoff_lean.go). TestAppHelpMatchesTemplate keeps the two the same.
func printAppHelp(out io.Writer, app *cli.App) {
	var b strings.Builder
	b.WriteString("NAME:\n   " + app.HelpName)
	if app.Usage != "" {
		b.WriteString(" - " + app.Usage)
	}
	b.WriteString("\n\nUSAGE:\n   " + app.HelpName)
	if len(app.VisibleFlags()) > 0 {
		b.WriteString(" [global options]")
	}
	if len(app.Commands) > 0 {
		b.WriteString(" command [command options]")
	}
	if cmds := app.VisibleCommands(); len(cmds) > 0 {
		b.WriteString("\n\nCOMMANDS:")
		width := 0
		for _, c := range cmds {
			width = max(width, len(strings.Join(c.Names(), ", ")))
		}
		for _, c := range cmds {
			names := strings.Join(c.Names(), ", ")
			b.WriteString("\n   " + names + strings.Repeat(" ", width+2-len(names)) + c.Usage)
		}
	}
	if flags := app.VisibleFlags(); len(flags) > 0 {
		b.WriteString("\n\nGLOBAL OPTIONS:")
		for _, f := range flags {
			b.WriteString("\n   " + fmt.Sprint(f))
		}
	}
	b.WriteString("\n")
	w := tabwriter.NewWriter(out, 1, 8, 2, ' ', 0)
	_, _ = io.WriteString(w, b.String())
	_ = w.Flush()
}
