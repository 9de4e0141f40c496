package client

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

// away is the state of a client whose network is gone (offline) or whose
// app is in the background, as a phone's is: the client knows it, so it
// does not try to connect and its sends wait in the offline queue; when
// it is back it connects at once and flushes the queue. A step's period
// and the random schedule's may overlap: the client is back when the
// last one ends. Guarded by the VU's mutex.
type away struct {
	net, bg int  // periods in progress
	bgClose bool // the background period closes the connection
	// back is closed when the client may connect again; nil when nobody
	// waits (the lifecycle makes it in gate).
	back chan struct{}
	// resumeNow makes the next connect go at once, without backoff.
	resumeNow bool
	// backAt is when the client came back, until the queue is flushed
	// (resume_flushed); openDue until the connection is open (resume_open).
	backAt  time.Time
	openDue bool
	// bgConn is the connection closed going to the background: its end
	// is the client's close, not a drop.
	bgConn transport.Conn
	// ghost is a silent connection whose reader ended while the network
	// was still gone; it stays open, as a phone cannot tell the server
	// it closed it, until the network returns.
	ghost transport.Conn

	sched  []*schedule   // the random periods
	timers []*time.Timer // the ends of step periods
	ended  bool          // the VU finished: nothing starts again
	seed   uint64        // the run's seed, for the schedules' draws
	mode   string        // the network loss in progress: silent or reset
}

// silentMark is a connection muted by a silent network loss, and when.
type silentMark struct {
	conn    transport.Conn
	at      time.Time
	noticed atomic.Bool // the client's heartbeat noticed already
}

// awayLocked returns the away state, making it. Callers hold v.mu.
func (v *VU) awayLocked() *away {
	if v.aw == nil {
		v.aw = &away{}
	}
	return v.aw
}

// gated reports whether the client must not connect now.
func (a *away) gated() bool { return a != nil && (a.net > 0 || (a.bg > 0 && a.bgClose)) }

// sendsWait reports whether the client's own sends wait in the queue now.
func (a *away) sendsWait() bool { return a != nil && (a.net > 0 || a.bg > 0) }

// awayStateLocked is the state a client that is not open is in: Offline
// or Background while away, else Reconnecting.
func (v *VU) awayStateLocked() State {
	switch a := v.aw; {
	case a != nil && a.net > 0:
		return Offline
	case a != nil && a.bg > 0:
		return Background
	}
	return Reconnecting
}

// gate returns a channel closed when the client may connect again, or
// nil when it may now. It puts the client in its away state.
func (v *VU) gate() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	a := v.aw
	if !a.gated() {
		return nil
	}
	if v.state != Failed {
		v.setStateLocked(v.awayStateLocked())
	}
	if a.back == nil {
		a.back = make(chan struct{})
	}
	return a.back
}

// takeResume reports whether the next connect should go at once, the
// client having just come back.
func (v *VU) takeResume() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	a := v.aw
	if a == nil || !a.resumeNow {
		return false
	}
	a.resumeNow = false
	return true
}

// isGated reports whether the client is away now (a dial it cancelled is
// not a failure).
func (v *VU) isGated() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.aw.gated()
}

// goOffline takes the network away for d. mode silent mutes an open
// connection (nothing written, nothing seen, no FIN: only heartbeats can
// tell); reset resets it.
func (v *VU) goOffline(mode string, d time.Duration) {
	v.mu.Lock()
	a := v.awayLocked()
	if a.ended {
		v.mu.Unlock()
		return
	}
	a.net++
	if a.net > 1 {
		v.mu.Unlock()
		return
	}
	a.mode = mode
	if v.deliv != nil {
		v.deliv.lostConnection() // what is on its way now is lost with the network
	}
	v.rec.Inc(metrics.OfflinePeriods)
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.Offline, Mode: mode, Dur: d})
	}
	cut := v.cutLocked(mode)
	v.mu.Unlock()
	cut()
}

// cutLocked applies the loss of the network to the client now: the state
// moves to Offline, a wait or dial in progress stops, and an open
// connection is muted or reset. It returns what must run after the lock
// is released. Callers hold v.mu.
func (v *VU) cutLocked(mode string) func() {
	if v.life != nil && v.state != Failed {
		v.setStateLocked(Offline)
	}
	if l := v.life; l != nil && l.cancelWait != nil {
		l.cancelWait() // a backoff wait or dial: the lifecycle goes to its gate
	}
	conn := v.conn
	if conn == nil || v.closing {
		return func() {}
	}
	if m := v.silent.Load(); m != nil && m.conn == conn {
		return func() {}
	}
	c, cutter := conn.(transport.Cutter)
	if mode == scenario.NetworkSilent && cutter {
		v.silent.Store(&silentMark{conn: conn, at: v.clock.Now()})
		return c.Mute
	}
	const detail = "network offline"
	if m := v.aborted.Load(); m == nil || m.conn != conn {
		v.aborted.Store(&abortMark{conn: conn, cause: metrics.CauseNetworkOffline, detail: detail})
	}
	if cutter {
		return func() { _ = c.Reset() }
	}
	return func() { _ = conn.Abort() }
}

