package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsbench/wsbench/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// modes are the three ways to reach a server.
var modes = []struct {
	name       string
	transports []string
	want       string // transport in use after Dial
}{
	{"websocket", []string{TransportWebSocket}, TransportWebSocket},
	{"polling", []string{TransportPolling}, TransportPolling},
	{"upgrade", []string{TransportPolling, TransportWebSocket}, TransportWebSocket},
}

// forModes runs f once per mode, against a fake server offering upgrades.
func forModes(t *testing.T, fo fakeOptions, f func(t *testing.T, srv *fakeServer, o Options)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			fo := fo
			fo.upgrades = true
			srv := newFakeServer(t, fo)
			f(t, srv, Options{Transports: m.transports, HandshakeTimeout: 5 * time.Second})
		})
	}
}

// dialFake dials srv and aborts the connection when the test ends.
func dialFake(t *testing.T, srv *fakeServer, o Options) *Conn {
	t.Helper()
	d := NewDialer(o)
	c, err := d.Dial(context.Background(), srv.URL())
	if err != nil {
		d.CloseIdleConnections()
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Abort()
		d.CloseIdleConnections()
	})
	return c.(*Conn)
}

func mustRead(t *testing.T, c *Conn) string {
	t.Helper()
	typ, data, err := c.ReadMessage(nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != transport.Text {
		t.Fatalf("read a %v message", typ)
	}
	return string(data)
}

func mustWrite(t *testing.T, c *Conn, pkt string) {
	t.Helper()
	if err := c.WriteMessage(transport.Text, []byte(pkt)); err != nil {
		t.Fatalf("write %s: %v", pkt, err)
	}
}

// readAsync reads on its own goroutine until the connection fails and
// hands out what it read; the goroutine ends before the test does.
type reader struct {
	msgs chan string
	err  chan error
}

func readAsync(t *testing.T, c *Conn) *reader {
	r := &reader{msgs: make(chan string, 1024), err: make(chan error, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf []byte
		for {
			_, data, err := c.ReadMessage(buf)
			if err != nil {
				r.err <- err
				return
			}
			r.msgs <- string(data)
			buf = data[:0]
		}
	}()
	t.Cleanup(func() {
		_ = c.Abort()
		<-done
	})
	return r
}

func (r *reader) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case err := <-r.err:
		t.Fatalf("read: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("nothing read")
	}
	return ""
}

func (r *reader) end(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case err := <-r.err:
		return err
	case <-time.After(within):
		t.Fatalf("read did not end within %v", within)
		return nil
	}
}

func TestDialConnectsNamespacesInOrder(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := newFakeServer(t, fakeOptions{upgrades: true, pingInterval: 25 * time.Second, pingTimeout: 20 * time.Second})
			c := dialFake(t, srv, Options{Transports: m.transports, Namespaces: []string{"/", "chat"}, Auth: json.RawMessage(`{"token":"x"}`)})
			ss := srv.session(t)
			if got := ss.next(t).pkt; got != `0{"token":"x"}` {
				t.Errorf("first CONNECT = %s", got)
			}
			if got := ss.next(t).pkt; got != `0/chat,{"token":"x"}` {
				t.Errorf("second CONNECT = %s", got)
			}
			d := c.Details()
			if d.SID != ss.sid || d.Transport != m.want || d.Upgraded != (m.name == "upgrade") || d.UpgradeErr != nil {
				t.Errorf("details %+v", d)
			}
			if d.PingInterval != 25*time.Second || d.PingTimeout != 20*time.Second || d.MaxPayload != 1000000 {
				t.Errorf("heartbeat %v/%v, max payload %d", d.PingInterval, d.PingTimeout, d.MaxPayload)
			}
			want := []Namespace{{"/", "sock-/"}, {"/chat", "sock-/chat"}}
			if len(d.Namespaces) != 2 || d.Namespaces[0] != want[0] || d.Namespaces[1] != want[1] {
				t.Errorf("namespaces %v, want %v", d.Namespaces, want)
			}
			if d.Handshake <= 0 || d.NamespaceConnect <= 0 || (d.Upgraded && d.Upgrade <= 0) {
				t.Errorf("phase times %v %v %v", d.Handshake, d.NamespaceConnect, d.Upgrade)
			}
			if m.name == "upgrade" {
				select {
				case <-ss.upgrade:
				case <-time.After(time.Second):
					t.Error("server saw no upgrade")
				}
			}
		})
	}
}

