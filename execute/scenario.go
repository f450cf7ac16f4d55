package execute

import (
	"fmt"
	"sort"
	"strings"
)

// TaskState describes a Task state's error handling, so a caller (the
// migration check) can build one scenario per error it handles.
type TaskState struct {
	Name             string
	Resource         string
	RetryErrors      []string // every name in the Retry ErrorEquals lists, in order, deduplicated
	CatchErrors      []string // every name in the Catch ErrorEquals lists
	TimeoutSeconds   float64  // 0 when not set
	HeartbeatSeconds float64
}

// Tasks lists the machine's Task states (nested ones included), by name.
func (m *Machine) Tasks() []TaskState {
	var out []TaskState
	var walk func(sc *scopeDef)
	walk = func(sc *scopeDef) {
		for _, st := range sc.states {
			if st.Type == "Task" {
				ts := TaskState{Name: st.Name, Resource: st.resource,
					TimeoutSeconds: num(st.raw, "TimeoutSeconds", 0), HeartbeatSeconds: num(st.raw, "HeartbeatSeconds", 0)}
				for _, r := range st.retry {
					ts.RetryErrors = appendNew(ts.RetryErrors, r.errors...)
				}
				for _, c := range st.catch {
					ts.CatchErrors = appendNew(ts.CatchErrors, c.errors...)
				}
				out = append(out, ts)
			}
			for _, b := range st.branches {
				walk(b)
			}
			if st.iterator != nil {
				walk(st.iterator)
			}
		}
	}
	walk(m.root)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func appendNew(list []string, names ...string) []string {
	for _, n := range names {
		found := false
		for _, l := range list {
			found = found || l == n
		}
		if !found {
			list = append(list, n)
		}
	}
	return list
}

// SameBehaviour compares two runs the way a migration must preserve them:
// final status, output (by JSON value), error and cause, and the path of
// entered states. Retry counts are not compared. Each difference is one line.
func SameBehaviour(a, b *Result) []string {
	var diffs []string
	if a.Status != b.Status {
		diffs = append(diffs, fmt.Sprintf("status %s vs %s", a.Status, b.Status))
	}
	if !Equal(a.Output, b.Output) {
		diffs = append(diffs, fmt.Sprintf("output %s vs %s", MarshalJSON(a.Output), MarshalJSON(b.Output)))
	}
	if a.Error != b.Error || a.Cause != b.Cause {
		diffs = append(diffs, fmt.Sprintf("error %s (%s) vs %s (%s)", a.Error, a.Cause, b.Error, b.Cause))
	}
	if strings.Join(a.Path, "\x00") != strings.Join(b.Path, "\x00") {
		diffs = append(diffs, fmt.Sprintf("path [%s] vs [%s]", strings.Join(a.Path, ", "), strings.Join(b.Path, ", ")))
	}
	return diffs
}
