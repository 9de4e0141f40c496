package client

import (
	"context"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/transport/ws"
)

// startServer starts a plain test server for t.
func startServer(t *testing.T) *testserver.Server { return servertest.Start(t, testserver.Config{}) }

// oneClient loads a single-client scenario: body holds its client block
// and steps; the header every such test shares is added here.
func oneClient(t *testing.T, body string) *scenario.Scenario {
	t.Helper()
	return loadScenario(t, "target: ws://127.0.0.1/\nduration: 1m\nclients: {count: 1}"+body)
}

// realVU runs a VU against srv with the real clock and dialer.
func realVU(t *testing.T, sc *scenario.Scenario, url string) (*VU, *metrics.Recorder) {
	t.Helper()
	rec := metrics.NewRecorder(time.Now(), 1)
	vu := New(Options{Slot: 1, URL: url, Dialer: ws.NewDialer(ws.Options{}), Scenario: sc, Shard: rec.Shard(0)})
	return vu, rec
}

// startVU runs vu in the background until it is open; the returned
// channel yields Run's result.
func startVU(t *testing.T, vu *VU, stop context.Context) <-chan bool {
	t.Helper()
	done := make(chan bool, 1)
	go func() { done <- vu.Run(context.Background(), stop) }()
	waitState(t, vu, Open)
	return done
}

// TestHeartbeatTimeout: a server that stops answering pings is declared
// dead interval+timeout after the connection opened (within 100 ms), the
// drop is classified as a heartbeat timeout, and the client reconnects.
func TestHeartbeatTimeout(t *testing.T) {
	const interval, timeout, tolerance = 300 * time.Millisecond, 200 * time.Millisecond, 100 * time.Millisecond
	srv := startServer(t)
	sc := oneClient(t, `
client:
  reconnect: {initial_delay: 50ms, jitter: 0}
  heartbeat: {mode: ping, interval: 300ms, timeout: 200ms}
steps:
  - connect
  - sleep: 1m
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	srv.SetIgnorePings(true)
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startVU(t, vu, stop)
	vu.mu.Lock()
	opened := vu.stateSince // when it opened, not when the test saw it
	vu.mu.Unlock()
	waitFor(t, func() bool { return vu.State() != Open })
	dead := time.Since(opened)
	if dead < interval+timeout-10*time.Millisecond || dead > interval+timeout+tolerance {
		t.Errorf("declared dead %v after open, want %v ± %v", dead, interval+timeout, tolerance)
	}
	srv.SetIgnorePings(false)
	waitFor(t, func() bool {
		return vu.State() == Open && rec.Snapshot(time.Now()).Counters[metrics.ReconnectSuccesses] == 1
	})
	cancel()
	<-done

	s := rec.Snapshot(time.Now())
	if s.Causes[metrics.CauseHeartbeat] != 1 || s.Counters[metrics.HeartbeatMissed] != 1 || s.CloseCodes[1006] != 1 {
		t.Fatalf("heartbeat_timeout %d, missed %d, 1006 %d; want 1 each", s.Causes[metrics.CauseHeartbeat],
			s.Counters[metrics.HeartbeatMissed], s.CloseCodes[1006])
	}
}

// TestHeartbeatKeepsHealthyConnection: answered pings are timed and never
// declared missed.
func TestHeartbeatKeepsHealthyConnection(t *testing.T) {
	srv := startServer(t)
	sc := oneClient(t, `
client:
  heartbeat: {mode: ping, interval: 50ms, timeout: 40ms}
steps:
  - connect
  - sleep: 600ms
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	if !vu.Run(context.Background(), context.Background()) {
		t.Fatal("steps did not complete")
	}
	s := rec.Snapshot(time.Now())
	sent, missed := s.Counters[metrics.HeartbeatSent], s.Counters[metrics.HeartbeatMissed]
	if sent < 8 || missed != 0 || s.Counters[metrics.ConnDropped] != 0 {
		t.Fatalf("sent %d missed %d dropped %d; want ≥8 pings, none missed", sent, missed, s.Counters[metrics.ConnDropped])
	}
	if got := s.Hists[metrics.Heartbeat].TotalCount(); got != sent {
		t.Fatalf("%d heartbeat round trips recorded for %d pings", got, sent)
	}
}

// TestApplicationHeartbeat: mode message sends the payload and treats a
// matching message as the pong; the echo server echoes it back.
func TestApplicationHeartbeat(t *testing.T) {
	srv := startServer(t)
	sc := oneClient(t, `
client:
  heartbeat: {mode: message, interval: 50ms, timeout: 40ms, payload: '{"type":"ping"}', reply: '"type":"ping"'}
steps:
  - connect
  - sleep: 400ms
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	vu.Run(context.Background(), context.Background())
	s := rec.Snapshot(time.Now())
	if s.Counters[metrics.HeartbeatSent] < 5 || s.Counters[metrics.HeartbeatMissed] != 0 {
		t.Fatalf("sent %d missed %d", s.Counters[metrics.HeartbeatSent], s.Counters[metrics.HeartbeatMissed])
	}
	if s.Counters[metrics.MsgsUnmatched] != 0 {
		t.Fatalf("%d heartbeat replies counted as unmatched", s.Counters[metrics.MsgsUnmatched])
	}
	// A reply pattern the echo never produces: the heartbeat times out.
	sc2 := oneClient(t, `
client:
  reconnect: {enabled: false}
  heartbeat: {mode: message, interval: 50ms, timeout: 40ms, payload: 'ping', reply: '^pong$'}
steps:
  - connect
  - sleep: 300ms
`)
	vu2, rec2 := realVU(t, sc2, srv.URL("/echo"))
	vu2.Run(context.Background(), context.Background())
	s2 := rec2.Snapshot(time.Now())
	if s2.Counters[metrics.HeartbeatMissed] != 1 || s2.Causes[metrics.CauseHeartbeat] != 1 {
		t.Fatalf("missed %d, heartbeat drops %d; want 1 and 1", s2.Counters[metrics.HeartbeatMissed], s2.Causes[metrics.CauseHeartbeat])
	}
}
