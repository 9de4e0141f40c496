// Package streamtest is a WebSocket server that streams frames as fast as
// it can, for the read and write benchmarks of the transports. It imports
// nothing of ours, so the transports' own tests can use it. Tests only.
package streamtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// Stream starts a WebSocket server for read and write benchmarks. After
// the upgrade it calls greet, if set (a protocol's handshake; false ends
// the connection), then, on the raw TCP connection so that the server
// adds no allocation of its own, either sends payload as text frames
// without end or, with ?mode=write in the request, discards what
// arrives. It returns the server's http:// URL; everything closes when
// tb ends.
func Stream(tb testing.TB, payload string, greet func(*websocket.Conn, *http.Request) bool) string {
	tb.Helper()
	if len(payload) > 125 {
		tb.Fatalf("streamtest.Stream: payload of %d bytes; it must fit a short frame", len(payload))
	}
	var frames []byte
	for range 256 {
		frames = append(frames, 0x81, byte(len(payload)))
		frames = append(frames, payload...)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []*websocket.Conn
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		wg.Add(1)
		defer wg.Done()
		defer c.Close()
		if greet != nil && !greet(c, r) {
			return
		}
		if r.URL.Query().Get("mode") == "write" {
			_, _ = io.Copy(io.Discard, c.NetConn())
			return
		}
		for {
			if _, err := c.NetConn().Write(frames); err != nil {
				return
			}
		}
	}))
	tb.Cleanup(func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		hs.Close()
		wg.Wait()
	})
	return hs.URL
}
