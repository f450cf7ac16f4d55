package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Verdicts a SummaryRow may carry; the text reporter colours the first three.
const (
	VerdictOK        = "ok"         // every known fact and usage is within the limits and margins
	VerdictNearLimit = "near limit" // a warning from a limit or usage rule
	VerdictOverLimit = "over limit" // an error from a limit or usage rule
	VerdictActivity  = "activity"   // runs as a Step Functions activity, Lambda limits do not apply
	VerdictUnknown   = "unknown"    // the facts that decide it could not be known (Note says why)
)

// SummaryRow is one Task state in the per-workflow table: what it runs, the
// facts that decide whether it fits in Lambda, how it really ran, and the
// verdict. Pointer fields are nil when the value is unknown; the JSON
// reporter then leaves the key out.
type SummaryRow struct {
	Workflow       string `json:"workflow"`            // workflow file
	Rendering      string `json:"rendering,omitempty"` // e.g. module.discover_granules_workflow; "" without Terraform
	State          string `json:"state"`
	Lambda         string `json:"lambda"`                    // function name or Terraform address; "" when unknown
	MemoryMB       *int   `json:"memory_mb,omitempty"`       // configured memory
	TimeoutSeconds *int   `json:"timeout_seconds,omitempty"` // configured timeout
	TmpMB          *int   `json:"tmp_mb,omitempty"`          // ephemeral storage (/tmp)
	ZippedBytes    *int64 `json:"zipped_bytes,omitempty"`    // deployment package, compressed
	UnzippedBytes  *int64 `json:"unzipped_bytes,omitempty"`  // package plus layers, uncompressed

	// Usage evidence from Lambda REPORT lines (CloudWatch Logs or --logs).
	Invocations *int     `json:"invocations,omitempty"`
	P50Seconds  *float64 `json:"p50_seconds,omitempty"`
	P95Seconds  *float64 `json:"p95_seconds,omitempty"`
	MaxSeconds  *float64 `json:"max_seconds,omitempty"`
	MaxMemoryMB *int     `json:"max_memory_used_mb,omitempty"`
	Timeouts    *int     `json:"timeouts,omitempty"`      // runs cut off at the timeout
	OutOfMemory *int     `json:"out_of_memory,omitempty"` // runs killed for memory
	DiskFull    *int     `json:"disk_full,omitempty"`     // runs that hit ENOSPC in /tmp

	Verdict string `json:"verdict"`        // one of the Verdict constants
	Note    string `json:"note,omitempty"` // why facts are unknown, or what the verdict rests on
}

// Package sizes are shown in binary units, the units of Lambda's 50 MB and
// 250 MB quotas (which AWS writes "MB"), so a cell compares directly with them.
const mib = 1 << 20

// oneLine keeps a value inside its cell (tabwriter) or line (compact).
var oneLine = strings.NewReplacer("\t", " ", "\n", " ")

func intCell(v *int, unit string) string {
	if v == nil {
		return "?"
	}
	return fmt.Sprintf("%d%s", *v, unit)
}

func secondsCell(v *float64) string {
	if v == nil {
		return "?"
	}
	return fmt.Sprintf("%.1f s", *v)
}

func bytesCell(v *int64) string {
	switch {
	case v == nil:
		return "?"
	case *v < 1<<10:
		return fmt.Sprintf("%d B", *v)
	case *v < mib:
		return fmt.Sprintf("%.1f KB", float64(*v)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(*v)/mib)
}

func failuresCell(r SummaryRow) string {
	if r.Invocations == nil && r.Timeouts == nil && r.OutOfMemory == nil && r.DiskFull == nil {
		return "?"
	}
	var parts []string
	for _, c := range []struct {
		n    *int
		what string
	}{{r.Timeouts, "timed out"}, {r.OutOfMemory, "out of memory"}, {r.DiskFull, "disk full"}} {
		if c.n != nil && *c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", *c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// writeSummary prints the table, one block per workflow rendering, columns
// aligned by tabwriter. The usage columns appear only when some row has
// usage evidence. paint colours the verdict, the last cell of a row.
func writeSummary(w io.Writer, rows []SummaryRow, paint func(string) string) error {
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
			// A line without tabs ends the column block, so each workflow's
			// table is aligned on its own.
			fmt.Fprintln(tw, printable(head))
			cols := []string{"  STATE", "LAMBDA", "MEMORY", "TIMEOUT", "/TMP", "PACKAGE (ZIP / UNZIPPED)"}
			if hasUsage {
				cols = append(cols, "RUNS", "P95", "MAX MEM USED", "FAILURES")
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
			cells = append(cells, intCell(r.Invocations, ""), secondsCell(r.P95Seconds), intCell(r.MaxMemoryMB, " MB"), failuresCell(r))
		}
		for i, c := range cells {
			// A tab or newline in a state name would start a new column or row.
			cells[i] = oneLine.Replace(printable(c))
		}
		verdict := paint(r.Verdict)
		if r.Note != "" {
			verdict += ": " + oneLine.Replace(printable(r.Note))
		}
		fmt.Fprintln(tw, strings.Join(append(cells, verdict), "\t"))
	}
	return tw.Flush()
}
