package testserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestEchoTextAndBinary(t *testing.T) {
	s := startServer(t, Config{})
	for _, path := range []string{"/", "/echo"} {
		c := dial(t, s.URL(path))
		msgs := []struct {
			typ  int
			data []byte
		}{
			{websocket.TextMessage, []byte("hello")},
			{websocket.BinaryMessage, []byte{0, 1, 2, 0xff}},
			{websocket.TextMessage, []byte(strings.Repeat("x", 70_000))}, // bigger than the kept buffer
			{websocket.TextMessage, []byte("")},
		}
		for _, m := range msgs {
			if err := c.WriteMessage(m.typ, m.data); err != nil {
				t.Fatal(err)
			}
			typ, got, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("%s: read: %v", path, err)
			}
			if typ != m.typ || !bytes.Equal(got, m.data) {
				t.Fatalf("%s: echo = type %d, %d bytes; want type %d, %d bytes", path, typ, len(got), m.typ, len(m.data))
			}
		}
	}
	st := s.Stats()
	if st.Accepted != 2 || st.MessagesIn != 8 || st.MessagesOut != 8 || st.BytesIn != st.BytesOut || st.BytesIn == 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestJSONKeepsIDs(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s.URL("/json"))
	cases := []struct {
		name, in, wantID string // wantID "" means an error reply
	}{
		{"string id", `{"id":"abc-1","x":1}`, `"abc-1"`},
		{"escaped string id", `{"id":"a\u0062\"c"}`, `"a\u0062\"c"`},
		{"integer id", `{"id":42}`, `42`},
		{"id beyond int64", `{"id":12345678901234567890123}`, `12345678901234567890123`},
		{"float id as written", `{"x":[1,2], "id" : 1.50e0}`, `1.50e0`},
		{"leading space", "  \n{\"id\":7}", `7`},
		{"not JSON", `hello`, ``},
		{"array", `[{"id":1}]`, ``},
		{"invalid object", `{"id":1`, ``},
		{"no id", `{"x":1}`, ``},
		{"null id", `{"id":null}`, ``},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now().UnixMilli()
			writeText(t, c, tc.in)
			got := readText(t, c)
			var reply map[string]json.RawMessage
			if err := json.Unmarshal([]byte(got), &reply); err != nil {
				t.Fatalf("reply %s is not JSON: %v", got, err)
			}
			if tc.wantID == "" {
				if string(reply["type"]) != `"error"` || len(reply["error"]) == 0 {
					t.Fatalf("reply = %s, want an error reply", got)
				}
				return
			}
			if string(reply["id"]) != tc.wantID {
				t.Fatalf("id = %s, want %s byte for byte (reply %s)", reply["id"], tc.wantID, got)
			}
			if string(reply["type"]) != `"reply"` {
				t.Fatalf("type = %s, want \"reply\"", reply["type"])
			}
			var ts, size int64
			json.Unmarshal(reply["ts"], &ts)
			json.Unmarshal(reply["size"], &size)
			if ts < before || ts > time.Now().UnixMilli() {
				t.Fatalf("ts = %d, not the server's current unix ms", ts)
			}
			if size != int64(len(tc.in)) {
				t.Fatalf("size = %d, want %d", size, len(tc.in))
			}
		})
	}
}

func TestBroadcastReachesAll(t *testing.T) {
	s := startServer(t, Config{})
	var conns []*websocket.Conn
	for range 3 {
		conns = append(conns, dial(t, s.URL("/broadcast")))
	}
	other := dial(t, s.URL("/echo"))
	// Open counts a connection at the upgrade; it joins /broadcast a moment
	// later, so wait for the listeners themselves.
	eventually(t, "3 broadcast listeners", func() bool { return listeners(s) == 3 })

	writeText(t, conns[1], "to everyone")
	for i, c := range conns {
		if got := readText(t, c); got != "to everyone" {
			t.Fatalf("conn %d got %q", i, got)
		}
	}
	// The /echo connection is not on /broadcast: its next message is its own echo.
	writeText(t, other, "mine")
	if got := readText(t, other); got != "mine" {
		t.Fatalf("echo connection got %q, want only its own echo", got)
	}
	// With one listener left, the plain (unprepared) path is used.
	conns[0].Close()
	conns[2].Close()
	eventually(t, "one broadcast listener", func() bool { return listeners(s) == 1 })
	if err := conns[1].WriteMessage(websocket.BinaryMessage, []byte{9}); err != nil {
		t.Fatal(err)
	}
	if typ, got, err := conns[1].ReadMessage(); err != nil || typ != websocket.BinaryMessage || !bytes.Equal(got, []byte{9}) {
		t.Fatalf("alone on /broadcast: got %d %v %v", typ, got, err)
	}
}

