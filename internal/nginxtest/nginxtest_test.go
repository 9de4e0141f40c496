package nginxtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/internal/nginxtest"
	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/testserver"
)

// dial opens a WebSocket through p to the echo endpoint; it is closed when
// the test ends.
func dial(t *testing.T, p *nginxtest.Proxy) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second} // no environment proxy: loopback only
	c, resp, err := d.DialContext(ctx, p.URL("echo"), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", p.URL("echo"), err)
	}
	resp.Body.Close()
	t.Cleanup(func() { c.Close() })
	return c
}

func TestProxyEchoes(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	p := nginxtest.Start(t, nginxtest.Options{Upstream: srv.Addr()})
	if !strings.HasPrefix(p.URL("x"), "ws://127.0.0.1:") || !strings.HasSuffix(p.URL("x"), "/x") {
		t.Errorf("URL(x) = %q, want ws://127.0.0.1:PORT/x", p.URL("x"))
	}
	c := dial(t, p)
	if err := c.WriteMessage(websocket.TextMessage, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, msg, err := c.ReadMessage()
	if err != nil || typ != websocket.TextMessage || string(msg) != "hello" {
		t.Fatalf("ReadMessage = %d %q %v, want text \"hello\"", typ, msg, err)
	}
	conf, err := os.ReadFile(filepath.Join(p.Dir, "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "proxy_read_timeout 60s;") {
		t.Errorf("nginx.conf lacks the default proxy_read_timeout 60s:\n%s", conf)
	}
}

// TestProxyClosesIdle pins down what the probe package relies on: after
// ReadTimeout without traffic nginx closes the client's connection, with
// no close frame (it does not speak WebSocket past the upgrade).
func TestProxyClosesIdle(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	p := nginxtest.Start(t, nginxtest.Options{Upstream: srv.Addr(), ReadTimeout: 500 * time.Millisecond})
	c := dial(t, p)
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	idle := time.Since(start)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure {
		t.Fatalf("idle connection ended with %v, want a close without a close frame (1006)", err)
	}
	if idle < 400*time.Millisecond || idle > 1500*time.Millisecond {
		t.Errorf("idle connection ended after %v, want about 500ms", idle)
	}
}

func TestStopIsIdempotent(t *testing.T) {
	srv := servertest.Start(t, testserver.Config{})
	p := nginxtest.Start(t, nginxtest.Options{Upstream: srv.Addr()})
	p.Stop()
	p.Stop()
}
