package ws

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
)

// cutMode is one way a connection is read: our frame reader blocking or
// polled, or gorilla's reader (compression, TLS).
type cutMode struct {
	name        string
	polled      bool
	compression bool
	tls         bool
}

var cutModes = []cutMode{
	{name: "plain"},
	{name: "polled", polled: true},
	{name: "compression", compression: true},
	{name: "tls", tls: true},
}

// cutServer is a WebSocket server that hands each upgraded connection to
// the test, which writes with gorilla and reads the raw bytes the client
// sends, so it sees every frame, pongs and close replies included.
type cutServer struct {
	hs    *httptest.Server
	conns chan *websocket.Conn
}

func newCutServer(t *testing.T, m cutMode) *cutServer {
	s := &cutServer{conns: make(chan *websocket.Conn, 1)}
	up := websocket.Upgrader{EnableCompression: m.compression}
	var mu sync.Mutex
	var all []*websocket.Conn
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		all = append(all, c)
		mu.Unlock()
		s.conns <- c
	}))
	if m.tls {
		s.hs.StartTLS()
	} else {
		s.hs.Start()
	}
	t.Cleanup(func() {
		mu.Lock()
		for _, c := range all { // hijacked: httptest's Close does not close them
			c.Close()
		}
		mu.Unlock()
		s.hs.Close()
	})
	return s
}

// dial connects to s as m says, and returns the client and the server's
// side of the connection.
func (s *cutServer) dial(t *testing.T, m cutMode) (transport.Conn, *websocket.Conn) {
	t.Helper()
	o := Options{Compression: m.compression}
	url := "ws" + s.hs.URL[len("http"):]
	if m.tls {
		o.TLS = s.hs.Client().Transport.(*http.Transport).TLSClientConfig
	}
	c := dial(t, o, url)
	if m.compression && c.Info().Extensions == "" {
		t.Fatal("compression not negotiated")
	}
	if _, ok := c.(transport.Cutter); !ok {
		t.Fatal("the connection is not a transport.Cutter")
	}
	select {
	case sc := <-s.conns:
		return c, sc
	case <-time.After(5 * time.Second):
		t.Fatal("the server accepted nothing")
		return nil, nil
	}
}

// clientReader reads a client connection on its own goroutine, blocking
// in ReadMessage or, polled, through TryReadMessage and WhenReadable, and
// hands out what it read and how the read ended. The goroutine ends
// before the test does.
type clientReader struct {
	msgs chan string
	err  chan error
}

func readClient(t *testing.T, c transport.Conn, polled bool) *clientReader {
	t.Helper()
	r := &clientReader{msgs: make(chan string, 16), err: make(chan error, 1)}
	p, _ := c.(transport.Poller)
	woke := make(chan struct{}, 1)
	wake := func() {
		select {
		case woke <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
	if polled && (p == nil || !p.WhenReadable(wake)) {
		t.Skip("this connection cannot be polled here")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var data []byte
			var got bool
			var err error
			if polled {
				_, data, got, err = p.TryReadMessage(nil)
			} else {
				_, data, err = c.ReadMessage(nil)
				got = err == nil
			}
			switch {
			case err != nil:
				r.err <- err
				return
			case got:
				r.msgs <- string(data)
			default:
				p.WhenReadable(wake)
				<-woke
			}
		}
	}()
	t.Cleanup(func() {
		_ = c.Abort()
		<-done
	})
	return r
}

func (r *clientReader) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case err := <-r.err:
		t.Fatalf("client read ended: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the client read nothing")
	}
	return ""
}

func (r *clientReader) end(t *testing.T) error {
	t.Helper()
	select {
	case m := <-r.msgs:
		t.Fatalf("the client read %q, want the read to end", m)
	case err := <-r.err:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the client read did not end")
	}
	return nil
}

// quiet is how long the server listens for bytes a muted client must not
// send; a pong or close reply on loopback takes well under a millisecond.
const quiet = 200 * time.Millisecond

