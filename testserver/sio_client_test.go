package testserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A minimal raw Engine.IO / Socket.IO client for the tests: packets are
// written and checked as strings, so that a test shows the wire.

// sioOpen is the handshake as a client reads it.
type sioOpen struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

func parseOpen(t *testing.T, pkt string) sioOpen {
	t.Helper()
	var o sioOpen
	if !strings.HasPrefix(pkt, "0") || json.Unmarshal([]byte(pkt[1:]), &o) != nil || o.SID == "" {
		t.Fatalf("open packet = %q", pkt)
	}
	return o
}

// startSIO starts a Server with the Socket.IO server on, closed at
// cleanup.
func startSIO(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.SocketIO.Enabled = true
	return startServer(t, cfg)
}

// sioWS is a WebSocket Engine.IO client.
type sioWS struct {
	t      *testing.T
	c      *websocket.Conn
	open   sioOpen
	noPong bool // leave pings unanswered
}

// dialSIO opens a WebSocket session; query is appended to the URL.
func dialSIO(t *testing.T, s *Server, query string) *sioWS {
	t.Helper()
	c := dial(t, s.URL("/socket.io/")+"?EIO=4&transport=websocket"+query)
	w := &sioWS{t: t, c: c}
	w.open = parseOpen(t, w.read())
	return w
}

// rawDial dials a WebSocket without reading anything.
func rawDial(t *testing.T, url string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	c, resp, err := testDialer.Dial(url, nil)
	if err == nil {
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(testTimeout))
	}
	return c, resp, err
}

func (w *sioWS) send(pkt string) {
	w.t.Helper()
	writeText(w.t, w.c, pkt)
}

func (w *sioWS) sendBinary(b []byte) {
	w.t.Helper()
	if err := w.c.WriteMessage(websocket.BinaryMessage, b); err != nil {
		w.t.Fatalf("write binary: %v", err)
	}
}

// next reads the next message, answering pings unless noPong.
func (w *sioWS) next() (int, []byte) {
	w.t.Helper()
	for {
		typ, msg, err := w.c.ReadMessage()
		if err != nil {
			w.t.Fatalf("read: %v", err)
		}
		if typ == websocket.TextMessage && string(msg) == "2" && !w.noPong {
			w.send("3")
			continue
		}
		return typ, msg
	}
}

// read reads the next text packet.
func (w *sioWS) read() string {
	w.t.Helper()
	typ, msg := w.next()
	if typ != websocket.TextMessage {
		w.t.Fatalf("got binary %v, want a text packet", msg)
	}
	return string(msg)
}

func (w *sioWS) readBinary() []byte {
	w.t.Helper()
	typ, msg := w.next()
	if typ != websocket.BinaryMessage {
		w.t.Fatalf("got %q, want a binary message", msg)
	}
	return msg
}

func (w *sioWS) expect(want string) {
	w.t.Helper()
	if got := w.read(); got != want {
		w.t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// connect connects namespace nsp ("/" or "/chat") with the CONNECT
// payload auth ("" for none) and returns the socket id, after checking
// the CONNECT ack and the welcome.
func (w *sioWS) connect(nsp, auth string) string {
	w.t.Helper()
	w.send(connectReq(nsp, auth))
	return checkConnected(w.t, w.read(), w.read(), nsp)
}

// connectReq is a CONNECT packet.
func connectReq(nsp, auth string) string {
	if nsp == "/" {
		return "40" + auth
	}
	return "40" + nsp + "," + auth
}

// checkConnected checks a CONNECT ack and welcome and returns the id.
func checkConnected(t *testing.T, ack, welcome, nsp string) string {
	t.Helper()
	prefix := "40"
	if nsp != "/" {
		prefix += nsp + ","
	}
	var v struct {
		SID string `json:"sid"`
	}
	if !strings.HasPrefix(ack, prefix) || json.Unmarshal([]byte(ack[len(prefix):]), &v) != nil || len(v.SID) != 20 {
		t.Fatalf("CONNECT ack = %q", ack)
	}
	if !strings.HasPrefix(welcome, strings.Replace(prefix, "40", "42", 1)+`["welcome",{"id":"`+v.SID+`"`) {
		t.Fatalf("welcome = %q", welcome)
	}
	return v.SID
}

// readErr reads until the session's connection fails.
func (w *sioWS) readErr() error {
	w.t.Helper()
	w.noPong = true
	return readErr(w.t, w.c)
}

// sioPoll is a long-polling Engine.IO client. Each request has its own
// TCP connection, so that nothing lingers after the test.
type sioPoll struct {
	t    *testing.T
	base string
	sid  string
	open sioOpen
	hc   *http.Client
}

func newPollClient(t *testing.T) *http.Client {
	return &http.Client{Timeout: testTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

// openPolling opens a polling session.
func openPolling(t *testing.T, s *Server) *sioPoll {
	t.Helper()
	p := &sioPoll{t: t, base: "http://" + s.Addr() + "/socket.io/?EIO=4&transport=polling", hc: newPollClient(t)}
	status, body := p.do(http.MethodGet, p.base, "")
	if status != http.StatusOK {
		t.Fatalf("polling handshake: %d %q", status, body)
	}
	p.open = parseOpen(t, body)
	p.sid = p.open.SID
	return p
}

func (p *sioPoll) url() string { return p.base + "&sid=" + p.sid }

func (p *sioPoll) do(method, url, body string) (int, string) {
	p.t.Helper()
	status, b, err := p.try(method, url, body)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, url, err)
	}
	return status, b
}

func (p *sioPoll) try(method, url, body string) (int, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// get polls once.
func (p *sioPoll) get() (int, string) {
	p.t.Helper()
	return p.do(http.MethodGet, p.url(), "")
}

// post sends a payload and expects "ok".
func (p *sioPoll) post(payload string) {
	p.t.Helper()
	if status, body := p.do(http.MethodPost, p.url(), payload); status != http.StatusOK || body != "ok" {
		p.t.Fatalf("POST %q: %d %q", payload, status, body)
	}
}

// expect polls and checks the payload.
func (p *sioPoll) expect(want string) {
	p.t.Helper()
	status, body := p.get()
	if status != http.StatusOK || body != want {
		p.t.Fatalf("GET = %d %q\nwant 200 %q", status, body, want)
	}
}

// pollResult is the outcome of a GET run in the background.
type pollResult struct {
	status int
	body   string
	err    error
}

// getAsync polls in the background; the test must wait for the result.
func (p *sioPoll) getAsync() <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		status, body, err := p.try(http.MethodGet, p.url(), "")
		ch <- pollResult{status, body, err}
	}()
	return ch
}

func waitPoll(t *testing.T, ch <-chan pollResult) pollResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(testTimeout):
		t.Fatal("GET still waiting")
		return pollResult{}
	}
}

// waitingGET waits until the server holds a GET for sid.
func waitingGET(t *testing.T, s *Server, sid string) {
	t.Helper()
	eventually(t, "a GET waiting for "+sid, func() bool {
		e := s.sio.lookup(sid)
		if e == nil {
			return false
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.getWake != nil
	})
}

// sioStats returns the server's Socket.IO counters.
func sioStats(s *Server) *SocketIOStats { return s.Stats().SocketIO }

// mustJSON fails unless got and want are equal JSON values.
func mustJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("not JSON: %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("got  %s\nwant %s", gb, wb)
	}
}

// isClose reports whether err is a close frame.
func isClose(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure
}
