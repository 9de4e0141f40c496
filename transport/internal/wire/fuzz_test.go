package wire

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// FuzzReaderAgreesWithGorilla: for any bytes a server sends after the
// handshake, our reader returns the same data messages as gorilla's own
// reader, in order, and fails where gorilla fails; it never panics.
func FuzzReaderAgreesWithGorilla(f *testing.F) {
	f.Add(frame(true, opText, "hello"))
	f.Add(append(frame(false, opText, "frag"), frame(true, opContinuation, "ment")...))
	f.Add(append(frame(true, opPing, "p"), frame(true, opBinary, "\x00\x01")...))
	f.Add(frame(true, opClose, "\x03\xe8bye"))
	f.Add([]byte{0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}) // masked: servers must not mask
	f.Fuzz(func(t *testing.T, stream []byte) {
		if len(stream) > 1<<16 {
			return
		}
		type msg struct {
			op   int
			data string
		}
		ours := func() (got []msg, failed bool) {
			url, peer := rawServer(t, stream)
			r := dialReader(t, url, 4096)
			closePeer(t, peer)
			for range 1000 {
				op, p, err := r.ReadMessage(nil)
				if err != nil {
					return got, true
				}
				got = append(got, msg{op, string(p)})
			}
			return got, false
		}
		theirs := func() (got []msg, failed bool) {
			url, peer := rawServer(t, stream)
			c, _, err := websocket.DefaultDialer.DialContext(context.Background(), url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetReadLimit(4096)
			closePeer(t, peer)
			for range 1000 {
				op, p, err := c.ReadMessage()
				if err != nil {
					return got, true
				}
				got = append(got, msg{op, string(p)})
			}
			return got, false
		}
		a, aFailed := ours()
		b, bFailed := theirs()
		if len(a) != len(b) || aFailed != bFailed {
			t.Fatalf("ours: %d messages (failed %v), gorilla: %d (failed %v)\nours %v\ngorilla %v", len(a), aFailed, len(b), bFailed, a, b)
		}
		for i := range a {
			if a[i].op != b[i].op || !bytes.Equal([]byte(a[i].data), []byte(b[i].data)) {
				t.Fatalf("message %d: ours %d %q, gorilla %d %q", i, a[i].op, a[i].data, b[i].op, b[i].data)
			}
		}
	})
}

// closePeer ends the server's side of the stream once it is sent (a FIN
// after the data), so a stream that ends mid-frame ends in an error, not
// a wait.
func closePeer(t *testing.T, peer <-chan net.Conn) {
	select {
	case c := <-peer:
		_ = c.(*net.TCPConn).CloseWrite()
	case <-time.After(5 * time.Second):
		t.Fatal("the server never accepted")
	}
}
