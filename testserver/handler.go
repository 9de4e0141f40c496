package testserver

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
)

// externalGen marks connections that arrive through Handler, not through
// a listener the Server owns; restarts do not make them stale.
const externalGen = -1

// endpoint is what a connection does with the messages it receives.
type endpoint uint8

const (
	epEcho      endpoint = iota // echo every message unchanged
	epJSON                      // reply {"id":...,"type":"reply",...}
	epBroadcast                 // send to every /broadcast connection
)

// endpoints maps WebSocket paths to their behaviour.
var endpoints = map[string]endpoint{
	"/":          epEcho,
	"/echo":      epEcho,
	"/json":      epJSON,
	"/broadcast": epBroadcast,
}

const notFoundText = "wsbench test server: no endpoint at %q\n" +
	"valid paths: / and /echo (WebSocket echo), /json (WebSocket JSON reply keeping \"id\"), " +
	"/broadcast (WebSocket fan-out), /stats (HTTP GET, JSON)\n"

const notFoundSocketIO = "Socket.IO (Engine.IO v4, polling and websocket): %s\n"

// handler serves one listener generation (or externalGen for Handler).
type handler struct {
	s   *Server
	gen int
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !s.enter() {
		http.Error(w, "wsbench test server: shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()

	if r.URL.Path == "/stats" {
		s.serveStats(w)
		return
	}
	if s.sio != nil && s.cfg.SocketIO.matches(r.URL.Path) {
		s.sio.serveHTTP(w, r, h.gen)
		return
	}
	ep, ok := endpoints[r.URL.Path]
	if !ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, notFoundText, r.URL.Path)
		if s.sio != nil {
			fmt.Fprintf(w, notFoundSocketIO, s.cfg.SocketIO.Path)
		}
		return
	}
	if websocket.IsWebSocketUpgrade(r) {
		if status, refusing := s.refusal.active(); refusing {
			s.refuse(w, status)
			return
		}
	}
	var hdr http.Header
	if offered := websocket.Subprotocols(r); len(offered) > 0 {
		// Upgrader.Subprotocols is nil, so gorilla takes the choice
		// from this header: the first protocol the client offered.
		hdr = http.Header{}
		hdr.Set("Sec-WebSocket-Protocol", offered[0])
	}
	// Faults wait for upgrades in flight, so that a client whose dial
	// has returned is among the connections a fault can pick.
	s.upgrading.RLock()
	defer s.upgrading.RUnlock()
	hw := &hijackCounter{ResponseWriter: w, s: s}
	ws, err := s.upgrader.Upgrade(hw, r, hdr)
	if err != nil {
		if hw.counted {
			s.uncount()
		}
		return // Upgrade has already answered, or closed the connection
	}
	c := newConn(s, ws, ep)
	if !s.register(c, h.gen) {
		s.uncount()
		ws.Close()
		return
	}
	c.hb.start(c)
	// The read loop gets its own goroutine so that this one, and the
	// net/http connection state it holds, go away: an idle connection
	// then costs one goroutine.
	go c.readLoop()
}

// refuse answers an upgrade or an Engine.IO handshake with status, as
// RefuseFor asked.
func (s *Server) refuse(w http.ResponseWriter, status int) {
	s.stats.refused.Add(1)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "wsbench test server: upgrade refused with %d %s by fault injection\n",
		status, http.StatusText(status))
}

func (s *Server) serveStats(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(w).Encode(s.Stats()); err != nil {
		s.logf("testserver: /stats: %v", err)
	}
}

// hijackCounter counts a connection as accepted and open when gorilla
// hijacks it, just before the handshake response is written, so that a
// client whose dial returned finds itself in Stats.
type hijackCounter struct {
	http.ResponseWriter
	s       *Server
	counted bool
}

func (h *hijackCounter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("testserver: response does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err == nil {
		h.s.stats.accepted.Add(1)
		h.s.stats.open.Add(1)
		h.counted = true
	}
	return nc, brw, err
}

// uncount takes back a hijackCounter count whose upgrade did not happen.
func (s *Server) uncount() {
	s.stats.accepted.Add(-1)
	s.stats.open.Add(-1)
}
