package testserver

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// pingConfig is the WebSocket heartbeat in force: Config.PingInterval
// and Config.PingTimeout, or what SetHeartbeat set since.
type pingConfig struct{ interval, timeout time.Duration }

// newPingConfig applies the documented defaults: a negative interval is
// off, and a timeout <= 0 means the interval.
func newPingConfig(interval, timeout time.Duration) *pingConfig {
	interval = max0(interval)
	if timeout <= 0 {
		timeout = interval
	}
	return &pingConfig{interval: interval, timeout: timeout}
}

// SetHeartbeat changes the WebSocket heartbeat (Config.PingInterval and
// Config.PingTimeout) of every plain WebSocket connection, open or to
// come: interval 0 stops it, a timeout <= 0 means interval. A connection
// waiting for a pong keeps the deadline it has; the new interval applies
// from its pong on. Socket.IO sessions keep SocketIO's heartbeat. Safe
// for concurrent use.
func (s *Server) SetHeartbeat(interval, timeout time.Duration) {
	pc := newPingConfig(interval, timeout)
	s.heartbeat.Store(pc)
	s.mu.Lock()
	conns := s.snapshotLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.hb.rearm(c, pc)
	}
}

// wsHeartbeat is one connection's server-side ping state. One
// time.AfterFunc timer serves it, not a goroutine: `wsbench serve` holds
// tens of thousands of connections, and a timer costs a few dozen bytes
// where a goroutine costs kilobytes. The timer waits the interval, sends
// a ping, then waits for the pong until due; the next ping goes an
// interval after the pong, as in Engine.IO.
type wsHeartbeat struct {
	mu      sync.Mutex
	timer   *time.Timer // nil while the heartbeat has never been on
	waiting bool        // a ping is out, its pong not yet in
	due     time.Time   // while waiting: the pong is due by then
	ended   bool        // the connection is finished: never arm again
}

// start arms the first ping of a newly registered connection, if the
// heartbeat is on.
func (h *wsHeartbeat) start(c *conn) {
	h.rearm(c, c.s.heartbeat.Load())
}

// rearm applies pc: the next ping an interval from now, or no more pings
// when pc is off. A ping already out keeps its deadline.
func (h *wsHeartbeat) rearm(c *conn, pc *pingConfig) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.ended:
	case pc.interval <= 0:
		h.waiting = false
		if h.timer != nil {
			h.timer.Stop()
		}
	case h.waiting:
	case h.timer == nil:
		h.timer = time.AfterFunc(pc.interval, c.onHeartbeat)
	default:
		h.timer.Reset(pc.interval)
	}
}

// stop ends the heartbeat for good; finish calls it.
func (h *wsHeartbeat) stop() {
	h.mu.Lock()
	h.ended = true
	if h.timer != nil {
		h.timer.Stop()
	}
	h.mu.Unlock()
}

// onHeartbeat runs when the timer fires: it aborts the connection if the
// pong is overdue, or sends the next ping.
func (c *conn) onHeartbeat() {
	h := &c.hb
	pc := c.s.heartbeat.Load()
	h.mu.Lock()
	if h.ended {
		h.mu.Unlock()
		return
	}
	// The read loop's count is held until finish has set ended, which it
	// cannot do while h.mu is held: this cannot race with Close's Wait.
	c.s.wg.Add(1)
	defer c.s.wg.Done()
	now := time.Now()
	switch {
	case pc.interval <= 0 || c.closing.Load() || c.draining.Load():
		// Turned off, or the connection is going away anyway.
		h.waiting = false
		h.mu.Unlock()
		return
	case h.waiting && now.Before(h.due):
		h.timer.Reset(h.due.Sub(now)) // the write of the ping moved the deadline
		h.mu.Unlock()
		return
	case h.waiting:
		h.mu.Unlock()
		// Counted before the client can notice. A dead peer cannot read a
		// close frame, and a silent one must not get a polite goodbye it
		// could mistake for a server close: a RST, as a kernel would send
		// for a connection the server process dropped.
		c.closing.Store(true)
		c.s.stats.pingTimeouts.Add(1)
		c.abort()
		return
	}
	// waiting is set before the ping goes out, or a pong arriving before
	// this goroutine takes h.mu again would be ignored.
	h.waiting = true
	h.due = now.Add(pc.timeout)
	h.timer.Reset(pc.timeout)
	h.mu.Unlock()

	c.s.stats.pingsSent.Add(1) // counted before the client can see it
	if err := c.ws.WriteControl(websocket.PingMessage, nil, now.Add(controlWriteTimeout)); err != nil {
		// Not written: the client cannot answer, and the deadline
		// aborts the connection unless it is already gone.
		c.s.stats.pingsSent.Add(-1)
		return
	}
	// The pong is due a timeout after the ping went out, not after the
	// timer fired: a ping held up behind a long write costs no session.
	written := time.Now()
	h.mu.Lock()
	if d := written.Add(pc.timeout); h.waiting && d.After(h.due) {
		h.due = d
	}
	h.mu.Unlock()
}

// onPong ends the wait for a pong and arms the next ping. gorilla calls
// it from the read loop.
func (c *conn) onPong(string) error {
	h := &c.hb
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended || !h.waiting {
		return nil
	}
	h.waiting = false
	if pc := c.s.heartbeat.Load(); pc.interval > 0 {
		h.timer.Reset(pc.interval)
	}
	return nil
}
