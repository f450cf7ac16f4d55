package usage

import (
	"bytes"
	"math"
	"time"
)

// Flag marks what went wrong in one run; a run can carry several.
type Flag uint8

const (
	// FlagTimeout: the run hit the function's timeout.
	FlagTimeout Flag = 1 << iota
	// FlagOutOfMemory: Runtime.OutOfMemory, or the runtime was killed by a
	// signal (Lambda's SIGKILL at the memory limit).
	FlagOutOfMemory
	// FlagError: the run ended in an error (Status: error, Runtime.ExitError,
	// runtime exited, out of memory).
	FlagError
	// FlagDiskFull: the application logged ENOSPC / No space left on device.
	FlagDiskFull
)

// record is one piece of evidence read from one line. It is reused between
// lines so the REPORT hot path allocates nothing.
type record struct {
	time      time.Time
	requestID []byte
	stream    string

	report         bool
	durationMs     float64
	initMs         float64
	memorySizeMB   int
	maxUsedMB      int
	flags          Flag
	timeoutSeconds float64 // from "Task timed out after N seconds"
	// setsRequest: a non-REPORT line naming its request, which later
	// anonymous lines of the same stream inherit.
	setsRequest bool
}

func (r *record) reset() {
	*r = record{requestID: r.requestID[:0]}
}

var (
	keyReport       = []byte("REPORT RequestId:")
	keyStart        = []byte("START RequestId:")
	keyEnd          = []byte("END RequestId:")
	keyTimedOut     = []byte("Task timed out after")
	keyExited       = []byte("Runtime exited with error")
	keyKilled       = []byte("signal: killed")
	keyExitError    = []byte("Runtime.ExitError")
	keyOOM          = []byte("Runtime.OutOfMemory")
	keyNoSpace      = []byte("No space left on device")
	keyNoSpaceLower = []byte("no space left on device")
	keyENOSPC       = []byte("ENOSPC")
	keyErrno28      = []byte("[Errno 28]")
	keyRequestID    = []byte("RequestId:")

	fieldDuration      = []byte("Duration:")
	fieldBilled        = []byte("Billed Duration:")
	fieldMemorySize    = []byte("Memory Size:")
	fieldMaxMemory     = []byte("Max Memory Used:")
	fieldInit          = []byte("Init Duration:")
	fieldRestore       = []byte("Restore Duration:")
	fieldBilledRestore = []byte("Billed Restore Duration:")
	fieldStatus        = []byte("Status:")
	fieldErrorType     = []byte("Error Type:")
)

// lineKind says how a text line was understood.
type lineKind int

const (
	lineOther lineKind = iota
	lineEvidence
	lineMalformed
)

// scanText reads one non-JSON line into rec. reason explains a malformed line.
func scanText(line []byte, rec *record) (kind lineKind, reason string) {
	if i := bytes.Index(line, keyReport); i >= 0 {
		if rec.time.IsZero() {
			rec.time = prefixTime(line[:i])
		}
		return scanReport(line[i+len(keyReport):], rec)
	}
	if i := bytes.Index(line, keyStart); i >= 0 {
		rec.requestID = append(rec.requestID[:0], firstToken(line[i+len(keyStart):])...)
		rec.setsRequest = len(rec.requestID) > 0
		return lineOther, ""
	}
	if bytes.Contains(line, keyEnd) {
		return lineOther, ""
	}
	var flags Flag
	if i := bytes.Index(line, keyTimedOut); i >= 0 {
		flags |= FlagTimeout
		v, _, ok := parseDecimal(skipSpace(line[i+len(keyTimedOut):]))
		if ok {
			rec.timeoutSeconds = v
		}
	}
	if i := bytes.Index(line, keyExited); i >= 0 {
		flags |= FlagError
		if bytes.Contains(line[i:], keyKilled) {
			flags |= FlagOutOfMemory
		}
	}
	if bytes.Contains(line, keyExitError) {
		flags |= FlagError
	}
	if bytes.Contains(line, keyOOM) {
		flags |= FlagOutOfMemory | FlagError
	}
	if bytes.Contains(line, keyNoSpace) || bytes.Contains(line, keyNoSpaceLower) ||
		bytes.Contains(line, keyENOSPC) || bytes.Contains(line, keyErrno28) {
		flags |= FlagDiskFull
	}
	if flags == 0 {
		return lineOther, ""
	}
	rec.flags |= flags
	if rec.time.IsZero() {
		rec.time = prefixTime(line)
	}
	if i := bytes.Index(line, keyRequestID); i >= 0 {
		rec.requestID = append(rec.requestID[:0], firstToken(line[i+len(keyRequestID):])...)
	} else if id := findUUID(line); id != nil {
		rec.requestID = append(rec.requestID[:0], id...)
	}
	rec.setsRequest = len(rec.requestID) > 0
	return lineEvidence, ""
}

