package cmd_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dropRun: the embedded server closes every connection (1001) every
// 500ms and the clients reconnect. The client's header must not reach
// the trace.
const dropRun = `
name: drops
target: embedded
duration: %s
graceful_stop: 1s
clients: {count: 4}
server:
  close: {every: 500ms, fraction: 1}
client:
  headers: {Authorization: "Bearer secret-header"}
  reconnect: {initial_delay: 50ms, max_delay: 200ms, jitter: 0.1}
steps:
  - connect
  - loop:
      steps:
        - send: hi
        - sleep: 50ms
`

// traceLine is what the tests read of a line.
type traceLine struct {
	T          string   `json:"t"`
	MS         *float64 `json:"ms"`
	VU         int      `json:"vu"`
	Iter       int      `json:"iter"`
	Conn       int      `json:"conn"`
	Event      string   `json:"event"`
	To         string   `json:"to"`
	Code       int      `json:"code"`
	Cause      string   `json:"cause"`
	Events     int      `json:"events"`
	URL        string   `json:"url"`
	LifetimeMS float64  `json:"lifetime_ms"`
}

// readTrace decodes every line of a trace file, failing on any that is
// not a JSON object with t and ms.
func readTrace(t *testing.T, path string) ([]traceLine, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []traceLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var l traceLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		if err := dec.Decode(&l); err != nil || dec.More() {
			t.Fatalf("line %d is not one JSON object (%v):\n%s", len(out)+1, err, sc.Text())
		}
		if _, err := time.Parse(time.RFC3339Nano, l.T); err != nil || l.MS == nil {
			t.Fatalf("line %d: t %q (%v), ms %v", len(out)+1, l.T, err, l.MS)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		t.Fatal("the trace is empty")
	}
	return out, data
}

func TestRunTraceShowsDropsAndReconnects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, fmt.Sprintf(dropRun, "2500ms")), "-q", "--trace", path)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	ls, data := readTrace(t, path)
	for _, secret := range []string{"secret-token", "secret-header", "Bearer"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the trace contains %q", secret)
		}
	}
	first, last := ls[0], ls[len(ls)-1]
	if first.Event != "trace_start" || !strings.HasPrefix(first.URL, "ws://127.0.0.1:") {
		t.Fatalf("first line: %+v", first)
	}
	if last.Event != "trace_end" || last.Events != len(ls)-2 {
		t.Fatalf("last line %+v for %d lines", last, len(ls))
	}
	if want := fmt.Sprintf("wsbench: trace: %d events written to %s\n", len(ls)-2, path); !strings.Contains(r.stderr, want) {
		t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
	}

	// Some client's life reads: connecting, open, a 1001 drop, a backoff,
	// open again, in that order.
	type client struct{ vu, iter int }
	lives := map[client][]traceLine{}
	for _, l := range ls[1 : len(ls)-1] {
		lives[client{l.VU, l.Iter}] = append(lives[client{l.VU, l.Iter}], l)
	}
	pattern := []func(traceLine) bool{
		func(l traceLine) bool { return l.Event == "state" && l.To == "connecting" },
		func(l traceLine) bool { return l.Event == "open" },
		func(l traceLine) bool {
			return l.Event == "drop" && l.Code == 1001 && l.Cause == "server_close" && l.LifetimeMS > 0
		},
		func(l traceLine) bool { return l.Event == "backoff" },
		func(l traceLine) bool { return l.Event == "open" },
	}
	found := false
	for c, life := range lives {
		i, conn := 0, 0
		for _, l := range life {
			if pattern[i](l) {
				if i == 2 {
					conn = l.Conn // the drop is the opened connection's
				}
				if i == 4 && l.Conn != conn+1 {
					t.Fatalf("client %+v: the reconnect is conn %d after conn %d dropped", c, l.Conn, conn)
				}
				if i++; i == len(pattern) {
					found = true
					break
				}
			}
		}
	}
	if len(lives) != 4 || !found {
		t.Fatalf("%d clients traced; none reads connecting, open, drop 1001, backoff, open:\n%s", len(lives), data)
	}
}

