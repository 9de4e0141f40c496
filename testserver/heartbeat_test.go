package testserver

import (
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A client that never answers pings (a phone whose network went away
// without a FIN) is aborted with a RST about PingInterval+PingTimeout
// after it connected.
func TestHeartbeatAbortsSilentClient(t *testing.T) {
	const interval, timeout = 50 * time.Millisecond, 100 * time.Millisecond
	s := startServer(t, Config{PingInterval: interval, PingTimeout: timeout})
	start := time.Now()
	c := dial(t, s.URL("/echo"))
	var pings atomic.Int64
	c.SetPingHandler(func(string) error { pings.Add(1); return nil }) // silent: no pong

	err := readErr(t, c)
	took := time.Since(start)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read error = %v (%T), want ECONNRESET", err, err)
	}
	wantNoCloseFrame(t, err)
	if took < interval+timeout-10*time.Millisecond || took > interval+timeout+time.Second {
		t.Fatalf("aborted %v after the dial, want about %v", took, interval+timeout)
	}
	if pings.Load() != 1 {
		t.Fatalf("client saw %d pings before the abort, want 1", pings.Load())
	}
	eventually(t, "server side closed", func() bool { return s.Stats().Open == 0 })
	if st := s.Stats(); st.PingTimeouts != 1 || st.PingsSent != 1 {
		t.Fatalf("PingTimeouts %d, PingsSent %d, want 1 and 1", st.PingTimeouts, st.PingsSent)
	}
}

// A client that answers is pinged again and again and stays.
func TestHeartbeatKeepsAnsweringClient(t *testing.T) {
	s := startServer(t, Config{PingInterval: 30 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	c := dial(t, s.URL("/echo"))
	var pings atomic.Int64
	c.SetPingHandler(func(data string) error {
		pings.Add(1)
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	// Pings are seen, and answered, while the client reads.
	for until := time.Now().Add(400 * time.Millisecond); time.Now().Before(until); {
		writeText(t, c, "x")
		if got := readText(t, c); got != "x" {
			t.Fatalf("echo = %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := s.Stats()
	if st.PingsSent < 4 || st.PingTimeouts != 0 || st.Open != 1 {
		t.Fatalf("PingsSent %d, PingTimeouts %d, Open %d: want >= 4 pings, no timeout, still open",
			st.PingsSent, st.PingTimeouts, st.Open)
	}
	if pings.Load() < 4 {
		t.Fatalf("client saw %d pings, want >= 4", pings.Load())
	}
}

func TestSetHeartbeatTurnsItOnAndOff(t *testing.T) {
	s := startServer(t, Config{})
	silent := dial(t, s.URL("/echo"))
	silent.SetPingHandler(func(string) error { return nil })
	time.Sleep(50 * time.Millisecond)
	if st := s.Stats(); st.PingsSent != 0 {
		t.Fatalf("PingsSent %d with the heartbeat off", st.PingsSent)
	}

	s.SetHeartbeat(20*time.Millisecond, 0) // the timeout defaults to the interval
	if err := readErr(t, silent); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read error = %v, want ECONNRESET", err)
	}
	if st := s.Stats(); st.PingTimeouts != 1 {
		t.Fatalf("PingTimeouts %d, want 1", st.PingTimeouts)
	}

	s.SetHeartbeat(0, 0)
	quiet := dial(t, s.URL("/echo"))
	quiet.SetPingHandler(func(string) error { return nil })
	sent := s.Stats().PingsSent
	time.Sleep(100 * time.Millisecond)
	writeText(t, quiet, "still here")
	if got := readText(t, quiet); got != "still here" {
		t.Fatalf("echo = %q", got)
	}
	if st := s.Stats(); st.PingsSent != sent || st.PingTimeouts != 1 {
		t.Fatalf("after SetHeartbeat(0, 0): PingsSent %d (was %d), PingTimeouts %d", st.PingsSent, sent, st.PingTimeouts)
	}
}
