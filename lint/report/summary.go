package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// SummaryRow is one Task state in the per-workflow table: what it runs, the
// facts that decide whether it fits in Lambda, and the verdict.
type SummaryRow struct {
	Workflow       string   `json:"workflow"`  // workflow file
	Rendering      string   `json:"rendering"` // e.g. module.discover_granules_workflow; "" without Terraform
	State          string   `json:"state"`
	Lambda         string   `json:"lambda"`                    // function name or Terraform address; "" when unknown
	MemoryMB       *int     `json:"memory_mb,omitempty"`       // nil when unknown
	TimeoutSeconds *int     `json:"timeout_seconds,omitempty"` // nil when unknown
	TmpMB          *int     `json:"tmp_mb,omitempty"`
	ZippedBytes    *int64   `json:"zipped_bytes,omitempty"`
	UnzippedBytes  *int64   `json:"unzipped_bytes,omitempty"`
	Invocations    *int     `json:"invocations,omitempty"` // usage evidence, when known
	P95Seconds     *float64 `json:"p95_seconds,omitempty"`
	MaxMemoryMB    *int     `json:"max_memory_used_mb,omitempty"`
	Verdict        string   `json:"verdict"` // "ok", "near limit", "over limit", "activity", "unknown"
}

func intCell(v *int, unit string) string {
	if v == nil {
		return "?"
	}
	return fmt.Sprintf("%d%s", *v, unit)
}

func bytesCell(v *int64) string {
	if v == nil {
		return "?"
	}
	return fmt.Sprintf("%.1f MB", float64(*v)/1e6)
}

// writeSummary prints the table, one block per workflow rendering.
func writeSummary(w io.Writer, rows []SummaryRow) error {
	if len(rows) == 0 {
		return nil
	}
	hasUsage := false
	for _, r := range rows {
		hasUsage = hasUsage || r.Invocations != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	last := ""
	for _, r := range rows {
		head := r.Workflow
		if r.Rendering != "" {
			head += " (" + r.Rendering + ")"
		}
		if head != last {
			if last != "" {
				fmt.Fprintln(tw)
			}
			fmt.Fprintln(tw, head)
			cols := []string{"  STATE", "LAMBDA", "MEMORY", "TIMEOUT", "/TMP", "PACKAGE"}
			if hasUsage {
				cols = append(cols, "RUNS", "P95", "MAX MEM")
			}
			fmt.Fprintln(tw, strings.Join(append(cols, "VERDICT"), "\t"))
			last = head
		}
		lambda := r.Lambda
		if lambda == "" {
			lambda = "?"
		}
		pkg := bytesCell(r.ZippedBytes)
		if r.UnzippedBytes != nil {
			pkg += " / " + bytesCell(r.UnzippedBytes)
		}
		cells := []string{"  " + r.State, lambda, intCell(r.MemoryMB, " MB"), intCell(r.TimeoutSeconds, " s"), intCell(r.TmpMB, " MB"), pkg}
		if hasUsage {
			p95 := "?"
			if r.P95Seconds != nil {
				p95 = fmt.Sprintf("%.1f s", *r.P95Seconds)
			}
			cells = append(cells, intCell(r.Invocations, ""), p95, intCell(r.MaxMemoryMB, " MB"))
		}
		fmt.Fprintln(tw, strings.Join(append(cells, r.Verdict), "\t"))
	}
	return tw.Flush()
}
