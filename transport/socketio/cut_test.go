package socketio

import (
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsbench/wsbench/transport"
)

// cutHeartbeat is a short heartbeat for the cut tests: the client's ping
// deadline is 250ms after the last ping.
var cutHeartbeat = fakeOptions{ping: true, noPingTimeout: true, pingInterval: 100 * time.Millisecond, pingTimeout: 150 * time.Millisecond}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// expectOpen checks that the server still has the session: the client
// did not close its connection.
func expectOpen(t *testing.T, ss *fakeSession, what string) {
	t.Helper()
	select {
	case <-ss.closed:
		t.Fatalf("%s: the server's session ended (%s)", what, ss.closeReason(t))
	case <-time.After(200 * time.Millisecond):
	}
}

// TestMuteStopsPongsAndTimesOut: a muted client answers no ping, does not
// take one as a sign of life, and so ends with its own ping timeout,
// while its writes go nowhere and the server's connection stays open.
func TestMuteStopsPongsAndTimesOut(t *testing.T) {
	forModes(t, cutHeartbeat, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		ss.next(t) // the CONNECT
		var pings atomic.Int32
		c.SetPingHandler(func() { pings.Add(1) })
		r := readAsync(t, c)
		waitFor(t, "a pong before the cut", func() bool { return ss.pongs.Load() > 0 })

		c.Mute()
		muted := time.Now()
		pongs, seen, gets, sent := ss.pongs.Load(), pings.Load(), ss.gets.Load(), ss.pings.Load()
		if err := c.WriteMessage(transport.Text, []byte(`2["lost"]`)); !errors.Is(err, transport.ErrMuted) {
			t.Errorf("muted WriteMessage: %v, want ErrMuted", err)
		}
		if err := c.WritePacket([]byte(`51-["lost",{"_placeholder":true,"num":0}]`), [][]byte{{1}}); !errors.Is(err, transport.ErrMuted) {
			t.Errorf("muted WritePacket: %v, want ErrMuted", err)
		}
		if err := c.Close(1000, "lost"); err != nil {
			t.Errorf("muted Close: %v", err)
		}
		err := r.end(t, 3*time.Second)
		if !errors.Is(err, ErrPingTimeout) || Reason(err) != ReasonPingTimeout {
			t.Fatalf("read ended with %v, want ErrPingTimeout", err)
		}
		if d := time.Since(muted); d > 2*time.Second {
			t.Errorf("the ping timeout came %v after the cut, for a 250ms deadline", d)
		}
		// A ping may have been in hand as Mute came; more would mean the
		// cut let them through.
		if ss.pongs.Load() > pongs+1 || pings.Load() > seen+1 {
			t.Errorf("after the cut: %d pongs sent, %d pings seen", ss.pongs.Load()-pongs, pings.Load()-seen)
		}
		select {
		case got := <-ss.got:
			t.Errorf("the server got %s from a muted client", got.pkt)
		default:
		}
		if o.Transports[0] == TransportPolling && len(o.Transports) == 1 {
			if n := ss.gets.Load() - gets; n > 1 {
				t.Errorf("%d long-polls started after the cut", n)
			}
			return
		}
		if ss.pings.Load() == sent {
			t.Error("the server sent no ping after the cut: the test proves nothing")
		}
		expectOpen(t, ss, "after the client's ping timeout")
		_ = c.Abort()
		if reason := ss.closeReason(t); reason != "transport close" {
			t.Errorf("after Abort the server closed with %q", reason)
		}
	})
}

// TestMutePolledPingTimeout: the same on a connection waiting in the
// poller, where the ping timer, not a read deadline, ends the wait.
func TestMutePolledPingTimeout(t *testing.T) {
	srv := newFakeServer(t, cutHeartbeat)
	c := dialFake(t, srv, Options{Transports: []string{TransportWebSocket}})
	ss := srv.session(t)
	c.Mute()
	start := time.Now()
	bound := time.AfterFunc(3*time.Second, func() { _ = c.Abort() }) // a read the pings keep alive ends, and fails
	defer bound.Stop()
	if err := readPolled(t, c); !errors.Is(err, ErrPingTimeout) {
		t.Fatalf("error %v, want ErrPingTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("ping timeout took %v for a 250ms deadline", d)
	}
	if ss.pongs.Load() != 0 || ss.pings.Load() == 0 {
		t.Fatalf("%d pings sent, %d pongs received", ss.pings.Load(), ss.pongs.Load())
	}
	expectOpen(t, ss, "after the client's ping timeout")
}

// TestMutedClientSeesTheServerClose: packets keep arriving after the cut,
// the server's close included. On polling only a long-poll pending at the
// cut brings any: a muted client starts none.
func TestMutedClientSeesTheServerClose(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		gets := ss.gets.Load()
		r := readAsync(t, c)
		if c.Details().Transport == TransportPolling {
			waitFor(t, "a pending long-poll", func() bool { return ss.gets.Load() > gets })
		}
		c.Mute()
		ss.text(`42["after",1]`, "1")
		var ce *transport.CloseError
		if err := r.end(t, time.Second); !errors.As(err, &ce) || ce.Code != 1000 {
			t.Fatalf("read after the server's close: %v", err)
		}
		select { // read before the close, so queued by now
		case got := <-r.msgs:
			if got != `2["after",1]` {
				t.Fatalf("read %s", got)
			}
		default:
			t.Fatal("the event before the close was not read")
		}
	})
}

// TestResetSendsRST: Reset ends the read as Abort does; on WebSocket the
// server's read fails with a connection reset, not an EOF.
func TestResetSendsRST(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		r := readAsync(t, c)
		time.Sleep(20 * time.Millisecond) // the reader waits
		if err := c.Reset(); err != nil {
			t.Fatal(err)
		}
		err := r.end(t, time.Second)
		if !errors.Is(err, net.ErrClosed) || Reason(err) != ReasonIOClientDisconnect {
			t.Fatalf("read after Reset: %v, want net.ErrClosed", err)
		}
		if c.Details().Transport == TransportPolling {
			return // no TCP connection of its own to reset
		}
		if reason := ss.closeReason(t); reason != "transport close" {
			t.Fatalf("server closed with %q", reason)
		}
		ss.mu.Lock()
		rerr := ss.readErr
		ss.mu.Unlock()
		if !errors.Is(rerr, syscall.ECONNRESET) {
			t.Fatalf("the server's read ended with %v, want ECONNRESET", rerr)
		}
	})
}

// TestPolledReset: Reset wakes a connection waiting in the poller.
func TestPolledReset(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{})
	c := dialFake(t, srv, Options{Transports: []string{TransportWebSocket}})
	ss := srv.session(t)
	time.AfterFunc(50*time.Millisecond, func() { _ = c.Reset() })
	if err := readPolled(t, c); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after Reset: %v", err)
	}
	ss.closeReason(t)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !errors.Is(ss.readErr, syscall.ECONNRESET) {
		t.Fatalf("the server's read ended with %v, want ECONNRESET", ss.readErr)
	}
}
