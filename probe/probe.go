package probe

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options configure Run. A zero field means the documented default; Run
// works on its own copy and reads, never modifies, what the fields point
// to.
type Options struct {
	// URL is the server: ws:// or wss://; with SocketIO also http:// or
	// https://.
	URL string

	// SocketIO probes a Socket.IO server (Engine.IO v4, Socket.IO v5) over
	// the WebSocket transport instead of a plain WebSocket endpoint.
	SocketIO bool
	// Path is the Engine.IO path for SocketIO; default "/socket.io/".
	Path string
	// Namespace is the Socket.IO namespace to connect; default "/".
	Namespace string
	// Auth is the Socket.IO CONNECT payload (a JSON object), nil for none.
	Auth json.RawMessage

	// Header is sent with the upgrade request. Secret values are never
	// printed (see the package doc).
	Header http.Header
	// Subprotocols are offered in Sec-WebSocket-Protocol, in order.
	Subprotocols []string
	// Compression offers permessage-deflate, as browsers do.
	Compression bool

	// Insecure skips certificate verification. The timeline still shows
	// the certificate and what verification would have said.
	Insecure bool
	// RootCAs verify the server's certificate; nil means the system roots
	// (LoadCA adds a file to them).
	RootCAs *x509.CertPool

	// HandshakeTimeout bounds DNS, TCP connect, TLS and the upgrade (for
	// SocketIO, also the Engine.IO handshake and namespace connect);
	// default 10s.
	HandshakeTimeout time.Duration
	// FirstMessage is how long to wait, once open, for a message the
	// server sends unasked; default 2s, negative: do not wait.
	FirstMessage time.Duration
	// Pings is how many ping frames to send once open to measure round
	// trips; default 3, negative: none. Not for SocketIO, where the server
	// pings.
	Pings int
	// PingSpacing is the time between those pings; default 200ms.
	PingSpacing time.Duration
	// PingTimeout is how long a pong may take, for those pings and for the
	// heartbeat; default 5s.
	PingTimeout time.Duration

	// Hold keeps the connection open this long after the checks, reading
	// everything, and reports how it ended; 0 closes it after the checks.
	Hold time.Duration
	// PingInterval is the heartbeat while held: a ping frame this often,
	// and a connection whose pong does not come within PingTimeout is
	// declared silently dead; default 10s, negative: no heartbeat. Not for
	// SocketIO, where the Engine.IO pings are the heartbeat.
	PingInterval time.Duration

	// OnEvent, if set, receives each timeline event as it happens, one at
	// a time and in order (from more than one goroutine, never
	// concurrently). It must not block for long.
	OnEvent func(Event)

	// LookupIP resolves host names; nil uses the system resolver. Tests
	// set it to resolve a name to 127.0.0.1.
	LookupIP func(ctx context.Context, host string) ([]net.IP, error)
}

// Defaults of Options.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultFirstMessage     = 2 * time.Second
	DefaultPings            = 3
	DefaultPingSpacing      = 200 * time.Millisecond
	DefaultPingTimeout      = 5 * time.Second
	DefaultPingInterval     = 10 * time.Second
	DefaultSocketIOPath     = "/socket.io/"
)