func TestConnectErrorCarriesData(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		o.Namespaces = []string{"/", "/admin"}
		d := NewDialer(o)
		defer d.CloseIdleConnections()
		_, err := d.Dial(context.Background(), srv.URL())
		var ce *ConnectError
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a ConnectError", err)
		}
		if ce.Namespace != "/admin" || ce.Message != "not authorized" || string(ce.Data) != `{"code":401}` {
			t.Fatalf("got %+v", ce)
		}
		if Reason(err) != ReasonIOServerDisconnect {
			t.Errorf("Reason = %q", Reason(err))
		}

		o.Auth = json.RawMessage(`{"token":"secret"}`)
		c := dialFake(t, srv, o)
		if n := len(c.Details().Namespaces); n != 2 {
			t.Fatalf("%d namespaces connected with the right token", n)
		}
	})
}

func TestEventsDuringDialAreKept(t *testing.T) {
	forModes(t, fakeOptions{welcome: true}, func(t *testing.T, srv *fakeServer, o Options) {
		o.Namespaces = []string{"/", "/chat"}
		c := dialFake(t, srv, o)
		for _, want := range []string{`2["welcome",{"nsp":"/"}]`, `2/chat,["welcome",{"nsp":"/chat"}]`} {
			if got := mustRead(t, c); got != want {
				t.Fatalf("read %s, want %s", got, want)
			}
		}
		mustWrite(t, c, `2/chat,1["echo","after"]`)
		if got := mustRead(t, c); got != `3/chat,1["after"]` {
			t.Fatalf("ack %s", got)
		}
	})
}

func TestEventAndAckBothWays(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		o.Namespaces = []string{"/", "/chat"}
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		ss.next(t)
		ss.next(t)

		mustWrite(t, c, `2/chat,5["echo","hi",{"n":1}]`)
		if got := ss.next(t).pkt; got != `2/chat,5["echo","hi",{"n":1}]` {
			t.Errorf("server got %s", got)
		}
		if got := mustRead(t, c); got != `3/chat,5["hi",{"n":1}]` {
			t.Errorf("ack %s", got)
		}
		// The server asks; the client answers.
		ss.text(`427["question",1]`)
		if got := mustRead(t, c); got != `27["question",1]` {
			t.Errorf("event %s", got)
		}
		mustWrite(t, c, `37["answer"]`)
		if got := ss.next(t).pkt; got != `37["answer"]` {
			t.Errorf("server got %s", got)
		}
	})
}