// goOnline ends a network loss; the client comes back when nothing else
// keeps it away.
func (v *VU) goOnline() {
	v.mu.Lock()
	a := v.aw
	if a == nil || a.net == 0 || a.ended {
		v.mu.Unlock()
		return
	}
	a.net--
	if a.net > 0 {
		v.mu.Unlock()
		return
	}
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.Online})
	}
	ghost := a.ghost
	a.ghost = nil
	// The silent connection is dead to the client: it replaces it now.
	var stale transport.Conn
	if m := v.silent.Load(); m != nil && m.conn == v.conn {
		stale = v.conn
		if am := v.aborted.Load(); am == nil || am.conn != stale {
			v.aborted.Store(&abortMark{conn: stale, cause: metrics.CauseNetworkOffline, detail: "network offline"})
		}
	}
	after := v.returnLocked()
	v.mu.Unlock()
	if ghost != nil {
		_ = ghost.Abort()
	}
	if stale != nil {
		_ = stale.Abort()
	}
	after()
}

// returnLocked lets a client that is no longer kept away connect again,
// at once, and a connection kept open through the background flush the
// queue. It returns what must run after the lock is released.
func (v *VU) returnLocked() func() {
	a := v.aw
	if a.gated() {
		return func() {}
	}
	a.resumeNow = true
	if a.back != nil {
		close(a.back)
		a.back = nil
	}
	if v.life == nil || v.state == Failed {
		return func() {} // no connection wanted now: nothing to resume
	}
	// A silent connection is dead to the client, and one closing for the
	// background is going.
	kept := v.conn != nil && v.silent.Load() == nil && v.conn != a.bgConn
	a.backAt = v.clock.Now()
	a.openDue = !kept
	if a.bg > 0 {
		return func() {} // still in the background, with the connection kept: sends wait
	}
	if !kept {
		v.setStateLocked(Reconnecting)
		return func() {}
	}
	// Back from a background that kept the connection open.
	if v.queue.len() == 0 {
		v.setStateLocked(Open)
		v.life.openedLocked()
		return func() { signal(v.space) }
	}
	v.setStateLocked(Reconnecting) // until the flush ends
	return v.sess.startFlushLocked()
}

// goBackground sends the app to the background for d; with closeConn the
// connection closes with 1001 going away.
func (v *VU) goBackground(d time.Duration, closeConn bool) {
	v.mu.Lock()
	a := v.awayLocked()
	if a.ended {
		v.mu.Unlock()
		return
	}
	a.bg++
	if a.bg > 1 {
		v.mu.Unlock()
		return
	}
	a.bgClose = closeConn
	v.rec.Inc(metrics.BackgroundPeriods)
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.Background, OK: closeConn, Dur: d})
	}
	after := v.backgroundLocked()
	v.mu.Unlock()
	after()
}

// backgroundLocked applies the background to the client now. Callers
// hold v.mu.
func (v *VU) backgroundLocked() func() {
	a := v.aw
	if v.life == nil || v.state == Failed {
		return func() {}
	}
	if a.net == 0 {
		v.setStateLocked(Background)
	}
	if !a.bgClose {
		return func() {}
	}
	if l := v.life; l.cancelWait != nil {
		l.cancelWait()
	}
	conn := v.conn
	if conn == nil || v.closing || v.silent.Load() != nil {
		return func() {}
	}
	a.bgConn = conn
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.Close, Code: 1001, Reason: "going away"})
	}
	// A server that does not answer the close frame is not waited for.
	v.afterLocked(closeWait, func() {
		v.mu.Lock()
		still := v.aw.bgConn == conn
		v.mu.Unlock()
		if still {
			_ = conn.Abort()
		}
	})
	return func() { _ = conn.Close(1001, "going away") }
}

// foreground brings the app back.
func (v *VU) foreground() {
	v.mu.Lock()
	a := v.aw
	if a == nil || a.bg == 0 || a.ended {
		v.mu.Unlock()
		return
	}
	a.bg--
	if a.bg > 0 {
		v.mu.Unlock()
		return
	}
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.Foreground})
	}
	var after func()
	if a.net > 0 {
		after = func() {}
	} else {
		after = v.returnLocked()
	}
	a.bgClose = false
	v.mu.Unlock()
	after()
}

