package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestAppHelpMatchesTemplate: `stepshift --help` written by hand reads
// exactly as urfave/cli's template writes it.
func TestAppHelpMatchesTemplate(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	app.Setup()
	if !plainApp(app) {
		t.Fatal("the app uses something printAppHelp does not write, so --help goes to the template and this test compares nothing")
	}
	var want, got bytes.Buffer
	templateHelp(&want, cli.AppHelpTemplate, app)
	printAppHelp(&got, app)
	if got.String() != want.String() {
		t.Errorf("hand-written help differs from the template's:\n--- template\n%s\n--- printAppHelp\n%s", want.String(), got.String())
	}
	var stdout bytes.Buffer
	if code := run([]string{"stepshift", "--help"}, nil, &stdout, io.Discard); code != exitClean {
		t.Fatalf("stepshift --help: exit %d", code)
	}
	if stdout.String() != want.String() {
		t.Errorf("stepshift --help differs from the template's:\n%s", stdout.String())
	}
}

// TestAppHelpFallsBack: an app with what printAppHelp does not write is
// printed by the template.
func TestAppHelpFallsBack(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	app.Description = "a description the hand-written help leaves out"
	app.Setup()
	if plainApp(app) {
		t.Fatal("an app with a description counts as plain")
	}
	var out bytes.Buffer
	cli.HelpPrinter(&out, cli.AppHelpTemplate, app)
	if !bytes.Contains(out.Bytes(), []byte("DESCRIPTION:")) {
		t.Errorf("the description is missing:\n%s", out.String())
	}
}
