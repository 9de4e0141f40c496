package probe_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsbench/wsbench/internal/servertest"
	"github.com/wsbench/wsbench/probe"
	"github.com/wsbench/wsbench/testserver"
)

// noLeaks fails t if goroutines started during it outlive it and its
// cleanups (registered first, so it runs last).
func noLeaks(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// quick are options that keep a probe short: a brief wait for a first
// message and two pings close together.
func quick(url string) probe.Options {
	return probe.Options{URL: url, FirstMessage: 50 * time.Millisecond, Pings: 2, PingSpacing: 10 * time.Millisecond, PingTimeout: time.Second}
}

// run probes with o within 20 s and returns the result and the text the
// command would print: the timeline and the summary.
func run(t *testing.T, o probe.Options) (*probe.Result, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return runCtx(t, ctx, o)
}

func runCtx(t *testing.T, ctx context.Context, o probe.Options) (*probe.Result, string) {
	t.Helper()
	var b strings.Builder
	user := o.OnEvent
	o.OnEvent = func(e probe.Event) {
		probe.WriteEventText(&b, e)
		if user != nil {
			user(e)
		}
	}
	start := time.Now()
	res, err := probe.Run(ctx, o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	probe.WriteResultText(&b, res)
	t.Logf("took %v; timeline:\n%s", time.Since(start).Round(time.Millisecond), b.String())
	return res, b.String()
}

// wantLines fails t unless text has each of want, in this order.
func wantLines(t *testing.T, text string, want ...string) {
	t.Helper()
	rest := text
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("the timeline lacks %q (after the lines before it)", w)
		}
		rest = rest[i+len(w):]
	}
}

func kinds(res *probe.Result) []probe.Kind {
	var k []probe.Kind
	for _, e := range res.Events {
		k = append(k, e.Kind)
	}
	return k
}

func TestTimelineOfAnEchoServer(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	o := quick(srv.URL("/echo"))
	o.Subprotocols = []string{"chat"}
	res, text := run(t, o)
	if !res.Opened || res.Failure != nil || res.Status != 101 {
		t.Fatalf("opened %v, status %d, failure %+v", res.Opened, res.Status, res.Failure)
	}
	wantLines(t, text,
		"DNS skipped: 127.0.0.1 is an IP address",
		"TCP connected to "+srv.Addr(), "(local 127.0.0.1:",
		"HTTP upgrade request sent: GET /echo HTTP/1.1", "Sec-WebSocket-Protocol: chat", "Upgrade: websocket",
		"HTTP/1.1 101 Switching Protocols after ", "Sec-WebSocket-Accept: ",
		"WebSocket open after ", "subprotocol chat, extensions none",
		"first message: none within 50ms",
		"ping 1: pong in ", "ping 2: pong in ",
		"ended: checks done; closed normally (1000), the server answered 1000",
		"OPENED in ")
	want := []probe.Kind{probe.KindDNS, probe.KindTCP, probe.KindRequest, probe.KindResponse, probe.KindOpen, probe.KindMessage, probe.KindPing, probe.KindPing, probe.KindEnd}
	if got := kinds(res); !equalKinds(got, want) {
		t.Errorf("kinds %v, want %v", got, want)
	}
	if res.Addresses != nil || res.Remote != srv.Addr() || res.Subprotocol != "chat" || res.FirstMessage != nil {
		t.Errorf("addresses %v, remote %q, subprotocol %q, first message %v", res.Addresses, res.Remote, res.Subprotocol, res.FirstMessage)
	}
	if len(res.Pings) != 2 || res.Pings[0].RTT == nil || res.Pings[1].RTT == nil || res.Pings[1].Seq != 2 {
		t.Errorf("pings %+v", res.Pings)
	}
	if res.End == nil || res.End.How != probe.EndClosed || res.End.Code != 1000 {
		t.Errorf("end %+v", res.End)
	}
	for i := 1; i < len(res.Events); i++ {
		if res.Events[i].At < res.Events[i-1].At {
			t.Errorf("event %d at %v comes before event %d at %v", i, res.Events[i].At, i-1, res.Events[i-1].At)
		}
	}
}

