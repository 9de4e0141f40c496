package runner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/trace"
)

// traceLines decodes a trace, failing on a line that is not JSON.
func traceLines(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("trace line %d: %v\n%s", len(out)+1, err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

const closingServer = `
target: embedded
duration: 2s
graceful_stop: 2s
seed: 11
clients: {count: %d}
server:
  close: {every: 200ms, fraction: 1}
client:
  reconnect: {initial_delay: 20ms, max_delay: 100ms, jitter: 0.1}
steps:
  - connect
  - loop:
      steps:
        - send: hi
        - sleep: 20ms
`

// TestTraceSamplesSlots: a 50% trace holds the events of exactly the
// slots trace.Sampled picks for the run's seed, and its stats match it.
func TestTraceSamplesSlots(t *testing.T) {
	var buf bytes.Buffer
	tw := trace.New(&buf, trace.Options{Share: 0.5})
	res := runYAML(t, fmt.Sprintf(closingServer, 20), "", Options{Trace: tw})
	ls := traceLines(t, buf.Bytes())
	if ls[0]["event"] != "trace_start" || ls[len(ls)-1]["event"] != "trace_end" {
		t.Fatalf("first %v, last %v", ls[0], ls[len(ls)-1])
	}
	seen := map[int]bool{}
	for _, l := range ls[1 : len(ls)-1] {
		seen[int(l["vu"].(float64))] = true
	}
	for slot := 1; slot <= 20; slot++ {
		if want := trace.Sampled(slot, uint64(res.Seed), 0.5); seen[slot] != want {
			t.Errorf("slot %d traced %t, sampled %t", slot, seen[slot], want)
		}
	}
	st := res.Trace
	if st == nil || st.Events != int64(len(ls)-2) || st.Dropped != 0 || st.Truncated || st.Bytes != int64(buf.Len()) {
		t.Fatalf("stats %+v for %d lines, %d bytes", st, len(ls), buf.Len())
	}
}

// slowDisk takes delay for every write, like a disk that cannot keep up.
type slowDisk struct {
	delay time.Duration
	mu    sync.Mutex
	n     int
}

func (d *slowDisk) Write(p []byte) (int, error) {
	time.Sleep(d.delay)
	d.mu.Lock()
	d.n += len(p)
	d.mu.Unlock()
	return len(p), nil
}

// TestSlowTraceDoesNotSlowClients: with a writer far slower than the
// events come, events are dropped and counted, and the clients keep
// their pace: they reconnect and send as many messages as untraced ones.
func TestSlowTraceDoesNotSlowClients(t *testing.T) {
	base := runYAML(t, fmt.Sprintf(closingServer, 20), "", Options{})
	tw := trace.New(&slowDisk{delay: 50 * time.Millisecond}, trace.Options{Share: 1, Buffer: 4})
	begin := time.Now()
	res := runYAML(t, fmt.Sprintf(closingServer, 20), "", Options{Trace: tw})
	if took := time.Since(begin); took > 4*time.Second {
		t.Fatalf("a 2s run took %s with a slow trace", took)
	}
	st := res.Trace
	if st.Dropped == 0 || st.Events == 0 {
		t.Fatalf("trace stats %+v: want events written and some dropped", st)
	}
	for _, c := range []metrics.Counter{metrics.MsgsSent, metrics.ReconnectSuccesses} {
		b, r := base.Snapshot.Counters[c], res.Snapshot.Counters[c]
		if r < b*7/10 {
			t.Errorf("%s: %d traced vs %d untraced", c.Name(), r, b)
		}
	}
}

// TestTraceSocketIO: a Socket.IO open names its session, transport and
// upgrade; a server that stops pinging shows as a heartbeat miss and a
// ping_timeout drop, then give_up (reconnect off) and a failed client.
func TestTraceSocketIO(t *testing.T) {
	var buf bytes.Buffer
	tw := trace.New(&buf, trace.Options{Share: 1})
	runYAML(t, `
target: embedded
protocol: socketio
duration: 1500ms
graceful_stop: 1s
clients: {count: 2}
socketio: {transports: [polling, websocket]}
server: {ping_interval: 200ms, ping_timeout: 200ms, ignore_pings: true}
client: {reconnect: {enabled: false}}
steps: [connect, {sleep: 2s}]
`, "", Options{Trace: tw})
	ls := traceLines(t, buf.Bytes())
	seen := map[string]bool{}
	prevOf := map[any]map[string]any{} // the previous line of each client
	for _, l := range ls {
		ev := l["event"].(string)
		seen[ev] = true
		prev := prevOf[l["vu"]]
		prevOf[l["vu"]] = l
		switch ev {
		case "open":
			if sid, _ := l["sid"].(string); sid == "" || l["transport"] != "websocket" || l["upgraded"] != true {
				t.Errorf("open: %v", l)
			}
		case "drop":
			if l["cause"] != "ping_timeout" || prev["event"] != "heartbeat_miss" || prev["conn"] != l["conn"] {
				t.Errorf("drop %v after %v", l, prev)
			}
		case "give_up":
			if l["attempts"] != 0.0 {
				t.Errorf("give_up: %v", l)
			}
		}
	}
	for _, ev := range []string{"open", "heartbeat_miss", "drop", "give_up"} {
		if !seen[ev] {
			t.Errorf("no %s event in:\n%s", ev, buf.Bytes())
		}
	}
}
