package socketio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeServer is a small Engine.IO v4 / Socket.IO v5 server for protocol
// tests: WebSocket, long-polling and the upgrade between them, namespace
// connects with an auth check on /admin, an "echo" event that acks its
// arguments (binary ones too) and a "kick" event. Tests drive the rest
// through the sessions it hands out: raw packets, pings, closes.
type fakeServer struct {
	t  testing.TB
	o  fakeOptions
	hs *httptest.Server
	up websocket.Upgrader
	wg sync.WaitGroup // pingers and WebSocket writers

	mu       sync.Mutex
	closed   bool // no goroutine starts once set (track)
	sessions map[string]*fakeSession
	seq      int
	newSess  chan *fakeSession
	pids     map[string]bool // private session ids given out (recovery)
}

type fakeOptions struct {
	// pingInterval and pingTimeout are announced in the handshake; the
	// server pings only when ping is set.
	pingInterval, pingTimeout time.Duration
	ping                      bool
	upgrades                  bool          // offer "websocket" on polling handshakes
	refuse                    int           // answer every handshake with this status
	refuseWS                  int           // answer WebSocket requests with this status
	noProbeReply              bool          // never answer the upgrade probe
	noAck                     bool          // never acknowledge a namespace CONNECT
	welcome                   bool          // emit "welcome" with each CONNECT ack
	tls                       bool          // serve https
	postDelay                 time.Duration // answer POSTs this late, after handling them
	noPingTimeout             bool          // keep pinging a client that does not answer
	// recovery gives every CONNECT acknowledgement a pid, as Node with
	// connectionStateRecovery on. A CONNECT carrying a pid the server
	// gave out and an offset is resumed: the server sends an event
	// "replayed" with offset "r-"+pid first, then acknowledges with the
	// same pid.
	recovery bool
}

// frame is one Engine.IO packet: text with its type byte, or binary.
type frame struct {
	bin  bool
	raw  bool // polling only: copy into the payload as is
	data []byte
}

// received is a Socket.IO packet the server got, with its attachments.
type received struct {
	pkt  string
	atts [][]byte
}

type fakeSession struct {
	srv *fakeServer
	sid string

	mu     sync.Mutex
	queue  []frame
	ws     *websocket.Conn // set once the session is on WebSocket
	binPkt []byte          // binary packet waiting for attachments
	binN   int
	binAtt [][]byte

	notify  chan struct{} // queue not empty
	closed  chan struct{}
	once    sync.Once
	reason  string
	pongs   atomic.Int32
	pings   atomic.Int32 // pings sent
	gets    atomic.Int32 // long-polls received
	readErr error        // why the server's WebSocket read ended, under mu
	got     chan received
	engine  chan string // Engine.IO packets other than messages and pongs
	upgrade chan struct{}
}

func newFakeServer(t testing.TB, o fakeOptions) *fakeServer {
	if o.pingInterval == 0 {
		o.pingInterval = 10 * time.Second
	}
	if o.pingTimeout == 0 {
		o.pingTimeout = 10 * time.Second
	}
	s := &fakeServer{t: t, o: o, sessions: map[string]*fakeSession{}, newSess: make(chan *fakeSession, 64), pids: map[string]bool{}}
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(s.serve)) // 127.0.0.1:0
	if o.tls {
		s.hs.StartTLS()
	} else {
		s.hs.Start()
	}
	t.Cleanup(s.close)
	return s
}

func (s *fakeServer) URL() string { return s.hs.URL }

// track counts a goroutine close waits for, unless close has begun: a
// hijacked handler can outlive httptest's Close, and a WaitGroup.Add
// racing Wait is a data race.
func (s *fakeServer) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *fakeServer) close() {
	s.mu.Lock()
	s.closed = true
	var all []*fakeSession
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.end("server close")
	}
	s.hs.Close()
	s.wg.Wait()
}

// session returns the next session opened, failing after a second.
func (s *fakeServer) session(t testing.TB) *fakeSession {
	t.Helper()
	select {
	case ss := <-s.newSess:
		return ss
	case <-time.After(5 * time.Second):
		t.Fatal("no session opened")
		return nil
	}
}

