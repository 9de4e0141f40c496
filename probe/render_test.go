package probe_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/probe"
)

func d(v time.Duration) *probe.Duration { p := probe.Duration(v); return &p }

func TestWriteEventText(t *testing.T) {
	var b strings.Builder
	for _, e := range []probe.Event{
		{At: probe.Duration(12 * time.Microsecond), Kind: probe.KindDNS, Text: "DNS skipped"},
		{At: probe.Duration(3200 * time.Microsecond), Kind: probe.KindTCP, Text: "TCP connected", Detail: []string{"a: 1", "b: 2"}},
		{At: probe.Duration(2346 * time.Millisecond), Kind: probe.KindPing, Text: "ping 1: pong in 0.2ms"},
		{At: probe.Duration(5*time.Minute + 1234*time.Millisecond), Kind: probe.KindEnd, Text: "ended"},
	} {
		if err := probe.WriteEventText(&b, e); err != nil {
			t.Fatal(err)
		}
	}
	want := `    +0.0ms  DNS skipped
    +3.2ms  TCP connected
            a: 1
            b: 2
    +2.35s  ping 1: pong in 0.2ms
  +5m1.23s  ended
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteResultText(t *testing.T) {
	for _, tt := range []struct {
		name string
		res  probe.Result
		want string
	}{
		{"refused", probe.Result{Failure: &probe.Failure{Stage: probe.StageRefused, Reason: "check the token or Authorization header"}},
			"\nNOT OPENED (refused): check the token or Authorization header\n"},
		{"held", probe.Result{Opened: true, Protocol: "websocket",
			Timings:      probe.Timings{DNS: probe.Duration(time.Millisecond), Connect: probe.Duration(2 * time.Millisecond), TLS: probe.Duration(3 * time.Millisecond), Upgrade: probe.Duration(4 * time.Millisecond), Open: probe.Duration(10 * time.Millisecond)},
			FirstMessage: d(5 * time.Millisecond),
			Pings:        []probe.Ping{{Seq: 1, RTT: d(300 * time.Microsecond)}, {Seq: 2}, {Seq: 3, RTT: d(100 * time.Microsecond)}},
			End:          &probe.Ending{How: probe.EndServerClose, Code: 1001, Meaning: "going away", AfterOpen: probe.Duration(90 * time.Second)}},
			`
OPENED in 10.0ms (DNS 1.0ms, TCP 2.0ms, TLS 3.0ms, upgrade 4.0ms)
  first message 5.0ms after open
  pings: 2 of 3 answered, round trip 0.1ms to 0.3ms
  ended: server_close 1001 after 1m30s open: going away
`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := probe.WriteResultText(&b, &tt.res); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		A probe.Duration  `json:"a_ms"`
		B *probe.Duration `json:"b_ms"`
	}{probe.Duration(1234567 * time.Nanosecond), nil})
	if err != nil || string(b) != `{"a_ms":1.234567,"b_ms":null}` {
		t.Fatalf("%s %v", b, err)
	}
	var back probe.Duration
	if err := json.Unmarshal([]byte("2.5"), &back); err != nil || back != probe.Duration(2500*time.Microsecond) {
		t.Fatalf("%v %v", back, err)
	}
}
