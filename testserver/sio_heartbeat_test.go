package testserver

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// shortPings are heartbeat settings that make a test's pings come fast.
var shortPings = SocketIO{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond}

func TestSIOPingsAtTheIntervalAndTimesOut(t *testing.T) {
	s := startSIO(t, Config{SocketIO: shortPings})
	w := dialSIO(t, s, "")
	if w.open.PingInterval != 50 || w.open.PingTimeout != 100 {
		t.Fatalf("handshake = %+v", w.open)
	}
	w.connect("/", "")
	w.noPong = true
	last := time.Now()
	for i := range 3 {
		w.expect("2")
		if gap := time.Since(last); gap < 40*time.Millisecond {
			t.Fatalf("ping %d after %v, before the interval", i, gap)
		}
		last = time.Now()
		w.send("3")
	}

	// No pong: after the timeout the server closes the session.
	w.expect("2")
	sent := time.Now()
	err := w.readErr()
	if !websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
		t.Fatalf("after the missed pong: %v, want a close frame", err)
	}
	if d := time.Since(sent); d < 80*time.Millisecond {
		t.Fatalf("closed %v after the ping, before the timeout", d)
	}
	eventually(t, "session gone", func() bool { return sioStats(s).EngineClients == 0 })
	st := sioStats(s)
	if st.EngineCloses["ping timeout"] != 1 || st.Disconnects["ping timeout"] != 1 || st.PingsSent != 4 || st.PongsReceived != 3 || st.PingTimeouts != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

// A packet received while the server waits for a pong extends the wait
// once, as in the reference server.
func TestSIOActivityExtendsThePongWaitOnce(t *testing.T) {
	s := startSIO(t, Config{SocketIO: SocketIO{PingInterval: 30 * time.Millisecond, PingTimeout: 400 * time.Millisecond}})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.noPong = true
	w.expect("2")
	time.Sleep(250 * time.Millisecond)
	w.send(`421["echo"]`) // extends the deadline to 400 ms from now
	w.expect(`431[]`)
	time.Sleep(250 * time.Millisecond) // 500 ms after the ping: past the first deadline
	w.send(`422["echo"]`)
	w.expect(`432[]`)
	w.send("3")
	w.expect("2") // the next ping: the session survived
}

func TestSIOIgnorePingsStopsPings(t *testing.T) {
	s := startSIO(t, Config{SocketIO: SocketIO{PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond},
		Faults: Faults{IgnorePings: true}})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.noPong = true
	eventually(t, "pings skipped", func() bool { return sioStats(s).PingsSkipped >= 5 })
	// No ping came, and the silent server did not time the client out.
	w.send(`421["echo"]`)
	w.expect(`431[]`)
	if st := sioStats(s); st.PingsSent != 0 || st.EngineClients != 1 {
		t.Fatalf("stats = %+v", st)
	}
	s.SetIgnorePings(false)
	w.expect("2")
}

// A client that never connects a namespace is closed by the connect
// timeout, checked when a ping is due.
func TestSIOConnectTimeout(t *testing.T) {
	s := startSIO(t, Config{SocketIO: shortPings})
	w := dialSIO(t, s, "")
	e := s.sio.lookup(w.open.SID)
	e.mu.Lock()
	e.created = e.created.Add(-sioConnectTimeout)
	e.mu.Unlock()
	if err := w.readErr(); !websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
		t.Fatalf("read = %v, want a close frame", err)
	}
	eventually(t, "closed", func() bool { return sioStats(s).EngineCloses["forced close"] == 1 })
}
