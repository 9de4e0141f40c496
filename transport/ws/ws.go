package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/internal/wire"
)

// Options configure a Dialer. A zero field means the documented default.
type Options struct {
	// Header is sent with every opening handshake. It is read, never
	// modified, and may be shared.
	Header       http.Header
	Subprotocols []string
	// TLS configures wss:// targets; nil uses the system roots.
	TLS *tls.Config
	// Compression offers permessage-deflate.
	Compression bool
	// MaxMessageSize bounds a received message; default 16 MiB.
	MaxMessageSize int64
	// HandshakeTimeout bounds TCP connect, TLS and upgrade; default 10s.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds each write; default 10s.
	WriteTimeout time.Duration
	// ReadBufferSize is the read buffer; default 512 B. Larger messages
	// are read through it, just with more calls. On ws:// without
	// compression a connection holds it only while bytes are unread.
	ReadBufferSize int
	// NetDial replaces the TCP dial (for source addresses, tests).
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Defaults of Options.
const (
	DefaultMaxMessageSize   = 16 << 20
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultReadBufferSize   = 512
)

// Dialer opens WebSocket connections. It is safe for concurrent use.
type Dialer struct {
	d websocket.Dialer
	// plain dials ws:// through a wire.Tap, for our own reader; nil with
	// compression, which only gorilla's reader inflates.
	plain        *websocket.Dialer
	pool         *wire.Pool
	header       http.Header
	maxMsg       int64
	writeTimeout time.Duration
}

var _ transport.Dialer = (*Dialer)(nil)

// writePool lends write buffers to connections only while they write, so
// idle connections cost no write buffer.
var writePool = &sync.Pool{}

// NewDialer returns a Dialer for o.
func NewDialer(o Options) *Dialer {
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.ReadBufferSize <= 0 {
		o.ReadBufferSize = DefaultReadBufferSize
	}
	d := &Dialer{
		d: websocket.Dialer{
			NetDialContext:    o.NetDial,
			TLSClientConfig:   o.TLS,
			HandshakeTimeout:  o.HandshakeTimeout,
			ReadBufferSize:    o.ReadBufferSize,
			WriteBufferPool:   writePool,
			Subprotocols:      o.Subprotocols,
			EnableCompression: o.Compression,
			Proxy:             nil, // load goes where the scenario says, not through an environment proxy
		},
		header:       o.Header,
		maxMsg:       o.MaxMessageSize,
		writeTimeout: o.WriteTimeout,
	}
	if d.d.NetDialContext == nil {
		nd := &net.Dialer{}
		d.d.NetDialContext = nd.DialContext
	}
	if !o.Compression {
		p := d.d
		dial := d.d.NetDialContext
		p.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return wire.NewTap(c), nil
		}
		// gorilla's own reader serves only the handshake: the smallest
		// buffer it takes (125 B) instead of one held for the
		// connection's life.
		p.ReadBufferSize = 1
		d.plain, d.pool = &p, wire.NewPool(o.ReadBufferSize)
	}
	return d
}

// Dial connects to url and completes the WebSocket handshake.
func (d *Dialer) Dial(ctx context.Context, url string) (transport.Conn, error) {
	gd := &d.d
	if d.plain != nil && strings.HasPrefix(url, "ws://") {
		gd = d.plain
	}
	c, resp, err := gd.DialContext(ctx, url, d.header)
	if err != nil {
		if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			return nil, &transport.HandshakeError{Status: resp.StatusCode, Header: resp.Header, Body: body}
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			return nil, errors.Join(transport.ErrHandshakeTimeout, err)
		}
		return nil, err
	}
	c.SetReadLimit(d.maxMsg)
	wc := &conn{c: c, writeTimeout: d.writeTimeout, maxMsg: d.maxMsg}
	if tap, ok := c.UnderlyingConn().(*wire.Tap); ok {
		wc.rd = wire.NewReader(c, tap, wire.Options{Pool: d.pool, MaxMessageSize: d.maxMsg, WriteTimeout: d.writeTimeout})
	} else {
		wc.muteGorilla()
	}
	wc.info.Subprotocol = c.Subprotocol()
	if resp != nil {
		wc.info.Extensions = resp.Header.Get("Sec-WebSocket-Extensions")
	}
	return wc, nil
}

// conn adapts *websocket.Conn to transport.Conn.
type conn struct {
	c            *websocket.Conn
	rd           *wire.Reader // reads instead of c when set
	writeTimeout time.Duration
	maxMsg       int64
	info         transport.Info
	muted        atomic.Bool
}