func (s *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != "/socket.io/" || q.Get("EIO") != "4" {
		http.Error(w, "bad engine.io request", http.StatusBadRequest)
		return
	}
	if s.o.refuse != 0 {
		http.Error(w, "refused by test", s.o.refuse)
		return
	}
	sid := q.Get("sid")
	switch q.Get("transport") {
	case TransportWebSocket:
		if s.o.refuseWS != 0 {
			http.Error(w, "websocket refused by test", s.o.refuseWS)
			return
		}
		s.serveWS(w, r, sid)
	case TransportPolling:
		s.servePolling(w, r, sid)
	default:
		http.Error(w, "unknown transport", http.StatusBadRequest)
	}
}

func (s *fakeServer) open(transportName string) (*fakeSession, []byte) {
	s.mu.Lock()
	s.seq++
	ss := &fakeSession{srv: s, sid: "sid" + strconv.Itoa(s.seq), notify: make(chan struct{}, 1),
		closed: make(chan struct{}), got: make(chan received, 1024), engine: make(chan string, 64), upgrade: make(chan struct{})}
	s.sessions[ss.sid] = ss
	s.mu.Unlock()
	upgrades := "[]"
	if s.o.upgrades && transportName == TransportPolling {
		upgrades = `["websocket"]`
	}
	open := fmt.Sprintf(`0{"sid":%q,"upgrades":%s,"pingInterval":%d,"pingTimeout":%d,"maxPayload":1000000}`,
		ss.sid, upgrades, s.o.pingInterval.Milliseconds(), s.o.pingTimeout.Milliseconds())
	if s.o.ping && s.track() {
		go ss.pinger()
	}
	s.newSess <- ss
	return ss, []byte(open)
}

func (s *fakeServer) lookup(sid string) *fakeSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sid]
}

func (s *fakeServer) serveWS(w http.ResponseWriter, r *http.Request, sid string) {
	var ss *fakeSession
	if sid != "" {
		if ss = s.lookup(sid); ss == nil {
			http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
			return
		}
	}
	c, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	if ss == nil {
		var open []byte
		ss, open = s.open(TransportWebSocket)
		if c.WriteMessage(websocket.TextMessage, open) != nil {
			return
		}
		ss.startWS(c)
	} else if !ss.probe(c) {
		return
	}
	for {
		t, data, err := c.ReadMessage()
		if err != nil {
			ss.mu.Lock()
			ss.readErr = err
			ss.mu.Unlock()
			ss.end("transport close")
			return
		}
		ss.handle(frame{bin: t == websocket.BinaryMessage, data: data})
	}
}

// probe runs the server side of an upgrade on c; it reports whether the
// session now uses c.
func (ss *fakeSession) probe(c *websocket.Conn) bool {
	_, data, err := c.ReadMessage()
	if err != nil || string(data) != "2probe" {
		return false
	}
	if ss.srv.o.noProbeReply {
		_, _, _ = c.ReadMessage() // until the client gives up
		return false
	}
	if c.WriteMessage(websocket.TextMessage, []byte("3probe")) != nil {
		return false
	}
	if _, data, err = c.ReadMessage(); err != nil || string(data) != "5" {
		return false
	}
	ss.startWS(c)
	close(ss.upgrade)
	return true
}

func (ss *fakeSession) startWS(c *websocket.Conn) {
	ss.mu.Lock()
	ss.ws = c
	ss.mu.Unlock()
	if !ss.srv.track() {
		c.Close() // the test is over; a handler still upgrading must not race close's Wait
		return
	}
	go ss.wsWriter(c)
	ss.signal()
}

func (ss *fakeSession) wsWriter(c *websocket.Conn) {
	defer ss.srv.wg.Done()
	for {
		select {
		case <-ss.notify:
		case <-ss.closed:
			return
		}
		for _, f := range ss.take() {
			t := websocket.TextMessage
			if f.bin {
				t = websocket.BinaryMessage
			}
			if c.WriteMessage(t, f.data) != nil {
				ss.end("transport error")
				return
			}
		}
	}
}

