package socketio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/nodeio"
	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/socketio"
)

// These tests run our client against the official Node socket.io 4.8
// server (interop/socketio/server.js). They skip when node or the npm
// packages are missing, and fail instead with WSBENCH_REQUIRE_NODE=1.

const nodeWait = 5 * time.Second

var nodeModes = []struct {
	name       string
	transports []string
	want       string
}{
	{"websocket", []string{"websocket"}, "websocket"},
	{"polling", []string{"polling"}, "polling"},
	{"upgrade", []string{"polling", "websocket"}, "websocket"},
}

// nodeDial dials srv; the connection is aborted and the dialer's idle
// connections closed when the test ends.
func nodeDial(t *testing.T, srv *nodeio.Server, o socketio.Options) *socketio.Conn {
	t.Helper()
	d := socketio.NewDialer(o)
	c, err := d.Dial(context.Background(), srv.URL)
	if err != nil {
		d.CloseIdleConnections()
		t.Fatalf("dial %s: %v", srv.URL, err)
	}
	t.Cleanup(func() {
		_ = c.Abort()
		d.CloseIdleConnections()
	})
	return c.(*socketio.Conn)
}

// nodeReader reads c on its own goroutine, which ends before the test.
type nodeReader struct {
	c    *socketio.Conn
	msgs chan msg
	err  chan error
}

type msg struct {
	pkt  string
	atts [][]byte
}

func readNode(t *testing.T, c *socketio.Conn) *nodeReader {
	r := &nodeReader{c: c, msgs: make(chan msg, 256), err: make(chan error, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := c.ReadMessage(nil)
			if err != nil {
				r.err <- err
				return
			}
			m := msg{pkt: string(data)}
			for _, a := range c.Attachments() {
				m.atts = append(m.atts, bytes.Clone(a))
			}
			r.msgs <- m
		}
	}()
	t.Cleanup(func() {
		_ = c.Abort()
		<-done
	})
	return r
}

func (r *nodeReader) next(t *testing.T) msg {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case err := <-r.err:
		t.Fatalf("read: %v", err)
	case <-time.After(nodeWait):
		t.Fatal("nothing read from the node server")
	}
	return msg{}
}

func (r *nodeReader) end(t *testing.T) error {
	t.Helper()
	for {
		select {
		case <-r.msgs:
		case err := <-r.err:
			return err
		case <-time.After(nodeWait):
			t.Fatal("read did not end")
			return nil
		}
	}
}

func write(t *testing.T, c *socketio.Conn, pkt string) {
	t.Helper()
	if err := c.WriteMessage(transport.Text, []byte(pkt)); err != nil {
		t.Fatalf("write %s: %v", pkt, err)
	}
}

