package client

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

const parkScenario = `
target: ws://fake
duration: 10s
clients: {count: 1}
client: {heartbeat: {mode: off}, reconnect: {enabled: false}}
steps:
  - connect
  - loop:
      count: 3
      steps:
        - send: 'm{{.Seq}}'
        - sleep: 300ms
  - sleep: 1h
`

// TestLongSleepHoldsNoGoroutine: clients waiting in a long sleep keep only
// their connection's reader goroutine.
func TestLongSleepHoldsNoGoroutine(t *testing.T) {
	const n = 50
	sc := loadScenario(t, parkScenario)
	before := runtime.NumGoroutine()
	var vus []*VU
	var conns []*fakeConn
	results := make(chan bool, n)
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range n {
		c := newFakeConn()
		vu, _ := newTestVU(t, sc, &fakeDialer{script: []any{c}}, realClock{}, nil)
		vu.Start(context.Background(), stop, func(ok bool) { results <- ok })
		vus, conns = append(vus, vu), append(conns, c)
	}
	waitFor(t, func() bool {
		for _, c := range conns {
			if len(c.Writes()) < 3 {
				return false
			}
		}
		for _, v := range vus {
			if !v.parked.Load() {
				return false
			}
		}
		return true
	})
	time.Sleep(50 * time.Millisecond) // let the last exec goroutines return
	if extra := runtime.NumGoroutine() - before; extra > n+5 {
		t.Fatalf("%d goroutines for %d parked clients; want one each (the reader)", extra, n)
	}
	for _, c := range conns {
		if w := c.Writes(); w[0] != "m1" || w[2] != "m3" {
			t.Fatalf("loop across parked sleeps sent %q", w)
		}
	}
	// A graceful stop wakes every parked client at once.
	start := time.Now()
	cancel()
	for range n {
		select {
		case ok := <-results:
			if ok {
				t.Error("a stopped client reported its steps completed")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("parked clients did not wake on stop")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("stopping parked clients took %s", d)
	}
}

// TestParkedClientWakesOnFailure: a client whose connection drops for good
// while it sleeps ends at once, not after the sleep.
func TestParkedClientWakesOnFailure(t *testing.T) {
	c := newFakeConn()
	vu, rec := newTestVU(t, loadScenario(t, parkScenario), &fakeDialer{script: []any{c}}, realClock{}, nil)
	res := make(chan bool, 1)
	vu.Start(context.Background(), context.Background(), func(ok bool) { res <- ok })
	waitFor(t, func() bool { return len(c.Writes()) == 3 && vu.parked.Load() })
	c.finish(errRefused) // the connection ends; reconnect is off: the client fails
	select {
	case ok := <-res:
		if ok || vu.State() != Failed {
			t.Fatalf("completed %v, state %s; want false, failed", ok, vu.State())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a failed client stayed parked in its sleep")
	}
	if n := counters(rec).Counters[metrics.ReconnectGiveUps]; n != 1 {
		t.Errorf("give-ups %d", n)
	}
}

// TestParkedSleepsComplete: a client whose steps end after parked sleeps
// completes them.
func TestParkedSleepsComplete(t *testing.T) {
	c := newFakeConn()
	sc := loadScenario(t, `
target: ws://fake
duration: 10s
clients: {count: 1}
client: {heartbeat: {mode: off}}
steps: [connect, {sleep: 300ms}, {send: a}, {sleep: 300ms}, {send: b}]
`)
	vu, rec := newTestVU(t, sc, &fakeDialer{script: []any{c}}, realClock{}, nil)
	start := time.Now()
	if !vu.Run(context.Background(), context.Background()) {
		t.Fatal("steps did not complete")
	}
	if d := time.Since(start); d < 600*time.Millisecond || d > 3*time.Second {
		t.Errorf("two 300ms sleeps took %s", d)
	}
	if w := c.Writes(); len(w) != 2 || w[0] != "a" || w[1] != "b" {
		t.Errorf("wrote %q", w)
	}
	if counters(rec).Counters[metrics.ClientsFinished] != 1 {
		t.Error("not counted as finished")
	}
}
