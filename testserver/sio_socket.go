package testserver

import (
	"bytes"
	"encoding/json"
	"sync/atomic"
	"time"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

// sioSocket is one Socket.IO socket: a session connected to a namespace.
type sioSocket struct {
	id   string
	nsp  *namespace
	e    *eioSession
	auth []byte // the CONNECT payload, {} without one

	gone atomic.Bool // disconnected; set under e.mu

	// guarded by nsp.mu
	rooms []string

	// guarded by e.mu
	timers  map[*time.Timer]struct{} // running pushes
	nextAck int64
	asks    map[int64]*time.Timer // questions waiting for the client's ack
}

// goneLocked marks the socket disconnected and stops its timers. e.mu is
// held.
func (k *sioSocket) goneLocked() {
	k.gone.Store(true)
	for t := range k.timers {
		t.Stop()
	}
	for _, t := range k.asks {
		t.Stop()
	}
	k.timers, k.asks = nil, nil
}

// What the handlers answer, as the reference server words it.
var (
	emptyObject        = []byte("{}")
	errInvalidNsp      = []byte(`{"message":"Invalid namespace"}`)
	errNotAuthorized   = []byte(`{"message":"not authorized","data":{"code":401}}`)
	errQuestionTimeout = []byte(`{"error":"operation has timed out"}`)
)

const (
	adminToken       = "secret" // the /admin CONNECT payload's "token"
	msgInvalidNsp    = "Invalid namespace"
	msgNotAuthorized = "not authorized"
	questionTimeout  = 5 * time.Second // how long "ask" waits for the client's ack
)

// connect connects the session to namespace name with the CONNECT
// payload auth, or answers CONNECT_ERROR. inMu is held.
func (e *eioSession) connect(name string, auth []byte) {
	x := e.x
	n := x.nsps[name]
	if n == nil {
		x.stats.connectErrors.add(msgInvalidNsp)
		e.send(true, outPkt{data: connectErrorPacket(name, errInvalidNsp)})
		return
	}
	if len(auth) == 0 {
		auth = emptyObject
	} else {
		auth = bytes.Clone(auth)
	}
	if n.auth && !authorized(auth) {
		x.stats.connectErrors.add(msgNotAuthorized)
		e.send(true, outPkt{data: connectErrorPacket(name, errNotAuthorized)})
		return
	}
	k := &sioSocket{id: newID(), nsp: n, e: e, auth: auth}
	e.mu.Lock()
	if e.state != stOpen {
		e.mu.Unlock()
		return
	}
	e.sockets = append(e.sockets, k)
	e.joined = true
	n.add(k) // under e.mu, so that no close can miss it
	e.mu.Unlock()
	x.stats.connects.add(name)
	// As the reference server: the CONNECT ack, then the connection
	// handler's "welcome".
	e.send(true,
		outPkt{data: connectPacket(name, k.id)},
		outPkt{data: eventPacket(name, -1, "welcome", k.welcome(), 0)},
	)
}

// authorized reports whether a CONNECT payload carries the /admin token.
func authorized(auth []byte) bool {
	var v struct {
		Token any `json:"token"`
	}
	return json.Unmarshal(auth, &v) == nil && v.Token == adminToken
}

// welcome is the argument of "welcome": {id, nsp, query, auth}.
func (k *sioSocket) welcome() []byte {
	b := append([]byte(`{"id":`), '"')
	b = append(b, k.id...)
	b = append(b, `","nsp":`...)
	b = sio.AppendString(b, k.nsp.name)
	b = append(b, `,"query":`...)
	b = append(b, k.e.query...)
	b = append(b, `,"auth":`...)
	b = append(b, k.auth...)
	return append(b, '}')
}

// onPacket handles a packet for this socket's namespace. inMu is held.
func (k *sioSocket) onPacket(p sio.Packet, atts [][]byte) {
	switch p.Type {
	case sio.Event, sio.BinaryEvent:
		k.onEvent(p, atts)
	case sio.Ack, sio.BinaryAck:
		k.onAck(p, atts)
	case sio.Disconnect:
		k.e.removeSocket(k, "client namespace disconnect")
	}
}

// ask emits "question" with args, asking for an ack, and emits
// "answered" with the ack's first argument, or {"error":...} after
// questionTimeout without one.
func (k *sioSocket) ask(args []byte, atts [][]byte) {
	e := k.e
	e.mu.Lock()
	if k.gone.Load() || e.state != stOpen {
		e.mu.Unlock()
		return
	}
	id := k.nextAck
	k.nextAck++
	if k.asks == nil {
		k.asks = make(map[int64]*time.Timer)
	}
	k.asks[id] = time.AfterFunc(questionTimeout, func() { k.unanswered(id) })
	e.mu.Unlock()
	e.send(true, eventPackets(k.nsp.name, id, "question", args, atts, time.Time{})...)
}

// onAck takes the client's answer to a question.
func (k *sioSocket) onAck(p sio.Packet, atts [][]byte) {
	e := k.e
	e.mu.Lock()
	t, ok := k.asks[p.ID]
	if ok {
		t.Stop()
		delete(k.asks, p.ID)
	}
	e.mu.Unlock()
	if !ok {
		return // as the reference server: an unknown ack is ignored
	}
	answer := []byte("null")
	if args := argList(p.Data); len(args) > 0 {
		answer = args[0]
	}
	if !bytes.Contains(answer, placeholderKey) {
		atts = nil
	}
	e.send(true, eventPackets(k.nsp.name, -1, "answered", answer, atts, time.Time{})...)
}

// unanswered emits the timeout error of question id, unless answered.
func (k *sioSocket) unanswered(id int64) {
	e := k.e
	if !e.hold() {
		return
	}
	defer e.x.s.wg.Done()
	e.mu.Lock()
	_, ok := k.asks[id]
	delete(k.asks, id)
	e.mu.Unlock()
	if ok && !k.gone.Load() {
		e.send(true, outPkt{data: eventPacket(k.nsp.name, -1, "answered", errQuestionTimeout, 0)})
	}
}

// takeSocketsLocked detaches every socket from the session and stops its
// timers; the caller then calls detachLocked. e.mu is held.
func (e *eioSession) takeSocketsLocked() []*sioSocket {
	socks := e.sockets
	e.sockets = nil
	for _, k := range socks {
		k.goneLocked()
	}
	return socks
}

// detachLocked removes sockets taken from the session from their
// namespaces and counts their disconnect reason. e.mu is held (a
// namespace's lock comes after it).
func (e *eioSession) detachLocked(socks []*sioSocket, reason string) {
	for _, k := range socks {
		k.nsp.remove(k)
		e.x.stats.disconnects.add(reason)
	}
}

// dropSockets disconnects every socket with reason, the engine staying
// open.
func (e *eioSession) dropSockets(reason string) {
	e.mu.Lock()
	e.detachLocked(e.takeSocketsLocked(), reason)
	e.mu.Unlock()
}

// removeSocket disconnects one socket with reason.
func (e *eioSession) removeSocket(k *sioSocket, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, s := range e.sockets {
		if s == k {
			e.sockets = append(e.sockets[:i], e.sockets[i+1:]...)
			k.goneLocked()
			e.detachLocked([]*sioSocket{k}, reason)
			return
		}
	}
}

// socket returns the socket connected to namespace nsp, if any.
func (e *eioSession) socket(nsp []byte) *sioSocket {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range e.sockets {
		if k.nsp.is(nsp) {
			return k
		}
	}
	return nil
}
