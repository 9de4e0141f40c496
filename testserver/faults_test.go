package testserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wantCloseCode fails unless err is a close frame with code.
func wantCloseCode(t *testing.T, err error, code int, reason string) {
	t.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code || ce.Text != reason {
		t.Fatalf("read error = %v, want a close frame %d %q", err, code, reason)
	}
}

// wantNoCloseFrame fails if err says a close frame was received: gorilla
// reports a TCP close without one as 1006, a reset as the syscall error.
func wantNoCloseFrame(t *testing.T, err error) {
	t.Helper()
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
		t.Fatalf("read error = %v, want a drop without a close frame", err)
	}
}

func TestCloseFractionSendsCode(t *testing.T) {
	s := startServer(t, Config{})
	a, b := dial(t, s.URL("/echo")), dial(t, s.URL("/json"))
	eventually(t, "2 open", func() bool { return s.Stats().Open == 2 })

	if n := s.CloseFraction(1, 4000, "x"); n != 2 {
		t.Fatalf("CloseFraction(1) = %d, want 2", n)
	}
	wantCloseCode(t, readErr(t, a), 4000, "x")
	wantCloseCode(t, readErr(t, b), 4000, "x")
	eventually(t, "server side closed", func() bool { return s.Stats().Open == 0 })
	if st := s.Stats(); st.FaultCloses != 2 {
		t.Fatalf("FaultCloses = %d, want 2", st.FaultCloses)
	}
	if n := s.CloseFraction(1, 4000, "x"); n != 0 {
		t.Fatalf("CloseFraction with nothing open = %d", n)
	}
}

func TestCloseFractionPicksRoundedShare(t *testing.T) {
	s := startServer(t, Config{})
	for range 4 {
		dial(t, s.URL("/echo"))
	}
	eventually(t, "4 open", func() bool { return s.Stats().Open == 4 })
	if n := s.CloseFraction(0.3, 4001, ""); n != 1 { // round(1.2)
		t.Fatalf("CloseFraction(0.3) of 4 = %d, want 1", n)
	}
	if n := s.CloseFraction(0.5, 4001, ""); n != 2 { // of the 3 not yet picked: round(1.5)
		t.Fatalf("CloseFraction(0.5) of 3 = %d, want 2", n)
	}
	if n := s.ResetFraction(1); n != 1 {
		t.Fatalf("ResetFraction(1) of the 1 left = %d, want 1", n)
	}
}

func TestCloseFractionGivesUpOnSilentClient(t *testing.T) {
	s := startServer(t, Config{})
	dial(t, s.URL("/echo")) // never reads, so never answers the close frame
	eventually(t, "1 open", func() bool { return s.Stats().Open == 1 })
	start := time.Now()
	s.CloseFraction(1, 4000, "bye")
	eventually(t, "server side closed", func() bool { return s.Stats().Open == 0 })
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("closed after %v, before the client had a chance to answer", d)
	}
}

func TestResetFractionSendsRST(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s.URL("/echo"))
	writeText(t, c, "hi")
	readText(t, c)
	if n := s.ResetFraction(1); n != 1 {
		t.Fatalf("ResetFraction(1) = %d, want 1", n)
	}
	err := readErr(t, c)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read error = %v (%T), want ECONNRESET", err, err)
	}
	wantNoCloseFrame(t, err)
	if st := s.Stats(); st.FaultResets != 1 {
		t.Fatalf("FaultResets = %d, want 1", st.FaultResets)
	}
}

func TestIgnorePings(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{IgnorePings: true}})
	c := dial(t, s.URL("/echo"))
	pongs := make(chan string, 4)
	c.SetPongHandler(func(data string) error { pongs <- data; return nil })
	readDone := make(chan struct{})
	go func() { // pong handlers run inside reads
		defer close(readDone)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}()
	defer func() { c.Close(); <-readDone }()

	ping := func(data string) {
		t.Helper()
		if err := c.WriteControl(websocket.PingMessage, []byte(data), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	ping("ignored")
	eventually(t, "ping counted as ignored", func() bool { return s.Stats().PingsIgnored == 1 })
	select {
	case p := <-pongs:
		t.Fatalf("got pong %q while ignoring pings", p)
	case <-time.After(150 * time.Millisecond):
	}

	s.SetIgnorePings(false)
	ping("answered")
	select {
	case p := <-pongs:
		if p != "answered" {
			t.Fatalf("pong %q, want the ping's data", p)
		}
	case <-time.After(testTimeout):
		t.Fatal("no pong after SetIgnorePings(false)")
	}
	if st := s.Stats(); st.PingsAnswered != 1 || st.PingsIgnored != 1 {
		t.Fatalf("pings answered %d ignored %d, want 1 and 1", st.PingsAnswered, st.PingsIgnored)
	}
}

func TestFixedDelay(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Delay: Delay{Min: 20 * time.Millisecond, Max: 20 * time.Millisecond}}})
	for _, path := range []string{"/echo", "/json", "/broadcast"} {
		c := dial(t, s.URL(path))
		for i := range 3 {
			start := time.Now()
			writeText(t, c, fmt.Sprintf(`{"id":%d}`, i))
			readText(t, c)
			if rtt := time.Since(start); rtt < 20*time.Millisecond {
				t.Fatalf("%s: RTT %v with a 20ms delay", path, rtt)
			}
		}
	}
	s.SetDelay(0, 0)
	c := dial(t, s.URL("/echo"))
	start := time.Now()
	writeText(t, c, "fast")
	readText(t, c)
	if rtt := time.Since(start); rtt >= 20*time.Millisecond {
		t.Logf("RTT %v after SetDelay(0, 0); loaded machine?", rtt)
	}
}

