package client

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

func metricsShard() *metrics.Shard { return metrics.NewRecorder(time.Now(), 1).Shard(0) }

// sink keeps the events it is given, for the test to read.
type sink struct {
	mu  sync.Mutex
	evs []trace.Event
}

func (s *sink) Emit(e trace.Event) {
	s.mu.Lock()
	s.evs = append(s.evs, e)
	s.mu.Unlock()
}

func (s *sink) events() []trace.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]trace.Event(nil), s.evs...)
}

// describe renders events compactly: kind, conn and the fields a test
// checks, one per line.
func describe(evs []trace.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%s conn=%d", e.Kind, e.Conn)
		switch e.Kind {
		case trace.State:
			fmt.Fprintf(&b, " %s->%s", e.From, e.To)
		case trace.DialFailed:
			fmt.Fprintf(&b, " attempt=%d cause=%s", e.Attempt, e.Cause)
		case trace.Open, trace.Backoff, trace.GiveUp:
			fmt.Fprintf(&b, " attempt=%d dur=%s", e.Attempt, e.Dur)
		case trace.Drop:
			fmt.Fprintf(&b, " cause=%s code=%d reason=%q err=%q idle=%t", e.Cause, e.Code, e.Reason, e.Err, e.Idle >= 0)
		case trace.Close:
			fmt.Fprintf(&b, " code=%d", e.Code)
		case trace.QueueOverflow:
			fmt.Fprintf(&b, " policy=%s max=%d dropped=%d", e.Policy, e.Max, e.N)
		case trace.Flush:
			fmt.Fprintf(&b, " flushed=%d left=%d", e.N, e.Left)
		case trace.ClientEnd:
			fmt.Fprintf(&b, " completed=%t", e.OK)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func tracedVU(t *testing.T, yaml string, d transport.Dialer) (*VU, *sink) {
	t.Helper()
	vu, _ := newTestVU(t, loadScenario(t, yaml), d, newFakeClock(), halfDraw)
	s := &sink{}
	vu.tr = s
	return vu, s
}

func TestTraceDropAndRecover(t *testing.T) {
	first, second := newFakeConn(), newFakeConn()
	d := &fakeDialer{script: []any{errRefused, first, second}}
	vu, s := tracedVU(t, `
target: ws://fake/
duration: 1m
clients: {count: 1}
client:
  reconnect: {initial_delay: 300ms, jitter: 0}
  heartbeat: {mode: off}
steps:
  - connect
  - expect: {regex: after-reconnect, timeout: 10s}
`, d)
	done := startVU(t, vu, context.Background())
	first.in <- []byte("hello")
	waitFor(t, func() bool { return vu.kept() == 1 })
	first.finish(&transport.CloseError{Code: 1001, Reason: "going away"})
	waitFor(t, func() bool { return vu.State() == Open && d.dialCount() == 3 })
	second.in <- []byte("after-reconnect")
	if !<-done {
		t.Fatal("Run did not complete")
	}
	want := `client_start conn=0
state conn=0 closed->connecting
dial_failed conn=1 attempt=0 cause=connection_refused
state conn=1 connecting->reconnecting
backoff conn=1 attempt=1 dur=300ms
open conn=2 attempt=1 dur=0s
state conn=2 reconnecting->open
drop conn=2 cause=server_close code=1001 reason="going away" err="connection closed with code 1001 (going away)" idle=true
state conn=2 open->reconnecting
backoff conn=2 attempt=1 dur=300ms
open conn=3 attempt=1 dur=0s
state conn=3 reconnecting->open
close conn=3 code=1000
state conn=3 open->closed
client_end conn=3 completed=true
`
	evs := s.events()
	if got := describe(evs); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	for _, e := range evs {
		if e.VU != 1 || e.Iter != 0 || e.At.IsZero() {
			t.Fatalf("event %s: vu %d iter %d at %v", e.Kind, e.VU, e.Iter, e.At)
		}
		// The fake clock moves only in backoff sleeps: time spent
		// reconnecting is the 300ms sleep.
		if e.Kind == trace.State && e.From == "reconnecting" && e.Dur != 300*time.Millisecond {
			t.Errorf("%s->%s after %s in %s, want 300ms", e.From, e.To, e.Dur, e.From)
		}
	}
}

// kept is the number of messages waiting in the inbox.
func (v *VU) kept() int {
	v.inbox.mu.Lock()
	defer v.inbox.mu.Unlock()
	return v.inbox.n
}

// gatedDialer holds the dials from number hold (1-based) on until gate
// is closed.
type gatedDialer struct {
	*fakeDialer
	hold int
	gate chan struct{}
}

func (g *gatedDialer) Dial(ctx context.Context, url string) (transport.Conn, error) {
	if g.dialCount()+1 >= g.hold {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.fakeDialer.Dial(ctx, url)
}

func TestTraceQueueOverflowAndFlush(t *testing.T) {
	first, second := newFakeConn(), newFakeConn()
	d := &gatedDialer{fakeDialer: &fakeDialer{script: []any{first, second}}, hold: 2, gate: make(chan struct{})}
	vu, s := tracedVU(t, `
target: ws://fake/
duration: 1m
clients: {count: 1}
client:
  reconnect: {initial_delay: 10ms, jitter: 0}
  heartbeat: {mode: off}
  queue: {max: 2, overflow: drop-oldest}
steps:
  - connect
  - sleep: 100ms
  - loop: {count: 7, steps: [send: m]}
  - expect: {regex: after-reconnect, timeout: 10s}
`, d)
	done := startVU(t, vu, context.Background())
	first.finish(&transport.CloseError{Code: 1012}) // the sleep gives the reader time to see it
	waitFor(t, func() bool { return strings.Count(describe(s.events()), "queue_overflow") == 3 })
	close(d.gate)
	waitFor(t, func() bool { return vu.State() == Open && d.dialCount() == 2 })
	second.in <- []byte("after-reconnect")
	if !<-done {
		t.Fatal("Run did not complete")
	}
	got := describe(s.events())
	for _, w := range []string{
		"queue_overflow conn=2 policy=drop-oldest max=2 dropped=1\n" +
			"queue_overflow conn=2 policy=drop-oldest max=2 dropped=2\n" +
			"queue_overflow conn=2 policy=drop-oldest max=2 dropped=4\n",
		"open conn=2 attempt=1 dur=0s\nflush conn=2 flushed=2 left=0\nstate conn=2 reconnecting->open\n",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("events lack\n%s\nin:\n%s", w, got)
		}
	}
	if strings.Count(got, "queue_overflow") != 3 {
		t.Errorf("5 drops should write 3 queue_overflow lines (1st, 2nd, 4th):\n%s", got)
	}
}

func TestTraceGiveUp(t *testing.T) {
	vu, s := tracedVU(t, scenarioWith(2), &fakeDialer{script: []any{errRefused}})
	if vu.Run(context.Background(), context.Background()) {
		t.Fatal("completed without a connection")
	}
	want := `client_start conn=0
state conn=0 closed->connecting
dial_failed conn=1 attempt=0 cause=connection_refused
state conn=1 connecting->reconnecting
backoff conn=1 attempt=1 dur=200ms
dial_failed conn=2 attempt=1 cause=connection_refused
backoff conn=2 attempt=2 dur=400ms
dial_failed conn=3 attempt=2 cause=connection_refused
give_up conn=3 attempt=2 dur=0s
state conn=3 reconnecting->failed
client_end conn=3 completed=false
`
	if got := describe(s.events()); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
}

func TestUntracedClientEmitsNothing(t *testing.T) {
	vu, _ := newTestVU(t, loadScenario(t, scenarioWith(1)), &fakeDialer{script: []any{errRefused}}, newFakeClock(), halfDraw)
	if vu.tr != nil {
		t.Fatal("a VU without Options.Trace has a sink")
	}
	vu.Run(context.Background(), context.Background()) // would panic on a nil sink
	if vu.connN.Load() != 0 {
		t.Fatal("an untraced client counted its connections")
	}
}

// loopConn returns the same message n times, then ends.
type loopConn struct {
	fakeConn
	msg []byte
	n   int
}

func (c *loopConn) ReadMessage(buf []byte) (transport.MessageType, []byte, error) {
	if c.n == 0 {
		return 0, nil, transport.ErrClosing
	}
	c.n--
	return transport.Text, append(buf[:0], c.msg...), nil
}

// BenchmarkReadLoop is the reader's per-message cost, untraced and
// traced: a traced client notes each message's arrival time, nothing
// more, and allocates nothing per message either way.
func BenchmarkReadLoop(b *testing.B) {
	for _, traced := range []bool{false, true} {
		b.Run(fmt.Sprintf("traced=%t", traced), func(b *testing.B) {
			sc := loadScenario(&testing.T{}, scenarioWith(0))
			vu := New(Options{Slot: 1, URL: "ws://fake", Dialer: &fakeDialer{}, Scenario: sc,
				Shard: metricsShard()})
			if traced {
				vu.tr = &sink{}
			}
			c := &loopConn{msg: []byte(`{"id":"v1","body":"hello"}`), n: b.N}
			b.ReportAllocs()
			b.ResetTimer()
			_ = vu.readLoop(c)
		})
	}
}
