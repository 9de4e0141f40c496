package socketio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/internal/wire"
)

// dialWS opens a WebSocket; a refusal becomes a *transport.HandshakeError.
func (d *Dialer) dialWS(ctx context.Context, u string) (*wslink, transport.Info, error) {
	gd := &d.ws
	if strings.HasPrefix(u, "ws://") {
		gd = &d.wsPlain
	}
	c, resp, err := gd.DialContext(ctx, u, d.wsHeader)
	if err != nil {
		if resp != nil && errors.Is(err, websocket.ErrBadHandshake) {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			return nil, transport.Info{}, &transport.HandshakeError{Status: resp.StatusCode, Header: resp.Header, Body: body}
		}
		return nil, transport.Info{}, fmt.Errorf("socketio: websocket dial: %w", err)
	}
	c.SetReadLimit(d.o.MaxMessageSize)
	info := transport.Info{Subprotocol: c.Subprotocol()}
	if resp != nil {
		info.Extensions = resp.Header.Get("Sec-WebSocket-Extensions")
	}
	l := &wslink{c: c, writeTimeout: d.o.WriteTimeout}
	if tap, ok := c.UnderlyingConn().(*wire.Tap); ok {
		l.rd = wire.NewReader(c, tap, wire.Options{Pool: d.pool, MaxMessageSize: d.o.MaxMessageSize, WriteTimeout: d.o.WriteTimeout})
	} else {
		l.muteGorilla()
	}
	return l, info, nil
}

// readOpen reads the Engine.IO open packet a WebSocket starts with.
func readOpen(l link) (Handshake, error) {
	pkt, binary, err := l.read(nil)
	if err != nil {
		return Handshake{}, err
	}
	if binary {
		return Handshake{}, fmt.Errorf("%w: binary frame instead of the Engine.IO open packet", ErrParse)
	}
	return ParseOpen(pkt)
}

// openPolling runs the polling handshake: a GET without sid, answered by
// the open packet.
func (d *Dialer) openPolling(ctx context.Context, ep endpoint) (*polllink, Handshake, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.url(TransportPolling, ""), nil)
	if err != nil {
		return nil, Handshake{}, err
	}
	req.Header = d.getHdr
	resp, err := d.rt.RoundTrip(req)
	if err != nil {
		return nil, Handshake{}, fmt.Errorf("socketio: polling handshake: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, Handshake{}, &transport.HandshakeError{Status: resp.StatusCode, Header: resp.Header, Body: body}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, d.o.MaxMessageSize+1))
	if err != nil {
		return nil, Handshake{}, fmt.Errorf("socketio: polling handshake: %w", err)
	}
	if int64(len(body)) > d.o.MaxMessageSize {
		return nil, Handshake{}, transport.ErrMessageTooBig
	}
	open := body
	rest := []byte(nil)
	if i := indexRS(body); i >= 0 {
		open, rest = body[:i], body[i+1:]
	}
	hs, err := ParseOpen(open)
	if err != nil {
		return nil, hs, err
	}
	l := newPolllink(d.rt, ep.url(TransportPolling, hs.SID), d.getHdr, d.postHdr, d.o.WriteTimeout, d.o.MaxMessageSize)
	l.body = rest
	return l, hs, nil
}

func indexRS(b []byte) int {
	for i, c := range b {
		if c == RecordSeparator {
			return i
		}
	}
	return -1
}
