package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/internal/wire"
)

// Dialer opens Socket.IO connections. It is safe for concurrent use: one
// Dialer serves every virtual client of a run, sharing one http.Transport
// for polling.
type Dialer struct {
	o        Options
	err      error            // invalid options, reported by Dial
	polling  bool             // open on polling
	upgrade  bool             // then try WebSocket
	ws       websocket.Dialer // wss://
	wsPlain  websocket.Dialer // ws://, through a wire.Tap for our own reader
	pool     *wire.Pool
	rt       *http.Transport
	query    string // "&"-prefixed extra query, or ""
	wsHeader http.Header
	getHdr   http.Header
	postHdr  http.Header
	connects [][]byte // CONNECT packet per namespace, without the '4'
	discos   [][]byte // DISCONNECT packet per namespace, without the '4'
	// authMembers is Auth's content without its braces, trimmed: what a
	// resuming CONNECT adds after "pid" and "offset".
	authMembers []byte
}

var _ transport.Dialer = (*Dialer)(nil)

// writePool lends WebSocket write buffers to connections only while they
// write, so idle connections cost no write buffer.
var writePool = &sync.Pool{}

// NewDialer returns a Dialer for o. Invalid options (an unknown transport
// list, an Auth that is not a JSON object) make every Dial fail with the
// reason.
func NewDialer(o Options) *Dialer {
	o = o.defaults()
	d := &Dialer{o: o}
	if len(o.Auth) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(o.Auth, &obj); err != nil {
			d.err = fmt.Errorf("socketio: auth must be a JSON object: %v", err)
		} else if obj == nil {
			o.Auth = nil // JSON null: no auth
		} else {
			a := bytes.TrimSpace(o.Auth)
			d.authMembers = bytes.TrimSpace(a[1 : len(a)-1])
		}
	}
	d.o.Namespaces = make([]string, len(o.Namespaces))
	for i, n := range o.Namespaces {
		if !strings.HasPrefix(n, "/") {
			n = "/" + n
		}
		d.o.Namespaces[i] = n
		c := AppendHeader(nil, Connect, 0, n, -1)
		if len(o.Auth) > 0 {
			c = append(c, o.Auth...)
		}
		d.connects = append(d.connects, c)
		d.discos = append(d.discos, AppendHeader(nil, Disconnect, 0, n, -1))
	}
	switch {
	case slices.Equal(o.Transports, []string{TransportWebSocket}):
	case slices.Equal(o.Transports, []string{TransportPolling}):
		d.polling = true
	case slices.Equal(o.Transports, []string{TransportPolling, TransportWebSocket}):
		d.polling, d.upgrade = true, true
	default:
		d.err = errors.Join(d.err, fmt.Errorf("socketio: transports %q: use [websocket], [polling] or [polling websocket]", o.Transports))
	}
	if len(o.Query) > 0 {
		d.query = "&" + o.Query.Encode()
	}
	d.ws = websocket.Dialer{
		NetDialContext:   o.NetDial,
		TLSClientConfig:  o.TLS,
		HandshakeTimeout: o.HandshakeTimeout,
		ReadBufferSize:   o.ReadBufferSize,
		WriteBufferPool:  writePool,
		Proxy:            nil, // load goes where the scenario says, not through an environment proxy
	}
	d.wsPlain = d.ws
	netDial := o.NetDial
	if netDial == nil {
		netDial = (&net.Dialer{}).DialContext
	}
	d.wsPlain.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := netDial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return wire.NewTap(c), nil
	}
	// gorilla's reader serves only the handshake: its smallest buffer.
	d.wsPlain.ReadBufferSize = 1
	d.pool = wire.NewPool(o.ReadBufferSize)
	d.wsHeader = o.Header
	if d.polling {
		d.rt = &http.Transport{
			Proxy:               nil,
			DialContext:         o.NetDial,
			TLSClientConfig:     o.TLS,
			TLSHandshakeTimeout: o.HandshakeTimeout,
			DisableCompression:  true,
			MaxIdleConnsPerHost: pollIdlePerHost,
			IdleConnTimeout:     90 * time.Second,
		}
		d.getHdr = o.Header.Clone()
		if d.getHdr == nil {
			d.getHdr = http.Header{}
		}
		d.postHdr = d.getHdr.Clone()
		d.postHdr.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	return d
}

// CloseIdleConnections closes the polling connections kept for reuse
// (net/http keeps two goroutines per pooled connection). Call it when the
// run is over; connections still in use are not affected.
func (d *Dialer) CloseIdleConnections() {
	if d.rt != nil {
		d.rt.CloseIdleConnections()
	}
}

// Dial opens an Engine.IO connection to baseURL (http, https, ws or wss;
// its path is replaced by Options.Path, its query parameters are kept),
// connects every namespace, and on ["polling","websocket"] upgrades to
// WebSocket when the server offers it. It returns once all of that is
// done, within Options.HandshakeTimeout and ctx. Packets the server sent
// in the meantime (a "welcome" event on connection) are kept for
// ReadMessage.
//
// Errors: *transport.HandshakeError for a refused handshake,
// transport.ErrHandshakeTimeout, *ConnectError for a refused namespace,
// ErrParse for a server that breaks the protocol, ctx's error, and
// network errors wrapped (errors.Is(err, syscall.ECONNREFUSED) holds). A
// failed upgrade is not an error: the connection stays on polling and
// Details().UpgradeErr says why.
func (d *Dialer) Dial(ctx context.Context, baseURL string) (transport.Conn, error) {
	return d.DialSession(ctx, baseURL, nil)
}

