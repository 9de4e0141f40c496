package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
)

// startServer starts a plain test server for t.
func startServer(t *testing.T) *testserver.Server { return servertest.Start(t, testserver.Config{}) }

// runYAML parses yaml (with TARGET replaced by target) and runs it.
func runYAML(t *testing.T, yaml, target string, o Options) *Result {
	t.Helper()
	yaml = strings.ReplaceAll(yaml, "TARGET", target)
	sc, err := scenario.Parse(t.Name()+".yaml", []byte(yaml), scenario.Overrides{})
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	res, err := Run(context.Background(), sc, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// waitOpen waits until the server holds n open connections. It may run
// outside the test goroutine, so it returns an error instead of failing.
func waitOpen(srv *testserver.Server, n int64) error {
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Open != n {
		if time.Now().After(deadline) {
			return fmt.Errorf("server has %d open connections, want %d", srv.Stats().Open, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

const sequenceScenario = `
target: TARGET
duration: 4s
graceful_stop: 3s
clients: {count: 50}
client:
  reconnect: {initial_delay: 100ms, max_delay: 300ms, multiplier: 2, jitter: 0.2}
  heartbeat: {mode: ping, interval: 1s, timeout: 1s}
  queue: {max: %d, overflow: drop-oldest}
steps:
  - connect
  - loop:
      steps:
        - send: '{"client":"{{.VU}}","seq":{{.Seq}}}'
        - sleep: 50ms
`

// restartAfterOpen restarts srv (down for down) once all clients are open.
func restartAfterOpen(srv *testserver.Server, clients int64, down time.Duration) chan error {
	errc := make(chan error, 1)
	go func() {
		if err := waitOpen(srv, clients); err != nil {
			errc <- err
			return
		}
		time.Sleep(500 * time.Millisecond)
		errc <- srv.Restart(down)
	}()
	return errc
}

// checkSequences compares what the server received per client with what
// the clients say they sent and dropped.
func checkSequences(t *testing.T, srv *testserver.Server, snap *metrics.Snapshot, clients int) (gaps int64) {
	t.Helper()
	st := srv.Stats()
	if len(st.Clients) != clients {
		t.Fatalf("server saw %d clients, want %d", len(st.Clients), clients)
	}
	var received int64
	for id, s := range st.Clients {
		if s.Backwards != 0 {
			t.Errorf("client %s: %d messages out of order or duplicated", id, s.Backwards)
		}
		gaps += s.Gaps
		received += s.Received
	}
	if sent := snap.Counters[metrics.MsgsSent]; received != sent {
		t.Errorf("server received %d messages, clients sent %d", received, sent)
	}
	return gaps
}

// TestReconnectAfterServerRestart: 50 clients with a queue; the server
// restarts (down 1 s) mid-run; every client reconnects and everything
// sent while the server was down arrives afterwards, in order, no gaps.
func TestReconnectAfterServerRestart(t *testing.T) {
	srv := startServer(t)
	restarted := restartAfterOpen(srv, 50, time.Second)
	res := runYAML(t, fmt.Sprintf(sequenceScenario, 1000), srv.URL("/echo"), Options{})
	if err := <-restarted; err != nil {
		t.Fatalf("restart: %v", err)
	}
	s := res.Snapshot
	c := &s.Counters
	if c[metrics.ConnDropped] != 50 || s.Causes[metrics.CauseAbnormal] != 50 {
		t.Fatalf("dropped %d (abnormal %d), want 50 abnormal closures; causes %v, examples %q", c[metrics.ConnDropped], s.Causes[metrics.CauseAbnormal], s.Causes, s.Examples)
	}
	if c[metrics.ReconnectSuccesses] != 50 || c[metrics.ReconnectGiveUps] != 0 {
		t.Fatalf("reconnect successes %d give-ups %d, want 50 and 0", c[metrics.ReconnectSuccesses], c[metrics.ReconnectGiveUps])
	}
	rec := s.Hists[metrics.Recover]
	if rec.TotalCount() != 50 || rec.Min() < 950_000 || rec.Max() > 2_000_000 {
		t.Fatalf("recover: %d samples from %dµs to %dµs; want 50 between the 1s outage and 2s", rec.TotalCount(), rec.Min(), rec.Max())
	}
	if c[metrics.QueueQueued] < 50*10 || c[metrics.QueueFlushed] != c[metrics.QueueQueued] || c[metrics.QueueDropped] != 0 || c[metrics.QueueUnsent] != 0 {
		t.Fatalf("queue: queued %d flushed %d dropped %d unsent %d; want ≥500 queued, all flushed",
			c[metrics.QueueQueued], c[metrics.QueueFlushed], c[metrics.QueueDropped], c[metrics.QueueUnsent])
	}
	if gaps := checkSequences(t, srv, s, 50); gaps != 0 {
		t.Fatalf("server saw %d missing sequence numbers, want none", gaps)
	}
}

// TestQueueSmallerThanOutage: the queue holds 5 of the ~20 messages each
// client sends while the server is down; the dropped count the clients
// report is exactly what the server finds missing.
func TestQueueSmallerThanOutage(t *testing.T) {
	srv := startServer(t)
	restarted := restartAfterOpen(srv, 50, time.Second)
	res := runYAML(t, fmt.Sprintf(sequenceScenario, 5), srv.URL("/echo"), Options{})
	if err := <-restarted; err != nil {
		t.Fatalf("restart: %v", err)
	}
	c := &res.Snapshot.Counters
	dropped := c[metrics.QueueDropped]
	if dropped < 50*10 {
		t.Fatalf("queue dropped %d, want at least 500 for a 1s outage at 20 msg/s into 5 slots", dropped)
	}
	if c[metrics.QueueFlushed] != c[metrics.QueueQueued]-dropped {
		t.Fatalf("flushed %d != queued %d - dropped %d", c[metrics.QueueFlushed], c[metrics.QueueQueued], dropped)
	}
	if gaps := checkSequences(t, srv, res.Snapshot, 50); gaps != dropped {
		t.Fatalf("server found %d missing sequence numbers, clients reported %d dropped", gaps, dropped)
	}
}

// TestDropCausesByCode closes connections with 1001, 1011 and 4000 and
// resets some; each is counted under its code, resets as abnormal (1006)
// with cause tcp_reset.
func TestDropCausesByCode(t *testing.T) {
	srv := startServer(t)
	want := map[int]int64{}
	var resets int64
	errc := make(chan error, 1)
	go func() {
		for _, code := range []int{1001, 1011, 4000} {
			if err := waitOpen(srv, 20); err != nil {
				errc <- err
				return
			}
			want[code] = int64(srv.CloseFraction(0.25, code, "test"))
			time.Sleep(100 * time.Millisecond)
		}
		if err := waitOpen(srv, 20); err != nil {
			errc <- err
			return
		}
		resets = int64(srv.ResetFraction(0.25))
		errc <- nil
	}()
	res := runYAML(t, `
target: TARGET
duration: 3s
clients: {count: 20}
client:
  reconnect: {initial_delay: 20ms, max_delay: 50ms}
  heartbeat: {mode: off}
steps:
  - connect
  - loop: {steps: [sleep: 100ms]}
`, srv.URL("/echo"), Options{})
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	s := res.Snapshot
	for code, n := range want {
		if n != 5 || s.CloseCodes[code] != n {
			t.Errorf("close code %d: counted %d, server closed %d (want 5)", code, s.CloseCodes[code], n)
		}
	}
	if resets != 5 || s.CloseCodes[1006] != resets || s.Causes[metrics.CauseReset] != resets {
		t.Errorf("resets: server %d, code 1006 %d, tcp_reset %d; want 5 each", resets, s.CloseCodes[1006], s.Causes[metrics.CauseReset])
	}
	if s.Causes[metrics.CauseServerClose] != 15 {
		t.Errorf("server_close = %d, want 15", s.Causes[metrics.CauseServerClose])
	}
}

// TestRoundTripLatency: a server delaying replies by 20 ms gives a median
// round trip between 20 and 25 ms.
func TestRoundTripLatency(t *testing.T) {
	srv := startServer(t)
	srv.SetDelay(20*time.Millisecond, 20*time.Millisecond)
	res := runYAML(t, `
target: TARGET
duration: 2s
clients: {count: 10}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', expect: {json_field: id, timeout: 2s}}
        - sleep: 10ms
`, srv.URL("/json"), Options{})
	h := res.Snapshot.Hists[metrics.RTT]
	if h.TotalCount() < 200 {
		t.Fatalf("only %d round trips", h.TotalCount())
	}
	if p50 := h.ValueAtQuantile(50); p50 < 20_000 || p50 > 25_000 {
		t.Fatalf("rtt p50 = %dµs, want 20000-25000", p50)
	}
	if res.Snapshot.Counters[metrics.ExpectTimedOut] != 0 {
		t.Fatalf("%d expects timed out", res.Snapshot.Counters[metrics.ExpectTimedOut])
	}
}
