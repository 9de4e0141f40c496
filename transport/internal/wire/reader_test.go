package wire

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbench/wsbench/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// frame encodes one unmasked server frame.
func frame(fin bool, op byte, payload string) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	n := len(payload)
	var h []byte
	switch {
	case n < 126:
		h = []byte{b0, byte(n)}
	case n < 1<<16:
		h = []byte{b0, 126, byte(n >> 8), byte(n)}
	default:
		h = []byte{b0, 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(h, payload...)
}

// rawServer accepts one connection, answers the upgrade with the 101 and
// first in the same write (so the tap must keep it from gorilla), then
// hands the connection to the test.
func rawServer(t *testing.T, first []byte) (url string, peer <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			c.Close()
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n"
		c.Write(append([]byte(resp), first...))
		ch <- c
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		select {
		case c := <-ch:
			c.Close()
		default:
		}
	})
	return "ws://" + ln.Addr().String() + "/", ch
}

func dialReader(t *testing.T, url string, max int64) *Reader {
	t.Helper()
	d := websocket.Dialer{ReadBufferSize: 1, NetDialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, n, a)
		if err != nil {
			return nil, err
		}
		return NewTap(c), nil
	}}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(c, c.UnderlyingConn().(*Tap), Options{Pool: NewPool(256), MaxMessageSize: max, WriteTimeout: time.Second})
	t.Cleanup(func() { r.Abort() })
	return r
}

