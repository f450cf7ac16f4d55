//go:build !stepshift_lean

package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stepshift/stepshift/execute"
)

func init() {
	cmd := testCommand
	cmd.Flags = []cli.Flag{
		&cli.StringFlag{Name: "format", Value: "text", Usage: "text (like go test) or junit (JUnit XML for CI)"},
		&cli.StringFlag{Name: "run", Usage: "run only the cases whose file/case name contains `TEXT`"},
	}
	cmd.Action = testAction
	commands = append(commands, &cmd)
}

// testRun is one case's outcome.
type testRun struct {
	file, workflow, name string
	diffs                []string
	err                  string
	elapsed              time.Duration
}

func testAction(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "junit" {
		return usageErrorf("--format must be text or junit, not %q", format)
	}
	paths := c.Args().Slice()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files, err := execute.FindTestFiles(paths)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if len(files) == 0 {
		return usageErrorf("no test files (*%s) under %s", execute.TestFileSuffix, strings.Join(paths, ", "))
	}
	// Every file is checked before anything runs: a bad file is exit 2, never a half-run suite.
	type loaded struct {
		tf *execute.TestFile
		m  *execute.Machine
	}
	var all []loaded
	var problems []execute.Problem
	for _, f := range files {
		tf, ps, rerr := execute.LoadTestFile(f)
		if rerr != nil {
			return usageErrorf("%v", rerr)
		}
		problems = append(problems, ps...)
		if tf == nil || len(ps) > 0 || tf.Workflow == "" {
			continue
		}
		m, lerr := loadMachine(tf.Workflow, tf.StateMachineName)
		if lerr != nil {
			return lerr
		}
		problems = append(problems, tf.CheckMachine(m)...)
		all = append(all, loaded{tf, m})
	}
	if len(problems) > 0 {
		return problemsError(c.App.ErrWriter, problems)
	}
	filter := c.String("run")
	var runs []testRun
	for _, l := range all {
		for _, tc := range l.tf.Cases {
			name := execute.WorkflowName(l.tf.Workflow) + "/" + tc.Name
			if filter != "" && !strings.Contains(name, filter) {
				continue
			}
			start := time.Now()
			tr := testRun{file: l.tf.Filename, workflow: execute.WorkflowName(l.tf.Workflow), name: tc.Name}
			res, rerr := l.m.Run(tc.Input, execute.Options{Mocks: l.tf.Mocker(l.m, tc)})
			var nm *execute.NoMockError
			switch {
			case errors.As(rerr, &nm):
				tr.err = rerr.Error()
			case rerr != nil:
				return internalErrorf("%v", rerr)
			default:
				tr.diffs = tc.Check(res)
			}
			tr.elapsed = time.Since(start)
			runs = append(runs, tr)
		}
	}
	failed := 0
	for _, r := range runs {
		if r.err != "" || len(r.diffs) > 0 {
			failed++
		}
	}
	if format == "junit" {
		if err := writeJUnit(c.App.Writer, runs); err != nil {
			return internalErrorf("%v", err)
		}
	} else {
		writeTestText(c.App.Writer, runs)
	}
	if failed > 0 {
		return &exitError{code: exitFindings}
	}
	return nil
}

func writeTestText(w io.Writer, runs []testRun) {
	fileFailed := map[string]bool{}
	var total time.Duration
	for _, r := range runs {
		status := "PASS"
		if r.err != "" || len(r.diffs) > 0 {
			status, fileFailed[r.file] = "FAIL", true
		}
		fmt.Fprintf(w, "--- %s: %s/%s (%.2fs)\n", status, r.workflow, r.name, r.elapsed.Seconds())
		if r.err != "" {
			fmt.Fprintf(w, "    %s: %s\n", r.file, r.err)
		}
		for _, d := range r.diffs {
			fmt.Fprintf(w, "    %s: %s\n", r.file, d)
		}
		total += r.elapsed
	}
	var files []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.file] {
			seen[r.file] = true
			files = append(files, r.file)
		}
	}
	anyFailed := false
	for _, f := range files {
		if fileFailed[f] {
			anyFailed = true
			fmt.Fprintf(w, "FAIL\t%s\n", f)
		} else {
			fmt.Fprintf(w, "ok  \t%s\n", f)
		}
	}
	if anyFailed {
		fmt.Fprintln(w, "FAIL")
	} else {
		fmt.Fprintln(w, "PASS")
	}
}

// JUnit XML as CI test reporters read it.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, runs []testRun) error {
	var out junitSuites
	index := map[string]int{}
	for _, r := range runs {
		i, ok := index[r.file]
		if !ok {
			i = len(out.Suites)
			index[r.file] = i
			out.Suites = append(out.Suites, junitSuite{Name: r.file})
		}
		s := &out.Suites[i]
		jc := junitCase{Classname: r.workflow, Name: r.name, Time: fmt.Sprintf("%.3f", r.elapsed.Seconds())}
		switch {
		case r.err != "":
			jc.Error = &junitFailure{Message: r.err, Text: r.err}
			s.Errors++
		case len(r.diffs) > 0:
			jc.Failure = &junitFailure{Message: r.diffs[0], Text: strings.Join(r.diffs, "\n")}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, jc)
	}
	for i := range out.Suites {
		var t float64
		for _, c := range out.Suites[i].Cases {
			var f float64
			fmt.Sscanf(c.Time, "%g", &f)
			t += f
		}
		out.Suites[i].Time = fmt.Sprintf("%.3f", t)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
