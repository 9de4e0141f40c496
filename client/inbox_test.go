package client

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/metrics"
)

func TestInboxKeepsTheLastMessagesInOrder(t *testing.T) {
	var b inbox
	var evicted []string
	for _, m := range []string{"a1", "b2", "a3", "c4", "a5", "d6"} {
		if old := b.put([]byte(m)); old != nil {
			evicted = append(evicted, string(old))
		}
	}
	if len(evicted) != 2 || evicted[0] != "a1" || evicted[1] != "b2" || b.n != inboxSlots {
		t.Fatalf("evicted %q, holding %d", evicted, b.n)
	}
	re := regexp.MustCompile(`^a`)
	for _, want := range []bool{true, true, false} { // a3 then a5 (a1 was evicted)
		// b2 was evicted too: the others keep their contents.
		if got := b.take(re.Match); got != want {
			t.Fatalf("take = %v, want %v", got, want)
		}
	}
	if b.take(regexp.MustCompile(`b2`).Match) || !b.take(regexp.MustCompile(`c4`).Match) || !b.take(regexp.MustCompile(`d6`).Match) || b.n != 0 {
		t.Fatalf("order or count lost: %d left", b.n)
	}
}

// TestExpectSeesAPushThatCameFirst: a message pushed to the client right
// after it connected, before its expect step ran, still satisfies it.
func TestExpectSeesAPushThatCameFirst(t *testing.T) {
	srv := startServer(t)
	// The pusher is on /broadcast first; it sees its own message once it
	// has joined, and the client's "ready" once the client has.
	pusher, _, err := websocket.DefaultDialer.Dial(srv.URL("/broadcast"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pusher.Close()
	pusher.SetReadDeadline(time.Now().Add(5 * time.Second))
	readUntil := func(want string) {
		for {
			_, m, err := pusher.ReadMessage()
			if err != nil {
				t.Fatalf("waiting for %q: %v", want, err)
			}
			if string(m) == want {
				return
			}
		}
	}
	pusher.WriteMessage(websocket.TextMessage, []byte("pusher"))
	readUntil("pusher")

	sc := oneClient(t, `
steps:
  - connect
  - send: ready
  - sleep: 300ms
  - expect: {regex: '^welcome$', timeout: 100ms}
`)
	vu, rec := realVU(t, sc, srv.URL("/broadcast"))
	done := startVU(t, vu, context.Background())
	readUntil("ready")
	pusher.WriteMessage(websocket.TextMessage, []byte("welcome")) // arrives during the sleep
	if !<-done {
		t.Fatal("steps did not complete")
	}
	s := rec.Snapshot(time.Now())
	// "ready" comes back to the client too and nobody takes it.
	if s.Counters[metrics.ExpectMatched] != 1 || s.Counters[metrics.ExpectTimedOut] != 0 || s.Counters[metrics.MsgsUnmatched] != 1 {
		t.Fatalf("matched %d timed out %d unmatched %d; want 1, 0, 1", s.Counters[metrics.ExpectMatched],
			s.Counters[metrics.ExpectTimedOut], s.Counters[metrics.MsgsUnmatched])
	}
}

// TestFailedClientLeavesAtOnce: a client that gives up does not sit out
// its sleep; it is not counted as finished.
func TestFailedClientLeavesAtOnce(t *testing.T) {
	srv := startServer(t)
	sc := oneClient(t, `
client:
  reconnect: {enabled: false}
steps:
  - connect
  - sleep: 10s
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	done := startVU(t, vu, context.Background())
	srv.CloseFraction(1, 1011, "bye")
	select {
	case completed := <-done:
		if completed || rec.Snapshot(time.Now()).Counters[metrics.ClientsFinished] != 0 {
			t.Fatal("a failed client was counted as finished")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a failed client kept sleeping")
	}
}

// TestStoppedClientIsNotFinished: a sleep cut short by a stop does not
// count as finishing the steps.
func TestStoppedClientIsNotFinished(t *testing.T) {
	srv := startServer(t)
	sc := oneClient(t, `
steps:
  - connect
  - sleep: 10s
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	stop, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := startVU(t, vu, stop)
	cancel()
	if <-done || rec.Snapshot(time.Now()).Counters[metrics.ClientsFinished] != 0 {
		t.Fatal("a stopped client was counted as finished")
	}
}
