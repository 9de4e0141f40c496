package socketio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Engine.IO v4 packet types, as the first byte of a text packet. A binary
// WebSocket frame is a binary message and carries no type byte.
const (
	EngineOpen    = '0'
	EngineClose   = '1'
	EnginePing    = '2'
	EnginePong    = '3'
	EngineMessage = '4'
	EngineUpgrade = '5'
	EngineNoop    = '6'
)

// RecordSeparator joins packets in a long-polling payload (Engine.IO v4).
const RecordSeparator = 0x1e

// Handshake is the Engine.IO open packet's content.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // milliseconds
	PingTimeout  int64    `json:"pingTimeout"`  // milliseconds
	MaxPayload   int64    `json:"maxPayload"`
}

// PingDeadline is how long after the last server ping the connection is
// considered dead: pingInterval + pingTimeout, as the reference client.
func (h *Handshake) PingDeadline() time.Duration {
	return time.Duration(h.PingInterval+h.PingTimeout) * time.Millisecond
}

// ParseOpen decodes an Engine.IO open packet ("0{...}").
func ParseOpen(pkt []byte) (Handshake, error) {
	var h Handshake
	if len(pkt) == 0 || pkt[0] != EngineOpen {
		return h, fmt.Errorf("%w: expected an Engine.IO open packet, got %q", ErrParse, clip(pkt))
	}
	if err := json.Unmarshal(pkt[1:], &h); err != nil {
		return h, fmt.Errorf("%w: open packet: %v", ErrParse, err)
	}
	if h.SID == "" || h.PingInterval <= 0 || h.PingTimeout <= 0 {
		return h, fmt.Errorf("%w: open packet lacks sid, pingInterval or pingTimeout: %q", ErrParse, clip(pkt))
	}
	return h, nil
}

// ErrParse marks a packet the server sent that does not follow the
// protocol. The connection cannot continue after one.
var ErrParse = errors.New("parse error")

// SplitPayload calls fn for each packet of a long-polling payload. Binary
// packets ("b" + base64) are decoded into scratch space and passed with
// binary set; text packets alias payload.
func SplitPayload(payload []byte, fn func(pkt []byte, binary bool) error) error {
	for len(payload) > 0 {
		pkt := payload
		if i := bytes.IndexByte(payload, RecordSeparator); i >= 0 {
			pkt, payload = payload[:i], payload[i+1:]
		} else {
			payload = nil
		}
		if len(pkt) == 0 {
			return fmt.Errorf("%w: empty packet in a polling payload", ErrParse)
		}
		if pkt[0] == 'b' {
			dec := make([]byte, base64.StdEncoding.DecodedLen(len(pkt)-1))
			n, err := base64.StdEncoding.Decode(dec, pkt[1:])
			if err != nil {
				return fmt.Errorf("%w: binary packet in a polling payload: %v", ErrParse, err)
			}
			if err := fn(dec[:n], true); err != nil {
				return err
			}
			continue
		}
		if err := fn(pkt, false); err != nil {
			return err
		}
	}
	return nil
}

// AppendPayloadBinary appends a binary packet in its long-polling form.
func AppendPayloadBinary(dst, data []byte) []byte {
	dst = append(dst, 'b')
	return base64.StdEncoding.AppendEncode(dst, data)
}

// clip shortens b for an error message.
func clip(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
