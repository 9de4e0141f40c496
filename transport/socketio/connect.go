package socketio

import (
	"encoding/json"
	"fmt"
	"slices"
)

// connectNamespaces connects each namespace in turn: CONNECT, then read
// until its acknowledgement, keeping any event that arrives meanwhile.
func (c *Conn) connectNamespaces(d *Dialer) error {
	var buf []byte
	for i, nsp := range d.o.Namespaces {
		c.wmu.Lock()
		err := c.link.send(EngineMessage, d.connects[i], nil)
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
			acked, err = c.onDialPacket(nsp, pkt, &p)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// onDialPacket handles a packet read during Dial while nsp is being
// connected; it reports whether it was nsp's acknowledgement.
func (c *Conn) onDialPacket(nsp string, pkt []byte, p *Packet) (bool, error) {
	switch {
	case p.Type == Connect && p.In(nsp):
		var ack struct {
			SID string `json:"sid"`
		}
		if err := json.Unmarshal(p.Data, &ack); err != nil || ack.SID == "" {
			return false, fmt.Errorf("%w: CONNECT acknowledgement for %s without a sid: %q", ErrParse, nsp, clip(pkt))
		}
		c.details.Namespaces = append(c.details.Namespaces, Namespace{Name: nsp, SID: ack.SID})
		return true, nil
	case p.Type == ConnectErrorPacket && p.In(nsp):
		msg, data := ConnectErrorPayload(p.Data)
		return false, &ConnectError{Namespace: nsp, Message: msg, Data: data}
	case p.Type == Disconnect:
		return false, &DisconnectError{Namespace: p.NamespaceName(), Reason: ReasonIOServerDisconnect}
	case p.Type == Event, p.Type == Ack, p.Type == BinaryEvent, p.Type == BinaryAck:
		c.keep(pkt)
		return false, nil
	}
	return false, fmt.Errorf("%w: %s for %s while connecting %s", ErrParse, p.Type, p.NamespaceName(), nsp)
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
