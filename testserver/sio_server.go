package testserver

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// sioMaxQueued bounds the packets waiting for one session's transport.
	// A client that falls further behind (a broadcast storm it cannot
	// read, a polling client that stopped polling) loses its session with
	// "transport error" instead of holding memory or stalling the others.
	sioMaxQueued = 8192
	// sioUpgradeTimeout bounds an upgrade from the probe to the upgrade
	// packet, as the reference server's upgradeTimeout.
	sioUpgradeTimeout = 10 * time.Second
	// sioCloseTimeout bounds how long a polling session being closed
	// waits for the GET that carries its last packets, as the reference
	// server's closeTimeout.
	sioCloseTimeout = 30 * time.Second
	// sioConnectTimeout closes a session that has not connected any
	// namespace by then, as the reference server's connectTimeout. It is
	// checked when a ping is due, so it may act up to one PingInterval late.
	sioConnectTimeout = 45 * time.Second
	// sioPostTimeout bounds reading one polling POST body.
	sioPostTimeout = 30 * time.Second
)

// sioServer is the Engine.IO / Socket.IO server of one Server: its
// sessions, namespaces and counters. All its methods are safe for
// concurrent use.
type sioServer struct {
	s        *Server
	cfg      SocketIO // defaults applied
	upgrader websocket.Upgrader
	nsps     map[string]*namespace // fixed at New, read-only
	stats    sioCounters

	mu       sync.Mutex // guards sessions; taken after s.mu and a session's mu, never before
	sessions map[string]*eioSession
}

func newSIO(s *Server, cfg SocketIO) *sioServer {
	x := &sioServer{
		s:        s,
		cfg:      cfg.withDefaults(),
		sessions: make(map[string]*eioSession),
		nsps: map[string]*namespace{
			"/":      newNamespace("/", false),
			"/chat":  newNamespace("/chat", false),
			"/admin": newNamespace("/admin", true),
		},
	}
	x.stats.init()
	x.upgrader = websocket.Upgrader{
		// As for the WebSocket endpoints: reuse net/http's read buffer
		// and take a write buffer only while writing. Engine.IO peers do
		// not negotiate compression by default, and neither do we.
		ReadBufferSize:   0,
		WriteBufferSize:  4096,
		WriteBufferPool:  &sync.Pool{},
		HandshakeTimeout: 5 * time.Second,
		CheckOrigin:      func(*http.Request) bool { return true },
	}
	return x
}

// register starts tracking a new session and takes the s.wg count that
// the session releases when it ends. It refuses when the server is
// closed, or when the handshake arrived through a listener that a restart
// has since closed.
func (x *sioServer) register(e *eioSession, gen int) bool {
	s := x.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || (gen != externalGen && gen != s.gen) {
		return false
	}
	x.mu.Lock()
	x.sessions[e.sid] = e
	x.mu.Unlock()
	s.wg.Add(1)
	x.stats.handshakes.Add(1)
	x.stats.transport(e.tr).Add(1)
	return true
}

// unregister stops tracking e; e's end calls it once.
func (x *sioServer) unregister(e *eioSession, tr transportKind) {
	x.mu.Lock()
	delete(x.sessions, e.sid)
	x.mu.Unlock()
	x.stats.transport(tr).Add(-1)
}

func (x *sioServer) lookup(sid string) *eioSession {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.sessions[sid]
}

// snapshot returns the tracked sessions.
func (x *sioServer) snapshot() []*eioSession {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]*eioSession, 0, len(x.sessions))
	for _, e := range x.sessions {
		out = append(out, e)
	}
	return out
}

// dropAll ends every session abruptly, as a server going down: sockets
// get socketReason, the transports are closed without a goodbye. Close
// and Restart call it.
func (x *sioServer) dropAll(socketReason string) int {
	all := x.snapshot()
	for _, e := range all {
		e.claim()
		e.dropSockets(socketReason)
		e.close("forced close", closeAbort)
	}
	return len(all)
}

// newID returns a random 20-character id, like the reference server's
// base64id: 15 random bytes in URL-safe base64.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
