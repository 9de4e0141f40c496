package client

import (
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

// deliver writes one message now when the connection is open, or queues
// it while the client is connecting or reconnecting. It reports whether
// the message was sent or queued; a dropped or rejected message is counted.
func (v *VU) deliver(t transport.MessageType, data []byte) bool {
	for {
		v.mu.Lock()
		switch v.state {
		case Closed, Failed:
			v.mu.Unlock()
			v.rec.Inc(metrics.SendsRejected)
			return false
		case Open:
			if v.queue.len() == 0 {
				err := v.conn.WriteMessage(t, data)
				if err == nil {
					v.mu.Unlock()
					v.rec.Inc(metrics.MsgsSent)
					v.rec.Add(metrics.BytesSent, int64(len(data)))
					return true
				}
				// The connection is broken or closing; the reader ends and
				// the client reconnects. The message waits in the queue
				// like any other message sent while the connection is down.
				v.writeFailed(v.conn, err)
			}
		}
		ok, retry := v.enqueueLocked(t, data)
		v.mu.Unlock()
		if !retry {
			return ok
		}
		select {
		case <-v.space:
		case <-v.stop:
			v.rec.Inc(metrics.QueueDropped) // stopping: no room will come in time
			return false
		case <-v.hard.Done():
			v.rec.Inc(metrics.QueueDropped)
			return false
		}
	}
}

// enqueueLocked applies the queue's bound and overflow policy. retry asks
// the caller to wait for room (policy block) and try again.
func (v *VU) enqueueLocked(t transport.MessageType, data []byte) (ok, retry bool) {
	q := &v.cfg.Queue
	if q.Max == 0 {
		v.rec.Inc(metrics.QueueDropped)
		return false, false
	}
	if v.queue.len() >= q.Max {
		switch q.Overflow {
		case scenario.OverflowBlock:
			return false, true
		case scenario.OverflowDropNewest:
			v.rec.Inc(metrics.QueueDropped)
			return false, false
		default: // drop-oldest
			v.queue.pop()
			v.rec.Inc(metrics.QueueDropped)
			v.rec.Gauge(metrics.QueueDepth, -1)
		}
	}
	v.queue.push(queued{t: t, data: append([]byte(nil), data...), at: v.clock.Now()})
	v.rec.Inc(metrics.QueueQueued)
	v.rec.Gauge(metrics.QueueDepth, 1)
	return true, false
}

// flush writes the queue in order on a new connection, then opens the
// client. It takes one message at a time out of the queue, so the lock is
// never held across a write: senders keep queueing behind it, a heartbeat
// or state read never waits for the whole queue, and a close or stop ends
// the flush between two messages. On a write error the message goes back
// to the front and the rest stays queued for the next connection.
func (v *VU) flush(l *life, conn transport.Conn) {
	for {
		v.mu.Lock()
		if v.closing || v.conn != conn || l.ctx.Err() != nil {
			v.mu.Unlock()
			return
		}
		if v.queue.len() == 0 {
			v.setStateLocked(Open)
			v.mu.Unlock()
			l.signalOpen()
			signal(v.space)
			return
		}
		it := v.queue.pop()
		v.mu.Unlock()
		signal(v.space) // room for a sender blocked on a full queue

		if err := conn.WriteMessage(it.t, it.data); err != nil {
			v.mu.Lock()
			v.queue.pushFront(it)
			v.mu.Unlock()
			v.writeFailed(conn, err)
			return
		}
		v.rec.Observe(metrics.Queued, v.clock.Now().Sub(it.at))
		v.rec.Inc(metrics.QueueFlushed)
		v.rec.Inc(metrics.MsgsSent)
		v.rec.Add(metrics.BytesSent, int64(len(it.data)))
		v.rec.Gauge(metrics.QueueDepth, -1)
	}
}
