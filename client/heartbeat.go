package client

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

// heartbeat sends a ping (frame or application message) every interval,
// one at a time, and declares the connection dead when no pong or reply
// arrives within the timeout. It runs on one timer, not a goroutine.
type heartbeat struct {
	vu *VU

	mu      sync.Mutex
	timer   *time.Timer
	conn    transport.Conn
	sentAt  time.Time // zero when no ping is outstanding
	running bool

	// waiting mirrors sentAt != 0 so the reader checks it without a lock.
	waiting atomic.Bool
}

func (h *heartbeat) cfg() *scenario.Heartbeat { return &h.vu.cfg.Heartbeat }

// start arms the heartbeat for a newly opened connection.
func (h *heartbeat) start(conn transport.Conn) {
	c := h.cfg()
	if c.Mode == scenario.HeartbeatOff || c.Mode == "" {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conn, h.running, h.sentAt = conn, true, time.Time{}
	h.waiting.Store(false)
	if h.timer == nil {
		h.timer = time.AfterFunc(c.Interval.D(), h.fire)
	} else {
		h.timer.Reset(c.Interval.D())
	}
}

// stop disarms it when the connection ends.
func (h *heartbeat) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running, h.conn = false, nil
	h.waiting.Store(false)
	if h.timer != nil {
		h.timer.Stop()
	}
}

// fire runs on the timer: send the next ping, or, when one is still
// outstanding, declare the connection dead.
func (h *heartbeat) fire() {
	c := h.cfg()
	h.mu.Lock()
	if !h.running {
		h.mu.Unlock()
		return
	}
	conn := h.conn
	if !h.sentAt.IsZero() {
		h.running = false
		h.mu.Unlock()
		if m := h.vu.silent.Load(); m != nil && m.conn == conn {
			// The network is gone: the client knows the connection is
			// dead, but cannot tell the server; it waits for the network.
			h.vu.rec.Inc(metrics.HeartbeatMissed)
			h.vu.noticed(m, true, h.vu.clock.Now())
			return
		}
		h.vu.rec.Inc(metrics.HeartbeatMissed)
		if h.vu.tr != nil {
			h.vu.emit(trace.Event{Kind: trace.HeartbeatMiss, Dur: c.Timeout.D()})
		}
		h.vu.abort(conn, metrics.CauseHeartbeat, fmt.Sprintf("no heartbeat reply within %s", c.Timeout))
		return
	}
	h.sentAt = h.vu.clock.Now()
	h.waiting.Store(true)
	h.timer.Reset(c.Timeout.D())
	h.mu.Unlock()

	if m := h.vu.silent.Load(); m != nil && m.conn == conn {
		return // the ping is lost with the network; its timeout runs
	}
	if c.Mode == scenario.HeartbeatPing {
		if conn.Ping(nil) == nil { // a failed write shows up in the reader
			h.vu.rec.Inc(metrics.HeartbeatSent)
		}
		return
	}
	written, open := h.vu.sendHeartbeat(conn, c.Payload)
	if written {
		h.vu.rec.Inc(metrics.HeartbeatSent)
	}
	if open {
		return
	}
	// Not open yet (the queue is still flushing): try again next interval
	// rather than declare a connection dead for a ping never sent.
	h.mu.Lock()
	if h.running && h.conn == conn {
		h.sentAt = time.Time{}
		h.waiting.Store(false)
		h.timer.Reset(c.Interval.D())
	}
	h.mu.Unlock()
}

// pong records the reply to the outstanding ping and schedules the next
// one an interval after the previous was sent.
func (h *heartbeat) pong() {
	h.mu.Lock()
	if !h.running || h.sentAt.IsZero() {
		h.mu.Unlock()
		return
	}
	now := h.vu.clock.Now()
	rtt := now.Sub(h.sentAt)
	next := h.cfg().Interval.D() - rtt
	h.sentAt = time.Time{}
	h.waiting.Store(false)
	h.timer.Reset(max(next, 0))
	h.mu.Unlock()
	h.vu.rec.Observe(metrics.Heartbeat, rtt)
}

// isReply reports whether data answers an outstanding application ping.
func (h *heartbeat) isReply(data []byte) bool {
	if !h.waiting.Load() {
		return false
	}
	re := h.cfg().ReplyRE
	return h.cfg().Mode == scenario.HeartbeatMessage && re != nil && re.Match(data)
}

// sendHeartbeat writes an application ping on conn if it is still the
// open connection; it never queues. open is false when the client was not
// open (still flushing), written whether the ping went out.
func (v *VU) sendHeartbeat(conn transport.Conn, payload string) (written, open bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn != conn || v.state != Open {
		return false, false
	}
	if err := conn.WriteMessage(transport.Text, []byte(payload)); err != nil {
		v.writeFailed(conn, err) // the reader reports the drop
		return false, true
	}
	v.rec.Inc(metrics.MsgsSent)
	v.rec.Add(metrics.BytesSent, int64(len(payload)))
	return true, true
}