func TestRunTraceSampleZeroWritesOnlyStartAndEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, fmt.Sprintf(dropRun, "1s")), "-q", "--trace", path, "--trace-sample", "0%")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	ls, data := readTrace(t, path)
	if len(ls) != 2 || ls[0].Event != "trace_start" || ls[1].Event != "trace_end" || ls[1].Events != 0 {
		t.Fatalf("a 0%% trace:\n%s", data)
	}
	if !strings.Contains(r.stderr, "wsbench: trace: 0 events written") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
}

func TestRunTraceStopsAtMaxSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, fmt.Sprintf(dropRun, "2s")), "-q", "--trace", path, "--trace-max-size", "4KiB")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	ls, data := readTrace(t, path)
	if len(data) > 4096 || ls[len(ls)-1].Event != "trace_truncated" || ls[len(ls)-1].Events != len(ls)-2 {
		t.Fatalf("%d bytes, last line %+v", len(data), ls[len(ls)-1])
	}
	if want := fmt.Sprintf("wsbench: trace: %d events written to %s (truncated at 4KiB;", len(ls)-2, path); !strings.Contains(r.stderr, want) {
		t.Fatalf("stderr lacks %q:\n%s", want, r.stderr)
	}
}

func TestRunTraceFlagErrors(t *testing.T) {
	dir := t.TempDir()
	sc := writeScenario(t, fmt.Sprintf(dropRun, "1s"))
	trace := filepath.Join(dir, "t.jsonl")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace", trace, "--trace-sample", "150%"}, "--trace-sample"},
		{[]string{"--trace", trace, "--trace-sample", "0.5"}, "--trace-sample"},
		{[]string{"--trace", trace, "--trace-max-size", "1KiB"}, "at least 4KiB"},
		{[]string{"--trace", trace, "--trace-max-size", "lots"}, "--trace-max-size"},
		{[]string{"--trace-sample", "10%"}, "needs --trace"},
		{[]string{"--trace", filepath.Join(dir, "missing", "t.jsonl")}, "--trace"},
	} {
		start := time.Now()
		r := wsbench(t, 10*time.Second, append([]string{"run", sc}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || time.Since(start) > 5*time.Second {
			t.Errorf("%v: exit %d after %s\n%s", tt.args, r.code, time.Since(start), r.stderr)
		}
	}
}

// TestRunTraceRedactsSecrets: the target's password and token and a
// Socket.IO query secret appear nowhere in the trace (the start line
// shows the target redacted), and the dial failures are there with
// their cause.
func TestRunTraceRedactsSecrets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	sc := writeScenario(t, `
name: refused
target: http://u:secret-password@`+addr+`/?token=secret-token
protocol: socketio
duration: 1s
graceful_stop: 1s
clients: {count: 2}
socketio:
  transports: [polling, websocket]
  query: {session_key: secret-query}
client:
  reconnect: {initial_delay: 100ms, jitter: 0}
steps:
  - connect
`)
	r := wsbench(t, 30*time.Second, "run", sc, "-q", "--trace", path)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (no connection opened)\n%s", r.code, r.stderr)
	}
	ls, data := readTrace(t, path)
	for _, secret := range []string{"secret-token", "secret-password", "secret-query"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the trace contains %q:\n%s", secret, data)
		}
	}
	var failed []traceLine
	for _, l := range ls {
		if l.Event == "dial_failed" {
			failed = append(failed, l)
		}
	}
	if ls[0].URL != "http://u:xxxxx@"+addr+"/?token=xxxxx" || len(failed) < 4 || failed[0].Cause != "connection_refused" {
		t.Fatalf("%d dial failures, first %+v:\n%s", len(failed), failed, data)
	}
}
