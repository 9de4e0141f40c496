package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbench/wsbench/internal/nginxtest"
	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/transport"
)

// idleNoLeaks fails t if goroutines started during it outlive it and its
// cleanups (registered first, so it runs last).
func idleNoLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// idleFind runs FindIdleTimeout with o within limit, logs its progress
// lines and how long it took, and fails t on error.
func idleFind(t *testing.T, o IdleOptions, limit time.Duration) IdleResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var progress strings.Builder
	o.Progress = &progress
	start := time.Now()
	res, err := FindIdleTimeout(ctx, o)
	t.Logf("took %v; progress:\n%s", time.Since(start).Round(time.Millisecond), progress.String())
	t.Logf("result: %+v", res)
	if err != nil {
		t.Fatalf("FindIdleTimeout: %v", err)
	}
	return res
}

// idleCheckFound checks a found timeout of want ± 1s and a confirmed
// heartbeat no slower than maxInterval.
func idleCheckFound(t *testing.T, res IdleResult, want, maxInterval time.Duration) {
	t.Helper()
	if res.NoTimeout || res.Timeout < want-time.Second || res.Timeout > want+time.Second {
		t.Errorf("Timeout = %v (NoTimeout %v), want %v ± 1s", res.Timeout, res.NoTimeout, want)
	}
	if res.Lower > res.Timeout || res.Timeout > res.Upper || res.Upper-res.Lower > 2*time.Second {
		t.Errorf("bracket [%v, %v] around %v: want it to hold Timeout and be at most 2s wide", res.Lower, res.Upper, res.Timeout)
	}
	if !res.HeartbeatConfirmed {
		t.Errorf("HeartbeatConfirmed = false, want true; advice %q", res.Advice)
	}
	if res.HeartbeatInterval <= 0 || res.HeartbeatInterval > maxInterval {
		t.Errorf("HeartbeatInterval = %v, want at most %v", res.HeartbeatInterval, maxInterval)
	}
	if !strings.Contains(res.Advice, "every "+idleFmt(res.HeartbeatInterval)) {
		t.Errorf("Advice = %q, want it to say every %s", res.Advice, idleFmt(res.HeartbeatInterval))
	}
}

// TestFindIdleTimeoutNginx finds nginx's proxy_read_timeout in front of the
// embedded echo server, with the default Max of 10 minutes: nginx ends all
// the idle connections itself, so it takes about the timeout, plus the
// heartbeat confirmation.
func TestFindIdleTimeoutNginx(t *testing.T) {
	idleNoLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	proxy := nginxtest.Start(t, nginxtest.Options{Upstream: srv.Addr(), ReadTimeout: 3 * time.Second})
	start := time.Now()
	res := idleFind(t, IdleOptions{URL: proxy.URL("/echo")}, time.Minute)
	idleCheckFound(t, res, 3*time.Second, 2*time.Second)
	if res.How != "TCP FIN without a close frame" {
		t.Errorf("How = %q, want nginx's TCP FIN without a close frame", res.How)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("took %v, want under 20s", took)
	}
}

// TestFindIdleTimeoutSilent finds the timeout of a forwarder that forgets
// idle connections without a word, by pings: Max 20s makes a second round
// narrow the first round's bracket.
func TestFindIdleTimeoutSilent(t *testing.T) {
	idleNoLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	bh := idleStartBlackhole(t, srv.Addr(), 2*time.Second)
	res := idleFind(t, IdleOptions{URL: "ws://" + bh.addr() + "/echo", Max: 20 * time.Second}, time.Minute)
	idleCheckFound(t, res, 2*time.Second, 1500*time.Millisecond)
	if !strings.HasPrefix(res.How, "silent: no answer to a ping after ") {
		t.Errorf("How = %q, want silent: no answer to a ping ...", res.How)
	}
}

// TestFindIdleTimeoutServer covers servers that end connections
// themselves, with a close frame: after 1.5s of idleness, which a
// heartbeat resets; or after 2s whatever the client does, which no
// heartbeat helps with.
func TestFindIdleTimeoutServer(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		idleNoLeaks(t)
		srv := idleStartCloser(t, 1500*time.Millisecond, false)
		res := idleFind(t, IdleOptions{URL: srv.url(), Max: 30 * time.Second}, time.Minute)
		idleCheckFound(t, res, 1500*time.Millisecond, time.Second)
		if want := `close frame 1001 (going away) "idle"`; res.How != want {
			t.Errorf("How = %q, want %q", res.How, want)
		}
	})
	t.Run("lifetime", func(t *testing.T) {
		idleNoLeaks(t)
		srv := idleStartCloser(t, 2*time.Second, true)
		res := idleFind(t, IdleOptions{URL: srv.url(), Max: 30 * time.Second, Connections: 4}, time.Minute)
		if res.Timeout < time.Second || res.Timeout > 3*time.Second {
			t.Errorf("Timeout = %v, want 2s ± 1s", res.Timeout)
		}
		if res.HeartbeatConfirmed {
			t.Errorf("HeartbeatConfirmed = true, want false: the server ends every connection after 2s")
		}
		if !strings.Contains(res.Advice, "did not keep the connection open") || !strings.Contains(res.Advice, "lifetime") {
			t.Errorf("Advice = %q, want it to say the heartbeat did not help and why that may be", res.Advice)
		}
	})
}

