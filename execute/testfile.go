package execute

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// TestFileSuffix names a test file beside its workflow: "<name>.test.json"
// tests "<name>.asl.json" (or "<name>.json").
const TestFileSuffix = ".test.json"

// TestFile is a documented test file:
//
//	{"Workflow": "name.asl.json",            // optional: defaults to the file beside it
//	 "StateMachineName": "name",              // optional: the name used in MockConfig
//	 "MockConfig": {...} | "mocks.json",      // a Step Functions Local MockConfigFile, inline or a path
//	 "TestCases": {"Case": {"Input": {...}, "Expected": {"Status": "SUCCEEDED", "Output": ..., "Error": ..., "Cause": ..., "Path": [...]}}}}
type TestFile struct {
	Filename         string
	Workflow         string // path of the workflow file
	StateMachineName string // "" = the workflow's file name
	Mocks            *MockConfig
	Cases            []*TestCase
}

// TestCase is one case: its input and what the run must give.
type TestCase struct {
	Name     string
	Range    workflow.Range
	Input    any
	Expected Expected
}

// Expected is what a case checks; a nil field is not checked.
type Expected struct {
	Status string
	Output *any
	Error  *string
	Cause  *string
	Path   []string
}

// WorkflowName is the name Step Functions Local would use for a workflow file:
// its base name without ".asl.json" or ".json".
func WorkflowName(path string) string {
	base := filepath.Base(path)
	for _, suf := range []string{".asl.json", ".json", ".tpl"} {
		if s, ok := strings.CutSuffix(base, suf); ok {
			return s
		}
	}
	return base
}

// LoadTestFile reads a test file; problems are positioned mistakes in it (or
// in the mock file it names).
func LoadTestFile(path string) (*TestFile, []Problem, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	root, problems := loadJSON(src, path)
	if root == nil || len(problems) > 0 {
		return nil, problems, nil
	}
	tf := &TestFile{Filename: path}
	bad := func(n *workflow.Node, format string, args ...any) {
		problems = append(problems, Problem{n.Range, fmt.Sprintf(format, args...)})
	}
	if root.Kind != workflow.Object {
		bad(root, "a test file must be a JSON object with \"MockConfig\" and \"TestCases\"")
		return nil, problems, nil
	}
	for _, mem := range root.Members {
		switch mem.Key {
		case "Workflow", "StateMachineName", "MockConfig", "TestCases", "Comment":
		default:
			problems = append(problems, Problem{mem.KeyRange, fmt.Sprintf("unknown member %q in a test file (expected Workflow, StateMachineName, MockConfig, TestCases)", mem.Key)})
		}
	}
	dir := filepath.Dir(path)
	if w := root.Get("Workflow"); w != nil {
		if w.Kind != workflow.String {
			bad(w, "\"Workflow\" must be a file path")
		} else {
			tf.Workflow = filepath.Join(dir, w.Str)
		}
	} else {
		stem := strings.TrimSuffix(path, TestFileSuffix)
		for _, cand := range []string{stem + ".asl.json", stem + ".json"} {
			if _, err := os.Stat(cand); err == nil {
				tf.Workflow = cand
				break
			}
		}
		if tf.Workflow == "" {
			problems = append(problems, Problem{workflow.Range{Filename: path, Start: root.Range.Start, End: root.Range.Start},
				fmt.Sprintf("no workflow beside the test file (looked for %s.asl.json and %s.json); name one with \"Workflow\"", filepath.Base(stem), filepath.Base(stem))})
		}
	}
	if n := root.Get("StateMachineName"); n != nil {
		if n.Kind != workflow.String {
			bad(n, "\"StateMachineName\" must be a string")
		}
		tf.StateMachineName = n.Str
	}
	switch mc := root.Get("MockConfig"); {
	case mc == nil:
		tf.Mocks = &MockConfig{Filename: path, StateMachines: map[string]*MockStateMachine{}, Responses: map[string]*MockedResponse{}}
	case mc.Kind == workflow.String:
		cfg, ps, err := LoadMockConfig(filepath.Join(dir, mc.Str))
		if err != nil {
			bad(mc, "cannot read the mock configuration: %v", err)
		}
		problems = append(problems, ps...)
		tf.Mocks = cfg
	case mc.Kind == workflow.Object:
		cfg, ps := mockConfigFromNode(mc, path)
		problems = append(problems, ps...)
		tf.Mocks = cfg
	default:
		bad(mc, "\"MockConfig\" must be a mock configuration object or the path of a MockConfigFile")
	}
	tcs := root.Get("TestCases")
	if tcs == nil || tcs.Kind != workflow.Object {
		n := tcs
		if n == nil {
			n = root
		}
		bad(n, "\"TestCases\" must be an object of test case names")
		return nil, problems, nil
	}
	for _, tcn := range tcs.Members {
		tc := &TestCase{Name: tcn.Key, Range: tcn.KeyRange, Input: map[string]any{}}
		if tcn.Kind != workflow.Object {
			bad(tcn, "test case %q must be an object with \"Input\" and \"Expected\"", tcn.Key)
			continue
		}
		if in := tcn.Get("Input"); in != nil {
			tc.Input = nodeValue(in, nil, false)
		}
		exp := tcn.Get("Expected")
		if exp == nil || exp.Kind != workflow.Object {
			n := exp
			if n == nil {
				n = tcn
			}
			bad(n, "test case %q needs \"Expected\": {\"Status\", \"Output\" or \"Error\"/\"Cause\", optionally \"Path\"}", tcn.Key)
			continue
		}
		for _, mem := range exp.Members {
			switch mem.Key {
			case "Status":
				if mem.Kind != workflow.String || (mem.Str != Succeeded && mem.Str != Failed && mem.Str != TimedOut) {
					bad(mem, "\"Status\" must be \"SUCCEEDED\", \"FAILED\" or \"TIMED_OUT\"")
				}
				tc.Expected.Status = mem.Str
			case "Output":
				v := nodeValue(mem, nil, false)
				tc.Expected.Output = &v
			case "Error", "Cause":
				if mem.Kind != workflow.String {
					bad(mem, "%q must be a string", mem.Key)
					continue
				}
				s := mem.Str
				if mem.Key == "Error" {
					tc.Expected.Error = &s
				} else {
					tc.Expected.Cause = &s
				}
			case "Path":
				if mem.Kind != workflow.Array {
					bad(mem, "\"Path\" must be an array of state names")
					continue
				}
				tc.Expected.Path = []string{}
				for _, e := range mem.Elems {
					if e.Kind != workflow.String {
						bad(e, "\"Path\" must hold state names (strings)")
						continue
					}
					tc.Expected.Path = append(tc.Expected.Path, e.Str)
				}
			default:
				problems = append(problems, Problem{mem.KeyRange, fmt.Sprintf("unknown member %q in \"Expected\" (Status, Output, Error, Cause, Path)", mem.Key)})
			}
		}
		if tc.Expected.Status == "" {
			bad(exp, "test case %q: \"Expected\" needs a \"Status\"", tcn.Key)
		}
		tf.Cases = append(tf.Cases, tc)
	}
	sortProblems(problems)
	return tf, problems, nil
}