func TestNodeInterop(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	for _, m := range nodeModes {
		t.Run(m.name, func(t *testing.T) {
			c := nodeDial(t, srv, socketio.Options{
				Transports: m.transports,
				Namespaces: []string{"/", "/chat"},
				Auth:       json.RawMessage(`{"token":"t1"}`),
				Query:      url.Values{"room": {"r1"}},
			})
			d := c.Details()
			if d.Transport != m.want || d.Upgraded != (m.name == "upgrade") || d.UpgradeErr != nil || len(d.Namespaces) != 2 {
				t.Fatalf("details %+v", d)
			}
			r := readNode(t, c)

			// The welcome events, emitted on connection, were not lost.
			for _, nsp := range []string{"/", "/chat"} {
				w := r.next(t).pkt
				prefix := `2["welcome",`
				if nsp != "/" {
					prefix = `2` + nsp + `,["welcome",`
				}
				if !strings.HasPrefix(w, prefix) {
					t.Fatalf("first packet for %s: %s", nsp, w)
				}
				var obj []json.RawMessage
				_ = json.Unmarshal([]byte(w[strings.IndexByte(w, '['):]), &obj)
				var wel struct {
					NSP   string            `json:"nsp"`
					Query map[string]string `json:"query"`
					Auth  map[string]string `json:"auth"`
				}
				if len(obj) != 2 || json.Unmarshal(obj[1], &wel) != nil {
					t.Fatalf("welcome %s", w)
				}
				if wel.NSP != nsp || wel.Query["room"] != "r1" || wel.Auth["token"] != "t1" {
					t.Errorf("welcome %s: query or auth did not reach the server", w)
				}
			}
			st := srv.Stats(t)
			if st.EngineClients != 1 || st.Connections["/"] != 1 || st.Connections["/chat"] != 1 || st.Transports[m.want] != 1 {
				t.Fatalf("stats %+v: want one engine connection carrying / and /chat on %s", st, m.want)
			}

			// Client -> server ack, in a namespace.
			write(t, c, `2/chat,1["echo","hi",{"n":1}]`)
			if got := r.next(t).pkt; got != `3/chat,1["hi",{"n":1}]` {
				t.Errorf("ack %s", got)
			}
			write(t, c, `2["echo-event",[1,2]]`)
			if got := r.next(t).pkt; got != `2["echo",[1,2]]` {
				t.Errorf("event %s", got)
			}
			// Binary both ways.
			if err := c.WritePacket([]byte(`51-/chat,2["xor",{"_placeholder":true,"num":0}]`), [][]byte{{0, 1, 2, 0xff}}); err != nil {
				t.Fatal(err)
			}
			got := r.next(t)
			if got.pkt != `61-/chat,2[{"_placeholder":true,"num":0}]` || len(got.atts) != 1 || !bytes.Equal(got.atts[0], []byte{0xff, 0xfe, 0xfd, 0}) {
				t.Errorf("xor ack %s %v", got.pkt, got.atts)
			}
			// Server -> client ack: the server asks, the client answers.
			write(t, c, `2["ask","sure?"]`)
			q := r.next(t).pkt
			p, err := socketio.Parse([]byte(q))
			if err != nil || p.Type != socketio.Event || p.ID < 0 || !strings.HasPrefix(string(p.Data), `["question","sure?"`) {
				t.Fatalf("question %s", q)
			}
			write(t, c, `3`+strconv.FormatInt(p.ID, 10)+`["yes"]`)
			if got := r.next(t).pkt; got != `2["answered","yes"]` {
				t.Errorf("answered %s", got)
			}

			before := srv.Stats(t).Disconnects["client namespace disconnect"]
			if err := c.Close(1000, "done"); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = r.end(t)
			t.Logf("read after Close ended in %v with %v", time.Since(start), err)
			var ce *transport.CloseError
			if !errors.As(err, &ce) || socketio.Reason(err) != socketio.ReasonIOClientDisconnect {
				t.Errorf("read after Close: %v", err)
			}
			st = srv.WaitStats(t, nodeWait, func(st nodeio.Stats) bool {
				return st.EngineClients == 0 && st.Disconnects["client namespace disconnect"] >= before+2
			})
			if st.Disconnects["transport close"] != 0 {
				t.Errorf("server saw transport close: %v", st.Disconnects)
			}
			if m.name == "upgrade" && st.Upgrades == 0 {
				t.Error("server counted no upgrade")
			}
		})
	}
}

func TestNodeAuthRejected(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	for _, m := range nodeModes[:2] {
		t.Run(m.name, func(t *testing.T) {
			d := socketio.NewDialer(socketio.Options{Transports: m.transports, Namespaces: []string{"/admin"}})
			defer d.CloseIdleConnections()
			_, err := d.Dial(context.Background(), srv.URL)
			var ce *socketio.ConnectError
			if !errors.As(err, &ce) || ce.Namespace != "/admin" || ce.Message != "not authorized" || string(ce.Data) != `{"code":401}` {
				t.Fatalf("error %v", err)
			}
			// The refused client closed its engine connection, so the
			// server does not keep it until its ping timeout.
			srv.WaitStats(t, time.Second, func(st nodeio.Stats) bool { return st.EngineClients == 0 })
			c := nodeDial(t, srv, socketio.Options{Transports: m.transports, Namespaces: []string{"/admin"}, Auth: json.RawMessage(`{"token":"secret"}`)})
			if got := c.Details().Namespaces; len(got) != 1 || got[0].Name != "/admin" || got[0].SID == "" {
				t.Fatalf("namespaces %v", got)
			}
		})
	}
}

func TestNodeKick(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	for _, m := range nodeModes {
		t.Run(m.name, func(t *testing.T) {
			c := nodeDial(t, srv, socketio.Options{Transports: m.transports, Namespaces: []string{"/chat"}})
			r := readNode(t, c)
			r.next(t) // welcome
			write(t, c, `2/chat,["kick"]`)
			err := r.end(t)
			var de *socketio.DisconnectError
			if !errors.As(err, &de) || de.Namespace != "/chat" || socketio.Reason(err) != socketio.ReasonIOServerDisconnect {
				t.Fatalf("read ended with %v", err)
			}
		})
	}
}

