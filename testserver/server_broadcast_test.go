package testserver

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serverTick is a server broadcast as a client decodes it.
type serverTick struct {
	Sender string `json:"sender"`
	Seq    int64  `json:"seq"`
	SentAt int64  `json:"sent_at"`
}

// parseTick decodes a server broadcast, refusing any other field.
func parseTick(t *testing.T, raw string) serverTick {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var k serverTick
	if err := dec.Decode(&k); err != nil || k.Sender != "server" || k.Seq < 1 {
		t.Fatalf("server broadcast = %q (%v), want {\"sender\":\"server\",\"seq\":N,\"sent_at\":ms}", raw, err)
	}
	if now := time.Now().UnixMilli(); k.SentAt > now || k.SentAt < now-testTimeout.Milliseconds() {
		t.Fatalf("sent_at %d is not a recent unix time in ms (now %d)", k.SentAt, now)
	}
	return k
}

// readTicks reads n server broadcasts and checks that their seqs follow
// one another from first on.
func readTicks(t *testing.T, c *websocket.Conn, first int64, n int) {
	t.Helper()
	for i := range int64(n) {
		if k := parseTick(t, readText(t, c)); k.Seq != first+i {
			t.Fatalf("tick %d has seq %d, want %d", i, k.Seq, first+i)
		}
	}
}

func TestBroadcastReachesEveryConnectionInOrder(t *testing.T) {
	s := startServer(t, Config{})
	a, b := dial(t, s.URL("/echo")), dial(t, s.URL("/json"))
	if n := len(s.settled()); n != 2 {
		t.Fatalf("%d connections registered, want 2", n)
	}
	s.SetBroadcast(10*time.Millisecond, "")
	const k = 20
	readTicks(t, a, 1, k)
	readTicks(t, b, 1, k)

	s.SetBroadcast(0, "")
	var st Stats
	eventually(t, "every tick sent written to both", func() bool {
		st = s.Stats()
		return st.BroadcastSeq >= k && st.BroadcastsOut == 2*st.BroadcastSeq
	})
	time.Sleep(50 * time.Millisecond) // five periods: stopped means stopped
	if again := s.Stats(); again.BroadcastSeq != st.BroadcastSeq || again.BroadcastsOut != st.BroadcastsOut {
		t.Fatalf("ticks after SetBroadcast(0): seq %d -> %d", st.BroadcastSeq, again.BroadcastSeq)
	}
	if st.MessagesOut != st.BroadcastsOut || st.SlowDrops != 0 {
		t.Fatalf("MessagesOut %d, BroadcastsOut %d, SlowDrops %d", st.MessagesOut, st.BroadcastsOut, st.SlowDrops)
	}
	// The connection still works, and a broadcast started again goes on
	// counting where it stopped.
	writeText(t, a, "after")
	for msg := readText(t, a); msg != "after"; msg = readText(t, a) {
		if k := parseTick(t, msg); k.Seq > st.BroadcastSeq {
			t.Fatalf("tick %d after the broadcast stopped at %d", k.Seq, st.BroadcastSeq)
		}
	}
	s.SetBroadcast(10*time.Millisecond, "")
	if k := parseTick(t, readText(t, a)); k.Seq != st.BroadcastSeq+1 {
		t.Fatalf("first tick after the broadcast started again has seq %d, want %d", k.Seq, st.BroadcastSeq+1)
	}
}

// The sequence counts ticks, not deliveries: a client that connects late
// sees where the server is, and counts every tick from there.
func TestBroadcastCountsTicksWithNobodyConnected(t *testing.T) {
	s := startServer(t, Config{Broadcast: Broadcast{Every: 5 * time.Millisecond}})
	eventually(t, "ticks with nobody connected", func() bool { return s.Stats().BroadcastSeq >= 3 })
	if st := s.Stats(); st.BroadcastsOut != 0 {
		t.Fatalf("BroadcastsOut %d with nobody connected", st.BroadcastsOut)
	}
	c := dial(t, s.URL("/broadcast"))
	first := parseTick(t, readText(t, c))
	if first.Seq < 4 {
		t.Fatalf("first tick of a late client has seq %d, want > 3", first.Seq)
	}
	readTicks(t, c, first.Seq+1, 10)
}

// A client whose reply write is stuck (it does not read) holds up
// neither the broadcast nor the other clients; once its queue is full,
// the server closes it.
func TestBroadcastDoesNotWaitForAStuckClient(t *testing.T) {
	s := startServer(t, Config{Broadcast: Broadcast{Every: time.Millisecond}})
	fast := dial(t, s.URL("/echo"))
	stuck := dial(t, s.URL("/echo"))
	// An echo larger than both sides' socket buffers: the server's write
	// of it blocks until the client reads, which it does not.
	if err := stuck.WriteMessage(websocket.BinaryMessage, bytes.Repeat([]byte{'x'}, 15<<20)); err != nil {
		t.Fatal(err)
	}

	var last int64
	for s.Stats().SlowDrops == 0 {
		fast.SetReadDeadline(time.Now().Add(testTimeout)) // a blocked broadcaster would starve it
		k := parseTick(t, readText(t, fast))
		if last != 0 && k.Seq != last+1 {
			t.Fatalf("seq %d after %d: the fast client missed ticks", k.Seq, last)
		}
		last = k.Seq
	}
	if last < maxQueued/2 {
		t.Fatalf("the stuck client was dropped after %d ticks, want about %d (a full queue)", last, maxQueued)
	}
	eventually(t, "stuck client closed", func() bool { return s.Stats().Open == 1 })
	readTicks(t, fast, last+1, 5) // still served, in order
}

func TestSIOBroadcastReachesMainNamespaceOnly(t *testing.T) {
	s := startSIO(t, Config{Broadcast: Broadcast{Every: 10 * time.Millisecond, Event: "news"}})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	chat := dialSIO(t, s, "")
	chat.connect("/chat", "")

	const prefix = `42["news",`
	var last int64
	for i := range 5 {
		pkt := w.read()
		if !strings.HasPrefix(pkt, prefix) || !strings.HasSuffix(pkt, "]") {
			t.Fatalf("packet %d = %q, want %s{...}]", i, pkt, prefix)
		}
		k := parseTick(t, strings.TrimSuffix(strings.TrimPrefix(pkt, prefix), "]"))
		if last != 0 && k.Seq != last+1 {
			t.Fatalf("seq %d after %d", k.Seq, last)
		}
		last = k.Seq
	}
	// A socket of /chat only gets no ticks: its next packet is the echo.
	chat.send(`42/chat,["echo-event","x"]`)
	chat.expect(`42/chat,["echo","x"]`)

	// Polling sockets get them through their GETs.
	p := openPolling(t, s)
	p.post("40")
	for {
		status, body := p.get()
		if status != 200 {
			t.Fatalf("GET = %d %q", status, body)
		}
		if strings.Contains(body, prefix+`{"sender":"server","seq":`) {
			break
		}
	}

	st := s.Stats()
	if st.SocketIO.BroadcastSeq < last || st.SocketIO.BroadcastSeq > st.BroadcastSeq || st.SocketIO.BroadcastsOut < 6 {
		t.Fatalf("seq %d (Stats %d), socket.io broadcasts out %d: want seq >= %d and >= 6 out",
			st.SocketIO.BroadcastSeq, st.BroadcastSeq, st.SocketIO.BroadcastsOut, last)
	}
	if st.BroadcastsOut != 0 {
		t.Fatalf("BroadcastsOut %d: Socket.IO ticks counted as WebSocket messages", st.BroadcastsOut)
	}
}