// closeWait is how long a normal close waits for the server's close frame
// before the connection is dropped.
const closeWait = 2 * time.Second

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = DefaultSocketIOPath
	}
	if o.Namespace == "" {
		o.Namespace = "/"
	}
	if !strings.HasPrefix(o.Namespace, "/") {
		o.Namespace = "/" + o.Namespace
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.FirstMessage == 0 {
		o.FirstMessage = DefaultFirstMessage
	}
	if o.Pings == 0 {
		o.Pings = DefaultPings
	}
	if o.PingSpacing <= 0 {
		o.PingSpacing = DefaultPingSpacing
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.PingInterval == 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.LookupIP == nil {
		o.LookupIP = lookupIP
	}
	return o
}

func lookupIP(ctx context.Context, host string) ([]net.IP, error) {
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return ips, err
}

// Validate reports every problem with o, joined, or nil. Run calls it;
// a command calls it first to tell a usage error from a failed probe.
func (o Options) Validate() error {
	var errs []error
	u, err := url.Parse(o.URL)
	switch {
	case o.URL == "":
		errs = append(errs, errors.New("no URL: write one like ws://localhost:8080/ws"))
	case err != nil:
		errs = append(errs, fmt.Errorf("URL %q: %v", RedactURL(o.URL), err))
	default:
		scheme := strings.ToLower(u.Scheme)
		switch {
		case o.SocketIO && scheme != "ws" && scheme != "wss" && scheme != "http" && scheme != "https":
			errs = append(errs, fmt.Errorf("URL %q: a Socket.IO URL starts with http://, https://, ws:// or wss://", RedactURL(o.URL)))
		case !o.SocketIO && (scheme == "http" || scheme == "https"):
			errs = append(errs, fmt.Errorf("URL %q: a WebSocket URL starts with ws:// or wss:// (for a Socket.IO server add --socketio)", RedactURL(o.URL)))
		case !o.SocketIO && scheme != "ws" && scheme != "wss":
			errs = append(errs, fmt.Errorf("URL %q: a WebSocket URL starts with ws:// or wss://", RedactURL(o.URL)))
		}
		if u.Hostname() == "" {
			errs = append(errs, fmt.Errorf("URL %q has no host", RedactURL(o.URL)))
		}
		if u.User != nil {
			errs = append(errs, fmt.Errorf("URL %q: user:password is not sent by WebSocket clients; use a header such as \"Authorization: Basic ...\"", RedactURL(o.URL)))
		}
	}
	if o.HandshakeTimeout < 0 || o.PingSpacing < 0 || o.PingTimeout < 0 || o.Hold < 0 {
		errs = append(errs, errors.New("the handshake timeout, ping spacing, ping timeout and hold must not be negative"))
	}
	if len(o.Auth) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(o.Auth, &obj); err != nil {
			errs = append(errs, fmt.Errorf("auth must be a JSON object like {\"token\":\"...\"}: %v", err))
		}
	}
	if len(o.Auth) > 0 && !o.SocketIO {
		errs = append(errs, errors.New("auth is the Socket.IO CONNECT payload: it needs SocketIO"))
	}
	return errors.Join(errs...)
}

// Result is what a probe found. Durations are measured from the start of
// the probe unless the field says otherwise. Its JSON form is the last
// line of `wsbench probe --json` (docs/probe.md).
type Result struct {
	// URL is the probed URL, redacted by RedactURL.
	URL string `json:"url"`
	// Protocol is "websocket" or "socketio".
	Protocol string `json:"protocol"`
	// Opened reports that the connection opened: the upgrade got 101 (for
	// Socket.IO: the namespace was connected).
	Opened bool `json:"opened"`
	// Failure says why it did not open; nil when it opened.
	Failure *Failure `json:"failure,omitempty"`

	// Addresses are the DNS answers; nil when the host is an IP address.
	Addresses []string `json:"addresses,omitempty"`
	// Remote and Local are the TCP connection's addresses.
	Remote string `json:"remote_addr,omitempty"`
	Local  string `json:"local_addr,omitempty"`
	// TLS describes the TLS session and certificate for wss and https.
	TLS *TLSInfo `json:"tls,omitempty"`
	// Status is the HTTP status of the upgrade response (101 when it
	// opened), 0 when none came.
	Status int `json:"status,omitempty"`
	// Subprotocol and Extensions are what the server chose (a subprotocol
	// that looks like a token is redacted).
	Subprotocol string `json:"subprotocol,omitempty"`
	Extensions  string `json:"extensions,omitempty"`
	// SocketIO describes the Engine.IO session and namespace.
	SocketIO *SocketIOInfo `json:"socketio,omitempty"`

	// Timings of the opening steps, each from its own start.
	Timings Timings `json:"timings"`
	// FirstMessage is the time from open to the first message the server
	// sent unasked; nil when none came within Options.FirstMessage.
	FirstMessage *Duration `json:"first_message_ms"`
	// Pings are the round trips measured after open, in send order.
	Pings []Ping `json:"pings,omitempty"`
	// End says how and when the connection ended; nil when it never
	// opened.
	End *Ending `json:"end,omitempty"`

	// Events is the whole timeline, as OnEvent saw it. JSON output writes
	// the events as lines of their own.
	Events []Event `json:"-"`
}

// Timings are how long each opening step took; zero for steps that did
// not happen.
type Timings struct {
	DNS     Duration `json:"dns_ms"`
	Connect Duration `json:"connect_ms"`
	TLS     Duration `json:"tls_ms"`
	// Upgrade is from sending the upgrade request to the response (for
	// Socket.IO: to the Engine.IO open packet, from the start of the dial).
	Upgrade Duration `json:"upgrade_ms"`
	// Namespace is the Socket.IO namespace connect.
	Namespace Duration `json:"namespace_ms,omitempty"`
	// Open is the time from the start to open.
	Open Duration `json:"open_ms"`
}

