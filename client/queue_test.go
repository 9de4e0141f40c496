package client

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/transport"
)

func queueScenario(max int, overflow string) string {
	return fmt.Sprintf(`
target: ws://fake/
duration: 1m
clients: {count: 1}
client:
  queue: {max: %d, overflow: %s}
  heartbeat: {mode: off}
steps:
  - connect
`, max, overflow)
}

// TestQueueOverflowPolicies sends five messages while reconnecting into a
// queue of three, then flushes on a new connection.
func TestQueueOverflowPolicies(t *testing.T) {
	tests := []struct {
		overflow  string
		max       int
		flushed   []string
		dropped   int64
		delivered int // deliver() calls that returned true
	}{
		{"drop-oldest", 3, []string{"m3", "m4", "m5"}, 2, 5},
		{"drop-newest", 3, []string{"m1", "m2", "m3"}, 2, 3},
		{"drop-oldest", 0, []string{}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s max %d", tt.overflow, tt.max), func(t *testing.T) {
			sc := loadScenario(t, queueScenario(tt.max, tt.overflow))
			vu, rec := newTestVU(t, sc, &fakeDialer{script: []any{errRefused}}, newFakeClock(), nil)
			vu.hard = context.Background()
			vu.state = Reconnecting
			delivered := 0
			for i := 1; i <= 5; i++ {
				if vu.deliver(transport.Text, []byte(fmt.Sprintf("m%d", i)), nil) {
					delivered++
				}
			}
			conn := newFakeConn()
			vu.conn = conn
			vu.flush(&session{v: vu, l: &life{opened: make(chan struct{})}, conn: conn})
			if got := conn.Writes(); !slices.Equal(got, tt.flushed) {
				t.Errorf("flushed %v, want %v", got, tt.flushed)
			}
			if delivered != tt.delivered {
				t.Errorf("deliver accepted %d, want %d", delivered, tt.delivered)
			}
			s := counters(rec)
			if s.Counters[metrics.QueueDropped] != tt.dropped || s.Counters[metrics.QueueFlushed] != int64(len(tt.flushed)) {
				t.Errorf("dropped %d flushed %d, want %d and %d", s.Counters[metrics.QueueDropped],
					s.Counters[metrics.QueueFlushed], tt.dropped, len(tt.flushed))
			}
			if vu.state != Open {
				t.Errorf("state after flush = %s, want open", vu.state)
			}
		})
	}
}

// TestQueueBlockWaitsForRoom: with overflow block, a send into a full
// queue waits until the queue is flushed, then goes out in order.
func TestQueueBlockWaitsForRoom(t *testing.T) {
	sc := loadScenario(t, queueScenario(2, "block"))
	vu, _ := newTestVU(t, sc, &fakeDialer{script: []any{errRefused}}, newFakeClock(), nil)
	vu.hard = context.Background()
	vu.state = Reconnecting
	vu.deliver(transport.Text, []byte("a"), nil)
	vu.deliver(transport.Text, []byte("b"), nil)
	sent := make(chan bool)
	go func() { sent <- vu.deliver(transport.Text, []byte("c"), nil) }()
	select {
	case <-sent:
		t.Fatal("a send into a full blocking queue returned before there was room")
	case <-time.After(50 * time.Millisecond):
	}
	conn := newFakeConn()
	vu.mu.Lock()
	vu.conn = conn
	vu.mu.Unlock()
	vu.flush(&session{v: vu, l: &life{opened: make(chan struct{})}, conn: conn})
	if !<-sent {
		t.Fatal("blocked send was dropped")
	}
	if got := conn.Writes(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("writes %v, want a b c", got)
	}
}

func TestQueueCompacts(t *testing.T) {
	var q queue
	for i := range 1000 {
		q.push(queued{data: []byte(fmt.Sprint(i))})
		if i%3 == 0 {
			q.pop()
		}
	}
	if q.len() != 666 {
		t.Fatalf("len = %d, want 666", q.len())
	}
	if cap(q.items) > 2048 {
		t.Fatalf("queue storage grew to %d for 666 items", cap(q.items))
	}
	first := q.pop()
	if string(first.data) != "334" {
		t.Fatalf("order lost: first = %s, want 334", first.data)
	}
}
