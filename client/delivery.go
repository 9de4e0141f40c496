package client

import (
	"math/bits"
	"strconv"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// deliveries tracks, for one receiver, the tracked messages of every
// sender: latency from the sender's clock, and lost, duplicated and
// out-of-order arrivals from the senders' sequence numbers. Owned by the
// VU's reader; not safe for concurrent use.
type deliveries struct {
	cfg     *scenario.Delivery
	senders map[string]*window
	// The receiver's last time without a connection: from the end of the
	// previous one to the start of the dial that opened this one. A
	// message sent in it can only have arrived replayed (a Socket.IO
	// server's connection state recovery).
	downAt, dialAt time.Time
	// own is what the client itself sent (ownsends.go).
	own ownSends
}

// disconnected notes the end of the receiver's connection.
func (d *deliveries) disconnected(at time.Time) { d.downAt = at }

// connecting notes the start of the dial that opened the receiver's
// connection.
func (d *deliveries) connecting(at time.Time) { d.dialAt = at }

// sentStampSlack allows for a send time written in whole milliseconds: a
// message sent just after the dial began may carry an earlier stamp.
const sentStampSlack = time.Millisecond

// window is what a receiver saw of one sender: the highest sequence
// number and a bitmap of the 64 numbers up to it (bit k: last-k arrived),
// so a late arrival within 64 tells a duplicate from a reordering. A
// number is counted lost only when it leaves the window, or at the end,
// so a reordered message is never counted lost first.
type window struct {
	first, last uint64
	seen        uint64
}

const windowSize = 64

func newDeliveries(cfg *scenario.Delivery) *deliveries {
	return &deliveries{cfg: cfg, senders: map[string]*window{}}
}

// observe tracks one message (a JSON object) and reports whether it was a
// tracked one; messages without the configured fields are ignored.
func (d *deliveries) observe(obj []byte, now time.Time, rec recorder) bool {
	sender, ok := jsonField(obj, d.cfg.Sender)
	if !ok {
		return false
	}
	seqText, ok := jsonField(obj, d.cfg.Seq)
	if !ok {
		return false
	}
	seq, err := strconv.ParseUint(string(seqText), 10, 64)
	if err != nil {
		return false
	}
	rec.Inc(metrics.DeliveriesReceived)
	if at, ok := jsonField(obj, d.cfg.SentAt); ok {
		if v, err := strconv.ParseInt(string(at), 10, 64); err == nil {
			sent := sentTime(v)
			rec.Observe(metrics.Delivery, max(now.Sub(sent), 0))
			if !d.downAt.IsZero() && sent.After(d.downAt) && sent.Before(d.dialAt.Add(-sentStampSlack)) {
				rec.Inc(metrics.DeliveriesReplayed)
			}
		}
	}
	w := d.senders[string(sender)]
	if w == nil {
		d.senders[string(sender)] = &window{first: seq, last: seq, seen: 1}
		return true
	}
	lost, dup, late := w.add(seq)
	if lost > 0 && seq > windowSize {
		// Numbers the client itself never sent left the window unseen:
		// they are not lost on the way.
		lost -= min(lost, d.own.excusedIn(string(sender), w.first, seq-windowSize))
	}
	if lost > 0 {
		rec.Add(metrics.DeliveriesLost, int64(lost))
	}
	if dup {
		rec.Inc(metrics.DeliveriesDuplicated)
	}
	if late {
		rec.Inc(metrics.DeliveriesOutOfOrder)
	}
	return true
}

// sentTime reads a sender's clock in unix milliseconds or microseconds:
// milliseconds are below 1e14 until the year 5138, microseconds above
// since 1973.
func sentTime(v int64) time.Time {
	if v < 1e14 {
		return time.UnixMilli(v)
	}
	return time.UnixMicro(v)
}

// add records seq and returns how many numbers became definitely lost,
// and whether seq was a duplicate or arrived out of order.
func (w *window) add(seq uint64) (lost uint64, dup, late bool) {
	if seq > w.last {
		shift := seq - w.last
		lost = w.missingLeaving(shift)
		if shift >= windowSize {
			w.seen = 1
		} else {
			w.seen = w.seen<<shift | 1
		}
		w.last = seq
		return lost, false, false
	}
	off := w.last - seq
	if off >= windowSize || seq < w.first {
		// Too old to tell apart: it was counted lost when it left the
		// window (or precedes the first one seen); it is late, not a duplicate.
		return 0, false, true
	}
	bit := uint64(1) << off
	if w.seen&bit != 0 {
		return 0, true, false
	}
	w.seen |= bit
	return 0, false, true
}

// missingLeaving counts the numbers not seen that leave the window when it
// moves up by shift, including those it skips entirely.
func (w *window) missingLeaving(shift uint64) uint64 {
	var lost uint64
	if shift > windowSize {
		lost = shift - windowSize // skipped without ever entering the window
	}
	// Positions k >= windowSize-shift leave; only numbers >= first count.
	from := uint64(0)
	if shift < windowSize {
		from = windowSize - shift
	}
	valid := w.validMask()
	leaving := valid &^ (uint64(1)<<from - 1)
	if from == 0 {
		leaving = valid
	}
	return lost + uint64(bits.OnesCount64(leaving&^w.seen))
}

// validMask has bit k set when last-k >= first (a number that was due).
func (w *window) validMask() uint64 {
	span := w.last - w.first + 1
	if span >= windowSize {
		return ^uint64(0)
	}
	return uint64(1)<<span - 1
}

// finish counts the numbers still missing in every window as lost. For
// the client's own messages that came back, it also counts those it wrote
// before the first or after the last that came back, and leaves out those
// it never wrote.
func (d *deliveries) finish(rec recorder) {
	var lost uint64
	for name, w := range d.senders {
		n := uint64(bits.OnesCount64(w.validMask() &^ w.seen))
		lo, hi, own := d.own.span(name)
		if own {
			inWindow := w.first
			if w.last-w.first+1 > windowSize {
				inWindow = w.last - windowSize + 1
			}
			// min: a number both excused and received (a seq field the
			// client does not number itself) must not wrap the count.
			n -= min(n, d.own.excusedIn(name, inWindow, w.last))
			if lo < w.first && hi >= lo {
				gap := min(w.first-1, hi) - lo + 1
				n += gap - min(gap, d.own.excusedIn(name, lo, lo+gap-1))
			}
			if hi > w.last {
				gap := hi - w.last
				n += gap - min(gap, d.own.excusedIn(name, w.last+1, hi))
			}
		}
		lost += n
	}
	if len(d.senders) == 0 {
		// Nothing tracked came back at all: what the client wrote was lost
		// with every reply (an echo through a bad network). A scenario
		// whose server never returns a sender's own messages gives its
		// clients others' messages, and so never gets here.
		lost += d.own.allWritten()
	}
	if lost > 0 {
		rec.Add(metrics.DeliveriesLost, int64(lost))
	}
}
