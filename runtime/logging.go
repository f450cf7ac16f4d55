package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"time"
)

// NewLogger returns a JSON logger whose lines carry level, message, sender
// and timestamp: the shape Cumulus's log tooling (and its Kibana/CloudWatch
// queries) reads. sender is "stepshift/<function>".
func NewLogger(w io.Writer, function string, level slog.Level) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String("timestamp", a.Value.Time().UTC().Format(time.RFC3339Nano))
			case slog.LevelKey:
				return slog.String("level", strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				return slog.String("message", a.Value.String())
			}
			return a
		},
	})
	return slog.New(h).With("sender", "stepshift/"+function)
}

// tokenRef names a task token in logs without leaking it: a token is a bearer
// credential for answering the task, so only a short hash is ever printed.
func tokenRef(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "tok-" + hex.EncodeToString(sum[:6])
}

// redactToken replaces token in an error text with its tokenRef: an API
// error may quote the token it refused, and logs must not carry it.
func redactToken(text, token string) string {
	if token == "" {
		return text
	}
	return strings.ReplaceAll(text, token, tokenRef(token))
}
