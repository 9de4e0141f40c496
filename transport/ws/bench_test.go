package ws

import (
	"context"
	"strings"
	"testing"

	"github.com/wsbench/wsbench/internal/streamtest"
	"github.com/wsbench/wsbench/transport"
)

// benchMsg is a typical small message.
const benchMsg = `{"type":"chat","vu":1234,"seq":98765,"sent_at":1767225600000}`

// streamServer sends benchMsg frames without end (mode read) or discards
// what arrives (mode write).
func streamServer(tb testing.TB, mode string) string {
	return "ws" + strings.TrimPrefix(streamtest.Stream(tb, benchMsg, nil), "http") + "/?mode=" + mode
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