// Name is the state machine name the mocks use for this file's workflow.
func (tf *TestFile) Name() string {
	if tf.StateMachineName != "" {
		return tf.StateMachineName
	}
	return WorkflowName(tf.Workflow)
}

// CheckMachine reports a test case the mock file lacks and mocks naming
// states the machine does not have.
func (tf *TestFile) CheckMachine(m *Machine) []Problem {
	problems := tf.Mocks.CheckMachine(m)
	sm := tf.Mocks.StateMachines[m.Name]
	for _, tc := range tf.Cases {
		if sm == nil || sm.TestCases[tc.Name] == nil {
			if len(tf.Mocks.StateMachines) > 0 {
				problems = append(problems, Problem{tc.Range, fmt.Sprintf("test case %q has no entry under MockConfig.StateMachines[%q].TestCases", tc.Name, m.Name)})
			}
		}
	}
	sortProblems(problems)
	return problems
}

// Mocker returns the mocks of one case (none when the mock file has no entry for it).
func (tf *TestFile) Mocker(m *Machine, tc *TestCase) Mocker {
	mk, err := tf.Mocks.TestCase(m.Name, tc.Name)
	if err != nil {
		return nil
	}
	return mk
}

// Check compares a run with the case's expectations; each mismatch is one line.
func (tc *TestCase) Check(res *Result) []string {
	var diffs []string
	if res.Status != tc.Expected.Status {
		d := fmt.Sprintf("status: got %s, want %s", res.Status, tc.Expected.Status)
		if res.Status != Succeeded {
			d += fmt.Sprintf(" (error %s: %s)", res.Error, res.Cause)
		}
		diffs = append(diffs, d)
	}
	if tc.Expected.Output != nil && !Equal(res.Output, *tc.Expected.Output) {
		diffs = append(diffs, fmt.Sprintf("output: got %s, want %s", MarshalJSON(res.Output), MarshalJSON(*tc.Expected.Output)))
	}
	if tc.Expected.Error != nil && res.Error != *tc.Expected.Error {
		diffs = append(diffs, fmt.Sprintf("error: got %q, want %q", res.Error, *tc.Expected.Error))
	}
	if tc.Expected.Cause != nil && res.Cause != *tc.Expected.Cause {
		diffs = append(diffs, fmt.Sprintf("cause: got %q, want %q", res.Cause, *tc.Expected.Cause))
	}
	if tc.Expected.Path != nil && strings.Join(res.Path, "\x00") != strings.Join(tc.Expected.Path, "\x00") {
		diffs = append(diffs, fmt.Sprintf("path: got [%s], want [%s]", strings.Join(res.Path, ", "), strings.Join(tc.Expected.Path, ", ")))
	}
	return diffs
}

// FindTestFiles lists the test files under each path (a file or a folder,
// searched recursively), sorted.
func FindTestFiles(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), TestFileSuffix) && !seen[path] {
				seen[path] = true
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// ParseInput parses an execution input file; a syntax error is a positioned Problem.
func ParseInput(src []byte, filename string) (any, []Problem) {
	root, problems := loadJSON(src, filename)
	if root == nil || len(problems) > 0 {
		return nil, problems
	}
	return nodeValue(root, nil, false), nil
}
