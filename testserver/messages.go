package testserver

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// probe is the part of a JSON message the server looks at.
type probe struct {
	ID     json.RawMessage `json:"id"`
	Seq    json.RawMessage `json:"seq"`
	Client json.RawMessage `json:"client"`
}

var (
	seqKey           = []byte(`"seq"`)
	errNotObject     = []byte(`{"type":"error","error":"message is not a JSON object"}`)
	errNoID          = []byte(`{"type":"error","error":"message has no \"id\" field"}`)
	errBadJSONObject = []byte(`{"type":"error","error":"message is not valid JSON"}`)
)

// handle answers one received message as the connection's endpoint says.
// data is only valid until handle returns.
func (c *conn) handle(typ int, data []byte) {
	switch c.ep {
	case epJSON:
		reply := c.jsonReply(typ, data)
		c.send(outMsg{typ: websocket.TextMessage, data: reply}, false)
	case epBroadcast:
		c.s.trackSeq(typ, data)
		c.s.broadcast(c, typ, data)
	default:
		c.s.trackSeq(typ, data)
		c.send(outMsg{typ: typ, data: data}, false)
	}
}

// jsonReply builds the /json reply to data in the connection's reused
// reply buffer, and tracks the message's sequence number on the way.
func (c *conn) jsonReply(typ int, data []byte) []byte {
	if !looksLikeObject(data) {
		return errNotObject
	}
	var p probe
	if err := json.Unmarshal(data, &p); err != nil {
		return errBadJSONObject
	}
	if typ == websocket.TextMessage {
		c.s.observe(p)
	}
	if len(p.ID) == 0 || string(p.ID) == "null" {
		return errNoID
	}
	c.reply = appendReply(c.reply[:0], p.ID, time.Now().UnixMilli(), len(data))
	return c.reply
}

// appendReply appends {"id":<id>,"type":"reply","ts":<ms>,"size":<n>}
// with the id's raw bytes unchanged.
func appendReply(b []byte, id json.RawMessage, unixMilli int64, size int) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"type":"reply","ts":`...)
	b = strconv.AppendInt(b, unixMilli, 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	return append(b, '}')
}

// trackSeq feeds a text message to the sequence checker if it can be a
// JSON object with a "seq" field; everything else costs two byte scans.
func (s *Server) trackSeq(typ int, data []byte) {
	if typ != websocket.TextMessage || !looksLikeObject(data) || !bytes.Contains(data, seqKey) {
		return
	}
	var p probe
	if json.Unmarshal(data, &p) == nil {
		s.observe(p)
	}
}

// observe records p's seq for p's client, if it has both.
func (s *Server) observe(p probe) {
	seq, ok := seqOf(p.Seq)
	if !ok {
		return
	}
	key, ok := clientKey(p.Client)
	if !ok {
		return
	}
	s.seqs.observe(key, seq)
}

// looksLikeObject reports whether data starts, after JSON whitespace,
// with '{'.
func looksLikeObject(data []byte) bool {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\r', '\n':
		case '{':
			return true
		default:
			return false
		}
	}
	return false
}

// seqOf returns a JSON number holding an integer (1, or 1.0, or 1e3).
func seqOf(raw json.RawMessage) (int64, bool) {
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// clientKey returns the map key of a "client" value: a string's value, or
// a number's text as written. The client 7 and the client "7" are one.
func clientKey(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true
	default:
		return "", false
	}
}

// broadcast sends one message to every connection on /broadcast, the
// sender included. The payload is copied once and framed once.
func (s *Server) broadcast(from *conn, typ int, data []byte) {
	s.bmu.RLock()
	peers := from.peers[:0]
	for p := range s.bcast {
		peers = append(peers, p)
	}
	s.bmu.RUnlock()

	owned := bytes.Clone(data)
	var pm *websocket.PreparedMessage
	if len(peers) > 1 {
		pm, _ = websocket.NewPreparedMessage(typ, owned) // fails only for a bad type
	}
	for i, p := range peers {
		p.send(outMsg{typ: typ, data: owned, pm: pm}, true)
		peers[i] = nil // keep no closed connection alive
	}
	from.peers = peers[:0]
}
