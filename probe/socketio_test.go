package probe_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/probe"
	"github.com/wsbench/wsbench/testserver"
)

// sioServer starts the test server with Socket.IO, pinging every 100ms
// with a 100ms timeout.
func sioServer(t *testing.T) *testserver.Server {
	return servertest.Start(t, testserver.Config{SocketIO: testserver.SocketIO{
		Enabled: true, PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond}})
}

func sioOptions(srv *testserver.Server) probe.Options {
	return probe.Options{URL: "http://" + srv.Addr(), SocketIO: true, FirstMessage: time.Second}
}

func TestSocketIOTimeline(t *testing.T) {
	noLeaks(t)
	srv := sioServer(t)
	o := sioOptions(srv)
	o.Namespace = "chat" // the leading slash is added
	res, text := run(t, o)
	if !res.Opened || res.Protocol != "socketio" || res.SocketIO == nil {
		t.Fatalf("opened %v, failure %+v", res.Opened, res.Failure)
	}
	sio := res.SocketIO
	if sio.SID == "" || sio.SocketID == "" || sio.Namespace != "/chat" || sio.Transport != "websocket" ||
		sio.PingInterval != probe.Duration(100*time.Millisecond) || sio.MaxPayload != testserver.DefaultMaxPayload {
		t.Errorf("socketio %+v", sio)
	}
	if res.FirstMessage == nil {
		t.Error("the welcome event was not seen")
	}
	wantLines(t, text, "DNS skipped", "TCP connected to "+srv.Addr(),
		"Engine.IO open over websocket after ", "sid "+sio.SID,
		"pingInterval 100ms, pingTimeout 100ms", "calls the connection dead", "maxPayload 1000000 bytes",
		"namespace /chat connected in ", "socket id "+sio.SocketID,
		"first event ", `"2/chat,[\"welcome\"`,
		"ended: checks done; disconnected normally (io client disconnect), the server closed the connection in ")
	if res.End == nil || res.End.How != probe.EndClosed || res.End.SocketIOReason != "io client disconnect" {
		t.Errorf("end %+v", res.End)
	}
}

func TestSocketIONamespaceRefused(t *testing.T) {
	noLeaks(t)
	srv := sioServer(t)
	o := sioOptions(srv)
	o.Namespace = "/admin"
	res, text := run(t, o)
	f := res.Failure
	if res.Opened || f == nil || f.Stage != probe.StageNamespace || res.End != nil {
		t.Fatalf("opened %v, failure %+v", res.Opened, f)
	}
	wantLines(t, text, "not opened: socket.io: namespace /admin refused: not authorized",
		`namespace /admin refused the socket with CONNECT_ERROR: message "not authorized", data {"code":401}`,
		"fix: usually an authentication middleware: pass the credentials it expects with --auth")

	o.Auth = json.RawMessage(`{"token":"secret"}`)
	if res, _ := run(t, o); !res.Opened || res.SocketIO.Namespace != "/admin" {
		t.Fatalf("with the token: opened %v, failure %+v", res.Opened, res.Failure)
	}
}

func TestSocketIORefusedHandshake(t *testing.T) {
	noLeaks(t)
	srv := sioServer(t)
	srv.RefuseFor(503, time.Minute)
	res, text := run(t, sioOptions(srv))
	if res.Opened || res.Failure.Stage != probe.StageRefused || res.Status != 503 {
		t.Fatalf("failure %+v", res.Failure)
	}
	wantLines(t, text, "upgrade refused: 503 Service Unavailable", "Retry-After: 1", "usually: backend down, overloaded or draining")
}

func TestSocketIOHoldEndings(t *testing.T) {
	noLeaks(t)
	for _, tt := range []struct {
		name   string
		fault  func(*testserver.Server)
		how    string
		reason string
		want   []string
	}{
		{"kick", func(s *testserver.Server) { s.CloseFraction(1, 1001, "bye") }, probe.EndServerClose, "io server disconnect",
			[]string{"ended: the server disconnected namespace / (io server disconnect)", "meaning: io server disconnect: the server disconnected the socket"}},
		{"no pings", func(s *testserver.Server) { s.SetIgnorePings(true) }, probe.EndHeartbeat, "ping timeout",
			[]string{"ended: silent death: no ping from the server (ping timeout)", "meaning: ping timeout: no Engine.IO ping"}},
		{"reset", func(s *testserver.Server) { s.ResetFraction(1) }, probe.EndReset, "transport error",
			[]string{"ended: TCP reset by the peer (transport error)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := sioServer(t)
			o := sioOptions(srv)
			o.FirstMessage = 50 * time.Millisecond
			o.Hold = time.Minute
			o.OnEvent = func(e probe.Event) {
				if e.Kind == probe.KindPing && strings.HasPrefix(e.Text, "server ping 2,") {
					tt.fault(srv)
				}
			}
			start := time.Now()
			res, text := run(t, o)
			e := res.End
			if e == nil || e.How != tt.how || e.SocketIOReason != tt.reason || time.Since(start) > 10*time.Second {
				t.Fatalf("end %+v after %v", e, time.Since(start))
			}
			if e.ServerPings < 2 || e.SinceReceived == nil {
				t.Errorf("end %+v", e)
			}
			wantLines(t, text, append([]string{"holding the connection for 1m: the server should ping every 100ms; none within 200ms means the connection is dead",
				"server ping 1, ", " after open; pong sent", "server ping 2, ", " after the previous one"}, tt.want...)...)
		})
	}
}

func TestSocketIOHoldOutlasted(t *testing.T) {
	noLeaks(t)
	srv := sioServer(t)
	o := sioOptions(srv)
	o.FirstMessage = -1
	o.Hold = 500 * time.Millisecond
	res, text := run(t, o)
	if res.End == nil || res.End.How != probe.EndHeld || res.End.ServerPings < 2 {
		t.Fatalf("end %+v", res.End)
	}
	wantLines(t, text, "server ping 3, ", "ended: still open after the 500ms hold; disconnected normally (io client disconnect)")
}
