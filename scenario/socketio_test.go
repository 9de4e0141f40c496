package scenario

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestSocketIOScenario(t *testing.T) {
	src := `target: http://127.0.0.1:3000/chat
protocol: socket.io
socketio:
  auth: {token: "${TOKEN:-secret}", n: 1}
  query: {room: lobby}
  transports: [polling, websocket]
clients: {count: 2}
duration: 5s
client:
  delivery: {sender: from, seq: seq, sent_at: at, event: broadcast}
steps:
  - connect
  - expect_event: welcome
  - emit:
      event: broadcast
      args: [{from: "{{.VU}}", seq: !json "{{.Seq}}", at: !json "{{.UnixMicro}}", text: "say \"hi\" {{.Random 4}}"}, !!binary AQID, 3, 2.5, true, null, [a]]
      expect: {event: broadcast, match: '"from":"1"'}
  - emit: {event: echo, namespace: /admin, ack: {}}
  - loop: {count: 2, steps: [{emit: ping}]}
`
	s, err := Parse("t.yaml", []byte(src), Overrides{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Protocol != ProtocolSocketIO || s.SocketIO.Namespace != "/chat" || s.SocketIO.Path != DefaultSocketIOPath {
		t.Errorf("protocol/namespace/path = %s %s %s", s.Protocol, s.SocketIO.Namespace, s.SocketIO.Path)
	}
	if s.Client.Heartbeat.Mode != HeartbeatOff {
		t.Errorf("heartbeat mode = %s, want off (the server pings)", s.Client.Heartbeat.Mode)
	}
	if got := string(s.SocketIO.Auth.Raw); got != `{"token":"secret","n":1}` {
		t.Errorf("auth = %s", got)
	}
	if got := s.Namespaces(); !slices.Equal(got, []string{"/chat", "/admin"}) {
		t.Errorf("Namespaces() = %v", got)
	}
	e := s.Steps[2].Emit
	vars := sampleVars()
	vars.Seq = 7
	out := e.Args.JSON.Append(nil, vars)
	if !bytes.HasPrefix(out, []byte(`{"from":"1","seq":7,"at":`)) ||
		!bytes.HasSuffix(out, []byte(`},{"_placeholder":true,"num":0},3,2.5,true,null,["a"]`)) ||
		!bytes.Contains(out, []byte(`"text":"say \"hi\" `)) {
		t.Errorf("args render to %s", out)
	}
	if len(e.Args.Attachments) != 1 || !bytes.Equal(e.Args.Attachments[0], []byte{1, 2, 3}) {
		t.Errorf("attachments = %v", e.Args.Attachments)
	}
	if e.Namespace != "/chat" || e.Expect.Namespace != "/chat" || e.Expect.RE == nil || e.Expect.Timeout.D() != DefaultExpectTimeout {
		t.Errorf("emit expect = %+v", e.Expect)
	}
	if a := s.Steps[3].Emit; a.Ack == nil || a.Ack.Timeout.D() != DefaultExpectTimeout || a.Args != nil {
		t.Errorf("emit ack = %+v", a)
	}
	if x := s.Steps[1].ExpectEvent; x.Event != "welcome" || x.Namespace != "/chat" {
		t.Errorf("expect_event = %+v", x)
	}
	if s.Steps[4].Loop.Steps[0].Emit.Event != "ping" {
		t.Errorf("short emit not decoded")
	}
}

func TestSocketIODefaults(t *testing.T) {
	s, err := Parse("t.yaml", []byte("target: embedded\nprotocol: socketio\nclients: {count: 1}\nduration: 1s\nsteps: [connect]\n"), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if s.SocketIO.Namespace != "/" || !slices.Equal(s.SocketIO.Transports, []string{"websocket"}) {
		t.Errorf("defaults: %+v", s.SocketIO)
	}
}

func TestSourceAddresses(t *testing.T) {
	s, err := Parse("t.yaml", []byte("target: embedded\nduration: 1s\nclients: {count: 25000}\nclient: {source_addresses: [auto, 10.0.0.0/30, '::1']}\nsteps: [connect]\n"), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ip := range s.SourceIPs() {
		got = append(got, ip.String())
	}
	want := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "::1"}
	if !slices.Equal(got, want) {
		t.Errorf("SourceIPs = %v, want %v", got, want)
	}
	_, err = Parse("t.yaml", []byte("target: ws://example.test/ws\nduration: 1s\nclients: {count: 1}\nclient: {source_addresses: [auto, nope, 10.0.0.0/8]}\nsteps: [connect]\n"), Overrides{})
	for _, w := range []string{"auto picks loopback source addresses", `"nope" is not an IP address`, "10.0.0.0/8 has more than 4096 addresses"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("problems lack %q: %v", w, err)
		}
	}
}
