package testserver

import (
	"bytes"
	"encoding/json"
	"time"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

// sioMaxAttachments bounds the attachments of one binary packet, as the
// reference server's parser (maxAttachments).
const sioMaxAttachments = 10

// binaryPacket is a BINARY_EVENT or BINARY_ACK waiting for its
// attachments; it owns its bytes.
type binaryPacket struct {
	p    sio.Packet
	atts [][]byte
}

// receive handles one Engine.IO packet from the client: text with its
// type byte, or a binary message. pkt is only valid during the call. It
// reports whether the session is still open, so that a POST stops
// reading a payload once it is not.
func (e *eioSession) receive(pkt []byte, binary bool) bool {
	e.x.stats.packetsIn.Add(1)
	if !binary && len(pkt) > 0 && pkt[0] == sio.EnginePong {
		return e.onPong()
	}
	e.mu.Lock()
	open := e.state == stOpen
	if open {
		e.activityLocked(time.Now())
	}
	e.mu.Unlock()
	if !open {
		return false // as the reference server: packets after a close are ignored
	}

	e.inMu.Lock()
	defer e.inMu.Unlock()
	switch {
	case binary:
		e.onAttachment(pkt)
	case len(pkt) == 0:
		e.close("parse error", closeNow)
	case pkt[0] == sio.EngineMessage:
		e.onMessage(pkt[1:])
	case pkt[0] == sio.EngineClose:
		e.close("transport close", closeGone)
	case pkt[0] == sio.EnginePing:
		// In Engine.IO v4 the server pings; the reference server calls
		// a client ping "invalid heartbeat direction".
		e.close("transport error", closeNow)
	case pkt[0] == sio.EngineOpen, pkt[0] == sio.EngineUpgrade, pkt[0] == sio.EngineNoop:
		// ignored, as by the reference server
	default:
		e.close("parse error", closeNow)
	}
	return e.isOpen()
}

// onMessage handles the Socket.IO packet in an Engine.IO message. inMu
// is held.
func (e *eioSession) onMessage(data []byte) {
	if e.bin != nil {
		e.protocolError() // text while attachments are due
		return
	}
	p, err := sio.Parse(data)
	if err != nil || !payloadValid(p) {
		e.protocolError()
		return
	}
	if p.Type == sio.BinaryEvent || p.Type == sio.BinaryAck {
		if p.Attachments < 1 || p.Attachments > sioMaxAttachments {
			e.protocolError()
			return
		}
		p.Namespace, p.Data = bytes.Clone(p.Namespace), bytes.Clone(p.Data)
		e.bin = &binaryPacket{p: p, atts: make([][]byte, 0, p.Attachments)}
		return
	}
	e.dispatch(p, nil)
}

// onAttachment takes one binary attachment of the pending binary packet.
// inMu is held.
func (e *eioSession) onAttachment(data []byte) {
	if e.bin == nil {
		e.protocolError() // binary data nobody announced
		return
	}
	e.bin.atts = append(e.bin.atts, bytes.Clone(data))
	if len(e.bin.atts) < e.bin.p.Attachments {
		return
	}
	b := e.bin
	e.bin = nil
	e.dispatch(b.p, b.atts)
}

// protocolError ends the session after a Socket.IO packet the reference
// parser rejects: as there, its sockets disconnect and the engine closes
// after what is queued, both with "forced close".
func (e *eioSession) protocolError() {
	e.x.stats.protocolErrors.Add(1)
	e.close("forced close", closeFlush)
}

// reservedEvents are names a client may not emit (the reference parser's
// RESERVED_EVENTS).
var reservedEvents = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

// payloadValid checks a parsed packet's payload as the reference parser
// does (isPayloadValid): Parse checks the framing, not the JSON.
func payloadValid(p sio.Packet) bool {
	d := p.Data
	switch p.Type {
	case sio.Connect:
		return len(d) == 0 || (d[0] == '{' && json.Valid(d))
	case sio.Disconnect:
		return len(d) == 0
	case sio.ConnectErrorPacket:
		return (d[0] == '{' || d[0] == '"') && json.Valid(d)
	case sio.Event, sio.BinaryEvent:
		if !json.Valid(d) {
			return false
		}
		name, err := sio.EventName(d)
		return err == nil && !reservedEvents[string(name)]
	case sio.Ack, sio.BinaryAck:
		return json.Valid(d)
	}
	return false
}

// dispatch routes a complete Socket.IO packet to its namespace's socket.
// inMu is held.
func (e *eioSession) dispatch(p sio.Packet, atts [][]byte) {
	k := e.socket(p.Namespace)
	switch {
	case k == nil && p.Type == sio.Connect:
		e.connect(p.NamespaceName(), p.Data)
	case k != nil && p.Type != sio.Connect && p.Type != sio.ConnectErrorPacket:
		k.onPacket(p, atts)
	default:
		// As the reference server: a packet for a namespace that is not
		// connected, or a second CONNECT, ends the whole client.
		e.x.stats.protocolErrors.Add(1)
		e.dropSockets("forced server close")
		e.close("forced close", closeFlush)
	}
}