func TestFindIdleTimeoutNone(t *testing.T) {
	idleNoLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	res := idleFind(t, IdleOptions{URL: srv.URL("/echo"), Max: 3 * time.Second}, 30*time.Second)
	if !res.NoTimeout || res.Timeout != 0 || res.HeartbeatConfirmed {
		t.Errorf("got NoTimeout %v, Timeout %v, HeartbeatConfirmed %v; want true, 0, false", res.NoTimeout, res.Timeout, res.HeartbeatConfirmed)
	}
	if res.Lower < 3*time.Second {
		t.Errorf("Lower = %v, want the 3s every connection survived", res.Lower)
	}
	if !strings.Contains(res.Advice, "no idle timeout within 3s") {
		t.Errorf("Advice = %q, want no idle timeout within 3s", res.Advice)
	}
}

// TestFindIdleTimeoutCanceled checks that cancelling (Ctrl-C) returns at
// once, with every connection closed (the goroutine check would see their
// readers otherwise).
func TestFindIdleTimeoutCanceled(t *testing.T) {
	idleNoLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	for _, after := range []time.Duration{0, 300 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), after)
		start := time.Now()
		_, err := FindIdleTimeout(ctx, IdleOptions{URL: srv.URL("/echo")})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("cancelled after %v: err = %v, want the context's", after, err)
		}
		if took := time.Since(start); took > after+2*time.Second {
			t.Errorf("cancelled after %v: returned after %v", after, took)
		}
	}
}

func TestFindIdleTimeoutDialFails(t *testing.T) {
	idleNoLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = FindIdleTimeout(context.Background(), IdleOptions{URL: "ws://" + addr + "/", Connections: 2})
	if err == nil || !strings.Contains(err.Error(), "no connection") {
		t.Errorf("err = %v, want no connection opened", err)
	}
}

