package client

import (
	"bytes"
	"regexp"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

// frame is one list of steps being run: the scenario's, or a loop's body.
// The interpreter keeps its place in frames rather than on a goroutine's
// stack, so a client waiting in a long sleep needs no goroutine at all.
type frame struct {
	steps []scenario.Step
	i     int            // the next step to run
	loop  *scenario.Loop // nil for the scenario's steps
	n     int            // passes of the loop begun
	until time.Time      // a loop's deadline; zero for none
}

// parkAfter is the shortest sleep that parks the client instead of
// blocking its goroutine: the goroutine exits and a timer starts a new one.
// Shorter sleeps are not worth a new goroutine and stack.
const parkAfter = 250 * time.Millisecond

// exec interprets the steps from where they stopped until they end, the
// VU stops or fails, or a long sleep parks it (a timer, a stop or a
// failure calls wake, which runs exec again on a new goroutine).
func (v *VU) exec() {
	for len(v.frames) > 0 {
		f := &v.frames[len(v.frames)-1]
		if f.i == len(f.steps) {
			if f.loop != nil {
				f.n++
				if v.passAllowed(f) {
					f.i = 0
					continue
				}
			}
			v.frames = v.frames[:len(v.frames)-1]
			if n := len(v.frames); n > 0 {
				v.frames[n-1].i++ // past the loop step
			}
			continue
		}
		if v.stopping() || v.State() == Failed {
			v.finish(false)
			return
		}
		s := &f.steps[f.i]
		switch s.Kind {
		case scenario.StepLoop:
			nf := frame{steps: s.Loop.Steps, loop: s.Loop}
			if s.Loop.Duration > 0 {
				nf.until = v.clock.Now().Add(s.Loop.Duration.D())
			}
			if v.passAllowed(&nf) {
				v.frames = append(v.frames, nf)
				continue // f is stale now; the loop's end moves past this step
			}
		case scenario.StepSleep:
			f.i++
			d := v.sleepTime(s.Sleep)
			if d >= parkAfter {
				v.park(d)
				return
			}
			v.sleep(d)
			continue
		case scenario.StepConnect:
			if !v.connectStep() {
				v.finish(false)
				return
			}
		case scenario.StepClose:
			code, reason := 1000, ""
			if s.Close != nil {
				code, reason = s.Close.Code, s.Close.Reason
			}
			v.closeConn(code, reason)
		case scenario.StepSend:
			if s.Send.Interval > 0 {
				at, wait := v.paceTime(s.Send)
				if wait >= parkAfter {
					v.park(wait) // the step runs again when woken
					return
				}
				v.sleep(wait)
				if v.stopping() || v.State() == Failed {
					continue // the loop top ends the steps
				}
				v.pacedSend(s.Send, at)
				break
			}
			v.sendStep(s.Send)
		case scenario.StepExpect:
			v.expectPush(s.Expect)
		case scenario.StepEmit:
			v.emitStep(s.Emit)
		case scenario.StepExpectEvent:
			v.expectEvent(s.ExpectEvent)
		case scenario.StepOffline, scenario.StepBackground:
			v.stepAway(s.Kind, s.Away)
		}
		f.i++
	}
	v.finish(true)
}

// passAllowed reports whether a loop may begin its next pass: Count
// passes at most, none once its duration has passed.
func (v *VU) passAllowed(f *frame) bool {
	l := f.loop
	if l.Count > 0 && f.n >= l.Count {
		return false
	}
	return f.until.IsZero() || v.clock.Now().Before(f.until)
}

// connectStep starts the lifecycle when none runs and waits until the
// connection first opens. It reports false when the client gave up or
// was stopped first.
func (v *VU) connectStep() bool {
	v.mu.Lock()
	l := v.life
	if l == nil {
		l = v.startLifeLocked()
	}
	opened, ended := l.opens(), l.ends()
	v.mu.Unlock()
	ok := false
	select {
	case <-opened:
		ok = true
	case <-ended:
	case <-v.stop:
	case <-v.hard.Done():
	}
	// Nobody else waits for them: an open client keeps no channel.
	v.mu.Lock()
	l.opened, l.ended = nil, nil
	v.mu.Unlock()
	return ok
}

// sleepTime draws a sleep step's time.
func (v *VU) sleepTime(s *scenario.Sleep) time.Duration {
	d := s.Min.D()
	if s.Max > s.Min {
		d += time.Duration(v.vars.Rand.Int64N(int64(s.Max - s.Min + 1)))
	}
	return d
}

// sleep pauses the step goroutine for d; a stop or failure ends it early.
func (v *VU) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	failed := v.failedCh()
	t := v.stepTimer(d)
	select {
	case <-t.C:
	case <-v.stop:
		v.timer.Stop()
	case <-failed:
		v.timer.Stop()
	case <-v.hard.Done():
		v.timer.Stop()
	}
}