// stepAway runs an offline or background step: the period begins now and
// the steps go on while it lasts.
func (v *VU) stepAway(kind scenario.StepKind, s *scenario.Away) {
	d := v.sleepTime(&s.For)
	var end func()
	if kind == scenario.StepOffline {
		v.goOffline(s.Mode, d)
		end = v.goOnline
	} else {
		v.goBackground(d, s.Close == nil || *s.Close)
		end = v.foreground
	}
	v.mu.Lock()
	v.afterLocked(d, end)
	v.mu.Unlock()
}

// afterLocked calls f after d, unless the VU finishes first (stopAway
// stops it). The timer forgets itself when it fires, so a loop of away
// steps keeps only the periods in progress. Callers hold v.mu.
func (v *VU) afterLocked(d time.Duration, f func()) {
	a := v.awayLocked()
	if a.ended {
		return
	}
	// The function takes the lock the caller holds, so t is set by then.
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		v.mu.Lock()
		a.timers = slices.DeleteFunc(a.timers, func(x *time.Timer) bool { return x == t })
		v.mu.Unlock()
		f()
	})
	a.timers = append(a.timers, t)
}

// stopAway ends the schedules and step periods when the VU finishes, and
// lets its connection go: a client still away closes for good.
func (v *VU) stopAway() {
	v.mu.Lock()
	a := v.aw
	if a == nil {
		v.mu.Unlock()
		return
	}
	a.ended = true
	for _, s := range a.sched {
		s.stopped.Store(true)
		s.timer.Stop()
	}
	for _, t := range a.timers {
		t.Stop()
	}
	a.timers = nil
	ghost := a.ghost
	a.ghost = nil
	v.mu.Unlock()
	if ghost != nil {
		_ = ghost.Abort()
	}
}

// schedule draws one client's random away periods: each begins an
// exponentially distributed time (mean every) after the previous ended,
// or after the client started, and lasts a uniform time in [lo, hi].
// Its generator is the slot's own, seeded from the run's seed, so the
// same seed draws the same periods whatever the timing.
type schedule struct {
	v      *VU
	rng    *rand.Rand
	every  time.Duration
	lo, hi time.Duration
	timer  *time.Timer
	on     bool // a period is in progress; only the timer's function uses it
	// stopped ends the schedule: a fire already running does not reset
	// the timer again.
	stopped atomic.Bool
	begin   func(time.Duration)
	end     func()
}

// Stream numbers keep the two schedules' draws apart from each other and
// from the payload and backoff generators.
const (
	netStream = 0x6e6574776f726b // "network"
	bgStream  = 0x6261636b67726e // "backgrn"
)

// startSchedules starts the random away periods the client block asks for.
func (v *VU) startSchedules() {
	n, b := v.cfg.Network, v.cfg.Background
	if n == nil && b == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	a := v.awayLocked()
	seed := a.seed
	if n != nil {
		mode := n.Mode
		a.sched = append(a.sched, v.newSchedule(seed^netStream, n.OfflineEvery, n.OfflineFor,
			func(d time.Duration) { v.goOffline(mode, d) }, v.goOnline))
	}
	if b != nil {
		closes := b.Closes()
		a.sched = append(a.sched, v.newSchedule(seed^bgStream, b.Every, b.For,
			func(d time.Duration) { v.goBackground(d, closes) }, v.foreground))
	}
}

// newSchedule makes a schedule drawing from seed and the client's slot and
// iteration.
func (v *VU) newSchedule(seed uint64, every scenario.Every, dur scenario.Sleep, begin func(time.Duration), end func()) *schedule {
	s := &schedule{
		v:     v,
		rng:   rand.New(rand.NewPCG(seed, uint64(v.vars.VU)<<32|uint64(v.vars.Iter))),
		every: every.Mean.D(),
		lo:    dur.Min.D(),
		hi:    max(dur.Max.D(), dur.Min.D()),
		begin: begin,
		end:   end,
	}
	s.timer = time.AfterFunc(s.nextGap(), s.fire)
	return s
}

// nextGap draws the time until the next period begins.
func (s *schedule) nextGap() time.Duration {
	return time.Duration(s.rng.ExpFloat64() * float64(s.every))
}

// nextLength draws how long the next period lasts.
func (s *schedule) nextLength() time.Duration {
	d := s.lo
	if s.hi > s.lo {
		d += time.Duration(s.rng.Int64N(int64(s.hi - s.lo + 1)))
	}
	return d
}

// fire begins or ends a period and sets the timer for the next change.
// The timer runs one function at a time: it is reset last.
func (s *schedule) fire() {
	if s.stopped.Load() {
		return
	}
	var next time.Duration
	if !s.on {
		s.on = true
		next = s.nextLength()
		s.begin(next)
	} else {
		s.on = false
		s.end()
		next = s.nextGap()
	}
	// stopAway stops the timer under the lock: no reset after it.
	s.v.mu.Lock()
	if !s.v.aw.ended {
		s.timer.Reset(next)
	}
	s.v.mu.Unlock()
}
