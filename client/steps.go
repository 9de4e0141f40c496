package client

import (
	"bytes"
	"regexp"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

// runSteps interprets steps and reports whether they all ran: false when
// the VU was stopped or its connection failed for good.
func (v *VU) runSteps(steps []scenario.Step) bool {
	for i := range steps {
		if v.stopping() || v.State() == Failed {
			return false
		}
		s := &steps[i]
		switch s.Kind {
		case scenario.StepConnect:
			if !v.connectStep() {
				return false
			}
		case scenario.StepClose:
			code, reason := 1000, ""
			if s.Close != nil {
				code, reason = s.Close.Code, s.Close.Reason
			}
			v.closeConn(code, reason)
		case scenario.StepSend:
			v.sendStep(s.Send)
		case scenario.StepExpect:
			v.expectPush(s.Expect)
		case scenario.StepSleep:
			v.sleep(s.Sleep)
		case scenario.StepLoop:
			if !v.loop(s.Loop) {
				return false
			}
		case scenario.StepEmit:
			v.emitStep(s.Emit)
		case scenario.StepExpectEvent:
			v.expectEvent(s.ExpectEvent)
		}
	}
	return true
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
	v.mu.Unlock()
	select {
	case <-l.opened:
		return true
	case <-l.ended:
		return false
	case <-v.stop:
		return false
	case <-v.hard.Done():
		return false
	}
}

func (v *VU) loop(l *scenario.Loop) bool {
	var until time.Time
	if l.Duration > 0 {
		until = v.clock.Now().Add(l.Duration.D())
	}
	for n := 0; l.Count == 0 || n < l.Count; n++ {
		if !until.IsZero() && !v.clock.Now().Before(until) {
			return true
		}
		if !v.runSteps(l.Steps) {
			return false
		}
	}
	return true
}

// sleep pauses for the step's time; a graceful stop ends it early.
func (v *VU) sleep(s *scenario.Sleep) {
	d := s.Min.D()
	if s.Max > s.Min {
		d += time.Duration(v.o.Rand.Int64N(int64(s.Max - s.Min + 1)))
	}
	if d <= 0 {
		return
	}
	v.timer.Reset(d)
	select {
	case <-v.timer.C:
	case <-v.stop:
		v.timer.Stop()
	case <-v.failed:
		v.timer.Stop()
	case <-v.hard.Done():
		v.timer.Stop()
	}
}

// sendStep renders and delivers one message, then waits for its reply
// when the step expects one.
func (v *VU) sendStep(s *scenario.Send) {
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
		p = &pending{re: e.RE, field: e.JSONField, sentAt: v.clock.Now()}
		if e.JSONField != "" {
			val, _ := jsonField(v.sendBuf, e.JSONField) // validated at load
			p.want = append(p.arr[:0], val...)
		}
		// Register before sending: the reply may arrive before the write returns.
		v.pending.Store(p)
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
	v.pending.Store(p)
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
	arr    [24]byte
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
	wait := p.sentAt.Add(timeout).Sub(v.clock.Now())
	v.timer.Reset(max(wait, 0))
	select {
	case <-v.expectDone:
		v.timer.Stop()
		return
	case <-v.timer.C:
		if v.pending.CompareAndSwap(p, nil) {
			v.rec.Inc(metrics.ExpectTimedOut)
			return
		}
	case <-v.failed:
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
