package client

import (
	"unicode/utf8"

	"github.com/wsbench/wsbench/transport/socketio"
)

// Names unmatched messages are counted under when they carry none.
var (
	nameText   = []byte("(text)")
	nameBinary = []byte("(binary)")
	nameAck    = []byte("(ack)")
	nameOther  = []byte("(packet)")
)

// maxNameLen bounds a name taken from a message, so a field holding a
// whole payload does not become a key.
const maxNameLen = 64

// msgName names a message no step waited for, for the unexpected-traffic
// counts: a Socket.IO event's name; a WebSocket JSON object's first
// top-level "type" or "event" field (the usual ways apps name their
// messages);
// otherwise what kind of message it was. It does not allocate.
func (v *VU) msgName(data []byte) []byte {
	if v.sio {
		p, err := socketio.Parse(data)
		if err != nil {
			return nameOther
		}
		switch p.Type {
		case socketio.Event, socketio.BinaryEvent:
			if name, err := socketio.EventName(p.Data); err == nil && len(name) <= maxNameLen {
				return name
			}
		case socketio.Ack, socketio.BinaryAck:
			return nameAck
		}
		return nameOther
	}
	if val, ok := jsonScan(data, isNameKey); ok && len(val) > 0 && len(val) <= maxNameLen {
		return val
	}
	// The inbox keeps no message type: valid UTF-8 is what RFC 6455
	// requires of a text message, and binary payloads rarely are.
	if utf8.Valid(data) {
		return nameText
	}
	return nameBinary
}

// isNameKey accepts the keys apps name their messages with.
func isNameKey(key []byte) bool { return string(key) == "type" || string(key) == "event" }
