package testserver

import (
	"strings"
	"testing"
)

// A client that breaks the protocol loses its own session, never the
// server or another client's session.
func TestSIOMalformedPacketClosesOnlyThatSession(t *testing.T) {
	s := startSIO(t, Config{SocketIO: SocketIO{MaxPayload: 1 << 10}})
	bystander := dialSIO(t, s, "")
	bystander.connect("/", "")

	cases := []struct {
		name   string
		pkts   []string // "bin:" sends the rest as a binary message
		reason string   // the session's close reason
	}{
		{"empty packet", []string{""}, "parse error"},
		{"unknown engine type", []string{"9"}, "parse error"},
		{"client ping", []string{"2"}, "transport error"},
		{"empty message", []string{"4"}, "forced close"},
		{"unknown socket.io type", []string{"4x"}, "forced close"},
		{"bad JSON", []string{`42["echo",`}, "forced close"},
		{"reserved event", []string{`42["disconnect"]`}, "forced close"},
		{"ack without id", []string{`43["x"]`}, "forced close"},
		{"disconnect with data", []string{`41{"a":1}`}, "forced close"},
		{"zero attachments", []string{`450-["echo"]`}, "forced close"},
		{"too many attachments", []string{`4511-["echo"]`}, "forced close"},
		{"text instead of attachment", []string{`451-["echo",{"_placeholder":true,"num":0}]`, `42["echo"]`}, "forced close"},
		{"attachment nobody announced", []string{"bin:x"}, "forced close"},
		{"namespace not connected", []string{`42/chat,["echo"]`}, "forced close"},
		{"second connect", []string{"40"}, "forced close"},
		{"connect error from the client", []string{`44{"message":"x"}`}, "forced close"},
		{"too big", []string{`42["echo","` + strings.Repeat("x", 2<<10) + `"]`}, "transport error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := sioStats(s).EngineCloses[tc.reason]
			w := dialSIO(t, s, "")
			w.connect("/", "")
			for _, p := range tc.pkts {
				if b, ok := strings.CutPrefix(p, "bin:"); ok {
					w.sendBinary([]byte(b))
				} else {
					w.send(p)
				}
			}
			if err := w.readErr(); err == nil {
				t.Fatal("session still open")
			}
			eventually(t, "closed with "+tc.reason, func() bool {
				return sioStats(s).EngineCloses[tc.reason] == before+1
			})
		})
	}
	bystander.send(`421["echo","still here"]`)
	bystander.expect(`431["still here"]`)
	if st := sioStats(s); st.EngineClients != 1 || st.ProtocolErrors < 13 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIOMalformedPollingPayload(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()
	p.post("42[\"echo\"]\x1e\x1e") // an empty packet in the payload
	eventually(t, "closed", func() bool { return sioStats(s).EngineCloses["parse error"] == 1 })
	q := openPolling(t, s)
	q.post(`bnot base64!`)
	eventually(t, "closed", func() bool { return sioStats(s).EngineCloses["parse error"] == 2 })
}
