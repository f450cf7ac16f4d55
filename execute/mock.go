package execute

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/stepshift/stepshift/workflow"
)

// Problem is a mistake in a user's file (mock configuration, test file),
// with where it is.
type Problem struct {
	Range   workflow.Range
	Message string
}

// String renders "path:line:col: message".
func (p Problem) String() string { return p.Range.String() + ": " + p.Message }

// MockConfig is a Step Functions Local MockConfigFile:
//
//	{"StateMachines": {NAME: {"TestCases": {CASE: {STATE: MOCK}}}},
//	 "MockedResponses": {MOCK: {"0": {"Return": ...}, "1-2": {"Throw": {"Error": ..., "Cause": ...}}}}}
type MockConfig struct {
	Filename      string
	StateMachines map[string]*MockStateMachine
	Responses     map[string]*MockedResponse
}

// MockStateMachine is one state machine's test cases.
type MockStateMachine struct {
	Name      string
	Range     workflow.Range
	TestCases map[string]*MockTestCase
}

// MockTestCase maps state names to mocked response names.
type MockTestCase struct {
	Name   string
	Range  workflow.Range
	States map[string]MockRef
}

// MockRef is one "STATE": "MOCK" entry.
type MockRef struct {
	Response string
	Range    workflow.Range // the state name's key
}

// MockedResponse is one named response: what each invocation returns or throws.
type MockedResponse struct {
	Name    string
	Range   workflow.Range
	Entries []MockEntry
}

// MockEntry covers invocations From..To (0-based, inclusive).
type MockEntry struct {
	From, To int
	Return   any
	Throw    *MockThrow
	Range    workflow.Range
}

// MockThrow is a mocked failure.
type MockThrow struct{ Error, Cause string }

// LoadMockConfig reads and checks a MockConfigFile.
func LoadMockConfig(path string) (*MockConfig, []Problem, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	cfg, problems := ParseMockConfig(src, path)
	return cfg, problems, nil
}

// loadJSON parses a JSON file with positions; problems are syntax errors.
func loadJSON(src []byte, filename string) (*workflow.Node, []Problem) {
	doc := workflow.Load(src, workflow.Options{Filename: filename})
	var problems []Problem
	for _, d := range doc.Diagnostics {
		if d.Code == "not-a-state-machine" {
			continue
		}
		problems = append(problems, Problem{d.Range, d.Message})
	}
	if doc.Root == nil && len(problems) == 0 {
		problems = append(problems, Problem{workflow.Range{Filename: filename}, "not a JSON document"})
	}
	return doc.Root, problems
}

// ParseMockConfig parses a MockConfigFile's bytes.
func ParseMockConfig(src []byte, filename string) (*MockConfig, []Problem) {
	root, problems := loadJSON(src, filename)
	if root == nil || len(problems) > 0 {
		return nil, problems
	}
	return mockConfigFromNode(root, filename)
}

