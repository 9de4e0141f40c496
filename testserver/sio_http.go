package testserver

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

// eioError is an Engine.IO request error, as the reference server
// reports it: code and message in a JSON body (polling) or the message as
// text (WebSocket upgrades), with status 400.
type eioError struct {
	code    int
	message string
}

var (
	errUnknownTransport   = eioError{0, "Transport unknown"}
	errUnknownSID         = eioError{1, "Session ID unknown"}
	errBadHandshakeMethod = eioError{2, "Bad handshake method"}
	errBadRequest         = eioError{3, "Bad request"}
	errUnsupportedEIO     = eioError{5, "Unsupported protocol version"}
)

// serveHTTP answers one Engine.IO request: a handshake, a poll, a POST or
// a WebSocket (new, or upgrading a polling session). gen is the listener
// generation the request came through.
func (x *sioServer) serveHTTP(w http.ResponseWriter, r *http.Request, gen int) {
	q := r.URL.Query()
	transport := q.Get("transport")
	upgrade := websocket.IsWebSocketUpgrade(r)
	sid := q.Get("sid")
	if sid == "" {
		if status, refusing := x.s.refusal.active(); refusing {
			x.s.refuse(w, status)
			return
		}
	}
	if transport != "polling" && transport != "websocket" {
		x.fail(w, upgrade, errUnknownTransport)
		return
	}
	if sid != "" {
		e := x.lookup(sid)
		switch {
		case e == nil:
			x.fail(w, upgrade, errUnknownSID)
		case q.Get("EIO") != "4":
			x.fail(w, upgrade, errBadRequest)
		case upgrade && transport == "websocket":
			x.upgradeSession(w, r, e)
		case upgrade || transport != e.transportName():
			x.fail(w, upgrade, errBadRequest)
		case r.Method == http.MethodGet:
			e.poll(w, r)
		case r.Method == http.MethodPost:
			e.post(w, r)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
		return
	}
	switch {
	case r.Method != http.MethodGet:
		x.fail(w, upgrade, errBadHandshakeMethod)
	case transport == "websocket" && !upgrade:
		x.fail(w, upgrade, errBadRequest)
	case q.Get("EIO") != "4":
		x.fail(w, upgrade, errUnsupportedEIO)
	case transport == "websocket":
		x.acceptWebSocket(w, r, gen)
	default:
		x.acceptPolling(w, r, gen)
	}
}

// fail answers a request the reference server would reject, the way it
// does.
func (x *sioServer) fail(w http.ResponseWriter, upgrade bool, e eioError) {
	x.stats.requestErrors.Add(1)
	h := w.Header()
	if upgrade {
		h.Set("Connection", "close")
		h.Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(e.message))
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	body := append([]byte(`{"code":`), strconv.Itoa(e.code)...)
	body = append(body, `,"message":`...)
	body = sio.AppendString(body, e.message)
	_, _ = w.Write(append(body, '}'))
}

func (e *eioSession) transportName() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tr.String()
}

// acceptPolling opens a polling session: the open packet is the answer.
func (x *sioServer) acceptPolling(w http.ResponseWriter, r *http.Request, gen int) {
	s := x.s
	// As for WebSocket upgrades: faults wait for handshakes in flight.
	s.upgrading.RLock()
	defer s.upgrading.RUnlock()
	e := x.newSession(trPolling, r.URL.RawQuery)
	if !x.register(e, gen) {
		http.Error(w, "wsbench test server: shutting down", http.StatusServiceUnavailable)
		return
	}
	e.start()
	x.stats.packetsOut.Add(1)
	writePayload(w, e.openPacket([]string{"websocket"}), s.cfg.WriteTimeout)
}

// acceptWebSocket opens a WebSocket session. The open packet is the first
// thing its reader writes.
func (x *sioServer) acceptWebSocket(w http.ResponseWriter, r *http.Request, gen int) {
	s := x.s
	s.upgrading.RLock()
	defer s.upgrading.RUnlock()
	ws, err := x.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has already answered
	}
	ws.SetReadLimit(x.cfg.MaxPayload)
	e := x.newSession(trWebSocket, r.URL.RawQuery)
	e.ws = ws
	e.out = []outPkt{{data: e.openPacket(nil)}}
	e.writing = true // the reader drains it first
	if !x.register(e, gen) {
		ws.Close()
		return
	}
	e.start()
	s.wg.Add(1) // this handler holds a count, so this cannot race Wait
	go e.readWS(ws, false)
}

// upgradeSession takes a WebSocket that upgrades polling session e.
func (x *sioServer) upgradeSession(w http.ResponseWriter, r *http.Request, e *eioSession) {
	ws, err := x.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(x.cfg.MaxPayload)
	e.mu.Lock()
	if e.state != stOpen || e.tr != trPolling || e.probe != nil {
		e.mu.Unlock()
		// As the reference server: the upgrade of a closed, upgraded or
		// upgrading session is closed at once.
		_ = ws.WriteControl(websocket.CloseMessage, nil, time.Now().Add(controlWriteTimeout))
		ws.Close()
		return
	}
	e.probe = ws
	e.upgradeTimer = time.AfterFunc(sioUpgradeTimeout, func() { e.upgradeTimedOut(ws) })
	x.s.wg.Add(1) // this handler holds a count
	e.mu.Unlock()
	go e.readWS(ws, true)
}

// writePayload answers a GET with an Engine.IO payload.
func writePayload(w http.ResponseWriter, payload []byte, timeout time.Duration) error {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout))
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(payload)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(payload)
	return err
}

// openPacket is the handshake: 0{"sid",...}.
func (e *eioSession) openPacket(upgrades []string) []byte {
	c := e.x.cfg
	b := append([]byte(`0{"sid":`), '"')
	b = append(b, e.sid...)
	b = append(b, `","upgrades":[`...)
	for i, u := range upgrades {
		if i > 0 {
			b = append(b, ',')
		}
		b = sio.AppendString(b, u)
	}
	b = append(b, `],"pingInterval":`...)
	b = strconv.AppendInt(b, millis(c.PingInterval), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, millis(c.PingTimeout), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, c.MaxPayload, 10)
	return append(b, '}')
}

// queryJSON renders a raw query string as the object the reference
// server shows as socket.handshake.query: each parameter once, as a
// string, the last value winning, in order of first appearance.
func queryJSON(raw string) []byte {
	type kv struct{ k, v string }
	var params []kv
	index := make(map[string]int)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescapeLenient(k), unescapeLenient(v)
		if i, ok := index[k]; ok {
			params[i].v = v
			continue
		}
		index[k] = len(params)
		params = append(params, kv{k, v})
	}
	b := []byte{'{'}
	for i, p := range params {
		if i > 0 {
			b = append(b, ',')
		}
		b = sio.AppendString(b, p.k)
		b = append(b, ':')
		b = sio.AppendString(b, p.v)
	}
	return append(b, '}')
}

// unescapeLenient decodes a query component, keeping it as it is when
// it is not valid percent-encoding (as URLSearchParams does).
func unescapeLenient(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