// park waits d without a goroutine: exec returns, and wake runs it again
// when the timer fires or the VU stops or fails, whichever is first.
func (v *VU) park(d time.Duration) {
	v.parked.Store(true)
	v.parkTimer.Reset(d)
	// A stop or failure that came before parked was set did not wake us.
	select {
	case <-v.stop:
		v.wake()
	case <-v.hard.Done():
		v.wake()
	default:
		if v.State() == Failed {
			v.wake()
		}
	}
}

// wake resumes a parked VU on a new goroutine; only the first call per
// park does anything.
func (v *VU) wake() {
	if v.parked.CompareAndSwap(true, false) {
		v.parkTimer.Stop()
		go v.exec()
	}
}

// sendStep renders and delivers one message, then waits for its reply
// when the step expects one.
func (v *VU) sendStep(s *scenario.Send) { v.sendAt(s, time.Time{}) }

// sendAt sends like sendStep; a non-zero intended time (a paced send)
// is where the reply's latency counts from.
func (v *VU) sendAt(s *scenario.Send, intended time.Time) {
	t := transport.Text
	switch {
	case s.Text != nil:
		v.nextSeq(s.Text)
		v.sendBuf = s.Text.Append(v.sendBuf[:0], &v.vars)
	case s.Binary != nil:
		t = transport.Binary
		v.nextSeq(s.Binary)
		v.sendBuf = s.Binary.Append(v.sendBuf[:0], &v.vars)
	default:
		t = transport.Binary
		v.sendBuf = append(v.sendBuf[:0], s.Raw...)
	}
	var p *pending
	if e := s.Expect; e != nil {
		now := v.clock.Now()
		p = &pending{re: e.RE, field: e.JSONField, sentAt: now}
		if !intended.IsZero() {
			p.sentAt, p.actualAt = intended, now
		}
		if e.JSONField != "" {
			val, _ := jsonField(v.sendBuf, e.JSONField) // validated at load
			p.want = append(p.arr[:0], val...)
		}
		// Register before sending: the reply may arrive before the write returns.
		v.expect(p)
	}
	if !v.deliver(t, v.sendBuf, nil) {
		if p != nil {
			if v.pending.CompareAndSwap(p, nil) {
				v.rec.Inc(metrics.ExpectUnsent)
			} else {
				<-v.expectDone // a message matched before the send was dropped: take its token
			}
		}
		return
	}
	if p != nil {
		v.await(p, s.Expect.Timeout.D())
	}
}

// expectPush waits for a server push matching e, first among the recent
// messages nobody took, then as they arrive.
func (v *VU) expectPush(e *scenario.Expect) {
	v.awaitPush(&pending{re: e.RE, sentAt: v.clock.Now(), push: true}, e.RE.Match, e.Timeout.D())
}

// awaitPush takes the oldest kept message match accepts, or else stores p
// and waits for it; the inbox lock orders the two against the reader.
func (v *VU) awaitPush(p *pending, match func([]byte) bool, timeout time.Duration) {
	v.inbox.mu.Lock()
	if v.inbox.take(match) {
		v.inbox.mu.Unlock()
		v.rec.Inc(metrics.ExpectMatched)
		return
	}
	v.expect(p)
	v.inbox.mu.Unlock()
	v.await(p, timeout)
}

// pending is the one reply a VU waits for. It is immutable once stored in
// v.pending; whoever swaps it out of v.pending owns the outcome.
type pending struct {
	kind pendingKind
	// push marks a standalone expect: a server push, not a reply, so its
	// wait is not a round trip.
	push   bool
	re     *regexp.Regexp
	field  string
	want   []byte
	sentAt time.Time
	// actualAt is a paced send's actual send time (sentAt is then its
	// intended one); zero otherwise.
	actualAt time.Time
	arr      [24]byte
	// Socket.IO: the acknowledgement id, or the event name, and namespace.
	ackID int64
	event string
	ns    string
}

