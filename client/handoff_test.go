package client

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

// gateConn is an open connection whose writes wait for the test.
type gateConn struct {
	*fakeConn
	writing chan struct{}
	release chan error
}

func (c *gateConn) WriteMessage(t transport.MessageType, data []byte) error {
	c.writing <- struct{}{}
	if err := <-c.release; err != nil {
		return err
	}
	return c.fakeConn.WriteMessage(t, data)
}

// readyVU prepares a VU's step-side fields the way Run does, with the
// connection already open.
func readyVU(t *testing.T, yaml string, conn transport.Conn) (*VU, *metrics.Recorder) {
	t.Helper()
	vu, rec := newTestVU(t, loadScenario(t, yaml), &fakeDialer{script: []any{errRefused}}, newFakeClock(), nil)
	vu.hard, vu.stop = context.Background(), make(chan struct{})
	vu.timer = time.NewTimer(time.Hour)
	vu.timer.Stop()
	vu.conn, vu.state = conn, Open
	return vu, rec
}

// TestDroppedSendTakesItsReplyToken: a message matches the pending expect
// while its send fails and is dropped; the next expect must still wait for
// its own reply instead of consuming the stale token.
func TestDroppedSendTakesItsReplyToken(t *testing.T) {
	conn := &gateConn{fakeConn: newFakeConn(), writing: make(chan struct{}), release: make(chan error)}
	vu, rec := readyVU(t, queueScenario(0, "drop-oldest"), conn)
	tmpl, _ := scenario.CompileTemplate("hello", false)
	done := make(chan struct{})
	go func() {
		defer close(done)
		vu.sendStep(&scenario.Send{Text: tmpl, Expect: &scenario.Expect{RE: regexp.MustCompile("x"), Timeout: scenario.Duration(time.Second)}})
	}()
	<-conn.writing
	vu.onMessage(transport.Text, []byte("x")) // matches while the write is stuck
	conn.release <- errors.New("broken pipe")
	<-done

	p := &pending{re: regexp.MustCompile("never"), push: true, sentAt: vu.clock.Now()}
	vu.expect(p)
	start := time.Now()
	vu.await(p, 50*time.Millisecond)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("the next expect returned after %v: it consumed a stale reply token", d)
	}
	s := counters(rec)
	if s.Counters[metrics.ExpectTimedOut] != 1 || s.Counters[metrics.QueueDropped] != 1 {
		t.Fatalf("timed out %d, queue dropped %d; want 1 and 1", s.Counters[metrics.ExpectTimedOut], s.Counters[metrics.QueueDropped])
	}
}

// TestFlushHoldsNoLockAcrossWrites: while a slow flush runs, state reads
// and sends do not wait for it, and a close ends it between two messages.
func TestFlushHoldsNoLockAcrossWrites(t *testing.T) {
	conn := &gateConn{fakeConn: newFakeConn(), writing: make(chan struct{}), release: make(chan error)}
	vu, rec := readyVU(t, queueScenario(100, "drop-oldest"), conn)
	vu.conn, vu.state = nil, Reconnecting
	for range 5 {
		vu.deliver(transport.Text, []byte("queued"), nil)
	}
	vu.conn = conn
	l := &life{opened: make(chan struct{})}
	flushed := make(chan struct{})
	go func() { defer close(flushed); vu.flush(&session{v: vu, l: l, conn: conn}) }()

	<-conn.writing // the first write is in progress
	got := make(chan State)
	go func() { got <- vu.State() }()
	select {
	case s := <-got:
		if s != Reconnecting {
			t.Fatalf("state during the flush = %s", s)
		}
	case <-time.After(time.Second):
		t.Fatal("State() waited for the flush")
	}
	vu.mu.Lock()
	vu.closing = true
	vu.mu.Unlock()
	conn.release <- nil
	<-flushed
	if n := vu.queue.len(); n != 4 {
		t.Fatalf("%d messages left after closing mid-flush, want 4", n)
	}
	if s := counters(rec); s.Counters[metrics.QueueFlushed] != 1 {
		t.Fatalf("flushed %d, want 1", s.Counters[metrics.QueueFlushed])
	}
}

// closingConn refuses writes as a connection does after a close frame.
type closingConn struct{ *fakeConn }

func (closingConn) WriteMessage(transport.MessageType, []byte) error { return transport.ErrClosing }

// TestWriteAfterCloseFrameIsNotTheClientsFault: the drop is left for the
// reader to classify (with the server's code), and the message is queued.
func TestWriteAfterCloseFrameIsNotTheClientsFault(t *testing.T) {
	conn := closingConn{newFakeConn()}
	vu, rec := readyVU(t, queueScenario(10, "drop-oldest"), conn)
	if !vu.deliver(transport.Text, []byte("m"), nil) {
		t.Fatal("message lost")
	}
	if m := vu.aborted.Load(); m != nil {
		t.Fatalf("the client marked its own abort (%s) for a server close", m.cause.Name())
	}
	if vu.queue.len() != 1 || counters(rec).Counters[metrics.QueueQueued] != 1 {
		t.Fatal("the refused message was not queued")
	}
}

// TestBlockedSenderStopsGracefully: a send waiting for room in a full
// queue gives up when the client is asked to stop.
func TestBlockedSenderStopsGracefully(t *testing.T) {
	vu, rec := readyVU(t, queueScenario(1, "block"), nil)
	stop := make(chan struct{})
	vu.stop, vu.state = stop, Reconnecting
	vu.deliver(transport.Text, []byte("a"), nil)
	res := make(chan bool)
	go func() { res <- vu.deliver(transport.Text, []byte("b"), nil) }()
	time.Sleep(20 * time.Millisecond)
	close(stop)
	select {
	case ok := <-res:
		if ok || counters(rec).Counters[metrics.QueueDropped] != 1 {
			t.Fatalf("deliver = %v, dropped %d; want false and 1", ok, counters(rec).Counters[metrics.QueueDropped])
		}
	case <-time.After(time.Second):
		t.Fatal("a blocked send ignored the graceful stop")
	}
}
