package usage

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// jsonLine is the union of the JSON shapes this package reads: a
// FilterLogEvents event or export, a Lambda JSON-format log record
// (platform.* or application), and a stepshift worker log line.
type jsonLine struct {
	// FilterLogEvents events and exports.
	Events        []json.RawMessage `json:"events"`
	Timestamp     json.RawMessage   `json:"timestamp"` // epoch ms (events) or RFC 3339 (Lambda app logs, worker)
	Message       json.RawMessage   `json:"message"`
	LogStreamName string            `json:"logStreamName"`
	LogGroupName  string            `json:"logGroupName"`
	// Lambda JSON log format.
	Time      string          `json:"time"`
	Type      string          `json:"type"`
	Record    json.RawMessage `json:"record"`
	RequestID string          `json:"requestId"`
	// stepshift worker.
	Sender string `json:"sender"`
}

// platformRecord is the record of platform.report / platform.runtimeDone.
type platformRecord struct {
	RequestID string `json:"requestId"`
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Metrics   struct {
		DurationMs      *float64 `json:"durationMs"`
		MemorySizeMB    *float64 `json:"memorySizeMB"`
		MaxMemoryUsedMB *float64 `json:"maxMemoryUsedMB"`
		InitDurationMs  float64  `json:"initDurationMs"`
	} `json:"metrics"`
}

// functionFromGroup returns <name> of "/aws/lambda/<name>", else "".
func functionFromGroup(group string) string {
	if name, ok := strings.CutPrefix(group, "/aws/lambda/"); ok && name != "" && !strings.Contains(name, "/") {
		return name
	}
	return ""
}

// functionFromSender returns <name> of a worker's "stepshift/<name>", else "".
func functionFromSender(sender string) string {
	if name, ok := strings.CutPrefix(sender, "stepshift/"); ok && name != "" {
		return name
	}
	return ""
}

// jsonTime reads a timestamp that is epoch milliseconds or RFC 3339 text.
func jsonTime(raw json.RawMessage) time.Time {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return time.Time{}
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return stringTime(s)
		}
		return time.Time{}
	}
	var ms float64
	if json.Unmarshal(raw, &ms) == nil && ms > 0 && ms < 1e14 {
		return time.UnixMilli(int64(ms)).UTC()
	}
	return time.Time{}
}

// stringTime reads RFC 3339 text, zero when it is not.
func stringTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