// pendingKind is what a pending wait matches.
type pendingKind uint8

const (
	pendMessage pendingKind = iota // a WebSocket message (regex or json_field)
	pendAck                        // a Socket.IO acknowledgement by id
	pendEvent                      // a Socket.IO event by name (and match)
)

// hist is where the wait's round trip is recorded.
func (p *pending) hist() metrics.Hist {
	if p.kind == pendAck {
		return metrics.Ack
	}
	return metrics.RTT
}

func (p *pending) matches(t transport.MessageType, data []byte) bool {
	switch p.kind {
	case pendAck:
		return matchesAck(data, p.ackID, p.ns)
	case pendEvent:
		return matchesEvent(data, p.event, p.ns, p.re)
	}
	if p.re != nil {
		return p.re.Match(data)
	}
	if t != transport.Text {
		return false
	}
	val, ok := jsonField(data, p.field)
	return ok && bytes.Equal(val, p.want)
}

// await waits for the reply to p, already stored in v.pending, until
// timeout after p.sentAt. A graceful stop does not cut it short; an
// immediate stop cancels it (counted).
func (v *VU) await(p *pending, timeout time.Duration) {
	from := p.sentAt
	if !p.actualAt.IsZero() {
		from = p.actualAt // a paced send behind its timeline still gets its timeout
	}
	wait := from.Add(timeout).Sub(v.clock.Now())
	t := v.stepTimer(max(wait, 0))
	failed := v.failedCh()
	select {
	case <-v.expectDone:
		v.timer.Stop()
		return
	case <-t.C:
		if v.pending.CompareAndSwap(p, nil) {
			v.rec.Inc(metrics.ExpectTimedOut)
			return
		}
	case <-failed:
		v.timer.Stop()
		if v.pending.CompareAndSwap(p, nil) {
			v.rec.Inc(metrics.ExpectCancelled) // no connection left to bring the reply
			return
		}
	case <-v.hard.Done():
		v.timer.Stop()
		if v.pending.CompareAndSwap(p, nil) {
			v.rec.Inc(metrics.ExpectCancelled)
			return
		}
	}
	<-v.expectDone // the reader matched it first and is signalling
}

// nextSeq takes the next sequence number when t numbers its messages, so
// numbered messages have no gaps whatever else the client sends.
func (v *VU) nextSeq(t *scenario.Template) {
	if t.UsesSeq() {
		v.vars.Seq++
	}
}

// pace is a paced send's place on its timeline: its next intended time,
// and whether the client reached the step before it.
type pace struct {
	at    time.Time
	early bool
}

// paceTime returns a paced send's next intended time and how long until
// it. A client behind its timeline sends at once: the lost time shows in
// the latency, which counts from the intended time (coordinated omission
// corrected, as wrk2 does).
func (v *VU) paceTime(s *scenario.Send) (at time.Time, wait time.Duration) {
	if v.paced == nil {
		v.paced = map[*scenario.Send]pace{}
	}
	now := v.clock.Now()
	p, ok := v.paced[s]
	if !ok {
		p.at = now
	}
	if now.Before(p.at) {
		p.early = true
	}
	v.paced[s] = p
	return p.at, max(p.at.Sub(now), 0)
}

// pacedSend sends at its intended time at and moves the timeline on. The
// latency counts from at when the client was late for it (it waited for
// slow replies: the server's delay), but from the actual send when the
// client was ready before at: then the wake-up's own lateness is
// wsbench's, which timer_lag reports, not the server's. A send leaving
// more than one interval late counts as behind: the client has a backlog
// on its timeline.
func (v *VU) pacedSend(s *scenario.Send, at time.Time) {
	origin := at
	if v.paced[s].early {
		origin = v.clock.Now()
	}
	v.paced[s] = pace{at: at.Add(s.Interval)}
	v.rec.Inc(metrics.SendsPaced)
	if v.clock.Now().Sub(at) > s.Interval {
		v.rec.Inc(metrics.SendsBehind)
	}
	v.sendAt(s, origin)
}
