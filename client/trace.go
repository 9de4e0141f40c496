package client

import (
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/socketio"
)

// The trace (Options.Trace): a client emits one small event per
// connection event, never per message, to a sink that never blocks.
// Every call site checks v.tr != nil first, so an untraced client builds
// no event and pays one nil check.

// emit stamps e with the client's slot, iteration and connection number,
// and the time when e has none, and hands it to the trace sink.
func (v *VU) emit(e trace.Event) {
	if e.At.IsZero() {
		e.At = v.clock.Now()
	}
	e.VU, e.Iter, e.Conn = v.vars.VU, v.vars.Iter, int(v.connN.Load())
	v.tr.Emit(e)
}

// traceOpen records a connection that opened after dialing for d.
func (v *VU) traceOpen(conn transport.Conn, attempt int, d time.Duration) {
	e := trace.Event{Kind: trace.Open, Attempt: attempt, Dur: d}
	if c, ok := conn.(*socketio.Conn); ok {
		det := c.Details()
		e.SID, e.Transport, e.Upgraded = det.SID, det.Transport, det.Upgraded
	}
	v.emit(e)
}

// traceDrop records an open connection ending; opened is when it opened.
// The reader calls it, so lastRecv is its own.
func (v *VU) traceDrop(d drop, opened time.Time) {
	now := v.clock.Now()
	if d.cause == metrics.CausePingTimeout {
		v.emit(trace.Event{At: now, Kind: trace.HeartbeatMiss})
	}
	idle := time.Duration(-1)
	if !v.lastRecv.IsZero() {
		idle = now.Sub(v.lastRecv)
	}
	v.emit(trace.Event{At: now, Kind: trace.Drop, Cause: d.cause.Name(), Code: d.code, Reason: d.reason,
		Err: d.detail, Dur: now.Sub(opened), Idle: idle})
}

// overflowLocked records a send that found the offline queue full: the
// first of an outage (the time the client was not open), then the 2nd,
// 4th, 8th... dropped message, so a long outage writes a few lines with
// the count so far. Callers hold v.mu.
func (v *VU) overflowLocked(dropped bool) {
	v.ovf++
	n := int(v.ovf)
	if n&(n-1) != 0 || (!dropped && n > 1) {
		return
	}
	if !dropped {
		n = 0 // policy block drops nothing: the sender waits
	}
	q := &v.cfg.Queue
	policy := q.Overflow
	if q.Max == 0 {
		policy = "off" // no queue: every send while not open is dropped
	}
	v.emit(trace.Event{Kind: trace.QueueOverflow, Policy: policy, Max: q.Max, N: n})
}
