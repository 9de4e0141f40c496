package testserver

import (
	"time"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

// The Socket.IO packets the server sends, each as an Engine.IO message
// ("4" + the Socket.IO packet). args is always the inside of a JSON array
// ("" for no arguments), raw as a client sent it or as built here; a
// binary packet's attachments follow it as binary messages.

// connectPacket is the CONNECT ack: 40/nsp,{"sid":"<id>"}.
func connectPacket(nsp, id string) []byte {
	b := sio.AppendHeader([]byte{sio.EngineMessage}, sio.Connect, 0, nsp, -1)
	b = append(b, `{"sid":`...)
	b = sio.AppendString(b, id)
	return append(b, '}')
}

// connectErrorPacket is CONNECT_ERROR with a JSON payload: 44/nsp,{...}.
func connectErrorPacket(nsp string, payload []byte) []byte {
	b := sio.AppendHeader([]byte{sio.EngineMessage}, sio.ConnectErrorPacket, 0, nsp, -1)
	return append(b, payload...)
}

// disconnectPacket is the server-side DISCONNECT: 41 or 41/nsp,.
func disconnectPacket(nsp string) []byte {
	return sio.AppendHeader([]byte{sio.EngineMessage}, sio.Disconnect, 0, nsp, -1)
}

// eventPacket is EVENT (or BINARY_EVENT when attachments > 0) name(args),
// asking for an ack when id >= 0.
func eventPacket(nsp string, id int64, name string, args []byte, attachments int) []byte {
	typ := sio.Event
	if attachments > 0 {
		typ = sio.BinaryEvent
	}
	b := make([]byte, 0, 16+len(nsp)+len(name)+len(args))
	b = sio.AppendHeader(append(b, sio.EngineMessage), typ, attachments, nsp, id)
	b = append(b, '[')
	b = sio.AppendString(b, name)
	if len(args) > 0 {
		b = append(b, ',')
		b = append(b, args...)
	}
	return append(b, ']')
}

// ackPacket is ACK (or BINARY_ACK when attachments > 0) id with args.
func ackPacket(nsp string, id int64, args []byte, attachments int) []byte {
	typ := sio.Ack
	if attachments > 0 {
		typ = sio.BinaryAck
	}
	b := make([]byte, 0, 16+len(nsp)+len(args))
	b = sio.AppendHeader(append(b, sio.EngineMessage), typ, attachments, nsp, id)
	b = append(b, '[')
	b = append(b, args...)
	return append(b, ']')
}

// eventPackets is an event and its attachments, due at due.
func eventPackets(nsp string, id int64, name string, args []byte, atts [][]byte, due time.Time) []outPkt {
	return withAttachments(eventPacket(nsp, id, name, args, len(atts)), atts, due)
}

// ackPackets is an ack and its attachments, due at due.
func ackPackets(nsp string, id int64, args []byte, atts [][]byte, due time.Time) []outPkt {
	return withAttachments(ackPacket(nsp, id, args, len(atts)), atts, due)
}

func withAttachments(head []byte, atts [][]byte, due time.Time) []outPkt {
	pkts := make([]outPkt, 0, 1+len(atts))
	pkts = append(pkts, outPkt{data: head, due: due})
	for _, a := range atts {
		pkts = append(pkts, outPkt{data: a, binary: true, due: due})
	}
	return pkts
}