func TestFramesAfterTheHandshake(t *testing.T) {
	big := strings.Repeat("b", 70000)
	var first []byte
	first = append(first, frame(true, opText, "welcome")...)
	first = append(first, frame(true, opPing, "p")...)
	first = append(first, frame(false, opText, "frag")...)
	first = append(first, frame(true, opPong, "")...)
	first = append(first, frame(true, opContinuation, "mented")...)
	first = append(first, frame(true, opBinary, big)...)
	url, peer := rawServer(t, first)
	r := dialReader(t, url, 1<<20)
	pongs := 0
	r.SetPongHandler(func() { pongs++ })
	for _, want := range []struct {
		op  int
		msg string
	}{{opText, "welcome"}, {opText, "fragmented"}, {opBinary, big}} {
		op, msg, err := r.ReadMessage(nil)
		if err != nil || op != want.op || string(msg) != want.msg {
			t.Fatalf("got op %d, %d bytes, %v; want op %d, %d bytes", op, len(msg), err, want.op, len(want.msg))
		}
	}
	if pongs != 1 {
		t.Fatalf("pongs %d, want 1", pongs)
	}
	c := <-peer
	// The ping was answered with a masked pong carrying its payload.
	b := make([]byte, 7)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(b); err != nil || b[0] != 0x80|opPong || b[1] != 0x80|1 || b[6]^b[2] != 'p' {
		t.Fatalf("pong % x, %v", b, err)
	}
	// A close ends reading with the server's code, and is answered.
	c.Write(frame(true, opClose, "\x03\xe9bye"))
	_, _, err := r.ReadMessage(nil)
	var ce *transport.CloseError
	if !errors.As(err, &ce) || ce.Code != 1001 || ce.Reason != "bye" {
		t.Fatalf("after close: %v", err)
	}
	if _, err := c.Read(b[:2]); err != nil || b[0] != 0x80|opClose {
		t.Fatalf("close reply % x, %v", b[:2], err)
	}
	if _, _, err2 := r.ReadMessage(nil); err2 != err {
		t.Fatalf("the error is not sticky: %v", err2)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		send  []byte
		check func(error) bool
	}{
		{"too big", frame(true, opText, strings.Repeat("x", 200)), func(err error) bool { return errors.Is(err, transport.ErrMessageTooBig) }},
		{"masked", []byte{0x81, 0x81, 1, 2, 3, 4, 5}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "bad MASK") }},
		{"reserved bits", []byte{0xc1, 0}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "reserved") }},
		{"eof", nil, func(err error) bool {
			var ce *transport.CloseError
			return errors.As(err, &ce) && ce.Code == transport.CodeAbnormal
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, peer := rawServer(t, tc.send)
			r := dialReader(t, url, 100)
			c := <-peer
			if tc.send == nil {
				c.Close()
			}
			if _, _, err := r.ReadMessage(nil); !tc.check(err) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// TestPolled: an idle reader waits in the poller, not on a goroutine;
// data, and then an abort, each run the armed function once.
func TestPolled(t *testing.T) {
	url, peer := rawServer(t, nil)
	r := dialReader(t, url, 1<<20)
	if _, _, ok, err := r.TryReadMessage(nil); ok || err != nil {
		t.Fatalf("idle TryReadMessage: ok %v, %v", ok, err)
	}
	if r.bp != nil {
		t.Fatal("an idle reader holds a buffer")
	}
	woke := make(chan struct{}, 2)
	if !r.WhenReadable(func() { woke <- struct{}{} }) {
		t.Skip("no poller on this platform")
	}
	c := <-peer
	c.Write(frame(true, opText, "hi"))
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("data did not wake the reader")
	}
	if _, msg, ok, err := r.TryReadMessage(nil); !ok || err != nil || string(msg) != "hi" {
		t.Fatalf("TryReadMessage: %q %v %v", msg, ok, err)
	}
	r.WhenReadable(func() { woke <- struct{}{} })
	r.Abort()
	select {
	case <-woke:
	case <-time.After(5 * time.Second):
		t.Fatal("Abort did not run the armed function")
	}
	if _, _, _, err := r.TryReadMessage(nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("after Abort: %v", err)
	}
	select {
	case <-woke:
		t.Fatal("the armed function ran twice")
	case <-time.After(50 * time.Millisecond):
	}
}

// TestLinger: right after a message, TryReadMessage waits up to Linger
// for the next one (on a busy connection that is cheaper than the
// poller); after a quiet Linger it reports none, and a read deadline set
// on the reader still ends the connection.
func TestLinger(t *testing.T) {
	url, peer := rawServer(t, frame(true, opText, "one"))
	r := dialReader(t, url, 1<<20)
	c := <-peer
	if _, msg, ok, err := r.TryReadMessage(nil); !ok || err != nil || string(msg) != "one" {
		t.Fatalf("first message: %q %v %v", msg, ok, err)
	}
	time.AfterFunc(50*time.Millisecond, func() { c.Write(frame(true, opText, "two")) })
	if _, msg, ok, err := r.TryReadMessage(nil); !ok || err != nil || string(msg) != "two" {
		t.Fatalf("a message 50 ms after the last: %q %v %v; want it read by lingering", msg, ok, err)
	}
	start := time.Now()
	if _, _, ok, err := r.TryReadMessage(nil); ok || err != nil {
		t.Fatalf("nothing sent: ok %v, %v", ok, err)
	}
	// The linger counts from the last message's arrival, a moment before
	// start on a busy machine; without a linger d would be about 0.
	if d := time.Since(start); d < Linger/2 || d > Linger+2*time.Second {
		t.Fatalf("reported none after %s; want after about the %s linger", d, Linger)
	}
	if _, _, ok, err := r.TryReadMessage(nil); ok || err != nil || time.Since(start) > Linger+2*time.Second {
		t.Fatalf("a quiet reader lingered again: ok %v, %v", ok, err)
	}

	// A deadline shorter than the linger is kept: the read fails at it.
	c.Write(frame(true, opText, "three"))
	if _, msg, err := r.ReadMessage(nil); err != nil || string(msg) != "three" {
		t.Fatalf("third message: %q %v", msg, err)
	}
	_ = r.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, _, _, err := r.TryReadMessage(nil); err == nil {
		t.Fatal("a read deadline inside the linger passed without an error")
	}
}
