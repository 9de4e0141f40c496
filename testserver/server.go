package testserver

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Config configures a Server. The zero value is a fault-free echo server;
// every zero field means the documented default. It is a plain value: New
// keeps a private copy, so changing it afterwards changes nothing (use the
// Server's methods to change faults at run time).
type Config struct {
	// Faults is the fault schedule, relative to Start, plus the initial
	// reply delay and ping behaviour. The zero value injects nothing.
	Faults Faults

	// MaxMessageSize is the largest message the server reads; a larger one
	// makes the server close the connection with 1009 (message too big).
	// 0 means 16 MiB.
	MaxMessageSize int64

	// WriteTimeout bounds writing one reply (one Engine.IO packet, one
	// polling answer); a client that stops reading loses its connection
	// instead of stalling broadcasts to everyone else. 0 means
	// DefaultWriteTimeout.
	WriteTimeout time.Duration

	// PingInterval, when > 0, makes the server ping every plain WebSocket
	// connection: PingInterval after the upgrade, then PingInterval after
	// each pong. A connection that has not answered with a pong (nothing
	// else counts) within PingTimeout of the ping going out is aborted
	// with a TCP RST, no close frame: a dead peer could not read one.
	// Counted in Stats.PingsSent and Stats.PingTimeouts. 0 means no
	// heartbeat. Socket.IO sessions use SocketIO.PingInterval instead.
	PingInterval time.Duration
	// PingTimeout is how long a pong may take; 0 means PingInterval.
	PingTimeout time.Duration

	// Broadcast, when Every > 0, makes the server send a numbered message
	// to every connection and Socket.IO socket every Every; see
	// Broadcast. The zero value sends nothing.
	Broadcast Broadcast

	// SocketIO, when Enabled, mounts the embedded Engine.IO v4 /
	// Socket.IO v5 server. The zero value leaves it off.
	SocketIO SocketIO

	// ReusePort listens with SO_REUSEPORT, so several server processes
	// share one port and the kernel spreads new connections over them
	// (wsbench serve --workers). Unix only.
	ReusePort bool

	// Logf, if set, receives one line per fault and per server-level error
	// (never one per message). nil means silent. It may be called from
	// several goroutines at once.
	Logf func(format string, args ...any)
}

// DefaultMaxMessageSize is the read limit used when Config.MaxMessageSize
// is 0.
const DefaultMaxMessageSize = 16 << 20

// DefaultWriteTimeout is the reply write bound used when
// Config.WriteTimeout is 0.
const DefaultWriteTimeout = 10 * time.Second

// ErrClosed is returned by Start and Restart once Close has been called.
var ErrClosed = errors.New("testserver: server closed")

// Server is the embedded WebSocket test server. Create it with New, then
// either Start it on an address or mount Handler in an httptest server;
// Close it when done. All methods are safe for concurrent use.
type Server struct {
	cfg      Config // private copy, defaults applied
	upgrader websocket.Upgrader

	delay       atomic.Pointer[Delay]
	ignorePings atomic.Bool
	heartbeat   atomic.Pointer[pingConfig]
	bcastCfg    atomic.Pointer[Broadcast]
	bcastWake   chan struct{} // tells the broadcaster that bcastCfg changed
	refusal     refusal
	stats       counters
	seqs        seqTracker
	sio         *sioServer // nil unless Config.SocketIO.Enabled

	restartMu sync.Mutex // serialises Restart

	// upgrading is read-held by every upgrade from before the handshake
	// response until the connection is registered; faults write-lock it
	// to pick from a set that includes every client whose dial returned.
	// Lock order: upgrading, then mu.
	upgrading sync.RWMutex

	mu        sync.Mutex // guards everything below
	started   bool
	closed    bool
	addr      string
	startedAt time.Time
	srv       *http.Server // nil before Start and while a restart is down
	gen       int          // listener generation, bumped by Restart
	bcastOn   bool         // the broadcaster goroutine runs
	conns     map[*conn]struct{}
	done      chan struct{} // closed by Close: stops the schedule, writers, restarts
	closeDone chan struct{} // closed when the first Close has finished
	wg        sync.WaitGroup

	bmu   sync.RWMutex // guards bcast
	bcast map[*conn]struct{}
}

// New returns a Server configured by cfg. It does not listen: call Start,
// or mount Handler.
func New(cfg Config) *Server {
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	cfg.Faults = cfg.Faults.withDefaults()
	cfg.Broadcast = cfg.Broadcast.withDefaults()
	pc := newPingConfig(cfg.PingInterval, cfg.PingTimeout)
	cfg.PingInterval, cfg.PingTimeout = pc.interval, pc.timeout
	s := &Server{
		cfg:       cfg,
		conns:     make(map[*conn]struct{}),
		bcast:     make(map[*conn]struct{}),
		done:      make(chan struct{}),
		closeDone: make(chan struct{}),
		bcastWake: make(chan struct{}, 1),
		seqs:      seqTracker{clients: make(map[string]*SeqStats)},
	}
	s.upgrader = websocket.Upgrader{
		// ReadBufferSize 0 makes gorilla reuse the 4 KiB reader that
		// net/http already allocated for the request: no allocation at
		// upgrade and nothing more per idle connection.
		ReadBufferSize:    0,
		WriteBufferSize:   4096,
		WriteBufferPool:   &sync.Pool{}, // a write buffer only while writing
		HandshakeTimeout:  5 * time.Second,
		CheckOrigin:       func(*http.Request) bool { return true },
		EnableCompression: true,
	}
	if cfg.SocketIO.Enabled {
		s.sio = newSIO(s, cfg.SocketIO)
		s.cfg.SocketIO = s.sio.cfg
	}
	s.SetDelay(cfg.Faults.Delay.Min, cfg.Faults.Delay.Max)
	s.ignorePings.Store(cfg.Faults.IgnorePings)
	s.heartbeat.Store(pc)
	s.bcastCfg.Store(&cfg.Broadcast)
	return s
}

