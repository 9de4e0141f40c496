package client

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/transport"
)

const reconnectScenario = `
target: ws://fake/
duration: 1m
clients: {count: 1}
client:
  reconnect: {initial_delay: 200ms, max_delay: 5s, multiplier: 2, jitter: 0.2, max_attempts: %d}
  heartbeat: {mode: off}
steps:
  - connect
`

func scenarioWith(maxAttempts int) string { return fmt.Sprintf(reconnectScenario, maxAttempts) }

// TestReconnectScheduleFollowsPolicy drives a failing first connect: the
// client waits exactly the policy's delays, then opens.
func TestReconnectScheduleFollowsPolicy(t *testing.T) {
	sc := loadScenario(t, scenarioWith(0))
	conn := newFakeConn()
	d := &fakeDialer{script: []any{errRefused, errRefused, errRefused, errRefused, errRefused, errRefused, errRefused, conn}}
	clock := newFakeClock()
	vu, rec := newTestVU(t, sc, d, clock, halfDraw)

	if !vu.Run(context.Background(), context.Background()) {
		t.Fatal("Run did not complete the steps")
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 3200 * time.Millisecond, 5 * time.Second, 5 * time.Second}
	if got := clock.Sleeps(); !slices.Equal(got, want) {
		t.Fatalf("backoff sleeps = %v, want %v", got, want)
	}
	s := counters(rec)
	for c, n := range map[metrics.Counter]int64{
		metrics.ConnFailed: 7, metrics.ReconnectAttempts: 7, metrics.ReconnectSuccesses: 1,
		metrics.ReconnectGiveUps: 0, metrics.ConnOpened: 1, metrics.ConnClosed: 1, metrics.ConnDropped: 0,
	} {
		if s.Counters[c] != n {
			t.Errorf("%s = %d, want %d", c.Name(), s.Counters[c], n)
		}
	}
	if s.Causes[metrics.CauseRefused] != 7 {
		t.Errorf("connection_refused = %d, want 7", s.Causes[metrics.CauseRefused])
	}
}

// TestReconnectJitterDraws checks each attempt uses the next random draw
// with its own attempt number.
func TestReconnectJitterDraws(t *testing.T) {
	sc := loadScenario(t, scenarioWith(0))
	d := &fakeDialer{script: []any{errRefused, errRefused, errRefused, errRefused, newFakeConn()}}
	clock := newFakeClock()
	vu, _ := newTestVU(t, sc, d, clock, rand.NewPCG(7, 9))
	vu.Run(context.Background(), context.Background())

	draws := rand.New(rand.NewPCG(7, 9))
	b := Backoff{Initial: 200 * time.Millisecond, Max: 5 * time.Second, Multiplier: 2, Jitter: 0.2}
	var want []time.Duration
	for n := range 4 {
		want = append(want, b.Delay(n, draws.Float64()))
	}
	if got := clock.Sleeps(); !slices.Equal(got, want) {
		t.Fatalf("sleeps = %v, want %v", got, want)
	}
}

func TestReconnectGivesUpAfterMaxAttempts(t *testing.T) {
	sc := loadScenario(t, scenarioWith(3))
	d := &fakeDialer{script: []any{errRefused}}
	clock := newFakeClock()
	vu, rec := newTestVU(t, sc, d, clock, halfDraw)

	if vu.Run(context.Background(), context.Background()) {
		t.Fatal("Run reported completed steps for a client that never connected")
	}
	if got := vu.State(); got != Failed {
		t.Fatalf("state = %s, want failed", got)
	}
	if got := len(clock.Sleeps()); got != 3 {
		t.Fatalf("slept %d times, want 3", got)
	}
	s := counters(rec)
	if s.Counters[metrics.ConnFailed] != 4 || s.Counters[metrics.ReconnectAttempts] != 3 || s.Counters[metrics.ReconnectGiveUps] != 1 {
		t.Fatalf("failed/attempts/give-ups = %d/%d/%d, want 4/3/1", s.Counters[metrics.ConnFailed],
			s.Counters[metrics.ReconnectAttempts], s.Counters[metrics.ReconnectGiveUps])
	}
}

// TestDropThenRecover: an open connection ends with 1011; the client
// records the drop with its code, waits one initial delay and reopens;
// time to recover is exactly that delay on the fake clock.
func TestDropThenRecover(t *testing.T) {
	sc := loadScenario(t, `
target: ws://fake/
duration: 1m
clients: {count: 1}
client:
  reconnect: {initial_delay: 300ms, jitter: 0}
  heartbeat: {mode: off}
steps:
  - connect
  - expect: {regex: after-reconnect, timeout: 10s}
`)
	first, second := newFakeConn(), newFakeConn()
	d := &fakeDialer{script: []any{first, second}}
	clock := newFakeClock()
	vu, rec := newTestVU(t, sc, d, clock, halfDraw)

	done := startVU(t, vu, context.Background())
	first.finish(&transport.CloseError{Code: 1011, Reason: "boom"})
	waitFor(t, func() bool { return vu.State() == Open && d.dialCount() == 2 })
	second.in <- []byte("after-reconnect")
	if !<-done {
		t.Fatal("Run did not complete")
	}
	s := counters(rec)
	if s.CloseCodes[1011] != 1 || s.Causes[metrics.CauseServerClose] != 1 {
		t.Fatalf("close codes %v, server_close %d; want one 1011", s.CloseCodes, s.Causes[metrics.CauseServerClose])
	}
	rh := s.Hists[metrics.Recover]
	if rh.TotalCount() != 1 || rh.Max() < 299_000 || rh.Max() > 301_000 {
		t.Fatalf("recover: %d samples, max %dµs; want one of 300ms", rh.TotalCount(), rh.Max())
	}
	if got := clock.Sleeps(); !slices.Equal(got, []time.Duration{300 * time.Millisecond}) {
		t.Fatalf("sleeps = %v", got)
	}
	// A standalone expect waits for a push: matched, but not a round trip.
	if s.Counters[metrics.ExpectMatched] != 1 || s.Hists[metrics.RTT].TotalCount() != 0 {
		t.Fatalf("matched %d, rtt samples %d; want 1 and 0", s.Counters[metrics.ExpectMatched], s.Hists[metrics.RTT].TotalCount())
	}
}

func (d *fakeDialer) dialCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

func waitState(t *testing.T, vu *VU, s State) {
	t.Helper()
	waitFor(t, func() bool { return vu.State() == s })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(time.Millisecond)
	}
}
