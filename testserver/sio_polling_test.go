package testserver

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSIOPollingSession(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	if o := p.open; len(o.Upgrades) != 1 || o.Upgrades[0] != "websocket" {
		t.Fatalf("handshake = %+v, want upgrades [websocket]", o)
	}

	p.post("40")
	_, body := p.get()
	ack, welcome, ok := strings.Cut(body, "\x1e")
	if !ok {
		t.Fatalf("GET = %q, want the CONNECT ack and the welcome", body)
	}
	checkConnected(t, ack, welcome, "/")
	if !strings.Contains(welcome, `"query":{"EIO":"4","transport":"polling"}`) {
		t.Fatalf("welcome = %q", welcome)
	}

	p.post(`420["echo","x"]` + "\x1e" + `42["echo-event",1]`)
	p.expect(`430["x"]` + "\x1e" + `42["echo",1]`)

	// Binary attachments travel as "b" + base64.
	p.post(`451-1["echo",{"_placeholder":true,"num":0}]` + "\x1ebAQID")
	p.expect(`461-1[{"_placeholder":true,"num":0}]` + "\x1ebAQID")
	p.post(`451-2["xor",{"_placeholder":true,"num":0}]` + "\x1ebAP8=")
	p.expect(`461-2[{"_placeholder":true,"num":0}]` + "\x1eb/wA=")
}

func TestSIOPollingWaitsForPackets(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()
	ch := p.getAsync()
	waitingGET(t, s, p.sid)
	p.post(`421["echo","late"]`)
	if r := waitPoll(t, ch); r.err != nil || r.body != `431["late"]` {
		t.Fatalf("waiting GET = %+v", r)
	}
}

func TestSIORequestErrors(t *testing.T) {
	s := startSIO(t, Config{})
	base := "http://" + s.Addr() + "/socket.io/"
	cases := []struct {
		name, method, query, want string
	}{
		{"unknown sid", "GET", "?EIO=4&transport=polling&sid=nope", `{"code":1,"message":"Session ID unknown"}`},
		{"unknown sid POST", "POST", "?EIO=4&transport=polling&sid=nope", `{"code":1,"message":"Session ID unknown"}`},
		{"EIO 3", "GET", "?EIO=3&transport=polling", `{"code":5,"message":"Unsupported protocol version"}`},
		{"no EIO", "GET", "?transport=polling", `{"code":5,"message":"Unsupported protocol version"}`},
		{"unknown transport", "GET", "?EIO=4&transport=carrier-pigeon", `{"code":0,"message":"Transport unknown"}`},
		{"handshake by POST", "POST", "?EIO=4&transport=polling", `{"code":2,"message":"Bad handshake method"}`},
		{"websocket without upgrade", "GET", "?EIO=4&transport=websocket", `{"code":3,"message":"Bad request"}`},
	}
	hc := newPollClient(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.query, strings.NewReader("40"))
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || string(body) != tc.want || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%s %s = %d %q %q, want 400 %q", tc.method, tc.query, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.want)
			}
		})
	}

	// A WebSocket upgrade gets the message as text, as the reference
	// server's abortUpgrade.
	_, resp, err := rawDial(t, s.URL("/socket.io/")+"?EIO=4&transport=websocket&sid=nope")
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("upgrade with unknown sid: %v %v", err, status(resp))
	}
	if st := sioStats(s); st.RequestErrors != int64(len(cases))+1 || st.Handshakes != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIOOverlappingGETClosesSession(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()
	first := p.getAsync()
	waitingGET(t, s, p.sid)

	status, body := p.get()
	if status != http.StatusBadRequest || body != "" {
		t.Fatalf("second GET = %d %q, want an empty 400", status, body)
	}
	if r := waitPoll(t, first); r.err != nil || r.status != 200 || r.body != "1" {
		t.Fatalf("first GET = %+v, want the close packet", r)
	}
	status, body = p.get()
	if status != http.StatusBadRequest || !strings.Contains(body, "Session ID unknown") {
		t.Fatalf("GET after the close = %d %q", status, body)
	}
	st := sioStats(s)
	if st.EngineCloses["transport error"] != 1 || st.Disconnects["transport error"] != 1 || st.EngineClients != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIOPollingClientClose(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()
	p.post("41") // client namespace disconnect: the engine stays
	p.post(`40/chat,`)
	p.get()
	p.post("1") // the engine goes
	status, _ := p.get()
	if status != http.StatusBadRequest {
		t.Fatalf("GET after close = %d", status)
	}
	st := sioStats(s)
	if st.Disconnects["client namespace disconnect"] != 1 || st.Disconnects["transport close"] != 1 || st.EngineCloses["transport close"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIOPollingPayloadTooLarge(t *testing.T) {
	s := startSIO(t, Config{SocketIO: SocketIO{MaxPayload: 100}})
	p := openPolling(t, s)
	if p.open.MaxPayload != 100 {
		t.Fatalf("maxPayload = %d", p.open.MaxPayload)
	}
	status, _ := p.do(http.MethodPost, p.url(), `42["echo","`+strings.Repeat("x", 200)+`"]`)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST of 200 bytes = %d, want 413", status)
	}
	eventually(t, "session closed", func() bool { return sioStats(s).EngineClients == 0 })
}

func TestSIOPollingPing(t *testing.T) {
	s := startSIO(t, Config{SocketIO: SocketIO{PingInterval: 50 * time.Millisecond, PingTimeout: 200 * time.Millisecond}})
	p := openPolling(t, s)
	start := time.Now()
	p.expect("2")
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("ping after %v, before the interval", d)
	}
	p.post("3")
	p.expect("2")
	// No pong: the session ends, and a GET waiting then gets the close.
	ch := p.getAsync()
	if r := waitPoll(t, ch); r.body != "1" {
		t.Fatalf("GET after the missed pong = %+v", r)
	}
	if st := sioStats(s); st.EngineCloses["ping timeout"] != 1 || st.PingsSent != 2 || st.PongsReceived != 1 {
		t.Fatalf("stats = %+v", st)
	}
}
