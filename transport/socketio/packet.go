package socketio

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// PacketType is a Socket.IO v5 packet type.
type PacketType byte

// Socket.IO packet types.
const (
	Connect PacketType = iota
	Disconnect
	Event
	Ack
	ConnectErrorPacket // CONNECT_ERROR; named apart from the ConnectError error type
	BinaryEvent
	BinaryAck
)

var packetTypeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// String names the type as the specification does.
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) {
		return packetTypeNames[t]
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Packet is a decoded Socket.IO packet header. Namespace and Data alias
// the parsed bytes: they are valid as long as those are.
type Packet struct {
	Type PacketType
	// Attachments is the number of binary attachments that follow a
	// BINARY_EVENT or BINARY_ACK.
	Attachments int
	// Namespace is empty for the main namespace "/".
	Namespace []byte
	// ID is the acknowledgement id, -1 when the packet carries none.
	ID int64
	// Data is the JSON payload, possibly empty.
	Data []byte
}

// In reports whether the packet belongs to namespace nsp ("/" or "/chat").
func (p *Packet) In(nsp string) bool {
	if len(p.Namespace) == 0 {
		return nsp == "/" || nsp == ""
	}
	return string(p.Namespace) == nsp
}

// NamespaceName is the packet's namespace as a string, "/" for the main one.
func (p *Packet) NamespaceName() string {
	if len(p.Namespace) == 0 {
		return "/"
	}
	return string(p.Namespace)
}

// maxID bounds an acknowledgement id and an attachment count; larger
// numbers are a parse error rather than an overflow.
const maxID = 1<<53 - 1

// Parse decodes a Socket.IO packet (the payload of an Engine.IO message
// packet, without its '4'). It does not allocate. A packet that breaks the
// specification is an error wrapping ErrParse.
func Parse(b []byte) (Packet, error) {
	p := Packet{ID: -1}
	if len(b) == 0 || b[0] < '0' || b[0] > '6' {
		return p, fmt.Errorf("%w: unknown Socket.IO packet type in %q", ErrParse, clip(b))
	}
	p.Type = PacketType(b[0] - '0')
	i := 1
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		n, j := digits(b, i)
		if j == i || j >= len(b) || b[j] != '-' || n > maxID {
			return p, fmt.Errorf("%w: %s without its attachment count in %q", ErrParse, p.Type, clip(b))
		}
		p.Attachments, i = int(n), j+1
	}
	if i < len(b) && b[i] == '/' {
		j := i
		for j < len(b) && b[j] != ',' {
			j++
		}
		if j == len(b) {
			// A packet may end right after its namespace (e.g. "1/chat").
			p.Namespace, i = b[i:j], j
		} else {
			p.Namespace, i = b[i:j], j+1
		}
	}
	if n, j := digits(b, i); j > i {
		if n > maxID {
			return p, fmt.Errorf("%w: acknowledgement id too large in %q", ErrParse, clip(b))
		}
		p.ID, i = n, j
	}
	p.Data = b[i:]
	switch p.Type {
	case Event, BinaryEvent:
		if _, err := EventName(p.Data); err != nil {
			return p, err
		}
	case Ack, BinaryAck:
		if p.ID < 0 || len(p.Data) == 0 || p.Data[0] != '[' {
			return p, fmt.Errorf("%w: %s needs an id and an array in %q", ErrParse, p.Type, clip(b))
		}
	case ConnectErrorPacket:
		if len(p.Data) == 0 {
			return p, fmt.Errorf("%w: CONNECT_ERROR without a payload", ErrParse)
		}
	}
	return p, nil
}

// digits reads a decimal number at b[i:], returning it and the index after
// it (i when there is none). It saturates instead of overflowing.
func digits(b []byte, i int) (int64, int) {
	var n int64
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		if n <= maxID {
			n = n*10 + int64(b[j]-'0')
		}
		j++
	}
	return n, j
}

// EventName returns the event name of an EVENT payload (`["name",...]`).
// The name aliases data unless it holds escapes.
func EventName(data []byte) ([]byte, error) {
	if len(data) < 3 || data[0] != '[' || data[1] != '"' {
		return nil, fmt.Errorf("%w: an event must be an array starting with its name, got %q", ErrParse, clip(data))
	}
	escaped := false
	for i := 2; i < len(data); i++ {
		switch data[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			if !escaped {
				return data[2:i], nil
			}
			var s string
			if err := json.Unmarshal(data[1:i+1], &s); err != nil {
				return nil, fmt.Errorf("%w: event name: %v", ErrParse, err)
			}
			return []byte(s), nil
		}
	}
	return nil, fmt.Errorf("%w: unterminated event name in %q", ErrParse, clip(data))
}

// ConnectErrorPayload decodes a CONNECT_ERROR payload: the server's message
// and the optional data its middleware attached.
func ConnectErrorPayload(data []byte) (message string, extra json.RawMessage) {
	var v struct {
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(data, &v) != nil || v.Message == "" {
		return string(clip(data)), nil
	}
	return v.Message, v.Data
}

// AppendHeader appends a packet header: type, attachment count for binary
// types, namespace unless it is "/", and id unless it is negative. The
// JSON payload follows.
func AppendHeader(dst []byte, t PacketType, attachments int, nsp string, id int64) []byte {
	dst = append(dst, '0'+byte(t))
	if t == BinaryEvent || t == BinaryAck {
		dst = strconv.AppendInt(dst, int64(attachments), 10)
		dst = append(dst, '-')
	}
	if nsp != "" && nsp != "/" {
		dst = append(dst, nsp...)
		dst = append(dst, ',')
	}
	if id >= 0 {
		dst = strconv.AppendInt(dst, id, 10)
	}
	return dst
}

// AppendPlaceholder appends the JSON object that stands for binary
// attachment num in a binary packet.
func AppendPlaceholder(dst []byte, num int) []byte {
	dst = append(dst, `{"_placeholder":true,"num":`...)
	dst = strconv.AppendInt(dst, int64(num), 10)
	return append(dst, '}')
}

// AppendString appends s as a JSON string.
func AppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
	}
	return append(dst, '"')
}
