package nodeio_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/internal/nodeio"
)

// readTimeout bounds every wait for a message from the node server.
const readTimeout = 5 * time.Second

// engineOpen is the part of Engine.IO's open packet ("0{...}") we check.
type engineOpen struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// dial opens an Engine.IO websocket to srv and returns it with the open
// packet. The connection is closed when the test ends.
func dial(t *testing.T, srv *nodeio.Server) (*websocket.Conn, engineOpen) {
	t.Helper()
	url := "ws://127.0.0.1:" + strconv.Itoa(srv.Port) + "/socket.io/?EIO=4&transport=websocket"
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: readTimeout} // no proxy: loopback only
	c, resp, err := d.DialContext(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	resp.Body.Close()
	t.Cleanup(func() { c.Close() })

	first := read(t, c)
	if !strings.HasPrefix(first, "0{") || !strings.Contains(first, `"sid"`) {
		t.Fatalf("first message = %q, want an Engine.IO open packet 0{...\"sid\"...}", first)
	}
	var open engineOpen
	if err := json.Unmarshal([]byte(first[1:]), &open); err != nil {
		t.Fatalf("decode open packet %q: %v", first, err)
	}
	return c, open
}

// read returns the next text message, within readTimeout.
func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(msg)
}

// readUntil skips messages until one starts with prefix and returns it,
// answering Engine.IO pings on the way; all within readTimeout.
func readUntil(t *testing.T, c *websocket.Conn, prefix string) string {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read until %q: %v (skipped %q)", prefix, err, skipped)
		}
		msg := string(b)
		if strings.HasPrefix(msg, prefix) {
			return msg
		}
		if msg == "2" {
			send(t, c, "3")
		}
		skipped = append(skipped, msg)
	}
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.SetWriteDeadline(time.Now().Add(readTimeout)); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
}

// connect opens a Socket.IO connection to the main namespace.
func connect(t *testing.T, srv *nodeio.Server) (*websocket.Conn, engineOpen) {
	t.Helper()
	c, open := dial(t, srv)
	send(t, c, "40")
	readUntil(t, c, "40{")
	return c, open
}

func TestEchoAckStatsAndRestart(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	if want := "http://127.0.0.1:" + strconv.Itoa(srv.Port); srv.URL != want {
		t.Fatalf("URL = %q, want %q", srv.URL, want)
	}

	c, open := connect(t, srv)
	send(t, c, `420["echo","hi"]`)
	if got := readUntil(t, c, "43"); got != `430["hi"]` {
		t.Fatalf("ack = %q, want %q", got, `430["hi"]`)
	}

	st := srv.Stats(t)
	if st.Events["echo"] != 1 || st.Connections["/"] != 1 {
		t.Fatalf("stats events[echo] = %d, connections[/] = %d, want 1 and 1: %+v",
			st.Events["echo"], st.Connections["/"], st)
	}

	srv.Restart(t)
	if err := c.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break // the old server is gone, and so is its connection
		}
	}

	_, reopened := connect(t, srv)
	if reopened.SID == open.SID {
		t.Fatalf("sid after restart = %q, the same as before", reopened.SID)
	}
	st = srv.Stats(t)
	if st.Events["echo"] != 0 || st.Connections["/"] != 1 || st.ConnectsTotal["/"] != 1 {
		t.Fatalf("stats after restart = %+v, want fresh counters and one connection", st)
	}
}

func TestOptionsReachServer(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{
		PingInterval: 200 * time.Millisecond,
		PingTimeout:  300 * time.Millisecond,
		MaxPayload:   5000,
	})
	c, open := dial(t, srv)
	if open.PingInterval != 200 || open.PingTimeout != 300 || open.MaxPayload != 5000 {
		t.Fatalf("open packet = %+v, want pingInterval 200, pingTimeout 300, maxPayload 5000", open)
	}
	if got := read(t, c); got != "2" {
		t.Fatalf("message after open = %q, want a ping", got)
	}
}

func TestKickAll(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	c, _ := connect(t, srv)
	if n := srv.KickAll(t); n != 1 {
		t.Fatalf("KickAll = %d, want 1", n)
	}
	if got := readUntil(t, c, "41"); got != "41" {
		t.Fatalf("after KickAll got %q, want a DISCONNECT packet 41", got)
	}
	srv.WaitStats(t, readTimeout, func(st nodeio.Stats) bool {
		return st.Disconnects["server namespace disconnect"] == 1 && st.Connections["/"] == 0
	})
}

