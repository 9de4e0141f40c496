package testserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestSIOCloseFractionKicks(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.connect("/chat", "")
	p := openPolling(t, s)
	p.post("40")
	p.get()
	plain := dial(t, s.URL("/echo"))

	if n := s.CloseFraction(1, 4000, "bye"); n != 3 {
		t.Fatalf("CloseFraction(1) = %d, want 3 (a WebSocket, two sessions)", n)
	}
	w.expect("41")
	w.expect("41/chat,")
	if err := w.readErr(); !websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
		t.Fatalf("kicked WebSocket session: %v", err)
	}
	p.expect("41")
	p.expect("1")
	wantCloseCode(t, readErr(t, plain), 4000, "bye")

	eventually(t, "sessions gone", func() bool { return sioStats(s).EngineClients == 0 })
	st := s.Stats()
	if st.FaultCloses != 3 || st.SocketIO.Disconnects["server namespace disconnect"] != 3 {
		t.Fatalf("stats = %+v %+v", st, st.SocketIO)
	}
	if n := s.CloseFraction(1, 4000, "bye"); n != 0 {
		t.Fatalf("CloseFraction with nothing open = %d", n)
	}
}

func TestSIOResetFraction(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	p := openPolling(t, s)
	p.post("40")
	p.get()
	pending := p.getAsync()
	waitingGET(t, s, p.sid)

	if n := s.ResetFraction(1); n != 2 {
		t.Fatalf("ResetFraction(1) = %d, want 2", n)
	}
	if err := w.readErr(); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("WebSocket session read = %v, want ECONNRESET", err)
	}
	if r := waitPoll(t, pending); r.err == nil {
		t.Fatalf("waiting GET = %+v, want a dropped connection", r)
	}
	if status, _ := p.get(); status != http.StatusBadRequest {
		t.Fatalf("GET after the reset = %d", status)
	}
	if st := s.Stats(); st.FaultResets != 2 || st.SocketIO.EngineClients != 0 || st.SocketIO.Disconnects["forced close"] != 2 {
		t.Fatalf("stats = %+v %+v", st, st.SocketIO)
	}
}

func TestSIORefuseHandshakes(t *testing.T) {
	s := startSIO(t, Config{})
	open := openPolling(t, s)
	s.RefuseFor(http.StatusServiceUnavailable, testTimeout)

	hc := newPollClient(t)
	resp, err := hc.Get("http://" + s.Addr() + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("polling handshake = %s, want 503 with Retry-After", resp.Status)
	}
	_, resp, err = rawDial(t, s.URL("/socket.io/")+"?EIO=4&transport=websocket")
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("websocket handshake: %v %s", err, status(resp))
	}
	// A session already open goes on.
	open.post("40")
	if _, body := open.get(); !strings.HasPrefix(body, "40{") {
		t.Fatalf("open session GET = %q", body)
	}
	s.RefuseFor(0, 0)
	openPolling(t, s)
	if st := s.Stats(); st.Refused != 2 || st.SocketIO.Handshakes != 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIORestartDropsSessions(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	p := openPolling(t, s)
	p.post("40")
	p.get()
	pending := p.getAsync()
	waitingGET(t, s, p.sid)

	done := make(chan error, 1)
	go func() { done <- s.Restart(50 * time.Millisecond) }()
	if err := w.readErr(); err == nil || isClose(err) {
		t.Fatalf("WebSocket session read = %v, want a drop without a close frame", err)
	}
	if r := waitPoll(t, pending); r.err == nil {
		t.Fatalf("waiting GET = %+v, want a dropped connection", r)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Restart: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Restart did not return")
	}
	// The server forgot the sessions.
	if status, body := p.get(); status != http.StatusBadRequest || !strings.Contains(body, "Session ID unknown") {
		t.Fatalf("GET with the old sid = %d %q", status, body)
	}
	st := sioStats(s)
	if st.EngineClients != 0 || st.Disconnects["server shutting down"] != 2 || st.EngineCloses["forced close"] != 2 {
		t.Fatalf("stats = %+v", st)
	}
	w2 := dialSIO(t, s, "")
	w2.connect("/", "")
}

func TestSIOCloseEndsWaitingGET(t *testing.T) {
	s := New(Config{SocketIO: SocketIO{Enabled: true}})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	p := openPolling(t, s)
	pending := p.getAsync()
	waitingGET(t, s, p.sid)
	w := dialSIO(t, s, "")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if r := waitPoll(t, pending); r.err == nil {
		t.Fatalf("waiting GET = %+v", r)
	}
	if err := w.readErr(); err == nil {
		t.Fatal("WebSocket session still open")
	}
}

func TestSIODelayDelaysRepliesInOrder(t *testing.T) {
	s := startSIO(t, Config{Faults: Faults{Delay: Delay{Min: 60 * time.Millisecond, Max: 60 * time.Millisecond}}})
	w := dialSIO(t, s, "")
	w.connect("/", "") // not delayed
	start := time.Now()
	w.send(`421["echo","a"]`)
	w.send(`42["echo-event","b"]`)
	w.expect(`431["a"]`)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("ack after %v, want the delay", d)
	}
	w.expect(`42["echo","b"]`)
}

// One client that stops reading must not hold up a broadcast to the
// others; it loses its session once a write to it times out.
func TestSIOSlowClientDoesNotStallBroadcasts(t *testing.T) {
	s := startSIO(t, Config{WriteTimeout: time.Second})
	// The stuck client's socket takes little: its receive buffer is
	// small and fixed, so the server's writes to it block soon.
	d := testDialer
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(4096)
		}
		return c, err
	}
	c, _, err := d.Dial(s.URL("/socket.io/")+"?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(testTimeout))
	stuck := &sioWS{t: t, c: c}
	stuck.read()
	stuck.connect("/chat", "")
	a, b := dialSIO(t, s, ""), dialSIO(t, s, "")
	a.connect("/chat", "")
	b.connect("/chat", "")

	big := `"` + strings.Repeat("x", 64<<10) + `"`
	const n = 100 // 6.4 MB: more than the stuck client's socket buffers
	sent := make(chan error, 1)
	go func() { // a reads its own broadcasts meanwhile
		var err error
		for i := 0; i < n && err == nil; i++ {
			err = a.c.WriteMessage(websocket.TextMessage, []byte(`42/chat,["broadcast",`+big+`]`))
		}
		sent <- err
	}()
	want := `42/chat,["broadcast",` + big + `]`
	for i := range n {
		for _, w := range []*sioWS{a, b} {
			if got := w.read(); got != want {
				t.Fatalf("broadcast %d: got %d bytes", i, len(got))
			}
		}
	}
	if err := <-sent; err != nil {
		t.Fatalf("send: %v", err)
	}
	eventually(t, "the stuck client dropped", func() bool {
		return sioStats(s).EngineCloses["transport error"] == 1
	})
}
