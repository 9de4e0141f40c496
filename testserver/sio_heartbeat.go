package testserver

import "time"

// heartbeat is a session's ping state, guarded by the session's mu. One
// time.AfterFunc timer serves it: it waits PingInterval, sends a ping,
// then waits for the pong until deadline. In a flushing close it bounds
// the goodbye instead.
//
// As the reference server, a pong re-arms the interval, and the first
// other packet received while waiting for a pong extends the deadline.
// Unlike it, the deadline runs from when the ping actually went out (was
// written to the WebSocket, or taken by a GET), so that a ping delayed in
// a busy writer or a late timer never costs a client its session.
type heartbeat struct {
	timer     *time.Timer
	waiting   bool      // a ping is out, its pong not yet in
	deadline  time.Time // while waiting: the pong is due by then
	refreshed bool      // while waiting: another packet extended the deadline
}

// pingPacket and closePacket are Engine.IO packets the server sends.
var (
	pingPacket  = []byte{'2'}
	closePacket = []byte{'1'}
	noopPacket  = []byte{'6'}
)

// onTimer runs when the heartbeat timer fires.
func (e *eioSession) onTimer() {
	if !e.hold() {
		return
	}
	defer e.x.s.wg.Done()
	x := e.x
	now := time.Now()
	e.mu.Lock()
	switch {
	case e.state == stClosing:
		e.mu.Unlock()
		e.close("", closeAbort) // the goodbye did not get out in time
		return
	case e.hb.waiting && now.Before(e.hb.deadline):
		e.hb.timer.Reset(e.hb.deadline.Sub(now))
		e.mu.Unlock()
		return
	case e.hb.waiting:
		e.mu.Unlock()
		x.stats.pingTimeouts.Add(1) // before the client can notice
		e.close("ping timeout", closeNow)
		return
	case !e.joined && now.Sub(e.created) >= sioConnectTimeout:
		e.mu.Unlock()
		e.close("forced close", closeNow) // no namespace connected in time
		return
	case x.s.ignorePings.Load():
		// The IgnorePings fault: the server falls silent, so that clients
		// detect a ping timeout; it does not time them out meanwhile.
		x.stats.pingsSkipped.Add(1)
		e.hb.timer.Reset(x.cfg.PingInterval)
		e.mu.Unlock()
		return
	}
	e.hb.waiting, e.hb.refreshed = true, false
	e.hb.deadline = now.Add(x.cfg.PingTimeout)
	e.hb.timer.Reset(x.cfg.PingTimeout)
	e.out = append(e.out, outPkt{data: pingPacket, ping: true})
	inline := e.deliverLocked(true)
	e.mu.Unlock()
	if inline {
		e.drain(false)
	}
}

// pingWritten moves the pong deadline to PingTimeout after the ping
// actually went out.
func (e *eioSession) pingWritten(at time.Time) {
	e.mu.Lock()
	e.pingWrittenLocked(at)
	e.mu.Unlock()
}

func (e *eioSession) pingWrittenLocked(at time.Time) {
	if d := at.Add(e.x.cfg.PingTimeout); e.hb.waiting && d.After(e.hb.deadline) {
		e.hb.deadline = d
	}
}

// onPong ends the wait for a pong and re-arms the interval. It reports
// whether the session is still open.
func (e *eioSession) onPong() bool {
	e.x.stats.pongs.Add(1)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != stOpen {
		return false
	}
	e.hb.waiting = false
	if e.hb.timer != nil {
		e.hb.timer.Reset(e.x.cfg.PingInterval)
	}
	return true
}

// activityLocked extends the pong deadline once for a packet other than a
// pong that arrives while waiting for one.
func (e *eioSession) activityLocked(now time.Time) {
	if !e.hb.waiting || e.hb.refreshed {
		return
	}
	e.hb.refreshed = true
	if d := now.Add(e.x.cfg.PingTimeout); d.After(e.hb.deadline) {
		e.hb.deadline = d
	}
}
