package client

import (
	"errors"
	"regexp"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/socketio"
)

// emitStep renders one Socket.IO event and delivers it (or queues it while
// the namespace is not connected), then waits for its acknowledgement or
// reply event when the step asks for one.
func (v *VU) emitStep(e *scenario.Emit) {
	if e.Args != nil {
		v.nextSeq(e.Args.JSON)
	}
	typ, natt := socketio.Event, 0
	var att [][]byte
	if e.Args != nil && len(e.Args.Attachments) > 0 {
		typ, natt, att = socketio.BinaryEvent, len(e.Args.Attachments), e.Args.Attachments
	}
	id := int64(-1)
	var p *pending
	now := v.clock.Now()
	switch {
	case e.Ack != nil:
		// Ids are unique for the VU's life, so a late ack from an earlier
		// connection can never be taken for this one's.
		v.ackSeq++
		id = v.ackSeq
		p = &pending{kind: pendAck, ackID: id, ns: e.Namespace, sentAt: now}
	case e.Expect != nil:
		p = &pending{kind: pendEvent, event: e.Expect.Event, ns: e.Expect.Namespace, re: e.Expect.RE, sentAt: now}
	}
	b := socketio.AppendHeader(v.sendBuf[:0], typ, natt, e.Namespace, id)
	b = append(b, '[')
	b = socketio.AppendString(b, e.Event)
	if e.Args != nil {
		b = append(b, ',')
		b = e.Args.JSON.Append(b, &v.vars)
	}
	v.sendBuf = append(b, ']')

	timeout := scenario.Duration(0)
	if p != nil {
		v.expect(p) // before sending: the reply may beat the write's return
		if e.Ack != nil {
			timeout = e.Ack.Timeout
		} else {
			timeout = e.Expect.Timeout
		}
	}
	if !v.deliver(transport.Text, v.sendBuf, att) {
		if p != nil {
			if v.pending.CompareAndSwap(p, nil) {
				v.rec.Inc(metrics.ExpectUnsent)
			} else {
				<-v.expectDone
			}
		}
		return
	}
	if p != nil {
		v.await(p, timeout.D())
	}
}

// expectEvent waits for a server-pushed event, first among the recent
// events nobody took, then as they arrive.
func (v *VU) expectEvent(e *scenario.EventExpect) {
	p := &pending{kind: pendEvent, event: e.Event, ns: e.Namespace, re: e.RE, sentAt: v.clock.Now(), push: true}
	match := func(data []byte) bool { return matchesEvent(data, e.Event, e.Namespace, e.RE) }
	v.awaitPush(p, match, e.Timeout.D())
}

func matchesAck(data []byte, id int64, ns string) bool {
	p, err := socketio.Parse(data)
	return err == nil && (p.Type == socketio.Ack || p.Type == socketio.BinaryAck) && p.ID == id && p.In(ns)
}

func matchesEvent(data []byte, event, ns string, re *regexp.Regexp) bool {
	p, err := socketio.Parse(data)
	if err != nil || (p.Type != socketio.Event && p.Type != socketio.BinaryEvent) || !p.In(ns) {
		return false
	}
	name, err := socketio.EventName(p.Data)
	return err == nil && string(name) == event && (re == nil || re.Match(p.Data))
}

// onPacket routes a Socket.IO packet: delivery tracking and the server's
// ack requests for events, then the wait it completes, if any. Events
// nobody waits for are kept for a later expect_event; acks nobody waits for
// (late ones) are counted as unmatched.
func (v *VU) onPacket(t transport.MessageType, data []byte) {
	p, err := socketio.Parse(data)
	if err != nil {
		return // the connection parsed it already; cannot happen
	}
	event := p.Type == socketio.Event || p.Type == socketio.BinaryEvent
	tracked := false
	if event {
		if v.deliv != nil {
			tracked = v.trackEvent(p.Data)
		}
		if p.ID >= 0 {
			v.answerAck(&p)
		}
	}
	if v.tryPending(v.pending.Load(), t, data) || tracked {
		return // a tracked delivery is expected traffic, kept out of the inbox
	}
	if !event {
		v.rec.Unmatched(v.msgName(data))
		return
	}
	v.keep(t, data)
}

