package socketio

import (
	"encoding/json"
	"fmt"
	"slices"
)

// connectNamespaces connects each namespace in turn: CONNECT, then read
// until its acknowledgement, keeping any event that arrives meanwhile
// (with recovery, the replayed ones come before it). With a Session, a
// namespace it holds a pid for is resumed, and the pid of every
// acknowledgement goes into the Session at once, as the server now knows
// the connection by it even if the rest of Dial fails.
func (c *Conn) connectNamespaces(d *Dialer) error {
	var buf []byte
	for i, nsp := range d.o.Namespaces {
		connect, sent := d.connects[i], ""
		if c.session != nil {
			var offset []byte
			if sent, offset = c.session.resume(nsp); sent != "" {
				connect = AppendHeader(nil, Connect, 0, nsp, -1)
				connect = appendResumeData(connect, sent, offset, d.authMembers)
			}
		}
		c.wmu.Lock()
		err := c.link.send(EngineMessage, connect, nil)
		c.wmu.Unlock()
		if err != nil {
			return err
		}
		for acked := false; !acked; {
			pkt, p, _, err := c.next(buf, false)
			if err != nil {
				return err
			}
			buf = pkt[:0]
			var pid string
			acked, pid, err = c.onDialPacket(nsp, pkt, &p)
			if err != nil {
				return err
			}
			if acked {
				c.connected(i, nsp, sent, pid)
			}
		}
	}
	return nil
}

// connected records namespace i's recovery state once the server
// acknowledged its CONNECT, sent carrying pid sent ("" for none), with
// pid ("" for none).
func (c *Conn) connected(i int, nsp, sent, pid string) {
	if i == 0 {
		c.details.RecoveryOffered = pid != ""
		c.details.RecoveryAttempted = sent != ""
		c.details.Recovered = sent != "" && pid == sent
	}
	if c.session == nil {
		return
	}
	if r := c.session.connected(nsp, pid); r != nil {
		c.resume = append(c.resume, r)
	}
}

// onDialPacket handles a packet read during Dial while nsp is being
// connected; it reports whether it was nsp's acknowledgement, and the
// private session id that carried (recovery on), if any.
func (c *Conn) onDialPacket(nsp string, pkt []byte, p *Packet) (bool, string, error) {
	switch {
	case p.Type == Connect && p.In(nsp):
		var ack struct {
			SID string          `json:"sid"`
			PID json.RawMessage `json:"pid"`
		}
		if err := json.Unmarshal(p.Data, &ack); err != nil || ack.SID == "" {
			return false, "", fmt.Errorf("%w: CONNECT acknowledgement for %s without a sid: %q", ErrParse, nsp, clip(pkt))
		}
		c.details.Namespaces = append(c.details.Namespaces, Namespace{Name: nsp, SID: ack.SID})
		// A pid that is not a string offers nothing to resume: the
		// reference server would not take it back either.
		var pid string
		_ = json.Unmarshal(ack.PID, &pid)
		return true, pid, nil
	case p.Type == ConnectErrorPacket && p.In(nsp):
		msg, data := ConnectErrorPayload(p.Data)
		return false, "", &ConnectError{Namespace: nsp, Message: msg, Data: data}
	case p.Type == Disconnect:
		return false, "", &DisconnectError{Namespace: p.NamespaceName(), Reason: ReasonIOServerDisconnect}
	case p.Type == Event, p.Type == Ack, p.Type == BinaryEvent, p.Type == BinaryAck:
		c.keep(pkt)
		return false, "", nil
	}
	return false, "", fmt.Errorf("%w: %s for %s while connecting %s", ErrParse, p.Type, p.NamespaceName(), nsp)
}

// keep queues a packet (and its attachments) read during Dial.
func (c *Conn) keep(pkt []byte) {
	q := queued{pkt: slices.Clone(pkt)}
	for _, a := range c.atts {
		q.atts = append(q.atts, slices.Clone(a))
	}
	c.pending = append(c.pending, q)
	c.atts = nil
}