// rawRead reads what the client sent within d: n bytes and the error.
func rawRead(sc *websocket.Conn, d time.Duration) (int, error) {
	nc := sc.NetConn()
	_ = nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1024)
	return nc.Read(buf)
}

func expectSilence(t *testing.T, sc *websocket.Conn, what string) {
	t.Helper()
	n, err := rawRead(sc, quiet)
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%s: the server read %d bytes (%v), want nothing within %v", what, n, err, quiet)
	}
}

// TestMuteSendsNothing: a muted connection answers no ping and no close
// frame and its writes go nowhere, while what the server sends is still
// read, its close frame included.
func TestMuteSendsNothing(t *testing.T) {
	for _, m := range cutModes {
		t.Run(m.name, func(t *testing.T) {
			srv := newCutServer(t, m)
			c, sc := srv.dial(t, m)
			r := readClient(t, c, m.polled)

			// Before the cut a ping is answered: the server can see it.
			if err := sc.WriteControl(websocket.PingMessage, []byte("before"), time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if n, err := rawRead(sc, 5*time.Second); n == 0 {
				t.Fatalf("no pong before the cut: %v", err)
			}

			c.(transport.Cutter).Mute()
			if err := c.WriteMessage(transport.Text, []byte("lost")); !errors.Is(err, transport.ErrMuted) || !errors.Is(err, transport.ErrClosing) {
				t.Errorf("muted WriteMessage: %v, want ErrMuted (an ErrClosing)", err)
			}
			if err := c.Ping([]byte("lost")); err != nil {
				t.Errorf("muted Ping: %v", err)
			}
			if err := sc.WriteControl(websocket.PingMessage, []byte("after"), time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := sc.WriteMessage(websocket.TextMessage, []byte("still read")); err != nil {
				t.Fatal(err)
			}
			if got := r.next(t); got != "still read" { // read after the ping
				t.Fatalf("read %q", got)
			}
			expectSilence(t, sc, "a write, a ping and a pong after Mute")

			msg := websocket.FormatCloseMessage(4001, "bye")
			if err := sc.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			var ce *transport.CloseError
			if err := r.end(t); !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "bye" {
				t.Fatalf("read after the server's close frame: %v", err)
			}
			if err := c.Close(1000, ""); err != nil {
				t.Errorf("muted Close: %v", err)
			}
			expectSilence(t, sc, "the close reply")

			// The connection stays open until the client lets go.
			_ = c.Abort()
			if n, err := rawRead(sc, 5*time.Second); n != 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("after Abort the server read %d bytes (%v), want EOF", n, err)
			}
		})
	}
}

// TestResetSendsRST: Reset ends the client's read as Abort does, and the
// server's read fails with a connection reset instead of an EOF.
func TestResetSendsRST(t *testing.T) {
	for _, m := range cutModes {
		t.Run(m.name, func(t *testing.T) {
			srv := newCutServer(t, m)
			c, sc := srv.dial(t, m)
			r := readClient(t, c, m.polled)
			if err := sc.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			if got := r.next(t); got != "hello" {
				t.Fatalf("read %q", got)
			}
			time.Sleep(20 * time.Millisecond) // the reader waits again
			if err := c.(transport.Cutter).Reset(); err != nil {
				t.Fatalf("Reset: %v", err)
			}
			if err := r.end(t); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("client read after Reset: %v, want net.ErrClosed", err)
			}
			if n, err := rawRead(sc, 5*time.Second); !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("server read after Reset: %d bytes, %v, want ECONNRESET", n, err)
			}
		})
	}
}

// TestMutedThenReset: the way a client's network going away ends, a cut
// and then a reset, leaves the server a reset and nothing before it.
func TestMutedThenReset(t *testing.T) {
	m := cutModes[0]
	srv := newCutServer(t, m)
	c, sc := srv.dial(t, m)
	c.(transport.Cutter).Mute()
	if err := c.Close(1000, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := c.(transport.Cutter).Reset(); err != nil {
		t.Fatal(err)
	}
	if n, err := rawRead(sc, 5*time.Second); n != 0 || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("server read %d bytes, %v, want only ECONNRESET", n, err)
	}
}
