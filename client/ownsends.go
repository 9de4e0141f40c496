package client

import (
	"strconv"
	"sync"

	"github.com/wsbench/wsbench/transport/socketio"
)

// ownSends is what a client sent of its own tracked messages, for the
// senders whose messages come back to it (an echo, or a room that
// includes the sender). A number it never sent, because its queue
// dropped it or still held it at the end, is not lost on the way; one it
// sent after the last that came back is, if nothing came back. Without
// it, every dropped message would count as lost too.
type ownSends struct {
	mu sync.Mutex // senders write, the reader reads
	by map[string]*ownSender
}

// ownSender is one sender value's sends: the lowest and highest number
// written, and the numbers never written (excused from loss).
type ownSender struct {
	lo, hi  uint64
	excused map[uint64]struct{}
	// lostTo is hi when the connection last dropped or the network went:
	// a number up to it that never came back was lost. One written after
	// it may still have been on its way when the client closed at the
	// end, which is not a loss.
	lostTo uint64
}

// tracked returns the delivery fields of a message this client sends: a
// WebSocket message, or the tracked Socket.IO event's first argument.
func (v *VU) tracked(data []byte) (sender []byte, seq uint64, ok bool) {
	obj := data
	if v.sio {
		p, err := socketio.Parse(data)
		if err != nil || (p.Type != socketio.Event && p.Type != socketio.BinaryEvent) {
			return nil, 0, false
		}
		if obj = v.trackedArg(p.Data); obj == nil {
			return nil, 0, false
		}
	}
	cfg := v.deliv.cfg
	sender, ok = jsonField(obj, cfg.Sender)
	if !ok {
		return nil, 0, false
	}
	text, ok := jsonField(obj, cfg.Seq)
	if !ok {
		return nil, 0, false
	}
	seq, err := strconv.ParseUint(string(text), 10, 64)
	return sender, seq, err == nil
}

// wrote notes a tracked message the client wrote to the server.
func (v *VU) wrote(data []byte) {
	v.noteOwn(data, func(s *ownSender, seq uint64) {
		if s.hi == 0 || seq < s.lo {
			s.lo = seq
		}
		s.hi = max(s.hi, seq)
	})
}

// unsent notes a tracked message the client will never write.
func (v *VU) unsent(data []byte) {
	v.noteOwn(data, func(s *ownSender, seq uint64) {
		if s.excused == nil {
			s.excused = map[uint64]struct{}{}
		}
		s.excused[seq] = struct{}{}
	})
}

// noteOwn calls note with the record of data's sender, under the lock,
// when data is a tracked message.
func (v *VU) noteOwn(data []byte, note func(*ownSender, uint64)) {
	if v.deliv == nil {
		return
	}
	sender, seq, ok := v.tracked(data)
	if !ok {
		return
	}
	o := &v.deliv.own
	o.mu.Lock()
	note(o.sender(sender), seq)
	o.mu.Unlock()
}

// sender returns name's record, making it. Callers hold o.mu.
func (o *ownSends) sender(name []byte) *ownSender {
	s := o.by[string(name)]
	if s == nil {
		if o.by == nil {
			o.by = map[string]*ownSender{}
		}
		s = &ownSender{}
		o.by[string(name)] = s
	}
	return s
}

// excusedIn counts, and forgets, the excused numbers in [lo, hi] of
// sender name.
func (o *ownSends) excusedIn(name string, lo, hi uint64) uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.by[name]
	if s == nil || lo > hi {
		return 0
	}
	var n uint64
	for seq := range s.excused {
		if seq >= lo && seq <= hi {
			n++
			delete(s.excused, seq)
		}
	}
	return n
}

// span returns what the client wrote as sender name, up to the last
// connection loss (see lostTo): ok false when it wrote nothing under that
// name.
func (o *ownSends) span(name string) (lo, hi uint64, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.by[name]
	if s == nil || s.hi == 0 {
		return 0, 0, false
	}
	return s.lo, s.lostTo, true
}

// lostConnection notes that the connection dropped or the network went:
// what was written so far and never comes back was lost.
func (d *deliveries) lostConnection() {
	o := &d.own
	o.mu.Lock()
	for _, s := range o.by {
		s.lostTo = s.hi
	}
	o.mu.Unlock()
}

// allWritten counts the numbers the client wrote under every sender name
// up to its last connection loss, less the numbers it never wrote.
func (o *ownSends) allWritten() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n uint64
	for _, s := range o.by {
		if s.lostTo == 0 || s.lostTo < s.lo {
			continue
		}
		span := s.lostTo - s.lo + 1
		var excused uint64
		for seq := range s.excused {
			if seq >= s.lo && seq <= s.lostTo {
				excused++
			}
		}
		n += span - min(span, excused)
	}
	return n
}
