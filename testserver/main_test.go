package testserver

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTimeout bounds every blocking step of a test.
const testTimeout = 5 * time.Second

// startServer starts a Server on a loopback port, closed at cleanup.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var testDialer = websocket.Dialer{HandshakeTimeout: testTimeout}

// dial connects to url, closed at cleanup; reads and writes are bounded.
func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, resp, err := testDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (response %v)", url, err, status(resp))
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(testTimeout))
	c.SetWriteDeadline(time.Now().Add(testTimeout))
	return c
}

func status(resp *http.Response) string {
	if resp == nil {
		return "none"
	}
	return resp.Status
}

func writeText(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
}

func readText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	typ, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("read message type %d, want text", typ)
	}
	return string(msg)
}

// readErr reads until the connection fails and returns the error.
func readErr(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(testTimeout))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %v", testTimeout)
			}
			return err
		}
	}
}

// eventually polls cond until it holds or the test timeout passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// httpGet fetches a plain HTTP URL without keeping connections around.
func httpGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{Timeout: testTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return resp, string(body)
}