func TestBinaryAttachmentsBothWays(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		ss.next(t)

		a, b := []byte{0, 1, 2, 0xff}, bytes.Repeat([]byte{7}, 3000)
		pkt := `52-3["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`
		if err := c.WritePacket([]byte(pkt), [][]byte{a, b}); err != nil {
			t.Fatal(err)
		}
		got := ss.next(t)
		if got.pkt != pkt || len(got.atts) != 2 || !bytes.Equal(got.atts[0], a) || !bytes.Equal(got.atts[1], b) {
			t.Fatalf("server got %s with %d attachments", got.pkt, len(got.atts))
		}
		if ack := mustRead(t, c); ack != `62-3[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]` {
			t.Fatalf("ack %s", ack)
		}
		atts := c.Attachments()
		if len(atts) != 2 || !bytes.Equal(atts[0], a) || !bytes.Equal(atts[1], b) {
			t.Fatalf("attachments %v", atts)
		}

		// The same with separate writes.
		mustWrite(t, c, `51-4["echo",{"_placeholder":true,"num":0}]`)
		if err := c.WriteMessage(transport.Binary, a); err != nil {
			t.Fatal(err)
		}
		if ack := mustRead(t, c); ack != `61-4[{"_placeholder":true,"num":0}]` || len(c.Attachments()) != 1 || !bytes.Equal(c.Attachments()[0], a) {
			t.Fatalf("ack %s with %v", ack, c.Attachments())
		}
		if got := ss.next(t); len(got.atts) != 1 || !bytes.Equal(got.atts[0], a) {
			t.Fatalf("server got %s with %v", got.pkt, got.atts)
		}
		// A ping between a binary packet and its attachment is answered.
		ss.send(frame{data: []byte(`451-["bin",{"_placeholder":true,"num":0}]`)}, frame{data: []byte("2")}, frame{bin: true, data: b})
		if ev := mustRead(t, c); ev != `51-["bin",{"_placeholder":true,"num":0}]` || !bytes.Equal(c.Attachments()[0], b) {
			t.Fatalf("event %s", ev)
		}
		mustWrite(t, c, `2["plain"]`)
		if got := ss.next(t).pkt; got != `2["plain"]` {
			t.Fatalf("server got %s", got)
		}
		if ss.pongs.Load() != 1 {
			t.Errorf("%d pongs", ss.pongs.Load())
		}
		ss.text(`42["plain"]`)
		if mustRead(t, c); c.Attachments() != nil {
			t.Error("attachments left over from the previous packet")
		}
	})
}

func TestPingsAreAnswered(t *testing.T) {
	forModes(t, fakeOptions{ping: true, pingInterval: 50 * time.Millisecond, pingTimeout: 250 * time.Millisecond}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		var pings atomic.Int32
		c.SetPingHandler(func() { pings.Add(1) })
		r := readAsync(t, c)
		deadline := time.Now().Add(5 * time.Second)
		for ss.pongs.Load() < 5 || pings.Load() < 5 {
			select {
			case <-ss.closed:
				t.Fatalf("server closed the session: %s", ss.closeReason(t))
			case err := <-r.err:
				t.Fatalf("read ended: %v", err)
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d pings seen, %d pongs received", pings.Load(), ss.pongs.Load())
			}
		}
	})
}

func TestPingTimeout(t *testing.T) {
	forModes(t, fakeOptions{pingInterval: 50 * time.Millisecond, pingTimeout: 50 * time.Millisecond}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		start := time.Now()
		_, _, err := c.ReadMessage(nil)
		if !errors.Is(err, ErrPingTimeout) || Reason(err) != ReasonPingTimeout {
			t.Fatalf("error %v, want ErrPingTimeout", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("ping timeout took %v for a 100ms deadline", d)
		}
		if _, _, again := c.ReadMessage(nil); again != err {
			t.Errorf("second read returned %v", again)
		}
	})
}

func TestIgnorePingsLetsTheServerTimeOut(t *testing.T) {
	forModes(t, fakeOptions{ping: true, pingInterval: 50 * time.Millisecond, pingTimeout: 50 * time.Millisecond}, func(t *testing.T, srv *fakeServer, o Options) {
		o.IgnorePings = true
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		var pings atomic.Int32
		c.SetPingHandler(func() { pings.Add(1) })
		r := readAsync(t, c)
		if reason := ss.closeReason(t); reason != "ping timeout" {
			t.Fatalf("server closed with %q", reason)
		}
		err := r.end(t, 2*time.Second)
		var ce *transport.CloseError
		if !errors.As(err, &ce) || Reason(err) != ReasonTransportClose {
			t.Errorf("read ended with %v", err)
		}
		if ss.pongs.Load() != 0 || pings.Load() == 0 {
			t.Errorf("%d pongs sent, %d pings seen", ss.pongs.Load(), pings.Load())
		}
	})
}

