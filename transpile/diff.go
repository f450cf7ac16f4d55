package transpile

import (
	"fmt"
	"strings"
)

// UnifiedDiff renders the change from before to after as a unified diff
// with three lines of context, the form `git apply` and `patch -p1` read.
// A nil before is a new file (/dev/null). Identical inputs give "".
//
// The line diff is a Myers diff written here rather than a dependency: the
// files are small, Myers gives the shortest edit script (so a one-key map
// edit shows as one added line), and the algorithm is a page of code.
func UnifiedDiff(path string, before, after []byte) string {
	if before != nil && string(before) == string(after) {
		return ""
	}
	a, b := splitLines(before), splitLines(after)
	ops := myers(a, b)
	var out strings.Builder
	from := "a/" + path
	if before == nil {
		from = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ b/%s\n", from, path)
	const context = 3
	// Group operations into hunks: runs of changes with at most 2*context equal lines between them.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == opEqual {
			i++
		}
		if i == len(ops) {
			break
		}
		start := i - context
		if start < 0 {
			start = 0
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != opEqual {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == opEqual {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, run)
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end], a, b)
		i = end
	}
	return out.String()
}

func writeHunk(out *strings.Builder, ops []diffOp, a, b []string) {
	aStart, bStart := ops[0].a, ops[0].b
	aLen, bLen := 0, 0
	for _, op := range ops {
		if op.kind != opInsert {
			aLen++
		}
		if op.kind != opDelete {
			bLen++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, op := range ops {
		switch op.kind {
		case opEqual:
			writeDiffLine(out, ' ', a[op.a])
		case opDelete:
			writeDiffLine(out, '-', a[op.a])
		case opInsert:
			writeDiffLine(out, '+', b[op.b])
		}
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func writeDiffLine(out *strings.Builder, mark byte, line string) {
	out.WriteByte(mark)
	if strings.HasSuffix(line, "\n") {
		out.WriteString(line)
		return
	}
	out.WriteString(line)
	out.WriteString("\n\\ No newline at end of file\n")
}

// splitLines keeps each line's terminator so CRLF and a missing final
// newline survive into the diff.
func splitLines(src []byte) []string {
	var lines []string
	s := string(src)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

type opKind int

const (
	opEqual opKind = iota
	opDelete
	opInsert
)

// diffOp is one line of the edit script; a and b are the line indexes in
// the old and new text at that point.
type diffOp struct {
	kind opKind
	a, b int
}

// myers computes a shortest edit script from a to b (Myers 1986, the greedy
// forward algorithm with a trace for backtracking).
func myers(a, b []string) []diffOp {
	// Common prefix and suffix cost nothing and keep the trace small.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	var ops []diffOp
	for i := 0; i < pre; i++ {
		ops = append(ops, diffOp{opEqual, i, i})
	}
	for _, op := range myersCore(ma, mb) {
		ops = append(ops, diffOp{op.kind, op.a + pre, op.b + pre})
	}
	for i := 0; i < suf; i++ {
		ops = append(ops, diffOp{opEqual, len(a) - suf + i, len(b) - suf + i})
	}
	return ops
}

func myersCore(a, b []string) []diffOp {
	n, m := len(a), len(b)
	maxD := n + m
	if maxD == 0 {
		return nil
	}
	offset := maxD
	v := make([]int, 2*maxD+2)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				x = v[offset+k+1]
			} else {
				x = v[offset+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[offset+k] = x
			if x >= n && y >= m {
				return backtrack(trace, a, b, offset, d)
			}
		}
	}
	return nil
}

func backtrack(trace [][]int, a, b []string, offset, dEnd int) []diffOp {
	x, y := len(a), len(b)
	var rev []diffOp
	for d := dEnd; d > 0; d-- {
		v := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[offset+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, diffOp{opEqual, x, y})
		}
		if x == prevX {
			y--
			rev = append(rev, diffOp{opInsert, x, y})
		} else {
			x--
			rev = append(rev, diffOp{opDelete, x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, diffOp{opEqual, x, y})
	}
	ops := make([]diffOp, len(rev))
	for i, op := range rev {
		ops[len(rev)-1-i] = op
	}
	return ops
}