func equalKinds(a, b []probe.Kind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFirstMessageIsTimed(t *testing.T) {
	noLeaks(t)
	// A server that greets every client, as chat servers do.
	hello := []byte("hello from the server, a greeting longer than the sixty-four bytes that the timeline quotes")
	addr := greeter(t, hello)
	o := quick("ws://" + addr + "/")
	o.FirstMessage = 5 * time.Second
	o.Pings = -1
	res, text := run(t, o)
	if res.FirstMessage == nil || *res.FirstMessage > probe.Duration(time.Second) {
		t.Fatalf("first message %v", res.FirstMessage)
	}
	wantLines(t, text, "first message ", " after open: text, "+strconv.Itoa(len(hello))+" bytes", `"hello from the server`, `" ...`,
		"ended: ", "received 1 message and 1 ping from the server")
	if !strings.Contains(text, "server ping 1; pong sent") || res.End.Messages != 1 || res.End.ServerPings != 1 {
		t.Errorf("the server's ping: end %+v", res.End)
	}
	if res.Pings != nil || strings.Contains(text, "pong in") {
		t.Error("Pings -1 still pinged")
	}
}

var upgrader = websocket.Upgrader{}

// greeter serves one WebSocket endpoint that sends msg on connect and
// then reads until the client leaves.
func greeter(t *testing.T, msg []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		// The ping first: the probe closes right after the first message,
		// and a ping behind it could find the close already sent.
		c.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second))
		c.WriteMessage(1, msg)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

func TestHostNamesAreResolved(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	_, port, _ := net.SplitHostPort(srv.Addr())
	o := quick("ws://probe.test:" + port + "/echo")
	o.Pings = -1
	o.LookupIP = func(_ context.Context, host string) ([]net.IP, error) {
		if host != "probe.test" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []net.IP{net.ParseIP("127.0.0.1")}, nil
	}
	res, text := run(t, o)
	if !res.Opened || len(res.Addresses) != 1 || res.Addresses[0] != "127.0.0.1" {
		t.Fatalf("opened %v, addresses %v", res.Opened, res.Addresses)
	}
	wantLines(t, text, "DNS probe.test answered in ", ": 127.0.0.1", "TCP connected to 127.0.0.1:"+port, "Host: probe.test:"+port)

	o.URL = "ws://nowhere.test:" + port + "/echo"
	res, text = run(t, o)
	if res.Opened || res.Failure == nil || res.Failure.Stage != probe.StageDNS {
		t.Fatalf("failure %+v", res.Failure)
	}
	wantLines(t, text, "not opened: ", "the host name nowhere.test does not resolve: no such host", "fix: check the spelling", "NOT OPENED (dns)")
}

func TestNothingListens(t *testing.T) {
	noLeaks(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res, text := run(t, quick("ws://"+addr+"/"))
	if res.Opened || res.Failure.Stage != probe.StageTCP || res.End != nil {
		t.Fatalf("failure %+v, end %+v", res.Failure, res.End)
	}
	wantLines(t, text, "TCP connect to "+addr+" failed after ", "connection refused", "TCP connection refused: nothing listens on port")
}

func TestRefusedUpgrade(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	for _, tt := range []struct {
		status int
		hint   string
	}{
		{401, "check the token or Authorization header"},
		{429, "rate limited: too many connects; slow the ramp or honour Retry-After (Retry-After: the server asks to wait 1s)"},
		{503, "backend down, overloaded or draining (Retry-After: the server asks to wait 1s)"},
	} {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv.RefuseFor(tt.status, time.Minute)
			defer srv.RefuseFor(0, 0)
			res, text := run(t, quick(srv.URL("/echo")))
			f := res.Failure
			if res.Opened || f == nil || f.Stage != probe.StageRefused || f.Status != tt.status || res.Status != tt.status {
				t.Fatalf("opened %v, status %d, failure %+v", res.Opened, res.Status, f)
			}
			if !strings.Contains(f.Body, "upgrade refused with "+strconv.Itoa(tt.status)) || f.Reason != tt.hint {
				t.Errorf("body %q, reason %q (want %q)", f.Body, f.Reason, tt.hint)
			}
			if tt.status != 401 && f.Header["Retry-After"] != "1" {
				t.Errorf("headers %v", f.Header)
			}
			wantLines(t, text,
				"HTTP/1.1 "+strconv.Itoa(tt.status)+" "+http.StatusText(tt.status),
				"upgrade refused: "+strconv.Itoa(tt.status)+" "+http.StatusText(tt.status),
				"body (first 512 bytes):", "  wsbench test server: upgrade refused with",
				"usually: "+tt.hint,
				"NOT OPENED (refused)")
		})
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwcm9iZSJ9.c2lnbmF0dXJlLXNlY3JldA"
	jwt2 := "eyJ0eXAiOiJKV1QifQ.eyJ1c2VyIjoiYm9iIn0.b3RoZXItc2VjcmV0"
	secrets := []string{"tok-secret-1", jwt, "sekrit-2", "ck-secret-3", "key-secret-4", jwt2}
	o := quick(srv.URL("/echo") + "?access_token=tok-secret-1&q=" + jwt + "&room=lobby")
	o.Header = http.Header{
		"Authorization": {"Bearer sekrit-2"},
		"Cookie":        {"session=ck-secret-3; theme=dark"},
		"X-Api-Key":     {"key-secret-4"},
		"X-Client":      {"probe-test"},
	}
	o.Subprotocols = []string{jwt2} // some servers take the token as a subprotocol
	o.Pings = -1

	var jsonLines strings.Builder
	o.OnEvent = func(e probe.Event) { probe.WriteEventJSON(&jsonLines, e) }
	res, text := run(t, o)
	if !res.Opened {
		t.Fatalf("not opened: %+v", res.Failure)
	}
	probe.WriteResultJSON(&jsonLines, res)
	for _, s := range secrets {
		if strings.Contains(text, s) || strings.Contains(jsonLines.String(), s) {
			t.Errorf("the output shows the secret %q", s)
		}
	}
	wantLines(t, text,
		"GET /echo?access_token=xxxxx&q=xxxxx&room=lobby HTTP/1.1",
		"Authorization: Bearer xxxxx",
		"Cookie: session=xxxxx; theme=xxxxx",
		"Sec-WebSocket-Protocol: xxxxx",
		"X-Api-Key: xxxxx",
		"X-Client: probe-test",
		"Sec-WebSocket-Protocol: xxxxx", // the server's answer
		"subprotocol xxxxx")
	if !strings.Contains(res.URL, "access_token=xxxxx") || !strings.Contains(res.URL, "room=lobby") {
		t.Errorf("URL %q", res.URL)
	}
}