func TestStatsEndpoint(t *testing.T) {
	s := startServer(t, Config{})
	c := dial(t, s.URL("/echo"))
	writeText(t, c, `{"client":"a","seq":1}`)
	readText(t, c)

	resp, body := httpGet(t, "http://"+s.Addr()+"/stats")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /stats: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	for _, key := range []string{`"accepted":1`, `"open":1`, `"messages_in":1`, `"messages_out":1`, `"pings_answered":0`, `"fault_closes":0`, `"restarts":0`} {
		if !strings.Contains(body, key) {
			t.Errorf("/stats body lacks %s: %s", key, body)
		}
	}
	var st Stats
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if want := (SeqStats{Received: 1, InOrder: 1, Last: 1}); st.Clients["a"] != want {
		t.Fatalf("clients[a] = %+v, want %+v", st.Clients["a"], want)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	s := startServer(t, Config{})
	resp, body := httpGet(t, "http://"+s.Addr()+"/nope")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %s, want 404", resp.Status)
	}
	for _, p := range []string{"/echo", "/json", "/broadcast", "/stats"} {
		if !strings.Contains(body, p) {
			t.Errorf("404 body does not name %s: %q", p, body)
		}
	}
	if _, resp, err := testDialer.Dial(s.URL("/nope"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("dial /nope: err %v, response %s; want a 404", err, status(resp))
	}
}

func TestSubprotocolFirstOffered(t *testing.T) {
	s := startServer(t, Config{})
	d := testDialer
	d.Subprotocols = []string{"chat.v2", "chat.v1"}
	c, _, err := d.Dial(s.URL("/echo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Subprotocol(); got != "chat.v2" {
		t.Fatalf("subprotocol = %q, want the first offered, chat.v2", got)
	}
	if got := dial(t, s.URL("/echo")).Subprotocol(); got != "" {
		t.Fatalf("subprotocol = %q with none offered", got)
	}
}

func TestCompressionNegotiated(t *testing.T) {
	s := startServer(t, Config{})
	d := testDialer
	d.EnableCompression = true
	c, resp, err := d.Dial(s.URL("/echo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("extensions = %q, want permessage-deflate", ext)
	}
	msg := strings.Repeat("compress me ", 1000)
	writeText(t, c, msg)
	if got := readText(t, c); got != msg {
		t.Fatalf("compressed echo differs: %d bytes", len(got))
	}
}

func TestHandlerOverTLS(t *testing.T) {
	s := New(Config{})
	ts := httptest.NewTLSServer(s.Handler())
	defer ts.Close()
	defer s.Close() // before ts.Close, which does not close hijacked connections

	d := testDialer
	d.TLSClientConfig = ts.Client().Transport.(*http.Transport).TLSClientConfig
	c, _, err := d.Dial("wss"+strings.TrimPrefix(ts.URL, "https")+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(testTimeout))
	writeText(t, c, "over tls")
	if got := readText(t, c); got != "over tls" {
		t.Fatalf("got %q", got)
	}
	if st := s.Stats(); st.Open != 1 || st.Accepted != 1 {
		t.Fatalf("stats = %+v, want the TLS connection tracked", st)
	}
	if err := s.Restart(0); err == nil {
		t.Fatal("Restart of a Handler-only server succeeded")
	}
	s.Close()
	if _, _, err := c.ReadMessage(); err == nil {
		t.Fatal("connection still open after Close")
	}
}

func TestMaxMessageSize(t *testing.T) {
	s := startServer(t, Config{MaxMessageSize: 16})
	c := dial(t, s.URL("/echo"))
	writeText(t, c, "0123456789abcdef") // at the limit
	if got := readText(t, c); got != "0123456789abcdef" {
		t.Fatalf("got %q", got)
	}
	writeText(t, c, "0123456789abcdefX")
	wantCloseCode(t, readErr(t, c), websocket.CloseMessageTooBig, "")
}

// listeners counts the connections registered on /broadcast.
func listeners(s *Server) int {
	s.bmu.RLock()
	defer s.bmu.RUnlock()
	return len(s.bcast)
}

// TestClientThatStopsReadingIsDropped: replies to a client that never
// reads pile up until a write times out; the server then drops that
// client instead of blocking.
func TestClientThatStopsReadingIsDropped(t *testing.T) {
	s := startServer(t, Config{WriteTimeout: 200 * time.Millisecond})
	c := dial(t, s.URL("/echo"))
	big := make([]byte, 1<<20)
	go func() { // keep sending, never read; stops once the server gives up
		for range 64 {
			c.SetWriteDeadline(time.Now().Add(3 * time.Second))
			if c.WriteMessage(websocket.BinaryMessage, big) != nil {
				return
			}
		}
	}()
	eventually(t, "the non-reading client dropped", func() bool { return s.Stats().Open == 0 })
}