func TestNodeRestartEndsReads(t *testing.T) {
	for _, m := range nodeModes {
		t.Run(m.name, func(t *testing.T) {
			srv := nodeio.Start(t, nodeio.Options{})
			c := nodeDial(t, srv, socketio.Options{Transports: m.transports})
			r := readNode(t, c)
			r.next(t) // welcome
			srv.Restart(t)
			err := r.end(t)
			t.Logf("read after restart: %v (reason %q)", err, socketio.Reason(err))
			if reason := socketio.Reason(err); reason != socketio.ReasonTransportClose && reason != socketio.ReasonTransportError {
				t.Errorf("reason %q for %v", reason, err)
			}
		})
	}
}

func TestNodePings(t *testing.T) {
	// A roomy timeout where pings are answered, so a slow test machine
	// does not fail it; a tight one where they are not.
	answering := nodeio.Start(t, nodeio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: time.Second})
	srv := nodeio.Start(t, nodeio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	for _, m := range nodeModes {
		t.Run(m.name+"/answered", func(t *testing.T) {
			srv := answering
			c := nodeDial(t, srv, socketio.Options{Transports: m.transports})
			var pings atomic.Int32
			c.SetPingHandler(func() { pings.Add(1) })
			r := readNode(t, c)
			r.next(t) // welcome
			time.Sleep(time.Second)
			select {
			case err := <-r.err:
				t.Fatalf("read ended: %v", err)
			default:
			}
			if n := pings.Load(); n < 3 {
				t.Fatalf("%d pings in 1s with a 200ms interval", n)
			}
			if st := srv.Stats(t); st.EngineClients != 1 {
				t.Fatalf("stats %+v", st)
			}
			_ = c.Close(1000, "")
			r.end(t)
			srv.WaitStats(t, nodeWait, func(st nodeio.Stats) bool { return st.EngineClients == 0 })
		})
		t.Run(m.name+"/ignored", func(t *testing.T) {
			before := srv.Stats(t).Disconnects["ping timeout"]
			c := nodeDial(t, srv, socketio.Options{Transports: m.transports, IgnorePings: true})
			r := readNode(t, c)
			start := time.Now()
			err := r.end(t)
			t.Logf("read ended after %v: %v (reason %q)", time.Since(start), err, socketio.Reason(err))
			srv.WaitStats(t, nodeWait, func(st nodeio.Stats) bool { return st.Disconnects["ping timeout"] == before+1 })
		})
	}
}

