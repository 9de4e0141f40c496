package client

import (
	"context"
	"strings"
	"testing"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/transport/socketio"
)

// packetConn is a fakeConn that also takes packets with attachments.
type packetConn struct {
	*fakeConn
	atts [][]byte
}

func (c *packetConn) WritePacket(pkt []byte, atts [][]byte) error {
	c.mu.Lock()
	c.atts = append(c.atts, atts...)
	c.mu.Unlock()
	return c.WriteMessage(1, pkt)
}

const sioScenario = `
target: http://fake
protocol: socketio
duration: 10s
clients: {count: 1}
socketio: {namespace: /chat}
steps:
  - connect
  - emit: {event: up, args: [!!binary AQI=, {n: !json "{{.Seq}}"}]}
  - emit: {event: echo, args: [hi], ack: {timeout: 5s}}
  - emit: {event: ask, expect: {event: answer, match: '"ok"', timeout: 5s}}
  - sleep: 10s
`

func TestSocketIOEmitAckAndReplies(t *testing.T) {
	conn := &packetConn{fakeConn: newFakeConn()}
	vu, rec := newTestVU(t, loadScenario(t, sioScenario), &fakeDialer{script: []any{conn}}, realClock{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- vu.Run(ctx, context.Background()) }()

	waitFor(t, func() bool { return len(conn.Writes()) == 2 })
	w := conn.Writes()
	if w[0] != `51-/chat,["up",{"_placeholder":true,"num":0},{"n":1}]` || len(conn.atts) != 1 || string(conn.atts[0]) != "\x01\x02" {
		t.Fatalf("binary emit wrote %q with attachments %q", w[0], conn.atts)
	}
	if w[1] != `2/chat,1["echo","hi"]` {
		t.Fatalf("ack emit wrote %q", w[1])
	}
	conn.in <- []byte(`3/chat,7["stale"]`) // another id: unmatched
	conn.in <- []byte(`31["wrong namespace"]`)
	conn.in <- []byte(`3/chat,1["hi"]`)
	waitFor(t, func() bool { return len(conn.Writes()) == 3 })
	if w := conn.Writes()[2]; w != `2/chat,["ask"]` {
		t.Fatalf("third emit wrote %q", w)
	}
	conn.in <- []byte(`2/chat,["answer","not yet"]`) // no match: kept for a later expect_event
	conn.in <- []byte(`2/chat,9["question",1]`)      // the server asks for an ack
	conn.in <- []byte(`2/chat,["answer","ok"]`)
	waitFor(t, func() bool { return len(conn.Writes()) == 4 })
	if w := conn.Writes()[3]; w != `3/chat,9[]` {
		t.Fatalf("answer to the server's ack request: %q", w)
	}
	waitFor(t, func() bool { return counters(rec).Counters[metrics.ExpectMatched] == 2 })
	cancel()
	<-done
	snap := counters(rec)
	if snap.Hists[metrics.Ack].TotalCount() != 1 || snap.Hists[metrics.RTT].TotalCount() != 1 {
		t.Errorf("ack samples %d, rtt samples %d; want 1 and 1", snap.Hists[metrics.Ack].TotalCount(), snap.Hists[metrics.RTT].TotalCount())
	}
	// Two stray acks now, and two events nobody took at the end.
	if u := snap.Counters[metrics.MsgsUnmatched]; u != 4 {
		t.Errorf("unmatched %d, want 4", u)
	}
}

func TestSocketIODropCauses(t *testing.T) {
	for _, c := range []struct {
		err  error
		want metrics.Cause
	}{
		{&socketio.DisconnectError{Namespace: "/", Reason: socketio.ReasonIOServerDisconnect}, metrics.CauseIOServerDisconnect},
		{socketio.ErrPingTimeout, metrics.CausePingTimeout},
		{socketio.ErrParse, metrics.CauseParseError},
	} {
		if got, _ := classifySocketIODrop(c.err); got != c.want {
			t.Errorf("classify(%v) = %s, want %s", c.err, got.Name(), c.want.Name())
		}
	}
	if got, _ := classifySocketIODial(&socketio.ConnectError{Namespace: "/admin", Message: "not authorized"}); got != metrics.CauseConnectError {
		t.Errorf("a CONNECT_ERROR is %s", got.Name())
	}
	if !strings.Contains((&socketio.ConnectError{Namespace: "/admin", Message: "not authorized"}).Error(), "not authorized") {
		t.Error("ConnectError hides the server's message")
	}
}