// Ping is one ping round trip after open.
type Ping struct {
	Seq int `json:"seq"`
	// RTT is the round trip; nil when no pong came within the timeout.
	RTT *Duration `json:"rtt_ms"`
}

// Failure says why the connection did not open.
type Failure struct {
	// Stage is where it failed: one of the Stage constants.
	Stage string `json:"stage"`
	// Error is the error as Go reported it.
	Error string `json:"error"`
	// Reason says what went wrong in plain words; Fix what usually helps.
	Reason string `json:"reason"`
	Fix    string `json:"fix,omitempty"`
	// Status, Header and Body are the refused upgrade's HTTP response:
	// the status, the interesting headers (Retry-After, WWW-Authenticate,
	// Server, Location), and the first 512 bytes of the body.
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header,omitempty"`
	Body   string            `json:"body,omitempty"`

	// lines are the parts of Reason, one timeline line each, when it has
	// several (certificate problems).
	lines []string
}

// The stages a probe can fail at.
const (
	StageDNS         = "dns"
	StageTCP         = "tcp"
	StageTLS         = "tls"
	StageUpgrade     = "upgrade"   // no usable answer to the upgrade request
	StageRefused     = "refused"   // the upgrade got an HTTP error status
	StageNamespace   = "namespace" // Socket.IO CONNECT_ERROR
	StageTimeout     = "timeout"   // the handshake timeout passed
	StageInterrupted = "interrupted"
)

// Ending says how and when an open connection ended.
type Ending struct {
	// How is one of the End constants.
	How string `json:"how"`
	// Code and Reason are the close frame's, when there was one.
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Meaning explains How (and Code) in plain words.
	Meaning string `json:"meaning"`
	// SocketIOReason is Socket.IO's name for the ending, such as
	// "ping timeout"; empty for plain WebSocket.
	SocketIOReason string `json:"socketio_reason,omitempty"`
	// At is the time since the probe started; AfterOpen since open.
	At        Duration `json:"at_ms"`
	AfterOpen Duration `json:"after_open_ms"`
	// SinceReceived and SinceSent are how long before the end the last
	// frame was received and sent, not counting the closing handshake;
	// nil when there was none.
	SinceReceived *Duration `json:"since_last_received_ms"`
	SinceSent     *Duration `json:"since_last_sent_ms"`
	// Messages counts the data messages (Socket.IO: events) received.
	Messages int64 `json:"messages"`
	// ServerPings counts the pings the server sent.
	ServerPings int64 `json:"server_pings"`
}

// How a connection ended.
const (
	EndServerClose = "server_close"      // the server sent a close frame (Socket.IO: disconnected the socket)
	EndReset       = "reset"             // TCP reset
	EndEOF         = "eof"               // the connection ended without a close frame
	EndHeartbeat   = "heartbeat_timeout" // no pong (Socket.IO: no ping): silently dead
	EndReadError   = "read_error"        // reading failed otherwise (or, Socket.IO, a protocol error)
	EndHeld        = "held"              // alive for the whole hold; closed normally
	EndInterrupted = "interrupted"       // ended early (Ctrl-C); closed normally
	EndClosed      = "closed"            // no hold: closed normally after the checks
)

// Run probes one connection as o says and returns what it found. The
// timeline goes to o.OnEvent as it happens. A connection that could not
// be opened is a Result with Failure set, not an error: Run returns an
// error only for invalid options. Cancelling ctx ends a hold (or the
// checks) early; the connection is then closed normally and the Result
// says so.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	tl := newTimeline(o.OnEvent)
	res := &Result{URL: RedactURL(o.URL), Protocol: "websocket"}
	if o.SocketIO {
		res.Protocol = "socketio"
		runSocketIO(ctx, &o, tl, res)
	} else {
		runWebSocket(ctx, &o, tl, res)
	}
	res.Events = tl.list()
	return res, nil
}

// target is the host and port to dial for a URL.
func target(raw string) (u *url.URL, host, port string, secure bool) {
	u, _ = url.Parse(raw) // validated
	scheme := strings.ToLower(u.Scheme)
	secure = scheme == "wss" || scheme == "https"
	host, port = u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if secure {
			port = "443"
		}
	}
	return u, host, port, secure
}

// fail records a failure and its timeline line.
func fail(tl *timeline, res *Result, f *Failure) {
	res.Failure = f
	detail := f.lines
	if len(detail) == 0 && f.Reason != "" {
		detail = []string{f.Reason}
	}
	if f.Fix != "" {
		detail = append(detail, "fix: "+f.Fix)
	}
	tl.add(KindError, "not opened: "+f.Error, detail...)
}