func TestNodePollingLatency(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{}) // 25 s ping interval
	c := nodeDial(t, srv, socketio.Options{Transports: []string{"polling"}})
	r := readNode(t, c)
	r.next(t) // welcome
	time.Sleep(50 * time.Millisecond)
	var worst time.Duration
	for i := range 20 {
		start := time.Now()
		write(t, c, `2`+strconv.Itoa(i)+`["echo",`+strconv.Itoa(i)+`]`)
		if got := r.next(t).pkt; got != `3`+strconv.Itoa(i)+`[`+strconv.Itoa(i)+`]` {
			t.Fatalf("ack %s", got)
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("worst polling echo round trip %v", worst)
	if worst > 500*time.Millisecond {
		t.Fatalf("polling echo took up to %v with a 25s ping interval: writes wait for the long-poll", worst)
	}
}

// nodeTick decodes a "tick" broadcast read from a server with recovery
// on: its seq and the offset socket.io appended; ok is false for any
// other packet.
func nodeTick(t *testing.T, pkt string) (seq int64, offset string, ok bool) {
	t.Helper()
	if !strings.HasPrefix(pkt, `2["tick",`) {
		return 0, "", false
	}
	var args []json.RawMessage
	var tick struct {
		Sender string `json:"sender"`
		Seq    int64  `json:"seq"`
	}
	if json.Unmarshal([]byte(pkt[1:]), &args) != nil || len(args) != 3 ||
		json.Unmarshal(args[1], &tick) != nil || tick.Sender != "server" ||
		json.Unmarshal(args[2], &offset) != nil {
		t.Fatalf("tick %s, want 2[\"tick\",{sender, seq, sent_at},offset]", pkt)
	}
	return tick.Seq, offset, true
}

// disconnects is the number of server-side disconnects, whatever the
// reason.
func disconnects(st nodeio.Stats) int {
	n := 0
	for _, k := range st.Disconnects {
		n += k
	}
	return n
}

// TestNodeRecovery: against socket.io with connectionStateRecovery on, a
// client that loses its connection (a reset) and dials again with its
// Session gets its socket back and first reads the ticks it missed, seq
// following on without a gap or a repeat; without recovery the server
// offers none.
func TestNodeRecovery(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{Recovery: true, BroadcastEvery: 20 * time.Millisecond,
		PingInterval: 300 * time.Millisecond, PingTimeout: time.Second})
	for _, m := range nodeModes {
		t.Run(m.name, func(t *testing.T) {
			var s socketio.Session
			d := socketio.NewDialer(socketio.Options{Transports: m.transports})
			t.Cleanup(d.CloseIdleConnections)
			dial := func() *socketio.Conn {
				t.Helper()
				c, err := d.DialSession(context.Background(), srv.URL, &s)
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				t.Cleanup(func() { _ = c.Abort() })
				return c.(*socketio.Conn)
			}
			// nextTick returns the next tick's seq, skipping other events.
			nextTick := func(r *nodeReader) int64 {
				t.Helper()
				for {
					if seq, _, ok := nodeTick(t, r.next(t).pkt); ok {
						return seq
					}
				}
			}

			c1 := dial()
			if d := c1.Details(); !d.RecoveryOffered || d.RecoveryAttempted || d.Recovered || s.PID("/") == "" {
				t.Fatalf("first connection: offered %v, attempted %v, recovered %v, pid %q", d.RecoveryOffered, d.RecoveryAttempted, d.Recovered, s.PID("/"))
			}
			r1 := readNode(t, c1)
			last := nextTick(r1)
			for range 3 {
				seq := nextTick(r1)
				if seq != last+1 {
					t.Fatalf("tick %d after %d", seq, last)
				}
				last = seq
			}
			if s.Offset("/") == "" {
				t.Fatal("no offset kept from the ticks")
			}
			st := srv.Stats(t)
			gone, recovered := disconnects(st), st.Recovered
			if err := c1.Reset(); err != nil {
				t.Fatal(err)
			}
			// The reader may have read ahead of nextTick: the Session's
			// offset is the last tick ReadMessage returned.
			select {
			case <-r1.err: // sent after every message it read
			case <-time.After(nodeWait):
				t.Fatal("read did not end after Reset")
			}
			for len(r1.msgs) > 0 {
				if seq, _, ok := nodeTick(t, (<-r1.msgs).pkt); ok {
					last = seq
				}
			}
			srv.WaitStats(t, nodeWait, func(st nodeio.Stats) bool { return disconnects(st) > gone })
			time.Sleep(300 * time.Millisecond) // ticks go on meanwhile

			c2 := dial()
			d2 := c2.Details()
			if !d2.RecoveryOffered || !d2.RecoveryAttempted || !d2.Recovered {
				t.Fatalf("second connection: offered %v, attempted %v, recovered %v", d2.RecoveryOffered, d2.RecoveryAttempted, d2.Recovered)
			}
			if d2.Namespaces[0].SID != c1.Details().Namespaces[0].SID {
				t.Errorf("socket id %s after recovery, was %s", d2.Namespaces[0].SID, c1.Details().Namespaces[0].SID)
			}
			r2 := readNode(t, c2)
			// The first packets are the missed ticks, then the live ones.
			replayed := 0
			if seq, _, ok := nodeTick(t, r2.next(t).pkt); !ok || seq != last+1 {
				t.Fatalf("first packet after recovery: tick %d (a tick: %v), want tick %d", seq, ok, last+1)
			}
			last++
			for replayed < 20 {
				seq := nextTick(r2)
				if seq != last+1 {
					t.Fatalf("tick %d after %d: a gap or a repeat across the recovery", seq, last)
				}
				last = seq
				replayed++
			}
			srv.WaitStats(t, nodeWait, func(st nodeio.Stats) bool { return st.Recovered > recovered })
		})
	}

	t.Run("off", func(t *testing.T) {
		plain := nodeio.Start(t, nodeio.Options{})
		var s socketio.Session
		d := socketio.NewDialer(socketio.Options{})
		c, err := d.DialSession(context.Background(), plain.URL, &s)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Abort()
		if d := c.(*socketio.Conn).Details(); d.RecoveryOffered || d.Recovered || s.PID("/") != "" {
			t.Fatalf("without recovery: offered %v, recovered %v, pid %q", d.RecoveryOffered, d.Recovered, s.PID("/"))
		}
	})
}