func TestServerDisconnect(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		o.Namespaces = []string{"/", "/chat"}
		c := dialFake(t, srv, o)
		mustWrite(t, c, `2/chat,["kick"]`)
		_, _, err := c.ReadMessage(nil)
		var de *DisconnectError
		if !errors.As(err, &de) || de.Namespace != "/chat" || de.Reason != ReasonIOServerDisconnect || Reason(err) != ReasonIOServerDisconnect {
			t.Fatalf("error %v", err)
		}
		if _, _, again := c.ReadMessage(nil); again != err {
			t.Errorf("second read returned %v", again)
		}
	})
}

// TestReadEndDoesNotCutAWrite: the server reacts to a POST (here, a kick
// ends the read) before it answers the POST; the write must still
// succeed, not be cancelled by the reader releasing the connection.
func TestReadEndDoesNotCutAWrite(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{postDelay: 100 * time.Millisecond})
	c := dialFake(t, srv, Options{Transports: []string{TransportPolling}})
	r := readAsync(t, c)
	time.Sleep(20 * time.Millisecond) // the long-poll is pending
	mustWrite(t, c, `2["kick"]`)
	var de *DisconnectError
	if err := r.end(t, time.Second); !errors.As(err, &de) {
		t.Fatalf("read ended with %v", err)
	}
	if err := c.WriteMessage(transport.Text, []byte(`2["late"]`)); !errors.Is(err, transport.ErrClosing) {
		t.Fatalf("write after the read ended: %v", err)
	}
}

func TestServerEngineClose(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		srv.session(t).text("1")
		_, _, err := c.ReadMessage(nil)
		var ce *transport.CloseError
		if !errors.As(err, &ce) || ce.Code != 1000 || Reason(err) != ReasonTransportClose {
			t.Fatalf("error %v", err)
		}
	})
}

func TestMalformedPacketsAreParseErrors(t *testing.T) {
	cases := []struct {
		name string
		f    []frame
	}{
		{"unknown engine type", []frame{{data: []byte("9")}}},
		{"empty packet", []frame{{data: []byte("4")}}},
		{"unknown socket.io type", []frame{{data: []byte("47")}}},
		{"event not an array", []frame{{data: []byte(`42{"a":1}`)}}},
		{"binary without count", []frame{{data: []byte(`45["x"]`)}}},
		{"attachment nobody announced", []frame{{bin: true, data: []byte{1}}}},
		{"text where an attachment is due", []frame{{data: []byte(`451-["x",{}]`)}, {data: []byte(`42["y"]`)}}},
		{"open mid-stream", []frame{{data: []byte(`0{"sid":"x","pingInterval":1,"pingTimeout":1}`)}}},
		{"upgrade packet", []frame{{data: []byte("5")}}},
		{"late CONNECT", []frame{{data: []byte(`40{"sid":"again"}`)}}},
		{"late CONNECT_ERROR", []frame{{data: []byte(`44{"message":"late"}`)}}},
		{"ack without id", []frame{{data: []byte(`43["x"]`)}}},
	}
	for _, m := range modes[:2] {
		t.Run(m.name, func(t *testing.T) {
			srv := newFakeServer(t, fakeOptions{})
			all := cases
			if m.name == "polling" {
				all = append(all[:len(all):len(all)], struct {
					name string
					f    []frame
				}{"bad base64", []frame{{raw: true, data: []byte("b!!!")}}})
			}
			for _, tc := range all {
				t.Run(tc.name, func(t *testing.T) {
					c := dialFake(t, srv, Options{Transports: m.transports})
					srv.session(t).send(tc.f...)
					_, _, err := c.ReadMessage(nil)
					if !errors.Is(err, ErrParse) || Reason(err) != ReasonParseError {
						t.Fatalf("error %v, want ErrParse", err)
					}
				})
			}
		})
	}
}

