package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package when a Writer leaves its goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSampledShareAndDeterminism(t *testing.T) {
	const slots = 10000
	for _, pct := range []float64{0, 1, 10, 33.3, 50, 90, 100} {
		for _, seed := range []uint64{1, 42, 1 << 60} {
			n := 0
			for slot := 1; slot <= slots; slot++ {
				got := Sampled(slot, seed, pct/100)
				if got != Sampled(slot, seed, pct/100) {
					t.Fatalf("slot %d seed %d: not deterministic", slot, seed)
				}
				if got {
					n++
				}
			}
			share := 100 * float64(n) / slots
			if math.Abs(share-pct) > 2 {
				t.Errorf("%g%% of %d slots with seed %d: traced %.2f%%", pct, slots, seed, share)
			}
			if (pct == 0 && n != 0) || (pct == 100 && n != slots) {
				t.Errorf("%g%%: traced %d of %d", pct, n, slots)
			}
		}
	}
}

func TestSampledDependsOnSeed(t *testing.T) {
	same := 0
	for slot := 1; slot <= 1000; slot++ {
		if Sampled(slot, 1, 0.5) == Sampled(slot, 2, 0.5) {
			same++
		}
	}
	if same > 600 || same < 400 {
		t.Fatalf("seeds 1 and 2 agree on %d of 1000 slots at 50%%: the seed barely matters", same)
	}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// lines decodes every line of a trace, failing on one that is not JSON.
func lines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", len(out)+1, err, sc.Text())
		}
		out = append(out, m)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		t.Fatal("the trace does not end with a newline")
	}
	return out
}

func TestWriterFormat(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf, Options{Share: 1})
	w.Begin(Run{Start: t0, Seed: 7, Scenario: "s", URL: "ws://u:pw@h/x?token=abc&room=1", Protocol: "websocket"})
	at := t0.Add(1500*time.Millisecond + 250*time.Microsecond)
	evs := []Event{
		{Kind: ClientStart},
		{Kind: State, From: "closed", To: "connecting", Dur: 3 * time.Millisecond},
		{Kind: DialFailed, Conn: 1, Dur: 2 * time.Millisecond, Cause: "handshake_status", Status: 401,
			Err: `Get "http://h/socket.io/?EIO=4&transport=polling&auth_token=s3cr3t": refused`},
		{Kind: Open, Conn: 2, Attempt: 1, Dur: 1200 * time.Microsecond, SID: "abc", Transport: "websocket", Upgraded: true},
		{Kind: Drop, Conn: 2, Cause: "server_close", Code: 1001, Reason: "bye\n\"now\"", Err: "closed", Dur: time.Second, Idle: -1},
		{Kind: Backoff, Conn: 2, Attempt: 1, Dur: 50 * time.Millisecond},
		{Kind: QueueOverflow, Conn: 2, Policy: "drop-oldest", Max: 10, N: 4},
		{Kind: Flush, Conn: 3, N: 10, Dur: time.Millisecond},
		{Kind: HeartbeatMiss, Conn: 3, Dur: time.Second},
		{Kind: Close, Conn: 3, Code: 1000},
		{Kind: GiveUp, Conn: 3, Attempt: 5},
		{Kind: ClientEnd, OK: true},
	}
	for _, e := range evs {
		e.At, e.VU, e.Iter = at, 3, 2
		w.Emit(e)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "s3cr3t") || strings.Contains(s, "abc&") || strings.Contains(s, "pw@") {
		t.Fatalf("a secret is in the trace:\n%s", s)
	}
	ls := lines(t, buf.Bytes())
	if len(ls) != len(evs)+2 {
		t.Fatalf("%d lines, want %d:\n%s", len(ls), len(evs)+2, buf.String())
	}
	start, end := ls[0], ls[len(ls)-1]
	if start["event"] != "trace_start" || start["url"] != "ws://u:xxxxx@h/x?room=1&token=xxxxx" ||
		start["seed"] != 7.0 || start["sample_pct"] != 100.0 || start["ms"] != 0.0 || start["t"] != "2026-03-01T12:00:00.000000Z" {
		t.Errorf("start line: %v", start)
	}
	if end["event"] != "trace_end" || end["events"] != float64(len(evs)) || end["dropped"] != 0.0 {
		t.Errorf("end line: %v", end)
	}
	for i, l := range ls[1 : len(ls)-1] {
		if l["event"] != evs[i].Kind.String() || l["vu"] != 3.0 || l["iter"] != 2.0 || l["ms"] != 1500.25 ||
			l["t"] != "2026-03-01T12:00:01.500250Z" {
			t.Errorf("line %d: %v", i+2, l)
		}
	}
	want := map[string]map[string]any{
		"state":          {"from": "closed", "to": "connecting", "prev_ms": 3.0},
		"dial_failed":    {"cause": "handshake_status", "status": 401.0, "dur_ms": 2.0, "attempt": 0.0},
		"open":           {"connect_ms": 1.2, "sid": "abc", "transport": "websocket", "upgraded": true, "conn": 2.0},
		"drop":           {"code": 1001.0, "reason": "bye\n\"now\"", "lifetime_ms": 1000.0, "idle_ms": nil},
		"backoff":        {"attempt": 1.0, "delay_ms": 50.0},
		"queue_overflow": {"policy": "drop-oldest", "max": 10.0, "dropped": 4.0},
		"flush":          {"flushed": 10.0, "left": 0.0},
		"heartbeat_miss": {"timeout_ms": 1000.0},
		"close":          {"code": 1000.0},
		"give_up":        {"attempts": 5.0},
		"client_end":     {"completed": true},
	}
	for _, l := range ls {
		for k, v := range want[l["event"].(string)] {
			if l[k] != v {
				t.Errorf("%s: %s = %v, want %v", l["event"], k, l[k], v)
			}
		}
	}
}