var (
	_ transport.Conn   = (*conn)(nil)
	_ transport.Poller = (*conn)(nil)
	_ transport.Cutter = (*conn)(nil)
)

// muteGorilla wraps gorilla's ping and close handlers, which reply from
// inside its reader, so that a muted connection does not reply. They are
// installed at Dial because gorilla's handlers may not be replaced while
// a reader runs, and Mute may come at any time.
func (c *conn) muteGorilla() {
	ping, closed := c.c.PingHandler(), c.c.CloseHandler()
	c.c.SetPingHandler(func(data string) error {
		if c.muted.Load() {
			return nil
		}
		return ping(data)
	})
	c.c.SetCloseHandler(func(code int, text string) error {
		if c.muted.Load() {
			return nil
		}
		return closed(code, text)
	})
}

func (c *conn) ReadMessage(buf []byte) (transport.MessageType, []byte, error) {
	if c.rd != nil {
		t, data, err := c.rd.ReadMessage(buf)
		return transport.MessageType(t), data, err
	}
	t, r, err := c.c.NextReader()
	if err != nil {
		return 0, nil, convertReadErr(err)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > c.maxMsg {
			// Only reachable with compression: gorilla limits the bytes
			// on the wire, and a small frame may inflate past the limit.
			_ = c.Close(1009, "message too big")
			return 0, nil, transport.ErrMessageTooBig
		}
		if err == io.EOF {
			return transport.MessageType(t), buf, nil
		}
		if err != nil {
			return 0, nil, convertReadErr(err)
		}
	}
}

func convertReadErr(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return &transport.CloseError{Code: ce.Code, Reason: ce.Text}
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		return transport.ErrMessageTooBig
	}
	return err
}

func (c *conn) WriteMessage(t transport.MessageType, data []byte) error {
	if c.muted.Load() {
		return transport.ErrMuted
	}
	if err := c.c.SetWriteDeadline(time.Now().Add(c.writeTimeout)); err != nil {
		return err
	}
	err := c.c.WriteMessage(int(t), data)
	if errors.Is(err, websocket.ErrCloseSent) {
		return transport.ErrClosing
	}
	return err
}

func (c *conn) Ping(data []byte) error {
	if c.muted.Load() {
		return nil
	}
	return c.c.WriteControl(websocket.PingMessage, data, time.Now().Add(c.writeTimeout))
}

// TryReadMessage is ReadMessage that does not wait for a message that
// has not begun to arrive, when the connection can be polled.
func (c *conn) TryReadMessage(buf []byte) (transport.MessageType, []byte, bool, error) {
	if c.rd == nil {
		t, data, err := c.ReadMessage(buf)
		return t, data, err == nil, err
	}
	t, data, ok, err := c.rd.TryReadMessage(buf)
	return transport.MessageType(t), data, ok, err
}

// WhenReadable calls f when TryReadMessage may make progress; false on
// wss://, with compression, or where there is no poller.
func (c *conn) WhenReadable(f func()) bool { return c.rd != nil && c.rd.WhenReadable(f) }

func (c *conn) SetPongHandler(f func()) {
	if c.rd != nil {
		c.rd.SetPongHandler(f)
		return
	}
	c.c.SetPongHandler(func(string) error { f(); return nil })
}

func (c *conn) Close(code int, reason string) error {
	if c.muted.Load() {
		return nil
	}
	msg := websocket.FormatCloseMessage(code, reason)
	return c.c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.writeTimeout))
}

func (c *conn) Abort() error {
	if c.rd != nil {
		return c.rd.Abort()
	}
	return c.c.Close()
}

// Mute silences the connection (see transport.Cutter). On wss:// and with
// compression gorilla reads, and it still writes the close frame it
// sends on its own for a protocol error or an oversized message: a
// broken peer, which a cut path would not reveal either way.
func (c *conn) Mute() {
	c.muted.Store(true)
	if c.rd != nil {
		c.rd.Mute()
	}
}

// Reset closes the connection with a TCP reset (see transport.Cutter).
func (c *conn) Reset() error {
	if c.rd != nil {
		return c.rd.Reset()
	}
	err := wire.Reset(c.c.UnderlyingConn())
	_ = c.c.Close() // gorilla's own close finds the connection closed
	return err
}

func (c *conn) Info() transport.Info { return c.info }
