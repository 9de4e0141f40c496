package socketio

import (
	"context"
	"fmt"
	"time"
)

// probe is the payload of the upgrade probe: the client pings "probe" on
// the new WebSocket and the server pongs it back.
var probe = []byte("probe")

// drainPolling reads what the last long-poll payload still holds, so that
// nothing the server sent over polling is lost when the WebSocket takes
// over. Events are kept for ReadMessage, pings answered.
func (c *Conn) drainPolling(poll *polllink) error {
	var buf []byte
	for poll.buffered() {
		pkt, p, _, err := c.next(buf, false)
		if err != nil {
			return err
		}
		buf = pkt[:0]
		switch p.Type {
		case Event, Ack, BinaryEvent, BinaryAck:
			c.keep(pkt)
		case Disconnect:
			return &DisconnectError{Namespace: p.NamespaceName(), Reason: ReasonIOServerDisconnect}
		default:
			return fmt.Errorf("%w: %s for %s after the namespaces were connected", ErrParse, p.Type, p.NamespaceName())
		}
	}
	return nil
}

// upgrade moves c from polling to WebSocket as Engine.IO v4 prescribes:
// open a WebSocket with the session id, send "2probe", expect "3probe",
// send "5"; the server then sends everything over the WebSocket. No
// long-poll is pending meanwhile (the reader is not running yet), so the
// server keeps what it has to send until the upgrade completes. On
// failure c stays on polling and the error says why.
func (c *Conn) upgrade(ctx, dctx context.Context, d *Dialer, u string, poll *polllink) error {
	start := time.Now()
	ws, info, err := d.dialWS(dctx, u)
	if err != nil {
		return fmt.Errorf("socketio: upgrade: %w", d.dialErr(ctx, dctx, err))
	}
	stop := context.AfterFunc(dctx, ws.abort)
	defer stop()
	deadline, _ := dctx.Deadline()
	ws.setReadDeadline(deadline)
	fail := func(err error) error {
		ws.abort()
		return fmt.Errorf("socketio: upgrade: %w", d.dialErr(ctx, dctx, err))
	}
	if err := ws.send(EnginePing, probe, nil); err != nil {
		return fail(err)
	}
	pkt, binary, err := ws.read(nil)
	if err != nil {
		return fail(err)
	}
	if binary || len(pkt) != 1+len(probe) || pkt[0] != EnginePong || string(pkt[1:]) != string(probe) {
		return fail(fmt.Errorf("%w: expected the probe's pong, got %q", ErrParse, clip(pkt)))
	}
	if err := ws.send(EngineUpgrade, nil, nil); err != nil {
		return fail(err)
	}
	if !stop() {
		return fail(fmt.Errorf("handshake deadline"))
	}
	poll.abort()
	c.link, c.info = ws, info
	c.details.Upgraded = true
	c.details.Upgrade = time.Since(start)
	return nil
}
