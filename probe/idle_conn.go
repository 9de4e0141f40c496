package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wsbench/wsbench/transport"
)

// probe opens one connection, keeps it idle for pingAfter, pings, and
// reports once what happened, unless ctx ends first. It closes the
// connection before it returns.
func (f *idleFinder) probe(ctx context.Context, id int, pingAfter time.Duration, out chan<- idleReport) {
	report := func(r idleReport) {
		r.id = id
		select {
		case out <- r:
		case <-ctx.Done():
		}
	}
	start := time.Now()
	c, err := f.d.Dial(ctx, f.o.URL)
	if err != nil {
		if ctx.Err() == nil {
			report(idleReport{kind: idleDialFailed, err: err})
		}
		return
	}
	opened := time.Now()
	l := idleOpen(c)
	polite := true // false once the connection is known to be gone
	defer func() { l.close(polite) }()
	ended := func() idleReport {
		polite = false
		return idleReport{kind: idleEnded, lo: l.endAt.Sub(opened), hi: l.endAt.Sub(start), how: idleHow(l.err)}
	}

	t := time.NewTimer(time.Until(opened.Add(pingAfter)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return
	case <-l.done:
		report(ended())
		return
	case <-t.C:
	}
	sent := time.Now()
	unanswered := idleReport{kind: idleUnanswered, hi: sent.Sub(start)}
	if err := c.Ping(nil); err != nil {
		polite = false
		unanswered.how = fmt.Sprintf("%s when pinged after %s idle", idleHow(err), idleFmt(unanswered.hi))
		report(unanswered)
		return
	}
	t.Reset(idlePongWait(opened.Sub(start), f.o.HandshakeTimeout))
	select {
	case <-ctx.Done():
	case <-l.pong:
		report(idleReport{kind: idleAnswered, lo: sent.Sub(opened)})
	case <-l.done:
		if l.endAt.Before(sent) { // it ended on its own, just before the ping
			report(ended())
			return
		}
		polite = false
		unanswered.how = fmt.Sprintf("%s in answer to a ping after %s idle", idleHow(l.err), idleFmt(unanswered.hi))
		report(unanswered)
	case <-t.C:
		polite = false
		unanswered.how = fmt.Sprintf("silent: no answer to a ping after %s idle", idleFmt(unanswered.hi))
		report(unanswered)
	}
}

// heartbeat opens one connection and pings it every interval until hold,
// each ping awaiting its pong. It returns "" when the connection answered
// its ping at hold, or else what went wrong; an error only when ctx ended.
func (f *idleFinder) heartbeat(ctx context.Context, interval, hold time.Duration) (string, error) {
	start := time.Now()
	c, err := f.d.Dial(ctx, f.o.URL)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "the heartbeat connection did not open: " + err.Error(), nil
	}
	opened := time.Now()
	l := idleOpen(c)
	polite := true
	defer func() { l.close(polite) }()
	wait := idlePongWait(opened.Sub(start), f.o.HandshakeTimeout)
	t := time.NewTimer(hold) // reset before every wait; a Reset timer never delivers a stale tick (Go 1.23)
	defer t.Stop()
	for at := interval; ; at += interval {
		at = min(at, hold)
		t.Reset(time.Until(opened.Add(at)))
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-l.done:
			polite = false
			return fmt.Sprintf("it ended after %s: %s", idleFmt(l.endAt.Sub(opened)), idleHow(l.err)), nil
		case <-t.C:
		}
		if err := c.Ping(nil); err != nil {
			polite = false
			return fmt.Sprintf("the ping after %s failed: %s", idleFmt(at), idleHow(err)), nil
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-l.done:
			polite = false
			return fmt.Sprintf("it ended after %s: %s", idleFmt(l.endAt.Sub(opened)), idleHow(l.err)), nil
		case <-t.C:
			polite = false
			return fmt.Sprintf("no answer to the ping after %s", idleFmt(at)), nil
		case <-l.pong:
		}
		if at == hold {
			f.progressf("  the heartbeat connection answered its ping after %s", idleFmt(hold))
			return "", nil
		}
	}
}

