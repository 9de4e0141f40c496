package probe

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one line of the timeline: something that happened to the
// probed connection, At its time since the probe started. Text is the
// line a person reads; Detail holds further lines (headers, certificate
// fields, a response body), each printed indented under it.
type Event struct {
	At     Duration `json:"t_ms"`
	Kind   Kind     `json:"kind"`
	Text   string   `json:"text"`
	Detail []string `json:"detail,omitempty"`
}

// Kind says what an Event is about, for programs reading the JSON lines.
type Kind string

// The kinds of Event.
const (
	KindDNS       Kind = "dns"       // name resolution, or why it was skipped
	KindTCP       Kind = "tcp"       // a TCP connect attempt
	KindTLS       Kind = "tls"       // the TLS handshake and the certificate
	KindRequest   Kind = "request"   // the HTTP upgrade request sent
	KindResponse  Kind = "response"  // the HTTP response received
	KindRefused   Kind = "refused"   // the upgrade was refused: status, headers, body, hint
	KindOpen      Kind = "open"      // the WebSocket (or Socket.IO namespace) is open
	KindSocketIO  Kind = "socketio"  // Engine.IO handshake and namespace connect
	KindMessage   Kind = "message"   // the first message from the server, or none
	KindPing      Kind = "ping"      // a ping round trip, or a missing pong
	KindHold      Kind = "hold"      // holding the connection; server pings while held
	KindHeartbeat Kind = "heartbeat" // a heartbeat ping while held
	KindEnd       Kind = "end"       // how and when the connection ended
	KindError     Kind = "error"     // a step failed; the connection did not open
	KindNote      Kind = "note"      // advice about what the lines above mean
)

// Duration is a time.Duration that JSON writes as milliseconds (a number
// with up to three decimals), as the _ms field names say.
type Duration time.Duration

// MarshalJSON writes d in milliseconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d)/1e6, 'f', -1, 64), nil
}

// UnmarshalJSON reads milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	ms, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("probe: duration in ms: %w", err)
	}
	*d = Duration(ms * 1e6)
	return nil
}

// ms rounds to the microsecond, so that JSON shows at most three decimals.
func ms(d time.Duration) Duration { return Duration(d.Round(time.Microsecond)) }

// String formats d as the timeline does: "0.3ms", "1.25s", "5m0.01s".
func (d Duration) String() string { return fmtDur(time.Duration(d)) }

// fmtDur formats a measured time for people: milliseconds with one
// decimal below a second, seconds with two decimals below a minute.
func fmtDur(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + fmtDur(-d)
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	}
	return d.Round(10 * time.Millisecond).String()
}

// fmtSetting formats a configured duration: "2s", "200ms", "5m", "1h30m".
func fmtSetting(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// timeline records events in order and hands each to the caller's
// callback as it happens. It is safe for concurrent use: the connection's
// reader and the probe's own goroutine both add events.
type timeline struct {
	start time.Time
	on    func(Event)

	mu     sync.Mutex
	events []Event
}

func newTimeline(on func(Event)) *timeline {
	return &timeline{start: time.Now(), on: on}
}

// now is the time since the start.
func (t *timeline) now() time.Duration { return time.Since(t.start) }

// add records an event that happens now.
func (t *timeline) add(k Kind, text string, detail ...string) {
	t.addAt(t.now(), k, text, detail...)
}

// addAt records an event that happened at, measured by the caller.
func (t *timeline) addAt(at time.Duration, k Kind, text string, detail ...string) {
	e := Event{At: ms(at), Kind: k, Text: text, Detail: detail}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, e)
	if t.on != nil {
		t.on(e)
	}
}

// list returns a copy of the events so far.
func (t *timeline) list() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Event(nil), t.events...)
}