// Start listens on addr (tests pass "127.0.0.1:0"), serves in the
// background and starts the fault schedule, whose times are relative to
// now, and the server broadcast. It returns once the listener is bound.
// A Server starts once.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.started {
		return errors.New("testserver: already started")
	}
	ln, err := s.listen(addr)
	if err != nil {
		return fmt.Errorf("testserver: listen: %w", err)
	}
	s.started = true
	s.addr = ln.Addr().String()
	s.startedAt = time.Now()
	s.serveLocked(ln)
	if plan := planFaults(s.cfg.Faults); len(plan) > 0 {
		s.wg.Add(1)
		go s.runSchedule(s.startedAt, plan)
	}
	s.startBroadcasterLocked()
	return nil
}

// serveLocked serves ln with a fresh http.Server of the current
// generation (an http.Server cannot be reused after Close). s.mu is held.
func (s *Server) serveLocked(ln net.Listener) {
	srv := &http.Server{
		Handler:           handler{s: s, gen: s.gen},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(logWriter{s}, "", 0),
	}
	s.srv = srv
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("testserver: serve: %v", err)
		}
	}()
}

// Addr returns the address actually bound by Start, such as
// "127.0.0.1:41234", or "" before Start. It stays the same across restarts.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns "ws://" + Addr() + path, for dialing. path gets a leading
// "/" if it lacks one. When the server listens on an unspecified address
// (":8080", "0.0.0.0:8080", "[::]:8080"), the URL names 127.0.0.1 instead,
// so that it can be dialed.
func (s *Server) URL(path string) string {
	addr := s.Addr()
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return "ws://" + addr + path
}

// Handler returns the server's HTTP handler, for mounting in another
// server such as httptest.NewTLSServer. Connections upgraded through it
// are tracked like the others: faults, Stats and Close reach them. Restart
// drops them too, but cannot take down a listener it does not own.
func (s *Server) Handler() http.Handler {
	return handler{s: s, gen: externalGen}
}

// Close closes the listener and every connection and Socket.IO session
// (abruptly, without a close frame; call CloseFraction(1, ...) first for
// a polite goodbye),
// stops the fault schedule and waits for every goroutine the server
// started. Calling it again, even concurrently, waits for the first call
// and returns nil.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.closeDone
		return nil
	}
	s.closed = true
	close(s.done)
	srv := s.srv
	s.srv = nil
	conns := s.snapshotLocked()
	s.mu.Unlock()

	if s.sio != nil {
		s.sio.dropAll("server shutting down") // before the listener: see Restart
	}
	var err error
	if srv != nil {
		err = srv.Close()
	}
	for _, c := range conns {
		c.netConn().Close()
	}
	s.wg.Wait()
	close(s.closeDone)
	return err
}

// enter admits one handler call: it returns false once the server is
// closed, and otherwise counts the call in s.wg.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// register starts tracking an upgraded connection and accounts for its
// read loop in s.wg. It refuses when the server is closed, or when the
// connection arrived through a listener that a restart has since closed.
func (s *Server) register(c *conn, gen int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || (gen != externalGen && gen != s.gen) {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	if c.ep == epBroadcast {
		s.bmu.Lock()
		s.bcast[c] = struct{}{}
		s.bmu.Unlock()
	}
	return true
}

// unregister stops tracking c; its read loop calls it on the way out.
func (s *Server) unregister(c *conn) {
	s.stats.open.Add(-1)
	if c.ep == epBroadcast {
		s.bmu.Lock()
		delete(s.bcast, c)
		s.bmu.Unlock()
	}
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// settled returns what a fault can pick, the tracked connections and
// Socket.IO sessions, once the upgrades and handshakes in flight have
// been registered.
func (s *Server) settled() []faultTarget {
	s.upgrading.Lock()
	defer s.upgrading.Unlock()
	s.mu.Lock()
	conns := s.snapshotLocked()
	s.mu.Unlock()
	out := make([]faultTarget, 0, len(conns))
	for _, c := range conns {
		out = append(out, c)
	}
	if s.sio != nil {
		for _, e := range s.sio.snapshot() {
			out = append(out, e)
		}
	}
	return out
}

// snapshotLocked returns the tracked connections. s.mu is held.
func (s *Server) snapshotLocked() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// logWriter sends net/http's error log (accept errors, TLS handshake
// errors) to Config.Logf.
type logWriter struct{ s *Server }

func (w logWriter) Write(p []byte) (int, error) {
	w.s.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
