package client

import (
	"errors"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

// deliver writes one message (with a Socket.IO packet's attachments, if
// any) now when the connection is open, or queues it while the client is
// connecting or reconnecting. It reports whether the message was sent or
// queued; a dropped or rejected message is counted.
func (v *VU) deliver(t transport.MessageType, data []byte, att [][]byte) bool {
	for {
		v.mu.Lock()
		switch v.state {
		case Closed, Failed:
			v.mu.Unlock()
			v.rec.Inc(metrics.SendsRejected)
			v.unsent(data)
			return false
		case Open:
			if v.queue.len() == 0 {
				err := write(v.conn, t, data, att)
				if err == nil {
					v.mu.Unlock()
					v.wrote(data)
					v.rec.Inc(metrics.MsgsSent)
					v.rec.Add(metrics.BytesSent, size(data, att))
					return true
				}
				// The connection is broken or closing; the reader ends and
				// the client reconnects. The message waits in the queue
				// like any other message sent while the connection is down.
				v.writeFailed(v.conn, err)
			}
		}
		ok, retry := v.enqueueLocked(t, data, att)
		v.mu.Unlock()
		if !retry {
			return ok
		}
		select {
		case <-v.space:
		case <-v.stop:
			v.dropBlocked(data) // stopping: no room will come in time
			return false
		case <-v.hard.Done():
			v.dropBlocked(data)
			return false
		}
	}
}

// enqueueLocked applies the queue's bound and overflow policy. retry asks
// the caller to wait for room (policy block) and try again.
func (v *VU) enqueueLocked(t transport.MessageType, data []byte, att [][]byte) (ok, retry bool) {
	q := &v.cfg.Queue
	away := v.aw.sendsWait()
	if q.Max == 0 {
		v.droppedLocked(away, data)
		if v.tr != nil {
			v.overflowLocked(true)
		}
		return false, false
	}
	if v.queue.len() >= q.Max {
		if v.tr != nil {
			v.overflowLocked(q.Overflow != scenario.OverflowBlock)
		}
		switch q.Overflow {
		case scenario.OverflowBlock:
			return false, true
		case scenario.OverflowDropNewest:
			v.droppedLocked(away, data)
			return false, false
		default: // drop-oldest
			old := v.queue.pop()
			if old.away {
				v.rec.Inc(metrics.OfflineDropped)
			}
			v.unsent(old.data)
			v.rec.Inc(metrics.QueueDropped)
			v.rec.Gauge(metrics.QueueDepth, -1)
		}
	}
	if away {
		v.rec.Inc(metrics.OfflineSent)
	}
	v.queue.push(queued{t: t, data: append([]byte(nil), data...), att: att, at: v.clock.Now(), away: away})
	v.rec.Inc(metrics.QueueQueued)
	v.rec.Gauge(metrics.QueueDepth, 1)
	return true, false
}

// dropBlocked counts a send that waited for room in vain.
func (v *VU) dropBlocked(data []byte) {
	v.mu.Lock()
	v.droppedLocked(v.aw.sendsWait(), data)
	v.mu.Unlock()
}

// droppedLocked counts a send the queue had no room for; sent while away,
// it is one of the offline sends too. Callers hold v.mu.
func (v *VU) droppedLocked(away bool, data []byte) {
	v.rec.Inc(metrics.QueueDropped)
	v.unsent(data)
	if away {
		v.rec.Inc(metrics.OfflineSent)
		v.rec.Inc(metrics.OfflineDropped)
	}
}

// flush writes the queue in order on a new connection, then opens the
// client. It takes one message at a time out of the queue, so the lock is
// never held across a write: senders keep queueing behind it, a heartbeat
// or state read never waits for the whole queue, and a close or stop ends
// the flush between two messages. On a write error the message goes back
// to the front and the rest stays queued for the next connection.
func (v *VU) flush(s *session) {
	l, conn := s.l, s.conn
	var start time.Time // for the trace
	if v.tr != nil {
		start = v.clock.Now()
	}
	n := 0
	for {
		v.mu.Lock()
		// Away again (the network went, the app left), the rest waits.
		if v.closing || v.conn != conn || v.lifeOver(l) || v.aw.sendsWait() || v.silent.Load() != nil {
			if v.tr != nil {
				v.emit(trace.Event{Kind: trace.Flush, N: n, Left: v.queue.len(), Dur: v.clock.Now().Sub(start)})
			}
			s.flushing = false
			v.mu.Unlock()
			return
		}
		if v.queue.len() == 0 {
			if v.tr != nil {
				v.emit(trace.Event{Kind: trace.Flush, N: n, Dur: v.clock.Now().Sub(start)})
			}
			s.flushing = false
			v.setStateLocked(Open)
			l.openedLocked()
			v.mu.Unlock()
			signal(v.space)
			return
		}
		it := v.queue.pop()
		v.mu.Unlock()
		signal(v.space) // room for a sender blocked on a full queue

		if err := write(conn, it.t, it.data, it.att); err != nil {
			v.mu.Lock()
			v.queue.pushFront(it)
			if v.tr != nil {
				v.emit(trace.Event{Kind: trace.Flush, N: n, Left: v.queue.len(), Dur: v.clock.Now().Sub(start)})
			}
			s.flushing = false
			v.mu.Unlock()
			v.writeFailed(conn, err)
			return
		}
		n++
		v.wrote(it.data)
		v.rec.Observe(metrics.Queued, v.clock.Now().Sub(it.at))
		v.rec.Inc(metrics.QueueFlushed)
		if it.away {
			v.rec.Inc(metrics.OfflineFlushed)
		}
		v.rec.Inc(metrics.MsgsSent)
		v.rec.Add(metrics.BytesSent, size(it.data, it.att))
		v.rec.Gauge(metrics.QueueDepth, -1)
	}
}

// packetWriter sends a Socket.IO packet and its binary attachments as one
// unit, so nothing is written between them.
type packetWriter interface {
	WritePacket(pkt []byte, attachments [][]byte) error
}

// write sends one message, with its attachments when it has any.
func write(conn transport.Conn, t transport.MessageType, data []byte, att [][]byte) error {
	if len(att) == 0 {
		return conn.WriteMessage(t, data)
	}
	pw, ok := conn.(packetWriter)
	if !ok {
		return errors.New("binary attachments need a Socket.IO connection")
	}
	return pw.WritePacket(data, att)
}

// size is the bytes a message and its attachments put on the wire,
// without framing.
func size(data []byte, att [][]byte) int64 {
	n := len(data)
	for _, a := range att {
		n += len(a)
	}
	return int64(n)
}
