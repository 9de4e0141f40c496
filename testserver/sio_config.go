package testserver

import (
	"strings"
	"time"
)

// SocketIO configures the embedded Engine.IO v4 / Socket.IO v5 server. The
// zero value leaves it off; every other zero field means the documented
// default, the same as the Node reference server's.
type SocketIO struct {
	// Enabled mounts the Socket.IO server at Path, next to the WebSocket
	// endpoints. It shares the Server's listener, lifecycle, faults and
	// Stats.
	Enabled bool

	// Path is where Engine.IO requests arrive: every request whose path
	// starts with it, or equals it without its trailing slash. "" means
	// DefaultSocketIOPath; a missing leading or trailing "/" is added.
	Path string

	// PingInterval is how long the server waits, after the handshake or a
	// pong, before it sends the next ping. 0 means DefaultPingInterval.
	// The handshake advertises it in whole milliseconds, rounded up.
	PingInterval time.Duration

	// PingTimeout is how long the server waits for the pong after a ping
	// before it closes the session with reason "ping timeout". It runs
	// from the moment the ping was actually written, and a packet that
	// arrives meanwhile extends it once, as the reference server does.
	// 0 means DefaultPingTimeout.
	PingTimeout time.Duration

	// MaxPayload is the largest WebSocket message or polling POST body the
	// server reads, in bytes; the handshake advertises it as maxPayload.
	// A larger message closes the session ("transport error"). 0 means
	// DefaultMaxPayload.
	MaxPayload int64
}

// Socket.IO defaults, the reference server's.
const (
	DefaultSocketIOPath = "/socket.io/"
	DefaultPingInterval = 25 * time.Second
	DefaultPingTimeout  = 20 * time.Second
	DefaultMaxPayload   = 1_000_000
)

// withDefaults fills the documented defaults.
func (c SocketIO) withDefaults() SocketIO {
	if c.Path == "" {
		c.Path = DefaultSocketIOPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	if !strings.HasSuffix(c.Path, "/") {
		c.Path += "/"
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = DefaultPingTimeout
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = DefaultMaxPayload
	}
	return c
}

// matches reports whether an HTTP request path belongs to the Engine.IO
// server mounted at c.Path (which ends with "/").
func (c SocketIO) matches(path string) bool {
	return strings.HasPrefix(path, c.Path) || path == c.Path[:len(c.Path)-1]
}

// millis is d in whole milliseconds, rounded up, at least 1: a client
// rejects a handshake whose intervals are 0.
func millis(d time.Duration) int64 {
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	return max(ms, 1)
}