func (s *fakeServer) servePolling(w http.ResponseWriter, r *http.Request, sid string) {
	if sid == "" {
		if r.Method != http.MethodGet {
			http.Error(w, "handshake must be a GET", http.StatusBadRequest)
			return
		}
		_, open := s.open(TransportPolling)
		_, _ = w.Write(open)
		return
	}
	ss := s.lookup(sid)
	if ss == nil {
		http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodPost:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		for _, p := range bytes.Split(body, []byte{RecordSeparator}) {
			if len(p) > 0 && p[0] == 'b' {
				dec := make([]byte, len(p))
				n, _ := base64.StdEncoding.Decode(dec, p[1:])
				ss.handle(frame{bin: true, data: dec[:n]})
				continue
			}
			ss.handle(frame{data: p})
		}
		time.Sleep(s.o.postDelay)
		_, _ = w.Write([]byte("ok"))
	case http.MethodGet:
		ss.gets.Add(1)
		select {
		case <-ss.notify:
		case <-ss.closed:
			// As Node: a noop when the client closed, else a close packet.
			ss.mu.Lock()
			reason := ss.reason
			ss.mu.Unlock()
			if reason == "client close" {
				_, _ = w.Write([]byte("6"))
			} else {
				_, _ = w.Write([]byte("1"))
			}
			return
		case <-r.Context().Done():
			return
		}
		var payload []byte
		for i, f := range ss.take() {
			if i > 0 {
				payload = append(payload, RecordSeparator)
			}
			switch {
			case f.raw:
				payload = append(payload, f.data...)
			case f.bin:
				payload = AppendPayloadBinary(payload, f.data)
			default:
				payload = append(payload, f.data...)
			}
		}
		if len(payload) == 0 {
			payload = []byte("6")
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		_, _ = w.Write(payload)
	}
}

// send queues packets for the client, to go out together.
func (ss *fakeSession) send(fs ...frame) {
	ss.mu.Lock()
	ss.queue = append(ss.queue, fs...)
	ss.mu.Unlock()
	ss.signal()
}

// text queues text packets, each with its Engine.IO type byte.
func (ss *fakeSession) text(pkts ...string) {
	fs := make([]frame, len(pkts))
	for i, p := range pkts {
		fs[i] = frame{data: []byte(p)}
	}
	ss.send(fs...)
}

func (ss *fakeSession) signal() {
	select {
	case ss.notify <- struct{}{}:
	default:
	}
}

func (ss *fakeSession) take() []frame {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	q := ss.queue
	ss.queue = nil
	return q
}

// end closes the session: its WebSocket, or its next long-poll answer
// becomes a close packet.
func (ss *fakeSession) end(reason string) {
	ss.once.Do(func() {
		ss.mu.Lock()
		ss.reason = reason
		ws := ss.ws
		ss.mu.Unlock()
		close(ss.closed)
		ss.srv.mu.Lock()
		delete(ss.srv.sessions, ss.sid)
		ss.srv.mu.Unlock()
		if ws != nil {
			_ = ws.Close()
		}
	})
}

// closeReason waits for the session to end and says why.
func (ss *fakeSession) closeReason(t testing.TB) string {
	t.Helper()
	select {
	case <-ss.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("session did not end")
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.reason
}

// next returns the next Socket.IO packet the server got.
func (ss *fakeSession) next(t testing.TB) received {
	t.Helper()
	select {
	case r := <-ss.got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("server got no packet")
		return received{}
	}
}

func (ss *fakeSession) pinger() {
	defer ss.srv.wg.Done()
	tick := time.NewTicker(ss.srv.o.pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ss.closed:
			return
		}
		before := ss.pongs.Load()
		ss.text("2")
		ss.pings.Add(1)
		if ss.srv.o.noPingTimeout {
			continue
		}
		select {
		case <-time.After(ss.srv.o.pingTimeout):
			if ss.pongs.Load() == before {
				ss.end("ping timeout")
				return
			}
		case <-ss.closed:
			return
		}
	}
}

// handle is the server's reaction to one packet from the client.
func (ss *fakeSession) handle(f frame) {
	if f.bin {
		ss.mu.Lock()
		ss.binAtt = append(ss.binAtt, f.data)
		done := ss.binPkt != nil && len(ss.binAtt) == ss.binN
		pkt, atts := ss.binPkt, ss.binAtt
		if done {
			ss.binPkt, ss.binAtt = nil, nil
		}
		ss.mu.Unlock()
		if done {
			ss.onPacket(pkt, atts)
		}
		return
	}
	if len(f.data) == 0 {
		return
	}
	switch f.data[0] {
	case EnginePong:
		ss.pongs.Add(1)
	case EngineMessage:
		pkt := f.data[1:]
		p, err := Parse(pkt)
		if err != nil {
			ss.end("parse error")
			return
		}
		if p.Type == BinaryEvent || p.Type == BinaryAck {
			ss.mu.Lock()
			ss.binPkt, ss.binN, ss.binAtt = bytes.Clone(pkt), p.Attachments, nil
			ss.mu.Unlock()
			return
		}
		ss.onPacket(bytes.Clone(pkt), nil)
	case EngineClose:
		ss.engine <- "1"
		ss.end("client close")
	default:
		ss.engine <- string(f.data)
	}
}

// onPacket handles a complete Socket.IO packet.
func (ss *fakeSession) onPacket(pkt []byte, atts [][]byte) {
	ss.got <- received{pkt: string(pkt), atts: atts}
	p, _ := Parse(pkt)
	nsp := p.NamespaceName()
	switch p.Type {
	case Connect:
		if ss.srv.o.noAck {
			return
		}
		if nsp == "/admin" {
			var auth struct{ Token string }
			if json.Unmarshal(p.Data, &auth) != nil || auth.Token != "secret" {
				ss.text("4" + string(AppendHeader(nil, ConnectErrorPacket, 0, nsp, -1)) + `{"message":"not authorized","data":{"code":401}}`)
				return
			}
		}
		var out []string
		ack := `{"sid":"sock-` + nsp + `"}`
		if ss.srv.o.recovery {
			pid, resumed := ss.srv.resume(p.Data)
			if resumed {
				out = append(out, "4"+string(AppendHeader(nil, Event, 0, nsp, -1))+`["replayed","r-`+pid+`"]`)
			}
			ack = `{"sid":"sock-` + nsp + `","pid":"` + pid + `"}`
		}
		out = append(out, "4"+string(AppendHeader(nil, Connect, 0, nsp, -1))+ack)
		if ss.srv.o.welcome {
			out = append(out, "4"+string(AppendHeader(nil, Event, 0, nsp, -1))+`["welcome",{"nsp":"`+nsp+`"}]`)
		}
		ss.text(out...)
	case Event, BinaryEvent:
		name, _ := EventName(p.Data)
		switch string(name) {
		case "echo":
			if p.ID < 0 {
				return
			}
			typ := Ack
			if p.Type == BinaryEvent {
				typ = BinaryAck
			}
			ack := append([]byte{EngineMessage}, AppendHeader(nil, typ, len(atts), nsp, p.ID)...)
			ack = append(ack, argsOf(p.Data)...)
			fs := []frame{{data: ack}}
			for _, a := range atts {
				fs = append(fs, frame{bin: true, data: a})
			}
			ss.send(fs...)
		case "kick":
			ss.text("4" + string(AppendHeader(nil, Disconnect, 0, nsp, -1)))
		}
	}
}

// resume returns the pid for a CONNECT with payload data: the one it
// carries when the server gave it out and it comes with an offset (as
// Node requires), else a new one.
func (s *fakeServer) resume(data []byte) (pid string, resumed bool) {
	var auth struct {
		PID    *string `json:"pid"`
		Offset *string `json:"offset"`
	}
	_ = json.Unmarshal(data, &auth)
	s.mu.Lock()
	defer s.mu.Unlock()
	if auth.PID != nil && auth.Offset != nil && s.pids[*auth.PID] {
		return *auth.PID, true
	}
	s.seq++
	pid = "pid-" + strconv.Itoa(s.seq)
	s.pids[pid] = true
	return pid, false
}

// forget drops every pid given out, as a server whose sessions expired.
func (s *fakeServer) forget() {
	s.mu.Lock()
	clear(s.pids)
	s.mu.Unlock()
}

// argsOf turns an event's array into its arguments' array: the name is
// dropped (["echo",1,2] -> [1,2]).
func argsOf(data []byte) []byte {
	for i := 2; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			if data[i+1] == ',' {
				return append([]byte{'['}, data[i+2:]...)
			}
			return []byte("[]")
		}
	}
	return []byte("[]")
}