// idlePongWait is how long a ping waits for its pong: four handshake
// durations, at least idleMinPongWait, at most the handshake timeout.
func idlePongWait(handshake, limit time.Duration) time.Duration {
	return max(idleMinPongWait, min(4*handshake, limit))
}

// idleLink is an open connection and the goroutine reading it, which owns
// the connection's reads until done is closed.
type idleLink struct {
	c     transport.Conn
	pong  chan struct{} // gets a value per pong, dropped when one waits
	done  chan struct{} // closed when the reader has ended; err and endAt are set
	err   error
	endAt time.Time
}

func idleOpen(c transport.Conn) *idleLink {
	l := &idleLink{c: c, pong: make(chan struct{}, 1), done: make(chan struct{})}
	c.SetPongHandler(func() {
		select {
		case l.pong <- struct{}{}:
		default:
		}
	})
	go l.read()
	return l
}

// read discards data messages until the connection ends.
func (l *idleLink) read() {
	var buf []byte
	for {
		_, b, err := l.c.ReadMessage(buf)
		if err != nil {
			l.endAt, l.err = time.Now(), err
			close(l.done)
			return
		}
		buf = b[:0]
	}
}

// close ends the connection, politely (a close frame, then a short wait
// for the reply) if it may still be open, and waits for the reader.
func (l *idleLink) close(polite bool) {
	if polite && l.c.Close(1000, "") == nil {
		t := time.NewTimer(idleCloseWait)
		select {
		case <-l.done:
		case <-t.C:
		}
		t.Stop()
	}
	_ = l.c.Abort()
	<-l.done
}

// idleHow names how a connection ended from its reader's error.
func idleHow(err error) string {
	var ce *transport.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code == transport.CodeAbnormal,
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "TCP FIN without a close frame"
	case errors.As(err, &ce):
		s := fmt.Sprintf("close frame %d", ce.Code)
		if name := idleCloseNames[ce.Code]; name != "" {
			s += " (" + name + ")"
		}
		if ce.Reason != "" {
			s += fmt.Sprintf(" %q", ce.Reason)
		}
		return s
	case errors.Is(err, syscall.ECONNRESET):
		return "TCP reset"
	}
	return err.Error()
}

// idleCloseNames are the RFC 6455 and IANA names of close codes.
var idleCloseNames = map[int]string{
	1000: "normal closure", 1001: "going away", 1002: "protocol error",
	1003: "unsupported data", 1007: "invalid payload", 1008: "policy violation",
	1009: "message too big", 1010: "mandatory extension", 1011: "internal error",
	1012: "service restart", 1013: "try again later", 1014: "bad gateway",
}

// idleFmt rounds d for reading: to the millisecond below a second, to
// 0.1s above, without Go's trailing zero units ("10m", not "10m0s").
func idleFmt(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	s := d.Round(100 * time.Millisecond).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// idleFmtBracket says "3s ± 0.1s": Timeout and half the bracket, in
// seconds rounded up to 0.1s.
func idleFmtBracket(r IdleResult) string {
	const step = 100 * time.Millisecond
	half := max((r.Upper-r.Lower)/2, time.Millisecond)
	half = (half + step - 1) / step * step
	return fmt.Sprintf("%s ± %ss", idleFmt(r.Timeout), strconv.FormatFloat(half.Seconds(), 'f', -1, 64))
}

// idleList lists ages, a repeated last age once with a count.
func idleList(pings []time.Duration) string {
	var parts []string
	for i := 0; i < len(pings); {
		j := i
		for j < len(pings) && pings[j] == pings[i] {
			j++
		}
		s := idleFmt(pings[i])
		if j-i > 1 {
			s += fmt.Sprintf(" (%d connections)", j-i)
		}
		parts = append(parts, s)
		i = j
	}
	return strings.Join(parts, ", ")
}