func TestAdminNeedsToken(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	c, _ := dial(t, srv)
	send(t, c, "40/admin,")
	want := `44/admin,{"message":"not authorized","data":{"code":401}}`
	if got := readUntil(t, c, "4"); got != want {
		t.Fatalf("connect without token: got %q, want %q", got, want)
	}
	send(t, c, `40/admin,{"token":"secret"}`)
	readUntil(t, c, `40/admin,{"sid"`)
	welcome := readUntil(t, c, `42/admin,["welcome"`)
	if !strings.Contains(welcome, `"auth":{"token":"secret"}`) {
		t.Fatalf("welcome = %q, want it to repeat the auth", welcome)
	}
}

func TestRunClientBench(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := nodeio.RunClientBench(ctx, srv.URL, 2, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Clients != 2 || r.ConnectFailures != 0 || r.Acks == 0 || r.Seconds <= 0 {
		t.Fatalf("bench result = %+v, want 2 clients, no failures, some acks", r)
	}
	if got := srv.Stats(t).Events["echo"]; int64(got) < r.Acks {
		t.Fatalf("server saw %d echoes, fewer than the %d acks counted", got, r.Acks)
	}
}

// tickEvent decodes 42["tick",{...},"offset"], the broadcast of a server
// with Recovery and BroadcastEvery.
func tickEvent(t *testing.T, pkt string) (seq int64, offset string) {
	t.Helper()
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(strings.TrimPrefix(pkt, "42")), &args); err != nil || len(args) != 3 {
		t.Fatalf("tick = %q, want 42[\"tick\",{...},offset] (%v)", pkt, err)
	}
	var tick struct {
		Sender string `json:"sender"`
		Seq    int64  `json:"seq"`
		SentAt int64  `json:"sent_at"`
	}
	if err := json.Unmarshal(args[1], &tick); err != nil || tick.Sender != "server" || tick.Seq < 1 || tick.SentAt <= 0 {
		t.Fatalf("tick argument = %s (%v), want {sender: server, seq >= 1, sent_at}", args[1], err)
	}
	if err := json.Unmarshal(args[2], &offset); err != nil || offset == "" {
		t.Fatalf("tick offset = %s (%v), want a string: is recovery on?", args[2], err)
	}
	return tick.Seq, offset
}

func TestRecoveryAndBroadcast(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{Recovery: true, BroadcastEvery: 50 * time.Millisecond})
	first := srv.WaitStats(t, readTimeout, func(st nodeio.Stats) bool { return st.BroadcastSeq >= 1 }).BroadcastSeq
	srv.WaitStats(t, readTimeout, func(st nodeio.Stats) bool { return st.BroadcastSeq >= first+2 })

	c, _ := dial(t, srv)
	send(t, c, "40")
	var ack struct {
		SID string `json:"sid"`
		PID string `json:"pid"` // sent only with recovery on
	}
	if pkt := readUntil(t, c, "40{"); json.Unmarshal([]byte(pkt[2:]), &ack) != nil || ack.SID == "" || ack.PID == "" {
		t.Fatalf("CONNECT ack = %q, want a sid and a pid", pkt)
	}
	seq, offset := tickEvent(t, readUntil(t, c, `42["tick",`))

	// The transport drops without a goodbye; ticks go on meanwhile.
	c.Close()
	srv.WaitStats(t, readTimeout, func(st nodeio.Stats) bool {
		return st.Disconnects["transport close"] == 1 && st.BroadcastSeq >= seq+3
	})

	c2, _ := dial(t, srv)
	send(t, c2, `40{"pid":"`+ack.PID+`","offset":"`+offset+`"}`)
	// socket.io replays the missed broadcasts before the CONNECT ack (its
	// client holds them until connected).
	var replayed []int64
	for {
		pkt := readUntil(t, c2, "4")
		if strings.HasPrefix(pkt, `42["tick",`) {
			n, _ := tickEvent(t, pkt)
			replayed = append(replayed, n)
			continue
		}
		var again struct {
			SID string `json:"sid"`
		}
		if !strings.HasPrefix(pkt, "40{") || json.Unmarshal([]byte(pkt[2:]), &again) != nil || again.SID != ack.SID {
			t.Fatalf("CONNECT ack after recovery = %q, want the old sid %q", pkt, ack.SID)
		}
		break
	}
	if len(replayed) < 2 {
		t.Fatalf("replayed ticks %v, want those missed from %d on", replayed, seq+1)
	}
	for i, n := range replayed {
		if n != seq+1+int64(i) {
			t.Fatalf("replayed ticks %v, want %d, %d, ... in order", replayed, seq+1, seq+2)
		}
	}
	st := srv.WaitStats(t, readTimeout, func(st nodeio.Stats) bool { return st.Recovered == 1 })
	if st.ConnectsTotal["/"] != 2 {
		t.Fatalf("connects_total[/] = %d, want 2 (the recovered one counts)", st.ConnectsTotal["/"])
	}
}