// sendAndExpectOrder writes n messages at once and reads them back in order.
func sendAndExpectOrder(t *testing.T, c *websocket.Conn, prefix string, n int) {
	t.Helper()
	for i := range n {
		writeText(t, c, fmt.Sprintf("%s%d", prefix, i))
	}
	for i := range n {
		if got, want := readText(t, c), fmt.Sprintf("%s%d", prefix, i); got != want {
			t.Fatalf("reply %d = %q, want %q: order lost", i, got, want)
		}
	}
}

func TestRandomDelayKeepsOrder(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Delay: Delay{Min: 0, Max: 15 * time.Millisecond}}})
	c := dial(t, s.URL("/echo"))
	sendAndExpectOrder(t, c, "m", 100)

	// The writer goroutine exists only while replies wait.
	s.mu.Lock()
	conns := s.snapshotLocked()
	s.mu.Unlock()
	eventually(t, "writer goroutine gone", func() bool {
		conns[0].qmu.Lock()
		defer conns[0].qmu.Unlock()
		return !conns[0].writerOn && conns[0].queue == nil
	})
}

func TestDelayOffWhileQueuedKeepsOrder(t *testing.T) {
	s := startServer(t, Config{Faults: Faults{Delay: Delay{Min: 50 * time.Millisecond, Max: 50 * time.Millisecond}}})
	c := dial(t, s.URL("/echo"))
	for i := range 5 {
		writeText(t, c, fmt.Sprintf("m%d", i))
	}
	eventually(t, "5 messages in", func() bool { return s.Stats().MessagesIn == 5 })
	s.SetDelay(0, 0)
	for i := 5; i < 10; i++ {
		writeText(t, c, fmt.Sprintf("m%d", i))
	}
	for i := range 10 {
		if got, want := readText(t, c), fmt.Sprintf("m%d", i); got != want {
			t.Fatalf("reply %d = %q, want %q", i, got, want)
		}
	}
}

func TestRefuseFor(t *testing.T) {
	s := startServer(t, Config{})
	for _, code := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusForbidden} {
		s.RefuseFor(code, time.Hour)
		_, resp, err := testDialer.Dial(s.URL("/echo"), nil)
		if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != code {
			t.Fatalf("dial while refusing %d: err %v, response %s", code, err, status(resp))
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		retry := resp.Header.Get("Retry-After")
		if wantRetry := code != http.StatusForbidden; (retry == "1") != wantRetry {
			t.Fatalf("%d: Retry-After %q", code, retry)
		}
		if !strings.Contains(string(body), "fault injection") {
			t.Fatalf("%d: body %q does not say it is fault injection", code, body)
		}
		// Plain HTTP is still served.
		if resp, _ := httpGet(t, "http://"+s.Addr()+"/stats"); resp.StatusCode != http.StatusOK {
			t.Fatalf("/stats while refusing: %s", resp.Status)
		}
	}
	s.RefuseFor(503, 0) // stops refusing
	dial(t, s.URL("/echo"))

	// A window ends by itself, not before its time.
	const period = 250 * time.Millisecond
	start := time.Now()
	s.RefuseFor(http.StatusServiceUnavailable, period)
	_, resp, err := testDialer.Dial(s.URL("/echo"), nil)
	if elapsed := time.Since(start); elapsed < period && (err == nil || resp == nil || resp.StatusCode != 503) {
		t.Fatalf("dial %v into a %v refusal: err %v, response %s", elapsed, period, err, status(resp))
	}
	eventually(t, "upgrades accepted after the period", func() bool {
		c, _, err := testDialer.Dial(s.URL("/echo"), nil)
		if err != nil {
			return false
		}
		defer c.Close()
		if elapsed := time.Since(start); elapsed < period {
			t.Fatalf("upgrade accepted %v into a %v refusal", elapsed, period)
		}
		return true
	})
	if st := s.Stats(); st.Refused < 4 || st.Accepted < 2 {
		t.Fatalf("refused %d accepted %d, want at least 4 and 2", st.Refused, st.Accepted)
	}
}

