package wire

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsbench/wsbench/transport"
)

// expectNothing checks that the peer receives nothing for a while: a
// reply on loopback takes well under a millisecond.
func expectNothing(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	b := make([]byte, 64)
	n, err := c.Read(b)
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%s: the peer read % x (%v), want nothing", what, b[:n], err)
	}
}

// TestMutedReaderRepliesToNothing: after Mute, frames that would be
// answered (a ping, a close, a protocol error, an oversized message) are
// still read and reported, and nothing goes back.
func TestMutedReaderRepliesToNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		send  []byte
		check func(error) bool
	}{
		{"close", frame(true, opClose, "\x0f\xa1bye"), func(err error) bool {
			var ce *transport.CloseError
			return errors.As(err, &ce) && ce.Code == 4001 && ce.Reason == "bye"
		}},
		{"protocol error", []byte{0xc1, 0}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "reserved") }},
		{"too big", frame(true, opText, strings.Repeat("x", 200)), func(err error) bool { return errors.Is(err, transport.ErrMessageTooBig) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, peer := rawServer(t, nil)
			r := dialReader(t, url, 100)
			c := <-peer
			r.Mute()
			c.Write(append(frame(true, opPing, "p"), frame(true, opText, "after")...))
			if _, msg, err := r.ReadMessage(nil); err != nil || string(msg) != "after" {
				t.Fatalf("read %q, %v", msg, err)
			}
			expectNothing(t, c, "the ping")
			c.Write(tc.send)
			if _, _, err := r.ReadMessage(nil); !tc.check(err) {
				t.Fatalf("error %v", err)
			}
			expectNothing(t, c, "the end of the read")
			// The connection stays open until the caller lets go.
			if err := r.Reset(); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 8)); n != 0 || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("after Reset the peer read %d bytes, %v; want ECONNRESET", n, err)
			}
		})
	}
}

// TestResetUnwraps: Reset finds the TCP connection under a Tap and closes
// it with a reset; on anything else it just closes.
func TestResetUnwraps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := Reset(NewTap(c)); err != nil {
		t.Fatal(err)
	}
	_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("peer read %v, want ECONNRESET", err)
	}
	a, b := net.Pipe()
	defer b.Close()
	if err := Reset(a); err != nil {
		t.Fatalf("Reset of a pipe: %v", err)
	}
	if _, err := b.Read(make([]byte, 1)); err == nil {
		t.Fatal("the pipe is still open")
	}
}
