package testserver

import (
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// An idle connection costs the server one goroutine, also after it has
// used the delayed-reply writer.
func TestIdleConnectionsCostOneGoroutineEach(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Delay: Delay{Max: 2 * time.Millisecond}}})
	const n = 200
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = dial(t, s.URL("/echo"))
		writeText(t, conns[i], "x")
	}
	for _, c := range conns {
		readText(t, c)
	}
	eventually(t, "writers gone, one goroutine per idle connection", func() bool {
		// The test's own goroutines and the server's accept loop are a
		// handful; the client connections have none.
		return runtime.NumGoroutine() <= n+10
	})
}

// The heartbeat and the server broadcast add no goroutine to an idle
// connection: a ping is a timer, and a tick borrows a writer goroutine
// only while it is written.
func TestHeartbeatAndBroadcastCostNoGoroutine(t *testing.T) {
	s := startServer(t, Config{
		PingInterval: 20 * time.Millisecond, PingTimeout: time.Minute, // the clients never read, so never answer
		Broadcast: Broadcast{Every: 20 * time.Millisecond},
	})
	const n = 200
	for range n {
		dial(t, s.URL("/echo"))
	}
	eventually(t, "pinged, ticked, one goroutine per idle connection", func() bool {
		st := s.Stats()
		return st.PingsSent >= n && st.BroadcastsOut >= n && runtime.NumGoroutine() <= n+10
	})
}

func BenchmarkEcho(b *testing.B) {
	s := New(Config{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, _, err := testDialer.Dial(s.URL("/echo"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 128)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}
