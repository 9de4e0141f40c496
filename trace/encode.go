package trace

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// The line format. Every line is one JSON object that starts with t (RFC
// 3339, UTC, microseconds) and ms (since the run's start), then for
// client events vu, iter, conn and event, then the event's own fields.
// docs/trace.md documents each; keep the two in step.

const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// line is a JSON object being appended to.
type line struct{ b []byte }

func (l *line) begin(at, start time.Time) {
	l.b = append(l.b[:0], `{"t":"`...)
	l.b = at.UTC().AppendFormat(l.b, timeLayout)
	l.b = append(l.b, `","ms":`...)
	l.b = strconv.AppendFloat(l.b, ms(at.Sub(start)), 'f', -1, 64)
}

func (l *line) end() []byte { return append(l.b, '}', '\n') }

func (l *line) key(k string) {
	l.b = append(l.b, ',', '"')
	l.b = append(l.b, k...)
	l.b = append(l.b, '"', ':')
}

func (l *line) str(k, v string) {
	l.key(k)
	l.b = appendString(l.b, v)
}

// strIf writes a string field only when it is not empty.
func (l *line) strIf(k, v string) {
	if v != "" {
		l.str(k, v)
	}
}

func (l *line) int(k string, v int64) {
	l.key(k)
	l.b = strconv.AppendInt(l.b, v, 10)
}

func (l *line) bool(k string, v bool) {
	l.key(k)
	l.b = strconv.AppendBool(l.b, v)
}

func (l *line) ms(k string, d time.Duration) {
	l.key(k)
	l.b = strconv.AppendFloat(l.b, ms(d), 'f', -1, 64)
}

// event encodes one client event; error texts and close reasons are
// redacted here, off the client's path.
func (l *line) event(e *Event, start time.Time) []byte {
	l.begin(e.At, start)
	l.int("vu", int64(e.VU))
	l.int("iter", int64(e.Iter))
	l.int("conn", int64(e.Conn))
	l.str("event", e.Kind.String())
	switch e.Kind {
	case ClientEnd:
		l.bool("completed", e.OK)
	case State:
		l.str("from", e.From)
		l.str("to", e.To)
		l.ms("prev_ms", e.Dur)
	case DialFailed:
		l.int("attempt", int64(e.Attempt))
		l.ms("dur_ms", e.Dur)
		l.str("cause", e.Cause)
		if e.Status != 0 {
			l.int("status", int64(e.Status))
		}
		l.str("error", RedactText(e.Err))
	case Open:
		l.int("attempt", int64(e.Attempt))
		l.ms("connect_ms", e.Dur)
		if e.Transport != "" {
			l.str("sid", e.SID)
			l.str("transport", e.Transport)
			l.bool("upgraded", e.Upgraded)
		}
	case Drop:
		l.str("cause", e.Cause)
		if e.Code != 0 {
			l.int("code", int64(e.Code))
		}
		l.strIf("reason", RedactText(e.Reason))
		l.str("error", RedactText(e.Err))
		l.ms("lifetime_ms", e.Dur)
		if e.Idle >= 0 {
			l.ms("idle_ms", e.Idle)
		}
	case Close:
		l.int("code", int64(e.Code))
		l.strIf("reason", RedactText(e.Reason))
	case Backoff:
		l.int("attempt", int64(e.Attempt))
		l.ms("delay_ms", e.Dur)
	case HeartbeatMiss:
		if e.Dur > 0 {
			l.ms("timeout_ms", e.Dur)
		}
	case QueueOverflow:
		l.str("policy", e.Policy)
		l.int("max", int64(e.Max))
		l.int("dropped", int64(e.N))
	case Flush:
		l.int("flushed", int64(e.N))
		l.int("left", int64(e.Left))
		l.ms("dur_ms", e.Dur)
	case GiveUp:
		l.int("attempts", int64(e.Attempt))
	case Offline:
		l.str("mode", e.Mode)
		l.ms("for_ms", e.Dur)
	case Background:
		l.bool("close", e.OK)
		l.ms("for_ms", e.Dur)
	case Noticed:
		l.str("by", e.Mode)
		l.ms("after_ms", e.Dur)
	}
	return l.end()
}

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