func TestWriterTruncates(t *testing.T) {
	const max = MinMaxBytes
	var buf bytes.Buffer
	w := New(&buf, Options{Share: 1, MaxBytes: max, Buffer: 2000})
	w.Begin(Run{Start: t0, Scenario: "s", URL: "ws://h/"})
	for i := range 1000 {
		w.Emit(Event{At: t0.Add(time.Duration(i) * time.Millisecond), Kind: Drop, VU: i, Cause: "server_close", Code: 1001, Err: "closed"})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if buf.Len() > max || st.Bytes != int64(buf.Len()) {
		t.Fatalf("the trace has %d bytes (stats: %d), bound %d", buf.Len(), st.Bytes, max)
	}
	ls := lines(t, buf.Bytes())
	last := ls[len(ls)-1]
	if last["event"] != "trace_truncated" || last["events"] != float64(st.Events) || last["max_bytes"] != float64(max) {
		t.Fatalf("last line %v, stats %+v", last, st)
	}
	if !st.Truncated || st.Events != int64(len(ls)-2) || st.Events+st.Skipped+st.Dropped != 1000 || st.Dropped != 0 {
		t.Fatalf("stats %+v for %d lines", st, len(ls))
	}
	// Once truncated, nothing more is written.
	w.Emit(Event{At: t0, Kind: ClientStart})
	if buf.Len() != int(st.Bytes) {
		t.Fatal("an event after the truncation was written")
	}
}

// blockedWriter blocks every Write until release is closed.
type blockedWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func TestEmitDropsInsteadOfBlocking(t *testing.T) {
	bw := &blockedWriter{release: make(chan struct{})}
	w := New(bw, Options{Share: 1, Buffer: 64})
	w.Begin(Run{Start: t0, URL: "ws://h/"}) // its flush blocks the writer's goroutine
	const n = 100000
	begin := time.Now()
	for i := range n {
		w.Emit(Event{At: t0, Kind: Open, VU: i})
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Fatalf("%d Emits took %s with the writer stuck", n, d)
	}
	close(bw.release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st := w.Stats()
	if st.Dropped < n-64-1 || st.Events+st.Dropped != n {
		t.Fatalf("stats %+v after %d events into a 64-event buffer", st, n)
	}
	ls := lines(t, bw.buf.Bytes())
	if end := ls[len(ls)-1]; end["event"] != "trace_end" || end["dropped"] != float64(st.Dropped) {
		t.Fatalf("last line %v", end)
	}
}

func TestWriterWithoutBegin(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf, Options{})
	w.Emit(Event{Kind: ClientStart})
	if err := w.Close(); err != nil || buf.Len() != 0 {
		t.Fatalf("err %v, %d bytes written without Begin", err, buf.Len())
	}
	if err := w.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

func TestRedact(t *testing.T) {
	for _, tt := range []struct{ name, in, url, text string }{
		{"plain", "ws://host:8080/ws?room=1", "ws://host:8080/ws?room=1", "ws://host:8080/ws?room=1"},
		{"token", "wss://h/ws?token=abc&room=1", "wss://h/ws?room=1&token=xxxxx", "wss://h/ws?token=xxxxx&room=1"},
		{"any case and substring", "ws://h/?Access_Token=a&apiKey=b&X-Sig=c", "ws://h/?Access_Token=xxxxx&X-Sig=xxxxx&apiKey=xxxxx",
			"ws://h/?Access_Token=xxxxx&apiKey=xxxxx&X-Sig=xxxxx"},
		{"password", "ws://me:hunter2@h/", "ws://me:xxxxx@h/", "ws://me:xxxxx@h/"},
		{"user only", "ws://me@h/", "ws://me@h/", "ws://me@h/"},
		{"in an error", `Get "http://u:p@h/socket.io/?EIO=4&session=s1&transport=polling": EOF`, "",
			`Get "http://u:xxxxx@h/socket.io/?EIO=4&session=xxxxx&transport=polling": EOF`},
		{"bare query", "GET /ws?jwt=eyJ.x.y&credentials=c HTTP/1.1", "", "GET /ws?jwt=xxxxx&credentials=xxxxx HTTP/1.1"},
		{"no secret", "dial tcp 127.0.0.1:1: connect: connection refused", "", "dial tcp 127.0.0.1:1: connect: connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.url != "" {
				if got := RedactURL(tt.in); got != tt.url {
					t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.url)
				}
			}
			if got := RedactText(tt.in); got != tt.text {
				t.Errorf("RedactText(%q) = %q, want %q", tt.in, got, tt.text)
			}
		})
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\`, "\x00\x1f\x7f\n\r\t", "héllo ✓", "bad \xff utf8", "\u2028"} {
		var got string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want {
			t.Errorf("%q round-trips to %q", s, got)
		}
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := range numKinds {
		n := k.String()
		if n == "" || n == "unknown" || seen[n] {
			t.Fatalf("kind %d is named %q", k, n)
		}
		seen[n] = true
	}
}

// BenchmarkEmit is a client's cost per event: a copy into the buffer,
// or, when the writer cannot keep up (here: events as fast as a loop
// makes them), a counted drop.
func BenchmarkEmit(b *testing.B) {
	w := New(io.Discard, Options{Share: 1, MaxBytes: 1 << 62})
	w.Begin(Run{Start: t0})
	e := Event{At: t0, Kind: Drop, VU: 12, Conn: 3, Cause: "server_close", Code: 1001, Err: "connection closed with code 1001", Dur: time.Second}
	b.ReportAllocs()
	for b.Loop() {
		w.Emit(e)
	}
	b.StopTimer()
	w.Close()
	b.ReportMetric(float64(w.Stats().Dropped)/float64(b.N), "dropped/op")
}

// BenchmarkEncode is the writer's cost per line, off the clients' path.
func BenchmarkEncode(b *testing.B) {
	var l line
	e := Event{At: t0.Add(time.Second), Kind: Drop, VU: 12, Conn: 3, Cause: "server_close", Code: 1001, Reason: "going away",
		Err: "connection closed with code 1001 (going away)", Dur: time.Second, Idle: time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		l.event(&e, t0)
	}
}
