package usage

import "strings"

// filterTerms are the phrases of every line the Collector takes evidence
// from, as CloudWatch Logs filter-pattern terms. "RequestId" keeps START,
// END and REPORT lines and the runtime's "RequestId: … Error:" lines, so a
// line without a request ID still finds the request it belongs to.
var filterTerms = []string{
	"RequestId", "Task timed out", "Runtime exited", "Runtime.ExitError", "Runtime.OutOfMemory",
	"platform.report", "platform.runtimeDone", "No space left on device", "ENOSPC", "Errno 28",
}

// CloudWatchFilterPattern is the FilterLogEvents filter pattern that keeps
// the events the Collector reads evidence from and drops application
// logging, which is most of a busy function's log: a 14-day window then
// fits in far fewer events and pages. Terms are ORed (`?`) and quoted
// (exact, case-sensitive phrases).
var CloudWatchFilterPattern = func() string {
	var b strings.Builder
	for i, t := range filterTerms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`?"` + t + `"`)
	}
	return b.String()
}()

// MatchesFilter reports whether CloudWatch Logs would return an event with
// this message under CloudWatchFilterPattern: some term occurs in it.
func MatchesFilter(message string) bool {
	for _, t := range filterTerms {
		if strings.Contains(message, t) {
			return true
		}
	}
	return false
}