func TestAbortUnblocksReader(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		r := readAsync(t, c)
		time.Sleep(20 * time.Millisecond)
		_ = c.Abort()
		err := r.end(t, time.Second)
		if !errors.Is(err, net.ErrClosed) || Reason(err) != ReasonIOClientDisconnect {
			t.Fatalf("error %v, want net.ErrClosed", err)
		}
		if err := c.WriteMessage(transport.Text, []byte(`2["x"]`)); err == nil {
			t.Error("write after Abort succeeded")
		}
		_ = c.Abort() // twice is harmless
	})
}

func TestCloseDisconnectsEveryNamespace(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		o.Namespaces = []string{"/", "/chat"}
		c := dialFake(t, srv, o)
		ss := srv.session(t)
		ss.next(t)
		ss.next(t)
		r := readAsync(t, c)
		if err := c.Close(1000, "bye"); err != nil {
			t.Fatal(err)
		}
		if got := ss.next(t).pkt; got != "1" {
			t.Errorf("first packet after Close %q", got)
		}
		if got := ss.next(t).pkt; got != "1/chat," {
			t.Errorf("second packet after Close %q", got)
		}
		err := r.end(t, time.Second)
		var ce *transport.CloseError
		if !errors.As(err, &ce) || ce.Code != 1000 || Reason(err) != ReasonIOClientDisconnect {
			t.Fatalf("read ended with %v", err)
		}
		if reason := ss.closeReason(t); reason != "client close" && reason != "transport close" {
			t.Errorf("server closed with %q", reason)
		}
		if err := c.WriteMessage(transport.Text, []byte(`2["late"]`)); !errors.Is(err, transport.ErrClosing) {
			t.Errorf("write after Close: %v", err)
		}
		if err := c.Close(1000, "again"); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestPollingWritesDoNotWaitForTheLongPoll(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{pingInterval: 5 * time.Second, pingTimeout: 5 * time.Second})
	c := dialFake(t, srv, Options{Transports: []string{TransportPolling}})
	r := readAsync(t, c)
	time.Sleep(50 * time.Millisecond) // the long-poll is pending now
	for i := range 5 {
		start := time.Now()
		mustWrite(t, c, `2`+string(rune('0'+i))+`["echo",1]`)
		if got := r.next(t); got != `3`+string(rune('0'+i))+`[1]` {
			t.Fatalf("ack %s", got)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("round trip %d took %v with a 5s ping interval: the write waited for the long-poll", i, d)
		}
	}
}

func TestUpgradeFailureStaysOnPolling(t *testing.T) {
	cases := []struct {
		name string
		fo   fakeOptions
		to   time.Duration
		want func(error) bool
	}{
		{"websocket refused", fakeOptions{refuseWS: 400}, 5 * time.Second, func(err error) bool {
			var he *transport.HandshakeError
			return errors.As(err, &he) && he.Status == 400
		}},
		{"probe unanswered", fakeOptions{noProbeReply: true}, 300 * time.Millisecond, func(err error) bool {
			return errors.Is(err, transport.ErrHandshakeTimeout)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.fo.upgrades = true
			srv := newFakeServer(t, tc.fo)
			c := dialFake(t, srv, Options{Transports: []string{TransportPolling, TransportWebSocket}, HandshakeTimeout: tc.to})
			d := c.Details()
			if d.Upgraded || d.Transport != TransportPolling || !tc.want(d.UpgradeErr) {
				t.Fatalf("details %+v", d)
			}
			mustWrite(t, c, `21["echo","still"]`)
			if got := mustRead(t, c); got != `31["still"]` {
				t.Fatalf("ack %s", got)
			}
		})
	}
}