func mockConfigFromNode(root *workflow.Node, filename string) (*MockConfig, []Problem) {
	var problems []Problem
	bad := func(n *workflow.Node, format string, args ...any) {
		problems = append(problems, Problem{n.Range, fmt.Sprintf(format, args...)})
	}
	cfg := &MockConfig{Filename: filename, StateMachines: map[string]*MockStateMachine{}, Responses: map[string]*MockedResponse{}}
	if root.Kind != workflow.Object {
		bad(root, "a mock configuration must be a JSON object with \"StateMachines\" and \"MockedResponses\"")
		return nil, problems
	}
	for _, mem := range root.Members {
		switch mem.Key {
		case "StateMachines", "MockedResponses":
		default:
			problems = append(problems, Problem{mem.KeyRange, fmt.Sprintf("unknown member %q in a mock configuration (expected \"StateMachines\" and \"MockedResponses\")", mem.Key)})
		}
	}
	if sms := root.Get("StateMachines"); sms != nil {
		if sms.Kind != workflow.Object {
			bad(sms, "\"StateMachines\" must be an object of state machine names")
		}
		for _, smn := range sms.Members {
			sm := &MockStateMachine{Name: smn.Key, Range: smn.KeyRange, TestCases: map[string]*MockTestCase{}}
			cfg.StateMachines[smn.Key] = sm
			tcs := smn.Get("TestCases")
			if smn.Kind != workflow.Object || tcs == nil || tcs.Kind != workflow.Object {
				bad(smn, "state machine %q needs \"TestCases\": an object of test case names", smn.Key)
				continue
			}
			for _, tcn := range tcs.Members {
				tc := &MockTestCase{Name: tcn.Key, Range: tcn.KeyRange, States: map[string]MockRef{}}
				sm.TestCases[tcn.Key] = tc
				if tcn.Kind != workflow.Object {
					bad(tcn, "test case %q must map state names to mocked response names", tcn.Key)
					continue
				}
				for _, s := range tcn.Members {
					if s.Kind != workflow.String {
						bad(s, "state %q must name a mocked response (a string)", s.Key)
						continue
					}
					tc.States[s.Key] = MockRef{Response: s.Str, Range: s.KeyRange}
				}
			}
		}
	}
	if mrs := root.Get("MockedResponses"); mrs != nil {
		if mrs.Kind != workflow.Object {
			bad(mrs, "\"MockedResponses\" must be an object of mocked response names")
		}
		for _, mrn := range mrs.Members {
			mr := &MockedResponse{Name: mrn.Key, Range: mrn.KeyRange}
			cfg.Responses[mrn.Key] = mr
			if mrn.Kind != workflow.Object {
				bad(mrn, "mocked response %q must map invocation numbers (\"0\", \"1-2\") to {\"Return\"} or {\"Throw\"}", mrn.Key)
				continue
			}
			for _, en := range mrn.Members {
				from, to, err := parseRange(en.Key)
				if err != nil {
					problems = append(problems, Problem{en.KeyRange, fmt.Sprintf("mocked response %q: %v", mrn.Key, err)})
					continue
				}
				e := MockEntry{From: from, To: to, Range: en.KeyRange}
				ret, thr := en.Get("Return"), en.Get("Throw")
				if en.Kind != workflow.Object || (ret == nil) == (thr == nil) {
					bad(en, "invocation %q of mocked response %q must hold exactly one of \"Return\" and \"Throw\"", en.Key, mrn.Key)
					continue
				}
				if ret != nil {
					e.Return = nodeValue(ret, nil, false)
				} else {
					errN, causeN := thr.Get("Error"), thr.Get("Cause")
					if thr.Kind != workflow.Object || errN == nil || errN.Kind != workflow.String {
						bad(thr, "\"Throw\" must be an object with a string \"Error\" (and optionally \"Cause\")")
						continue
					}
					e.Throw = &MockThrow{Error: errN.Str}
					if causeN != nil {
						if causeN.Kind != workflow.String {
							bad(causeN, "\"Cause\" must be a string")
							continue
						}
						e.Throw.Cause = causeN.Str
					}
				}
				for _, prev := range mr.Entries {
					if e.From <= prev.To && prev.From <= e.To {
						problems = append(problems, Problem{en.KeyRange, fmt.Sprintf("invocations %q of mocked response %q overlap another entry", en.Key, mrn.Key)})
					}
				}
				mr.Entries = append(mr.Entries, e)
			}
		}
	}
	for _, sm := range cfg.StateMachines {
		for _, tc := range sm.TestCases {
			for state, ref := range tc.States {
				if _, ok := cfg.Responses[ref.Response]; !ok {
					problems = append(problems, Problem{ref.Range, fmt.Sprintf("state %q in test case %q uses mocked response %q, which \"MockedResponses\" does not define", state, tc.Name, ref.Response)})
				}
			}
		}
	}
	sortProblems(problems)
	return cfg, problems
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Range.Start.Byte < ps[j].Range.Start.Byte })
}