// scanReport reads the fields after "REPORT RequestId:". Fields are found by
// name, so tabs, runs of spaces and single spaces (stepshift worker) all work.
func scanReport(b []byte, rec *record) (lineKind, string) {
	rec.report = true
	b = skipSpace(b)
	id := firstToken(b)
	if len(id) == 0 {
		return lineMalformed, "REPORT without a request ID"
	}
	rec.requestID = append(rec.requestID[:0], id...)
	b = b[len(id):]
	var haveDuration, haveSize, haveUsed bool
	for {
		b = skipSpace(b)
		if len(b) == 0 {
			break
		}
		var target *float64
		var intTarget *int
		var seen *bool
		var skipNum bool
		switch {
		case bytes.HasPrefix(b, fieldDuration):
			b, target, seen = b[len(fieldDuration):], &rec.durationMs, &haveDuration
		case bytes.HasPrefix(b, fieldBilledRestore):
			b, skipNum = b[len(fieldBilledRestore):], true
		case bytes.HasPrefix(b, fieldBilled):
			b, skipNum = b[len(fieldBilled):], true
		case bytes.HasPrefix(b, fieldMemorySize):
			b, intTarget, seen = b[len(fieldMemorySize):], &rec.memorySizeMB, &haveSize
		case bytes.HasPrefix(b, fieldMaxMemory):
			b, intTarget, seen = b[len(fieldMaxMemory):], &rec.maxUsedMB, &haveUsed
		case bytes.HasPrefix(b, fieldInit):
			b, target = b[len(fieldInit):], &rec.initMs
		case bytes.HasPrefix(b, fieldRestore):
			b, skipNum = b[len(fieldRestore):], true
		case bytes.HasPrefix(b, fieldStatus):
			b = skipSpace(b[len(fieldStatus):])
			tok := firstToken(b)
			b = b[len(tok):]
			rec.flags |= statusFlags(tok)
			continue
		case bytes.HasPrefix(b, fieldErrorType):
			b = skipSpace(b[len(fieldErrorType):])
			tok := firstToken(b)
			b = b[len(tok):]
			rec.flags |= FlagError // any error type means the run failed
			if bytes.Equal(tok, keyOOM) {
				rec.flags |= FlagOutOfMemory
			}
			continue
		default:
			b = b[len(firstToken(b)):] // a field this reader does not know (XRAY TraceId, ...)
			continue
		}
		b = skipSpace(b)
		v, n, ok := parseDecimal(b)
		if !ok {
			return lineMalformed, "REPORT field without a number"
		}
		b = b[n:]
		if rest := skipSpace(b); len(rest) >= 2 && (rest[0] == 'm' && (rest[1] == 's' || rest[1] == 'B')) {
			b = rest[2:]
		}
		if skipNum {
			continue
		}
		if target != nil {
			*target = v
		} else if intTarget != nil {
			if v > math.MaxInt32 {
				return lineMalformed, "REPORT memory out of range"
			}
			*intTarget = int(v)
		}
		if seen != nil {
			*seen = true
		}
	}
	switch {
	case !haveDuration:
		return lineMalformed, "REPORT without Duration"
	case !haveSize:
		return lineMalformed, "REPORT without Memory Size"
	case !haveUsed:
		return lineMalformed, "REPORT without Max Memory Used"
	}
	return lineEvidence, ""
}

// statusFlags maps a REPORT/platform status to flags.
func statusFlags(status []byte) Flag {
	switch string(status) {
	case "timeout":
		return FlagTimeout
	case "error", "failure":
		return FlagError
	}
	return 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

func firstToken(b []byte) []byte {
	b = skipSpace(b)
	for i, c := range b {
		if isSpace(c) {
			return b[:i]
		}
	}
	return b
}

// parseDecimal reads an unsigned decimal number (digits, optional fraction)
// at the start of b without allocating; n is the bytes consumed.
func parseDecimal(b []byte) (v float64, n int, ok bool) {
	var whole uint64
	digits := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		if digits < 18 {
			whole = whole*10 + uint64(b[n]-'0')
		}
		digits++
		n++
	}
	if digits == 0 || digits > 300 {
		return 0, n, false
	}
	v = float64(whole)
	if digits > 18 { // beyond 18 digits precision no longer matters; keep the magnitude
		v *= math.Pow10(digits - 18)
	}
	if n < len(b) && b[n] == '.' {
		n++
		var frac uint64
		scale := 1.0
		fd := 0
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			if fd < 15 {
				frac = frac*10 + uint64(b[n]-'0')
				scale *= 10
			}
			fd++
			n++
		}
		v += float64(frac) / scale
	}
	return v, n, true
}

// prefixTime finds a timestamp among the first few whitespace-separated
// tokens of b: RFC 3339 (Lambda's own prefix, `aws logs tail`) or 13-digit
// epoch milliseconds (CLI text output). Zero when there is none.
func prefixTime(b []byte) time.Time {
	for tokens := 0; tokens < 6; tokens++ {
		b = skipSpace(b)
		if len(b) == 0 {
			return time.Time{}
		}
		tok := firstToken(b)
		b = b[len(tok):]
		if t, ok := parseTimeToken(tok); ok {
			return t
		}
	}
	return time.Time{}
}

func parseTimeToken(tok []byte) (time.Time, bool) {
	if len(tok) > 0 && tok[0] == '[' && tok[len(tok)-1] == ']' {
		tok = tok[1 : len(tok)-1]
	}
	if len(tok) == 13 && allDigits(tok) {
		ms, _, _ := parseDecimal(tok)
		return time.UnixMilli(int64(ms)).UTC(), true
	}
	if len(tok) >= 20 && tok[4] == '-' && tok[7] == '-' && tok[10] == 'T' {
		if t, err := time.Parse(time.RFC3339Nano, string(tok)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// findUUID returns the first 8-4-4-4-12 hex token in b (Lambda request IDs).
func findUUID(b []byte) []byte {
	for i := 0; i+36 <= len(b); i++ {
		if i > 0 && (isHex(b[i-1]) || b[i-1] == '-') {
			continue
		}
		ok := true
		for j := 0; j < 36 && ok; j++ {
			c := b[i+j]
			if j == 8 || j == 13 || j == 18 || j == 23 {
				ok = c == '-'
			} else {
				ok = isHex(c)
			}
		}
		if ok && (i+36 == len(b) || !isHex(b[i+36]) && b[i+36] != '-') {
			return b[i : i+36]
		}
	}
	return nil
}
