package ws

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
)

// benchMsg is a typical small message.
const benchMsg = `{"type":"chat","vu":1234,"seq":98765,"sent_at":1767225600000}`

// streamServer upgrades and then, on the raw TCP connection so that the
// server adds no allocation of its own, sends benchMsg frames without end
// (?mode=read) or discards what arrives (?mode=write).
func streamServer(tb testing.TB, mode string) string {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []*websocket.Conn
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		wg.Add(1)
		defer wg.Done()
		defer c.Close()
		if mode == "write" {
			_, _ = io.Copy(io.Discard, c.NetConn())
			return
		}
		var frames []byte
		for range 256 {
			frames = append(frames, 0x81, byte(len(benchMsg)))
			frames = append(frames, benchMsg...)
		}
		for {
			if _, err := c.NetConn().Write(frames); err != nil {
				return
			}
		}
	}))
	tb.Cleanup(func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		hs.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

func dialBench(tb testing.TB, mode string) transport.Conn {
	tb.Helper()
	c, err := NewDialer(Options{}).Dial(context.Background(), streamServer(tb, mode))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Abort() })
	return c
}

func BenchmarkReadMessage(b *testing.B) {
	c := dialBench(b, "read")
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		_, data, err := c.ReadMessage(buf)
		if err != nil {
			b.Fatal(err)
		}
		buf = data[:0]
	}
}

func BenchmarkWriteMessage(b *testing.B) {
	c := dialBench(b, "write")
	msg := []byte(benchMsg)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := c.WriteMessage(transport.Text, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHotPathAllocations guards the framing hot path: reading a message
// into a reused buffer allocates nothing; writing one allocates no more
// than gorilla's WriteMessage does on its own.
func TestHotPathAllocations(t *testing.T) {
	r := dialBench(t, "read")
	buf := make([]byte, 0, 128)
	read := func() {
		_, data, err := r.ReadMessage(buf)
		if err != nil || string(data) != benchMsg {
			t.Fatalf("read %q %v", data, err)
		}
		buf = data[:0]
	}
	if a := testing.AllocsPerRun(1000, read); a != 0 {
		t.Errorf("ReadMessage allocates %v times per message", a)
	}
	w := dialBench(t, "write")
	msg := []byte(benchMsg)
	write := func() {
		if err := w.WriteMessage(transport.Text, msg); err != nil {
			t.Fatal(err)
		}
	}
	if a := testing.AllocsPerRun(1000, write); a > writeAllocs {
		t.Errorf("WriteMessage allocates %v times per message, want at most %v", a, writeAllocs)
	}
}

// writeAllocs is what gorilla v1.5.3's WriteMessage allocates per message
// on a client connection with a write buffer pool (measured with a memory
// profile): its messageWriter (NextWriter) and the wrapper it puts the
// buffer back in (endMessage). Neither is ours to remove.
const writeAllocs = 2