// parseRange reads an invocation key: "0" or "1-2".
func parseRange(key string) (int, int, error) {
	a, b, isRange := strings.Cut(key, "-")
	from, err1 := strconv.Atoi(a)
	to := from
	var err2 error
	if isRange {
		to, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || from < 0 || to < from || strings.ContainsAny(key, " +") {
		return 0, 0, fmt.Errorf("malformed invocation range %q (expected \"N\" or \"N-M\" with 0 <= N <= M)", key)
	}
	return from, to, nil
}

// CheckMachine reports mocks that name a state the machine does not have,
// positioned at the state's key in the mock file.
func (c *MockConfig) CheckMachine(m *Machine) []Problem {
	var problems []Problem
	sm := c.StateMachines[m.Name]
	if sm == nil {
		return nil
	}
	names := m.StateNames()
	for _, tc := range sm.TestCases {
		for state, ref := range tc.States {
			if !names[state] {
				problems = append(problems, Problem{ref.Range, fmt.Sprintf("test case %q mocks state %q, which state machine %q does not have", tc.Name, state, m.Name)})
			}
		}
	}
	sortProblems(problems)
	return problems
}

// StateNames is every state name of the machine, nested ones included.
func (m *Machine) StateNames() map[string]bool {
	out := map[string]bool{}
	var walk func(sc *scopeDef)
	walk = func(sc *scopeDef) {
		for name, st := range sc.states {
			out[name] = true
			for _, b := range st.branches {
				walk(b)
			}
			if st.iterator != nil {
				walk(st.iterator)
			}
		}
	}
	walk(m.root)
	return out
}

// TestCase returns the mocks of one test case of one state machine.
func (c *MockConfig) TestCase(machine, name string) (Mocker, error) {
	sm := c.StateMachines[machine]
	if sm == nil {
		known := slices.Sorted(maps.Keys(c.StateMachines))
		return nil, fmt.Errorf("%s: no state machine %q under \"StateMachines\" (it has %s); use --state-machine-name", c.Filename, machine, strings.Join(quoteAll(known), ", "))
	}
	tc := sm.TestCases[name]
	if tc == nil {
		known := slices.Sorted(maps.Keys(sm.TestCases))
		return nil, fmt.Errorf("%s: state machine %q has no test case %q (it has %s)", c.Filename, machine, name, strings.Join(quoteAll(known), ", "))
	}
	return &caseMocker{cfg: c, tc: tc}, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

type caseMocker struct {
	cfg *MockConfig
	tc  *MockTestCase
}

func (c *caseMocker) Mock(call TaskCall) (Outcome, bool) {
	ref, ok := c.tc.States[call.State]
	if !ok {
		return Outcome{}, false
	}
	mr := c.cfg.Responses[ref.Response]
	if mr == nil {
		return Outcome{}, false
	}
	for _, e := range mr.Entries {
		if call.Invocation >= e.From && call.Invocation <= e.To {
			if e.Throw != nil {
				return Outcome{Error: e.Throw.Error, Cause: e.Throw.Cause}, true
			}
			return Outcome{Return: e.Return}, true
		}
	}
	return Outcome{}, false
}

// Mocks is a programmatic Mocker: an outcome per state for every
// invocation, with an optional default for the states not listed. It is how
// a caller says "state X throws E every time" or "state X times out".
type Mocks struct {
	ByState map[string]Outcome
	Default *Outcome
}

// Mock returns the state's outcome, else the default.
func (m Mocks) Mock(call TaskCall) (Outcome, bool) {
	if o, ok := m.ByState[call.State]; ok {
		return o, true
	}
	if m.Default != nil {
		return *m.Default, true
	}
	return Outcome{}, false
}

// Override answers for one state with out on every invocation and asks base
// for every other state.
func Override(base Mocker, state string, out Outcome) Mocker {
	return MockFunc(func(call TaskCall) (Outcome, bool) {
		if call.State == state {
			return out, true
		}
		if base == nil {
			return Outcome{}, false
		}
		return base.Mock(call)
	})
}