func TestHandshakeRefused(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			srv := newFakeServer(t, fakeOptions{refuse: 403})
			d := NewDialer(Options{Transports: m.transports})
			defer d.CloseIdleConnections()
			_, err := d.Dial(context.Background(), srv.URL())
			var he *transport.HandshakeError
			if !errors.As(err, &he) || he.Status != 403 || !strings.Contains(string(he.Body), "refused by test") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestHandshakeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // accept and never answer
		defer wg.Done()
		var conns []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				break
			}
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
	}()
	defer wg.Wait()
	defer ln.Close()
	silent := newFakeServer(t, fakeOptions{noAck: true})
	for _, m := range modes[:2] {
		for _, target := range []struct{ name, url string }{{"silent listener", "http://" + ln.Addr().String()}, {"no CONNECT ack", silent.URL()}} {
			t.Run(m.name+"/"+target.name, func(t *testing.T) {
				d := NewDialer(Options{Transports: m.transports, HandshakeTimeout: 150 * time.Millisecond})
				defer d.CloseIdleConnections()
				start := time.Now()
				_, err := d.Dial(context.Background(), target.url)
				if !errors.Is(err, transport.ErrHandshakeTimeout) {
					t.Fatalf("error %v is not ErrHandshakeTimeout", err)
				}
				if el := time.Since(start); el < 150*time.Millisecond || el > time.Second {
					t.Fatalf("gave up after %v, want about 150ms", el)
				}
			})
		}
	}
}

func TestDialErrorsKeepNetErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, m := range modes[:2] {
		t.Run(m.name, func(t *testing.T) {
			d := NewDialer(Options{Transports: m.transports})
			defer d.CloseIdleConnections()
			_, err := d.Dial(context.Background(), "ws://"+addr)
			if !errors.Is(err, syscall.ECONNREFUSED) || Reason(err) != ReasonTransportError {
				t.Fatalf("error %v does not wrap ECONNREFUSED", err)
			}
		})
	}
}

func TestDialHonoursContext(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{noAck: true})
	for _, m := range modes[:2] {
		t.Run(m.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			d := NewDialer(Options{Transports: m.transports})
			defer d.CloseIdleConnections()
			_, err := d.Dial(ctx, srv.URL())
			if !errors.Is(err, context.Canceled) || errors.Is(err, transport.ErrHandshakeTimeout) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, o := range []Options{
		{Transports: []string{"websocket", "polling"}},
		{Transports: []string{"carrier-pigeon"}},
		{Auth: json.RawMessage(`[1]`)},
	} {
		if _, err := NewDialer(o).Dial(context.Background(), "http://127.0.0.1:1"); err == nil || errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%+v: error %v", o, err)
		}
	}
	if _, err := NewDialer(Options{}).Dial(context.Background(), "ftp://127.0.0.1:1"); err == nil {
		t.Error("ftp:// accepted")
	}
}

func TestConcurrentWritersAndPongs(t *testing.T) {
	forModes(t, fakeOptions{ping: true, pingInterval: 20 * time.Millisecond, pingTimeout: 200 * time.Millisecond}, func(t *testing.T, srv *fakeServer, o Options) {
		c := dialFake(t, srv, o)
		r := readAsync(t, c)
		const writers, each = 4, 25
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					id := w*each + i
					pkt := AppendHeader(nil, BinaryEvent, 1, "/", int64(id))
					pkt = append(pkt, `["echo",{"_placeholder":true,"num":0}]`...)
					if err := c.WritePacket(pkt, [][]byte{{byte(id)}}); err != nil {
						t.Errorf("write: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		for range writers * each {
			if got := r.next(t); !strings.HasPrefix(got, "61-") {
				t.Fatalf("read %s", got)
			}
		}
	})
}

func TestReason(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&DisconnectError{Namespace: "/", Reason: ReasonIOServerDisconnect}, ReasonIOServerDisconnect},
		{&localCloseError{&transport.CloseError{Code: 1000}}, ReasonIOClientDisconnect},
		{&localCloseError{net.ErrClosed}, ReasonIOClientDisconnect},
		{ErrPingTimeout, ReasonPingTimeout},
		{errors.Join(errors.New("x"), ErrParse), ReasonParseError},
		{&ConnectError{Namespace: "/admin"}, ReasonIOServerDisconnect},
		{&transport.CloseError{Code: 1006}, ReasonTransportClose},
		{&transport.CloseError{Code: 1000}, ReasonTransportClose},
		{syscall.ECONNRESET, ReasonTransportError},
		{&transport.HandshakeError{Status: 403}, ReasonTransportError},
	}
	for _, tc := range cases {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestPingIsUnsupported(t *testing.T) {
	if err := (&Conn{}).Ping(nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Ping: %v", err)
	}
}

func TestTLS(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{tls: true, upgrades: true})
	cfg := srv.hs.Client().Transport.(*http.Transport).TLSClientConfig
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := dialFake(t, srv, Options{Transports: m.transports, TLS: cfg})
			if !strings.HasPrefix(srv.URL(), "https://") || c.Details().Transport != m.want {
				t.Fatalf("%s: details %+v", srv.URL(), c.Details())
			}
			mustWrite(t, c, `21["echo","secure"]`)
			if got := mustRead(t, c); got != `31["secure"]` {
				t.Fatalf("ack %s", got)
			}
		})
	}
}

