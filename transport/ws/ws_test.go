package ws

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServer starts a plain test server for t.
func startServer(t *testing.T) *testserver.Server { return servertest.Start(t, testserver.Config{}) }

func dial(t *testing.T, o Options, url string) transport.Conn {
	t.Helper()
	c, err := NewDialer(o).Dial(context.Background(), url)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Abort() })
	return c
}

func TestRoundTripReusesBuffer(t *testing.T) {
	srv := startServer(t)
	c := dial(t, Options{ReadBufferSize: 200}, srv.URL("/echo"))
	big := strings.Repeat("x", 5000) // larger than the read buffer
	buf := make([]byte, 0, 8192)
	for _, msg := range []string{"hello", big} {
		if err := c.WriteMessage(transport.Text, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		typ, data, err := c.ReadMessage(buf)
		if err != nil || typ != transport.Text || string(data) != msg {
			t.Fatalf("read %v %d bytes %v", typ, len(data), err)
		}
		if &data[0] != &buf[:1][0] {
			t.Fatal("ReadMessage did not read into the buffer it was given")
		}
	}
	if err := c.WriteMessage(transport.Binary, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if typ, data, err := c.ReadMessage(nil); err != nil || typ != transport.Binary || len(data) != 3 {
		t.Fatalf("binary echo: %v %v %v", typ, data, err)
	}
}

func TestNegotiation(t *testing.T) {
	srv := startServer(t)
	c := dial(t, Options{Subprotocols: []string{"chat.v1", "chat.v0"}, Compression: true}, srv.URL("/echo"))
	info := c.Info()
	if info.Subprotocol != "chat.v1" || !strings.Contains(info.Extensions, "permessage-deflate") {
		t.Fatalf("negotiated %+v, want chat.v1 and permessage-deflate", info)
	}
	msg := strings.Repeat("compressible ", 200)
	if err := c.WriteMessage(transport.Text, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, data, err := c.ReadMessage(nil); err != nil || string(data) != msg {
		t.Fatalf("compressed echo: %v", err)
	}
}

func TestHandshakeRefusedCarriesStatusAndBody(t *testing.T) {
	srv := startServer(t)
	srv.RefuseFor(http.StatusTooManyRequests, time.Minute)
	_, err := NewDialer(Options{}).Dial(context.Background(), srv.URL("/echo"))
	var he *transport.HandshakeError
	if !errors.As(err, &he) {
		t.Fatalf("error %v is not a HandshakeError", err)
	}
	if he.Status != 429 || he.Header.Get("Retry-After") == "" || len(he.Body) == 0 {
		t.Fatalf("status %d, Retry-After %q, body %q", he.Status, he.Header.Get("Retry-After"), he.Body)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() { // accept and never answer
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	start := time.Now()
	_, err = NewDialer(Options{HandshakeTimeout: 150 * time.Millisecond}).Dial(context.Background(), "ws://"+ln.Addr().String()+"/")
	if !errors.Is(err, transport.ErrHandshakeTimeout) {
		t.Fatalf("error %v is not ErrHandshakeTimeout", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > time.Second {
		t.Fatalf("gave up after %v, want about 150ms", d)
	}
	if c := <-accepted; c != nil {
		c.Close()
	}
}

func TestCloseCodesAndLimits(t *testing.T) {
	srv := startServer(t)
	c := dial(t, Options{}, srv.URL("/echo"))
	srv.CloseFraction(1, 4001, "bye")
	_, _, err := c.ReadMessage(nil)
	var ce *transport.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "bye" {
		t.Fatalf("read after server close: %v", err)
	}

	c2 := dial(t, Options{MaxMessageSize: 100}, srv.URL("/echo"))
	if err := c2.WriteMessage(transport.Text, make([]byte, 200)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.ReadMessage(nil); !errors.Is(err, transport.ErrMessageTooBig) {
		t.Fatalf("reading a 200-byte message with a 100-byte limit: %v", err)
	}
}

func TestClientCloseIsEchoed(t *testing.T) {
	srv := startServer(t)
	c := dial(t, Options{}, srv.URL("/echo"))
	if err := c.Close(1000, "done"); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage(nil)
	var ce *transport.CloseError
	if !errors.As(err, &ce) || ce.Code != 1000 {
		t.Fatalf("after our close frame: %v, want the server's 1000 echo", err)
	}
}

// TestMaxMessageSizeCountsInflatedBytes: with compression, a small frame
// that inflates past the limit is still too big.
func TestMaxMessageSizeCountsInflatedBytes(t *testing.T) {
	srv := startServer(t)
	c := dial(t, Options{Compression: true, MaxMessageSize: 1000}, srv.URL("/echo"))
	if !strings.Contains(c.Info().Extensions, "permessage-deflate") {
		t.Fatal("compression not negotiated")
	}
	if err := c.WriteMessage(transport.Text, []byte(strings.Repeat("a", 10_000))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(nil); !errors.Is(err, transport.ErrMessageTooBig) {
		t.Fatalf("a 10 KB message compressed below a 1000-byte limit: %v", err)
	}
}
