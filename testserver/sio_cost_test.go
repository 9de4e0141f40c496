package testserver

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// An idle WebSocket session costs the server one goroutine, also after
// it has been pinged and has used a writer goroutine (a broadcast from
// another session).
func TestSIOIdleSessionsCostOneGoroutineEach(t *testing.T) {
	// Pings come often, and the clients, read one after the other, have
	// all the time they need to answer.
	s := startSIO(t, Config{SocketIO: SocketIO{PingInterval: 20 * time.Millisecond, PingTimeout: time.Minute}})
	const n = 100
	clients := make([]*sioWS, n)
	for i := range clients {
		clients[i] = dialSIO(t, s, "")
		clients[i].connect("/", "")
	}
	clients[0].send(`42["broadcast","x"]`)
	for _, w := range clients {
		w.expect(`42["broadcast","x"]`) // answering a ping or two on the way
	}
	// Wait for pings too: a fast run can reach this point before the
	// first 20 ms ping interval is over.
	eventually(t, "pinged, writers gone, one goroutine per idle session", func() bool {
		return sioStats(s).PingsSent > 0 && runtime.NumGoroutine() <= n+10
	})
	if st := sioStats(s); st.EngineClients != n {
		t.Fatalf("stats = %+v", st)
	}
}

func BenchmarkSIOEcho(b *testing.B) {
	s := New(Config{SocketIO: SocketIO{Enabled: true}})
	if err := s.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c, _, err := testDialer.Dial(s.URL("/socket.io/")+"?EIO=4&transport=websocket", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	read := func() []byte {
		_, msg, err := c.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		return msg
	}
	read() // open
	if err := c.WriteMessage(1, []byte("40")); err != nil {
		b.Fatal(err)
	}
	read() // CONNECT ack
	read() // welcome
	msg := []byte(`421["echo","` + strings.Repeat("x", 100) + `"]`)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteMessage(1, msg); err != nil {
			b.Fatal(err)
		}
		read()
	}
}