func TestIdleOptionsInvalid(t *testing.T) {
	_, err := FindIdleTimeout(context.Background(), IdleOptions{URL: "http://x/", Max: -1, Connections: -2, HandshakeTimeout: -3})
	if err == nil {
		t.Fatal("FindIdleTimeout accepted invalid options")
	}
	for _, want := range []string{"ws://HOST", "Max", "Connections", "HandshakeTimeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestIdleGrids(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		name string
		got  []time.Duration
		want []time.Duration
	}{
		{"first 8 over 7s", idleFirstGrid(7*s, 8), []time.Duration{s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s, 7 * s}},
		{"first 1", idleFirstGrid(10*s, 1), []time.Duration{10 * s}},
		{"first 3", idleFirstGrid(9*s, 3), []time.Duration{3 * s, 6 * s, 9 * s}},
		{"refine 4 in (1s, 6s)", idleGrid(s, 6*s, 4), []time.Duration{2 * s, 3 * s, 4 * s, 5 * s}},
		{"refine to the ms", idleGrid(0, s, 2), []time.Duration{333 * time.Millisecond, 666 * time.Millisecond}},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestIdleHeartbeatPlan(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		timeout, upper, interval, hold time.Duration
	}{
		{3 * s, 3 * s, 2 * s, 5 * s},
		{3005 * time.Millisecond, 3010 * time.Millisecond, 2 * s, 5010 * time.Millisecond},
		{1500 * time.Millisecond, 2 * s, 750 * time.Millisecond, 4 * s}, // margin 1s would leave less than half
		{2065 * time.Millisecond, 2200 * time.Millisecond, 1 * s, 4200 * time.Millisecond},
		{60 * s, 61 * s, 45 * s, 76 * s}, // margin Timeout/4
		{10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 2020 * time.Millisecond},
	} {
		interval, hold := idleHeartbeatPlan(IdleResult{Timeout: c.timeout, Upper: c.upper})
		if interval != c.interval || hold != c.hold {
			t.Errorf("Timeout %v, Upper %v: interval %v, hold %v; want %v, %v", c.timeout, c.upper, interval, hold, c.interval, c.hold)
		}
	}
}

func TestIdleSettled(t *testing.T) {
	s := time.Second
	pings := []time.Duration{s, 2 * s, 3 * s, 4 * s}
	ended := &idleRoundResult{ends: []idleReport{{lo: 2500 * time.Millisecond}}}
	for _, c := range []struct {
		name     string
		resolved []bool
		rr       *idleRoundResult
		want     bool
	}{
		{"nothing yet", []bool{true, true, false, false}, &idleRoundResult{}, false},
		{"dead at 3s, earlier ones in", []bool{true, true, true, false}, &idleRoundResult{dead: 3 * s}, true},
		{"dead at 3s, 2s not in", []bool{true, false, true, false}, &idleRoundResult{dead: 3 * s}, false},
		{"ended at 2.5s, 3s not in", []bool{false, false, false, true}, ended, false},
		{"ended at 2.5s, later ones in", []bool{false, false, true, true}, ended, true},
	} {
		if got := idleSettled(pings, c.resolved, c.rr); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestIdleHow(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&transport.CloseError{Code: 1006}, "TCP FIN without a close frame"},
		{io.ErrUnexpectedEOF, "TCP FIN without a close frame"},
		{&transport.CloseError{Code: 1001}, "close frame 1001 (going away)"},
		{&transport.CloseError{Code: 4000, Reason: "bye"}, `close frame 4000 "bye"`},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, "TCP reset"},
		{errors.New("odd"), "odd"},
	} {
		if got := idleHow(c.err); got != c.want {
			t.Errorf("idleHow(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestIdleFmt(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		got, want string
	}{
		{idleFmtBracket(IdleResult{Timeout: 3 * time.Second, Lower: 3 * time.Second, Upper: 3002 * ms}), "3s ± 0.1s"},
		{idleFmtBracket(IdleResult{Timeout: 2050 * ms, Lower: 1900 * ms, Upper: 2200 * ms}), "2.1s ± 0.2s"},
		{idleFmtBracket(IdleResult{Timeout: 3 * time.Second, Lower: 2 * time.Second, Upper: 4 * time.Second}), "3s ± 1s"},
		{idleFmt(42 * ms), "42ms"},
		{idleFmt(750 * ms), "750ms"},
		{idleFmt(10 * time.Minute), "10m"},
		{idleFmt(2 * time.Hour), "2h"},
		{idleFmt(90*time.Second + 440*ms), "1m30.4s"},
		{idleList([]time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}), "1s, 2s, 3s (2 connections)"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

// idleBlackhole is a TCP forwarder on 127.0.0.1 that, like a NAT or a
// stateful firewall forgetting a flow, silently stops forwarding a
// connection in both directions once it has been idle for a while: bytes
// still arrive and are dropped, nothing is closed or reset.
type idleBlackhole struct {
	ln       net.Listener
	upstream string
	idle     time.Duration
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
}

func idleStartBlackhole(t *testing.T, upstream string, idle time.Duration) *idleBlackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &idleBlackhole{ln: ln, upstream: upstream, idle: idle, conns: make(map[net.Conn]struct{})}
	b.wg.Go(b.accept)
	t.Cleanup(b.close)
	return b
}

func (b *idleBlackhole) addr() string { return b.ln.Addr().String() }

func (b *idleBlackhole) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", b.upstream)
		if err != nil {
			c.Close()
			continue
		}
		b.mu.Lock()
		b.conns[c], b.conns[up] = struct{}{}, struct{}{}
		b.mu.Unlock()
		var last atomic.Int64 // unix ns of the last bytes forwarded either way
		var dead atomic.Bool
		last.Store(time.Now().UnixNano())
		b.wg.Go(func() { b.pipe(c, up, &last, &dead) })
		b.wg.Go(func() { b.pipe(up, c, &last, &dead) })
	}
}

// pipe forwards src to dst until either ends, then closes both.
func (b *idleBlackhole) pipe(src, dst net.Conn, last *atomic.Int64, dead *atomic.Bool) {
	defer func() {
		src.Close()
		dst.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		now := time.Now().UnixNano()
		if dead.Load() || time.Duration(now-last.Load()) >= b.idle {
			dead.Store(true)
			continue
		}
		last.Store(now)
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func (b *idleBlackhole) close() {
	b.ln.Close()
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// idleCloser is a WebSocket server on 127.0.0.1 that sends close frame
// 1001 "idle" to a connection after it has been quiet for d (a ping
// resets the wait) or, with lifetime, d after it opened whatever happens.
type idleCloser struct {
	srv   *http.Server
	ln    net.Listener
	wg    sync.WaitGroup // Serve and every handler holding a connection
	mu    sync.Mutex
	done  bool
	conns map[*websocket.Conn]struct{} // hijacked: srv.Close does not close them
}

func idleStartCloser(t *testing.T, d time.Duration, lifetime bool) *idleCloser {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &idleCloser{ln: ln, conns: make(map[*websocket.Conn]struct{})}
	up := websocket.Upgrader{}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		s.mu.Lock()
		if s.done {
			s.mu.Unlock()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			s.wg.Done()
		}()
		c.SetReadDeadline(time.Now().Add(d))
		c.SetPingHandler(func(data string) error {
			if !lifetime {
				c.SetReadDeadline(time.Now().Add(d))
			}
			return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		for {
			if _, _, err := c.NextReader(); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "idle")
					c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
				}
				return
			}
		}
	})}
	s.wg.Go(func() { s.srv.Serve(ln) })
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		s.done = true
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *idleCloser) url() string { return "ws://" + s.ln.Addr().String() + "/" }
