package runtime

import (
	"fmt"
	"math"
	"time"
)

// ReportLine formats Lambda's end-of-invocation line exactly as Lambda
// writes it, tabs and trailing tab included, so tools that read Lambda logs
// (stepshift lint --logs, CloudWatch Insights queries) read worker logs too.
// Billed duration is rounded up to the millisecond as Lambda bills since 2020.
func ReportLine(requestID string, d time.Duration, memoryMB int, maxUsedMB int64) string {
	ms := float64(d.Microseconds()) / 1000
	billed := int64(math.Ceil(ms))
	if billed < 1 {
		billed = 1
	}
	return fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		requestID, ms, billed, memoryMB, maxUsedMB)
}

// usedMB converts a peak resident size in KiB to the MB Lambda reports
// (rounded up: a process that used anything used at least 1 MB).
func usedMB(kb int64) int64 {
	return (kb + 1023) / 1024
}