// answerAck acknowledges an event the server emitted with an ack
// callback, with no arguments, as an app's handler that returns nothing:
// a server awaiting it would otherwise time out.
func (v *VU) answerAck(p *socketio.Packet) {
	typ := socketio.Ack
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn == nil || v.state != Open {
		return
	}
	v.ackBuf = socketio.AppendHeader(v.ackBuf[:0], typ, 0, p.NamespaceName(), p.ID)
	v.ackBuf = append(v.ackBuf, '[', ']')
	if err := v.conn.WriteMessage(transport.Text, v.ackBuf); err != nil {
		v.writeFailed(v.conn, err)
		return
	}
	v.rec.Inc(metrics.MsgsSent)
	v.rec.Add(metrics.BytesSent, int64(len(v.ackBuf)))
}

// trackEvent feeds an event's first argument to the delivery tracker when
// the event is the tracked one, and reports whether it was tracked.
func (v *VU) trackEvent(data []byte) bool {
	arg := v.trackedArg(data)
	return arg != nil && v.deliv.observe(arg, v.clock.Now(), v.rec)
}

// trackedArg returns the first argument of an event's JSON array (name
// first) when the event is the one client.delivery tracks, else nil.
func (v *VU) trackedArg(data []byte) []byte {
	name, err := socketio.EventName(data)
	if err != nil || (v.deliv.cfg.Event != "" && string(name) != v.deliv.cfg.Event) {
		return nil
	}
	i := skipString(data, 1) // past the name
	if i < 0 {
		return nil
	}
	i = skipSpace(data, i)
	if i >= len(data) || data[i] != ',' {
		return nil
	}
	i = skipSpace(data, i+1)
	end := skipValue(data, i)
	if end < 0 {
		return nil
	}
	return data[i:end]
}

// recordSocketIO records the phases of a Socket.IO connect.
func (v *VU) recordSocketIO(conn transport.Conn) {
	c, ok := conn.(*socketio.Conn)
	if !ok {
		return
	}
	d := c.Details()
	if d.RecoveryAttempted {
		v.rec.Inc(metrics.RecoveryAttempts)
		if d.Recovered {
			v.rec.Inc(metrics.RecoveryRecovered)
		}
	}
	v.rec.Observe(metrics.Handshake, d.Handshake)
	v.rec.Observe(metrics.NamespaceConnect, d.NamespaceConnect)
	switch {
	case d.Upgraded:
		v.rec.Observe(metrics.Upgrade, d.Upgrade)
		v.rec.Inc(metrics.UpgradesSucceeded)
	case d.UpgradeErr != nil:
		v.rec.Inc(metrics.UpgradesFailed)
	}
}

// classifySocketIODrop names a Socket.IO drop with Socket.IO's own
// disconnect reasons; a WebSocket close code is kept when there was one.
func classifySocketIODrop(err error) (metrics.Cause, int) {
	code := 0
	var ce *transport.CloseError
	if errors.As(err, &ce) {
		code = ce.Code
	}
	switch socketio.Reason(err) {
	case socketio.ReasonIOServerDisconnect:
		return metrics.CauseIOServerDisconnect, code
	case socketio.ReasonPingTimeout:
		return metrics.CausePingTimeout, code
	case socketio.ReasonParseError:
		return metrics.CauseParseError, code
	case socketio.ReasonTransportClose:
		return metrics.CauseTransportClose, code
	}
	return metrics.CauseTransportError, code
}

// classifySocketIODial adds CONNECT_ERROR to the WebSocket connect causes.
func classifySocketIODial(err error) (metrics.Cause, int) {
	var ce *socketio.ConnectError
	if errors.As(err, &ce) {
		return metrics.CauseConnectError, 0
	}
	if errors.Is(err, socketio.ErrParse) {
		return metrics.CauseParseError, 0
	}
	return classifyDial(err)
}
