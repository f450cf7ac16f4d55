package usage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Window renders when the evidence was logged: "between 2026-11-01 and
// 2026-11-14", "on 2026-11-01", or "" when no line carried a timestamp.
func (u *Usage) Window() string {
	if u.First.IsZero() {
		return ""
	}
	first, last := u.First.UTC().Format("2006-01-02"), u.Last.UTC().Format("2006-01-02")
	if first == last {
		return "on " + first
	}
	return "between " + first + " and " + last
}

// DurationEvidence is the sentence behind a duration finding:
// "3 of 1,204 runs timed out at 900 s between 2026-11-01 and 2026-11-14; p95 811 s",
// or without timeouts "p95 811 s, max 850 s over 1,204 runs between ...".
func (u *Usage) DurationEvidence() string {
	var b strings.Builder
	if u.Timeouts > 0 {
		b.WriteString(u.runsOf(u.Timeouts))
		b.WriteString(" timed out")
		if len(u.TimeoutSeconds) > 0 {
			parts := make([]string, len(u.TimeoutSeconds))
			for i, s := range u.TimeoutSeconds {
				parts[i] = thousands(s)
			}
			b.WriteString(" at " + strings.Join(parts, " s, ") + " s")
		}
		u.appendWindow(&b)
		if u.Invocations > 0 {
			b.WriteString("; p95 " + FormatMs(u.DurationP95Ms))
		}
		return b.String()
	}
	if u.Invocations == 0 {
		return "no runs reported"
	}
	fmt.Fprintf(&b, "p95 %s, max %s over %s", FormatMs(u.DurationP95Ms), FormatMs(u.DurationMaxMs), plural(u.Invocations, "run"))
	u.appendWindow(&b)
	return b.String()
}

// MemoryEvidence is the sentence behind a memory finding:
// "2 of 1,204 runs ran out of memory at 1,024 MB between ...; max used 1,024 MB",
// or "max memory used 1,850 of 2,048 MB (90%) over 1,204 runs between ...".
func (u *Usage) MemoryEvidence() string {
	var b strings.Builder
	if u.OutOfMemory > 0 {
		b.WriteString(u.runsOf(u.OutOfMemory) + " ran out of memory")
		if u.MemorySizeMB > 0 {
			b.WriteString(" at " + thousands(u.MemorySizeMB) + " MB")
		}
		u.appendWindow(&b)
		if u.Invocations > 0 {
			b.WriteString("; max used " + thousands(u.MaxMemoryUsedMB) + " MB")
		}
		return b.String()
	}
	if u.Invocations == 0 {
		return "no runs reported"
	}
	fmt.Fprintf(&b, "max memory used %s of %s MB (%d%%) over %s", thousands(u.MaxMemoryUsedMB),
		thousands(u.MemorySizeMB), int(math.Floor(u.PeakMemoryPercent)), plural(u.Invocations, "run"))
	u.appendWindow(&b)
	return b.String()
}

// DiskEvidence is the sentence behind a /tmp finding:
// "2 of 1,204 runs ran out of disk space (ENOSPC) between ...", "" when none did.
func (u *Usage) DiskEvidence() string {
	if u.DiskFull == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(u.runsOf(u.DiskFull) + " ran out of disk space (ENOSPC)")
	u.appendWindow(&b)
	return b.String()
}

// Evidence is a one-line summary of everything known about the function.
func (u *Usage) Evidence() string {
	parts := []string{u.DurationEvidence()}
	if u.Invocations > 0 || u.OutOfMemory > 0 {
		parts = append(parts, u.MemoryEvidence())
	}
	if d := u.DiskEvidence(); d != "" {
		parts = append(parts, d)
	}
	if n := u.Errors - u.OutOfMemory; n > 0 {
		parts = append(parts, plural(n, "other failed run"))
	}
	return strings.Join(parts, "; ")
}

// runsOf renders "3 of 1,204 runs" (or "3 runs" when no REPORT line was read).
func (u *Usage) runsOf(n int) string {
	if u.Invocations >= n {
		return thousands(n) + " of " + plural(u.Invocations, "run")
	}
	return plural(n, "run")
}

func (u *Usage) appendWindow(b *strings.Builder) {
	if w := u.Window(); w != "" {
		b.WriteString(" " + w)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

// FormatMs renders a duration for people: "350 ms", "2.5 s", "811 s".
func FormatMs(ms float64) string {
	switch {
	case ms < 1000:
		return thousands(int(math.Round(ms))) + " ms"
	case ms < 10000:
		return strconv.FormatFloat(math.Round(ms/100)/10, 'f', -1, 64) + " s"
	}
	return thousands(int(math.Round(ms/1000))) + " s"
}

// thousands renders n with comma thousands separators: 1204 → "1,204".
func thousands(n int) string { return Thousands(int64(n)) }

// Thousands renders n with comma thousands separators, the way evidence and
// findings print counts and sizes: 12000 → "12,000".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
