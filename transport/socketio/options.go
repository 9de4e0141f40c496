package socketio

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Options configure a Dialer. A zero field means the documented default;
// the Dialer keeps its own copy, and reads, never modifies, what the
// fields point to, so one Options may be shared.
type Options struct {
	// Path is the Engine.IO endpoint path; default "/socket.io/".
	Path string
	// Namespaces are connected in this order during Dial, all over one
	// engine connection; default ["/"].
	Namespaces []string
	// Auth is the CONNECT payload sent for every namespace (a JSON
	// object), or nil for none. Node hands it to the server as
	// socket.handshake.auth.
	Auth json.RawMessage
	// Query adds parameters to every handshake and polling request
	// (Node: socket.handshake.query).
	Query url.Values
	// Transports is ["websocket"] (the default), ["polling"], or
	// ["polling", "websocket"]: open on long-polling, then upgrade to
	// WebSocket when the server offers it, as browsers do.
	Transports []string
	// Header is sent with the WebSocket upgrade and every polling
	// request.
	Header http.Header
	// TLS configures https:// and wss:// targets; nil uses the system
	// roots.
	TLS *tls.Config
	// HandshakeTimeout bounds the whole Dial: engine handshake,
	// namespace connects and upgrade; default 10s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds each write (a WebSocket frame, or one POST);
	// default 10s.
	WriteTimeout time.Duration
	// MaxMessageSize bounds a received WebSocket message or polling
	// payload; default 16 MiB.
	MaxMessageSize int64
	// ReadBufferSize is the per-connection WebSocket read buffer; default
	// 512 B. Larger messages are read through it, just with more calls.
	ReadBufferSize int
	// NetDial replaces the TCP dial (source addresses, tests).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// IgnorePings leaves the server's pings unanswered, to simulate a
	// frozen client: the server's pingTimeout then ends the connection.
	IgnorePings bool
}

// Defaults of Options.
const (
	DefaultPath             = "/socket.io/"
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultMaxMessageSize   = 16 << 20
	DefaultReadBufferSize   = 512
)

// Transport names, as Engine.IO spells them in the query and in Details.
const (
	TransportWebSocket = "websocket"
	TransportPolling   = "polling"
)

// maxAttachments bounds the attachments one binary packet may announce,
// so a hostile count cannot make the reader allocate without limit.
const maxAttachments = 1024

// pollIdlePerHost is the polling http.Transport's idle pool per host:
// every polling client keeps a GET and a POST connection alive, and a
// smaller pool would close and redial them between requests.
const pollIdlePerHost = 1 << 17

// pollCloseGrace is how long after Close the pending long-poll may take
// to end on its own (Node answers it at once) before it is cancelled.
const pollCloseGrace = 500 * time.Millisecond

// defaults returns o with every zero field set to its default.
func (o Options) defaults() Options {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if len(o.Namespaces) == 0 {
		o.Namespaces = []string{"/"}
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{TransportWebSocket}
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.ReadBufferSize <= 0 {
		o.ReadBufferSize = DefaultReadBufferSize
	}
	if o.NetDial == nil {
		nd := &net.Dialer{}
		o.NetDial = nd.DialContext
	}
	return o
}