// DialSession is Dial for a client that resumes its earlier connections
// (Socket.IO connection state recovery, see Session): each namespace's
// CONNECT carries the pid and last offset s holds for it, added to
// Options.Auth, and once the server acknowledges it s holds the pid the
// server gave instead (none when it gave none). The returned Conn then
// keeps s's offsets up to date as ReadMessage returns events. Details
// says whether the server offered recovery and resumed. A nil s is Dial.
func (d *Dialer) DialSession(ctx context.Context, baseURL string, s *Session) (transport.Conn, error) {
	c, err := d.dial(ctx, baseURL, s)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// endpoint is the Engine.IO URL for one transport; sid is empty for the
// opening handshake.
type endpoint struct {
	host, query string
	secure      bool
	path        string
}

func (d *Dialer) parseBase(baseURL string) (endpoint, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return endpoint{}, fmt.Errorf("socketio: url %q: %w", baseURL, err)
	}
	var e endpoint
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
	case "https", "wss":
		e.secure = true
	default:
		return endpoint{}, fmt.Errorf("socketio: url %q: scheme must be http, https, ws or wss", baseURL)
	}
	if u.Host == "" {
		return endpoint{}, fmt.Errorf("socketio: url %q has no host", baseURL)
	}
	e.host, e.path = u.Host, d.o.Path
	if u.RawQuery != "" {
		e.query = "&" + u.RawQuery
	}
	e.query += d.query
	return e, nil
}

func (e endpoint) url(transportName, sid string) string {
	scheme := "http"
	if transportName == TransportWebSocket {
		scheme = "ws"
	}
	if e.secure {
		scheme += "s"
	}
	q := "EIO=4&transport=" + transportName
	if sid != "" {
		q += "&sid=" + url.QueryEscape(sid)
	}
	return scheme + "://" + e.host + e.path + "?" + q + e.query
}

func (d *Dialer) dial(ctx context.Context, baseURL string, s *Session) (*Conn, error) {
	if d.err != nil {
		return nil, d.err
	}
	ep, err := d.parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	dctx, cancel := context.WithTimeout(ctx, d.o.HandshakeTimeout)
	defer cancel()
	deadline, _ := dctx.Deadline()

	c := &Conn{ignorePings: d.o.IgnorePings, disconnects: d.discos, dialing: true, session: s}
	var hs Handshake
	var poll *polllink
	if d.polling {
		poll, hs, err = d.openPolling(dctx, ep)
		if err != nil {
			return nil, d.dialErr(ctx, dctx, err)
		}
		c.link = poll
	} else {
		ws, info, err := d.dialWS(dctx, ep.url(TransportWebSocket, ""))
		if err != nil {
			return nil, d.dialErr(ctx, dctx, err)
		}
		c.link, c.info = ws, info
	}
	stop := context.AfterFunc(dctx, c.link.abort)
	c.link.setReadDeadline(deadline)
	if !d.polling {
		hs, err = readOpen(c.link)
	}
	if err == nil {
		c.details.Handshake = time.Since(start)
		c.lastPing = time.Now()
		c.pingDeadline = hs.PingDeadline()
		err = c.connectNamespaces(d)
	}
	if !stop() && err == nil {
		err = errors.New("handshake deadline")
	}
	if err != nil {
		var ce *ConnectError
		if errors.As(err, &ce) {
			// The server is alive and answering: leave the way a client
			// that gives up does, so it does not keep a session (and, on
			// polling, wait for its ping timeout) for nothing.
			c.wmu.Lock()
			_ = c.link.end(d.discos[:len(c.details.Namespaces)], websocket.CloseNormalClosure, "")
			c.wmu.Unlock()
		}
		c.link.abort()
		return nil, d.dialErr(ctx, dctx, err)
	}
	c.details.NamespaceConnect = time.Since(start) - c.details.Handshake
	c.details.SID = hs.SID
	c.details.PingInterval = time.Duration(hs.PingInterval) * time.Millisecond
	c.details.PingTimeout = time.Duration(hs.PingTimeout) * time.Millisecond
	c.details.MaxPayload = hs.MaxPayload

	if d.upgrade && slices.Contains(hs.Upgrades, TransportWebSocket) {
		if err := c.drainPolling(poll); err != nil {
			c.link.abort()
			return nil, d.dialErr(ctx, dctx, err)
		}
		c.details.UpgradeErr = c.upgrade(ctx, dctx, d, ep.url(TransportWebSocket, hs.SID), poll)
		if ctx.Err() != nil {
			c.link.abort()
			return nil, d.dialErr(ctx, dctx, ctx.Err())
		}
	}
	c.details.Transport = c.link.name()
	c.dialing = false
	c.link.setReadDeadline(c.lastPing.Add(c.pingDeadline))
	return c, nil
}

// dialErr explains a failed Dial: the caller's context, the handshake
// deadline, or err itself.
func (d *Dialer) dialErr(ctx, dctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("socketio: dial: %w", ctx.Err())
	case errors.Is(dctx.Err(), context.DeadlineExceeded), isTimeout(err):
		return fmt.Errorf("socketio: %w after %v (%v)", transport.ErrHandshakeTimeout, d.o.HandshakeTimeout, err)
	}
	return err
}
