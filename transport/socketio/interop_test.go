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