// TestWebSocketConnStartsNoGoroutine counts goroutines across many
// idle connections: the fake server runs two per WebSocket session (its
// handler and its writer); the client must add none.
func TestWebSocketConnStartsNoGoroutine(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{})
	const n = 20
	d := NewDialer(Options{})
	before := runtime.NumGoroutine()
	for range n {
		c, err := d.Dial(context.Background(), srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Abort() })
	}
	time.Sleep(50 * time.Millisecond)
	if added := runtime.NumGoroutine() - before; added > 2*n+2 {
		t.Fatalf("%d connections added %d goroutines; the server accounts for %d", n, added, 2*n)
	}
}

// readPolled reads c the way an idle client does, with no goroutine
// blocked in a read: TryReadMessage until nothing is buffered, then
// WhenReadable; it returns the first error.
func readPolled(t *testing.T, c *Conn) error {
	t.Helper()
	woke := make(chan struct{}, 1)
	wake := func() { woke <- struct{}{} }
	for {
		_, _, ok, err := c.TryReadMessage(nil)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		if !c.WhenReadable(wake) {
			t.Skip("this connection cannot be polled here")
		}
		select {
		case <-woke:
		case <-time.After(5 * time.Second):
			t.Fatal("the poller never woke the reader")
		}
	}
}

// TestPolledPingTimeout: a connection waiting in the poller, where no
// read deadline fires, still sees the server stop pinging.
func TestPolledPingTimeout(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{pingInterval: 50 * time.Millisecond, pingTimeout: 50 * time.Millisecond})
	c := dialFake(t, srv, Options{Transports: []string{TransportWebSocket}})
	start := time.Now()
	if err := readPolled(t, c); !errors.Is(err, ErrPingTimeout) {
		t.Fatalf("error %v, want ErrPingTimeout", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("ping timeout took %v for a 100ms deadline", d)
	}
}

// TestPolledPingsAreAnswered: pings reach a polled connection and are
// answered, and Abort ends the wait.
func TestPolledPingsAreAnswered(t *testing.T) {
	srv := newFakeServer(t, fakeOptions{ping: true, pingInterval: 30 * time.Millisecond, pingTimeout: 250 * time.Millisecond})
	c := dialFake(t, srv, Options{Transports: []string{TransportWebSocket}})
	ss := srv.session(t)
	var pings atomic.Int32
	c.SetPingHandler(func() {
		if pings.Add(1) == 5 {
			c.Abort()
		}
	})
	if err := readPolled(t, c); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after Abort: %v", err)
	}
	if ss.pongs.Load() < 4 || pings.Load() < 5 {
		t.Fatalf("%d pings, %d pongs", pings.Load(), ss.pongs.Load())
	}
}
