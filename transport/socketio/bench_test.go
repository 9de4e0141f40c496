package socketio

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/internal/streamtest"
	"github.com/wsbench/wsbench/transport"
)

// tickEvent is the event the streaming server sends, as it reaches
// ReadMessage.
const tickEvent = `2["tick",{"n":12345,"text":"a short event, as most are"}]`

// streamServer opens an Engine.IO session over WebSocket, acknowledges
// the main namespace, and then either sends tickEvent without end or, with
// ?mode=write, discards whatever arrives (streamtest.Stream). With ?raw=1
// it skips the Engine.IO handshake.
func streamServer(tb testing.TB) string {
	return streamtest.Stream(tb, "4"+tickEvent, func(c *websocket.Conn, r *http.Request) bool {
		if r.URL.Query().Get("raw") != "" {
			return true
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`0{"sid":"s","upgrades":[],"pingInterval":600000,"pingTimeout":600000}`))
		if _, _, err := c.ReadMessage(); err != nil { // CONNECT
			return false
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"x"}`))
		return true
	})
}

func dialStream(tb testing.TB, url string) *Conn {
	tb.Helper()
	c, err := NewDialer(Options{}).Dial(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Abort() })
	return c.(*Conn)
}

// gorillaReadAllocs measures what gorilla itself allocates to read one
// message through NextReader: the floor under our read path.
func gorillaReadAllocs(t *testing.T, url string) float64 {
	c, _, err := websocket.DefaultDialer.Dial("ws"+url[len("http"):]+"/?raw=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 256)
	read := func() {
		_, r, err := c.NextReader()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(r, buf[:1+len(tickEvent)]); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		read()
	}
	return testing.AllocsPerRun(1000, read)
}

// TestWebSocketReadAllocatesNothingOfItsOwn checks the steady-state read
// path: on ws:// our own frame reader (transport/internal/wire) reads, and
// it allocates nothing per message, where gorilla's NextReader allocates
// one 8-byte message reader (v1.5.3).
func TestWebSocketReadAllocatesNothingOfItsOwn(t *testing.T) {
	url := streamServer(t)
	floor := gorillaReadAllocs(t, url)
	c := dialStream(t, url)
	buf := make([]byte, 0, 16)
	read := func() {
		_, data, err := c.ReadMessage(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, []byte(tickEvent)) {
			t.Fatalf("read %q", data)
		}
		buf = data[:0]
	}
	for range 100 { // grow buf
		read()
	}
	allocs := testing.AllocsPerRun(1000, read)
	t.Logf("allocations per message: ReadMessage %v, gorilla alone %v", allocs, floor)
	if allocs != 0 {
		t.Fatalf("ReadMessage allocates %v times per message, gorilla alone %v", allocs, floor)
	}
}

func BenchmarkReadMessage(b *testing.B) {
	c := dialStream(b, streamServer(b))
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(tickEvent)))
	for b.Loop() {
		_, data, err := c.ReadMessage(buf)
		if err != nil {
			b.Fatal(err)
		}
		buf = data[:0]
	}
}

func BenchmarkWriteMessage(b *testing.B) {
	c := dialStream(b, streamServer(b)+"/?mode=write")
	pkt := []byte(`2/chat,17["echo",{"n":12345,"text":"a short event, as most are"}]`)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := c.WriteMessage(transport.Text, pkt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWritePacketBinary(b *testing.B) {
	c := dialStream(b, streamServer(b)+"/?mode=write")
	pkt := []byte(`51-/chat,17["up",{"_placeholder":true,"num":0}]`)
	att := [][]byte{bytes.Repeat([]byte{0xab}, 256)}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WritePacket(pkt, att); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadGorillaReference reads the same frames with gorilla alone
// (NextReader and a read into a reused buffer): the reference that
// BenchmarkReadMessage is quoted against in docs/socketio.md.
func BenchmarkReadGorillaReference(b *testing.B) {
	url := streamServer(b)
	c, _, err := websocket.DefaultDialer.Dial("ws"+url[len("http"):]+"/?raw=1", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	buf := make([]byte, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(tickEvent)))
	for b.Loop() {
		_, r, err := c.NextReader()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(r, buf[:1+len(tickEvent)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteGorillaReference writes the same packet with gorilla's
// WriteMessage alone: the reference for BenchmarkWriteMessage.
func BenchmarkWriteGorillaReference(b *testing.B) {
	url := streamServer(b)
	c, _, err := websocket.DefaultDialer.Dial("ws"+url[len("http"):]+"/?raw=1&mode=write", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	msg := []byte(`42/chat,17["echo",{"n":12345,"text":"a short event, as most are"}]`)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg) - 1))
	for b.Loop() {
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
	}
}