func TestRestart(t *testing.T) {
	s := startServer(t, Config{})
	addr := s.Addr()
	conns := []*websocket.Conn{dial(t, s.URL("/echo")), dial(t, s.URL("/broadcast"))}
	eventually(t, "2 open", func() bool { return s.Stats().Open == 2 })

	const down = 300 * time.Millisecond
	start := time.Now()
	restarted := make(chan error, 1)
	go func() { restarted <- s.Restart(down) }()

	for _, c := range conns {
		wantNoCloseFrame(t, readErr(t, c))
		c.Close() // as a client does on a drop; the server drains until then
	}
	// The listener closed before the connections dropped: dials fail
	// until the down time has passed.
	if c, _, err := testDialer.Dial(s.URL("/echo"), nil); err == nil {
		c.Close()
		if d := time.Since(start); d < down {
			t.Fatalf("dial succeeded %v into a %v down time", d, down)
		}
		t.Logf("slow machine: the down time was over before the dial")
	}
	select {
	case err := <-restarted:
		if err != nil {
			t.Fatalf("Restart: %v", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Restart did not return")
	}
	if d := time.Since(start); d < down {
		t.Fatalf("Restart returned after %v, before the down time %v", d, down)
	}
	if s.Addr() != addr {
		t.Fatalf("address changed from %s to %s", addr, s.Addr())
	}
	c := dial(t, "ws://"+addr+"/echo")
	writeText(t, c, "again")
	if got := readText(t, c); got != "again" {
		t.Fatalf("after restart: %q", got)
	}
	eventually(t, "only the new connection open", func() bool { return s.Stats().Open == 1 })
	if st := s.Stats(); st.Restarts != 1 || st.Accepted != 3 {
		t.Fatalf("stats after restart = %+v", st)
	}
}

// TestRestartDrainsInFlight: messages a client wrote around the moment of
// a restart, before it noticed the drop, are still read and
// sequence-checked, so a restart loses nothing the client cannot see.
func TestRestartDrainsInFlight(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s.URL("/echo"))
	writeText(t, c, `{"client":"c","seq":1}`)
	if got := readText(t, c); got != `{"client":"c","seq":1}` {
		t.Fatalf("echo: %q", got)
	}
	restarted := make(chan error, 1)
	go func() { restarted <- s.Restart(50 * time.Millisecond) }()
	eventually(t, "restart counted", func() bool { return s.Stats().Restarts == 1 })
	// The server has half-closed; these writes still reach it.
	writeText(t, c, `{"client":"c","seq":2}`)
	writeText(t, c, `{"client":"c","seq":3}`)
	wantNoCloseFrame(t, readErr(t, c))
	eventually(t, "in-flight messages counted", func() bool { return s.Stats().Clients["c"].Received == 3 })
	c.Close()
	if err := <-restarted; err != nil {
		t.Fatal(err)
	}
	if st := s.Stats().Clients["c"]; st.Gaps != 0 || st.Backwards != 0 || st.Last != 3 {
		t.Fatalf("sequence after restart = %+v", st)
	}
	if st := s.Stats(); st.MessagesOut != 1 {
		t.Fatalf("a draining connection answered: %d replies, want 1", st.MessagesOut)
	}
}

func TestCloseDuringRestartDownTime(t *testing.T) {
	s := New(Config{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	restarted := make(chan error, 1)
	go func() { restarted <- s.Restart(time.Minute) }()
	eventually(t, "restart begun", func() bool { return s.Stats().Restarts == 1 })
	start := time.Now()
	s.Close()
	if err := <-restarted; !errors.Is(err, ErrClosed) {
		t.Fatalf("Restart = %v, want ErrClosed", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v during a restart", d)
	}
}

// TestSmallFractionStillPicksOne: a fraction that rounds to zero of the
// open connections still closes one, so a configured fault fires.
func TestSmallFractionStillPicksOne(t *testing.T) {
	s := startServer(t, Config{})
	for range 3 {
		c := dial(t, s.URL("/echo"))
		defer c.Close()
	}
	eventually(t, "3 open", func() bool { return s.Stats().Open == 3 })
	if n := s.CloseFraction(0.05, 4000, "x"); n != 1 {
		t.Fatalf("CloseFraction(0.05) of 3 closed %d, want 1", n)
	}
}
