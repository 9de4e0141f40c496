package nodeio

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

// restartBindTimeout bounds how long Restart retries a port still in use.
const restartBindTimeout = 5 * time.Second

// Options configures the Node socket.io server. A zero field means the
// documented default.
type Options struct {
	// PingInterval is Engine.IO's pingInterval; default 25 s.
	PingInterval time.Duration
	// PingTimeout is Engine.IO's pingTimeout; default 20 s.
	PingTimeout time.Duration
	// Port is the loopback port to listen on; default any free port.
	Port int
	// MaxPayload is Engine.IO's maxHttpBufferSize in bytes; default
	// socket.io's (1,000,000).
	MaxPayload int
	// Recovery turns on socket.io's connection state recovery (2 minutes,
	// middlewares skipped): a client that reconnects in time with its pid
	// and last offset gets its socket back, and [Stats].Recovered counts
	// it. With it on, every broadcast event carries its offset as one more
	// argument. Default off.
	Recovery bool
	// BroadcastEvery, when > 0, makes the server emit
	// tick({sender: "server", seq: n, sent_at: unix ms}) to every socket of
	// "/" this often, n = 1, 2, 3, ... ([Stats].BroadcastSeq), as the
	// embedded server's testserver.Broadcast. It is rounded down to whole
	// milliseconds, at least 1. Default off.
	BroadcastEvery time.Duration
}

// args renders the options as server.js flags, without --port.
func (o Options) args() []string {
	var args []string
	if o.PingInterval > 0 {
		args = append(args, "--ping-interval", strconv.FormatInt(o.PingInterval.Milliseconds(), 10))
	}
	if o.PingTimeout > 0 {
		args = append(args, "--ping-timeout", strconv.FormatInt(o.PingTimeout.Milliseconds(), 10))
	}
	if o.MaxPayload > 0 {
		args = append(args, "--max-payload", strconv.Itoa(o.MaxPayload))
	}
	if o.Recovery {
		args = append(args, "--recovery")
	}
	if o.BroadcastEvery > 0 {
		ms := max(o.BroadcastEvery.Milliseconds(), 1)
		args = append(args, "--broadcast-every", strconv.FormatInt(ms, 10))
	}
	return args
}

// Server is a running interop/socketio/server.js listening on 127.0.0.1.
// Its methods are safe for concurrent use, but those taking a testing.TB end
// the test on error, so call them from the test's goroutine.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT", without a path;
	// Socket.IO is at /socket.io/. It stays the same across Restart.
	URL string
	// Port is the port the server listens on.
	Port int

	dir  string
	args []string
	log  *logBuffer

	mu       sync.Mutex
	p        *proc
	restarts int
}

// Start runs the Node socket.io server with opts and stops it when tb ends,
// logging the server's stderr if tb failed. Without node or the npm packages
// it skips tb, or fails it when WSBENCH_REQUIRE_NODE=1; see [Available].
// Start takes about as long as node needs to load socket.io, and gives up
// after 15 s.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	dir := requirePeer(tb)
	s := &Server{dir: dir, args: opts.args(), log: &logBuffer{}}
	tb.Cleanup(func() {
		s.stop()
		if tb.Failed() {
			tb.Logf("node socket.io server stderr:\n%s", s.log)
		}
	})
	p, port, err := launch(dir, s.flags(opts.Port), s.log)
	if err != nil {
		tb.Fatalf("start the node socket.io server: %v", err)
	}
	s.p, s.Port = p, port
	s.URL = "http://127.0.0.1:" + strconv.Itoa(port)
	return s
}

// flags returns server.js's command line for port.
func (s *Server) flags(port int) []string {
	return append([]string{"--port", strconv.Itoa(port)}, s.args...)
}

// Restart stops the server (SIGTERM, so clients see their connections close)
// and starts a new one with the same options on the same port, retrying for
// up to 5 s while the port is still taken. Every count in [Stats] starts
// again from zero. Restart after Stop starts the server again.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.stop()
	s.restarts++
	_, _ = fmt.Fprintf(s.log, "--- restart %d ---\n", s.restarts)
	deadline := time.Now().Add(restartBindTimeout)
	for {
		p, port, err := launch(s.dir, s.flags(s.Port), s.log)
		if err == nil {
			if port != s.Port {
				p.stop()
				tb.Fatalf("restarted node server listens on port %d, want %d", port, s.Port)
			}
			s.p = p
			return
		}
		if !errors.Is(err, errAddrInUse) || time.Now().After(deadline) {
			tb.Fatalf("restart the node socket.io server on port %d: %v", s.Port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the server now and waits for it to exit; the test's cleanup
// would otherwise do it. Stopping twice is harmless.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.stop()
}

func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p != nil {
		s.p.stop()
	}
}