func TestJSONLines(t *testing.T) {
	noLeaks(t)
	srv := servertest.Start(t, testserver.Config{})
	o := quick(srv.URL("/json"))
	var b strings.Builder
	o.OnEvent = func(e probe.Event) { probe.WriteEventJSON(&b, e) }
	res, _ := run(t, o)
	if err := probe.WriteResultJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	var events int
	var last map[string]any
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %s: %v", sc.Text(), err)
		}
		switch line["type"] {
		case "event":
			events++
			if _, ok := line["t_ms"].(float64); !ok || line["kind"] == "" || line["text"] == "" {
				t.Errorf("event line %s", sc.Text())
			}
		case "result":
			last = line
		default:
			t.Errorf("line of type %v: %s", line["type"], sc.Text())
		}
	}
	if events != len(res.Events) || last == nil {
		t.Fatalf("%d event lines for %d events; result %v", events, len(res.Events), last)
	}
	if last["schema_version"] != 1.0 || last["opened"] != true || last["first_message_ms"] != nil {
		t.Errorf("result line %v", last)
	}
	timings := last["timings"].(map[string]any)
	if open, _ := timings["open_ms"].(float64); open <= 0 {
		t.Errorf("timings %v", timings)
	}
	// The result decodes back into a Result.
	var back probe.Result
	if err := json.Unmarshal([]byte(lastLine(b.String())), &back); err != nil {
		t.Fatal(err)
	}
	if back.Timings.Open != res.Timings.Open || back.End.How != res.End.How || len(back.Pings) != 2 || *back.Pings[0].RTT != *res.Pings[0].RTT {
		t.Errorf("decoded %+v\nfrom %+v", back, res)
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func TestInvalidOptions(t *testing.T) {
	for _, tt := range []struct {
		o    probe.Options
		want string
	}{
		{probe.Options{}, "no URL"},
		{probe.Options{URL: "http://x/"}, "add --socketio"},
		{probe.Options{URL: "ftp://x/"}, "starts with ws:// or wss://"},
		{probe.Options{URL: "ftp://x/", SocketIO: true}, "http://, https://, ws:// or wss://"},
		{probe.Options{URL: "ws://u:pw@x/"}, "user:password"},
		{probe.Options{URL: "ws://x/", Auth: json.RawMessage(`{"a":1}`)}, "needs SocketIO"},
		{probe.Options{URL: "ws://x/", SocketIO: true, Auth: json.RawMessage(`[1]`)}, "a JSON object"},
		{probe.Options{URL: "ws://x/", Hold: -time.Second}, "must not be negative"},
	} {
		_, err := probe.Run(context.Background(), tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.o, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	if err := (probe.Options{URL: "wss://x:8443/ws"}).Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
}
