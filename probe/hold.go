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

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/report"
)

// Meanings of the endings that are not a close frame. The wording follows
// report's drop causes (report/meanings.go).
const (
	meaningReset     = "the TCP connection was reset (RST): a crashed or overloaded server, proxy or firewall"
	meaningEOF       = "the connection ended without a close frame (1006): server process died, proxy cut it, or network loss"
	meaningHeartbeat = "no pong within the timeout: the connection was silently dead (a proxy, NAT or load balancer dropped it without telling either side, or the server hangs)"
	meaningHeld      = "the connection stayed open for the whole hold; the probe closed it normally"
	meaningInterrupt = "the probe was interrupted and closed the connection normally"
	meaningClosed    = "the probe closed the connection normally after its checks"
)

// hold keeps the connection open for o.Hold, with a heartbeat, and
// records how it ended.
func (s *wsSession) hold(ctx context.Context, o *Options) {
	beat := "no heartbeat"
	var tick <-chan time.Time
	if o.PingInterval > 0 {
		beat = fmt.Sprintf("heartbeat ping every %s, pong timeout %s", fmtSetting(o.PingInterval), fmtSetting(o.PingTimeout))
		tk := time.NewTicker(o.PingInterval)
		defer tk.Stop()
		tick = tk.C
	}
	s.tl.add(KindHold, fmt.Sprintf("holding the connection for %s: %s; Ctrl-C ends it early", fmtSetting(o.Hold), beat))
	holdT := time.NewTimer(o.Hold)
	defer holdT.Stop()
	pongT := time.NewTimer(time.Hour)
	pongT.Stop()
	var pongC <-chan time.Time // pongT.C while a pong is awaited
	seq := 0
	var sentAt time.Duration
	for {
		select {
		case <-s.done:
			s.finish()
			return
		case <-ctx.Done():
			s.closeNormally(EndInterrupted, "interrupted")
			return
		case <-holdT.C:
			s.closeNormally(EndHeld, "still open after the "+fmtSetting(o.Hold)+" hold")
			return
		case <-tick:
			if pongC != nil {
				continue // the last pong is still due
			}
			seq++
			sentAt = s.tl.now() // before the write: the pong may beat its return
			if err := s.c.WriteControl(websocket.PingMessage, []byte(beatPayload(seq)), time.Now().Add(writeWait)); err != nil {
				continue // the reader reports why the connection ended
			}
			s.mark(&s.lastSent)
			pongT.Reset(o.PingTimeout)
			pongC = pongT.C
		case p := <-s.pongs:
			if pongC == nil || p.data != beatPayload(seq) {
				continue
			}
			pongT.Stop()
			pongC = nil
			s.tl.addAt(p.at, KindHeartbeat, fmt.Sprintf("heartbeat %d: pong in %s", seq, fmtDur(p.at-sentAt)))
		case <-pongC:
			// Silently dead: nothing tells either side. Drop it as a
			// client heartbeat would.
			s.dead = true
			s.deadAt = s.tl.now()
			s.tl.add(KindHeartbeat, fmt.Sprintf("heartbeat %d: no pong within %s of the ping sent at +%s", seq, fmtSetting(o.PingTimeout), fmtDur(sentAt)))
			s.c.NetConn().Close()
			<-s.done
			s.finish()
			return
		}
	}
}

func beatPayload(i int) string { return "wsbench-heartbeat-" + strconv.Itoa(i) }

// closeNormally sends a 1000 close frame, waits for the server's answer
// (at most closeWait), and records the ending as how; note starts the
// timeline line.
func (s *wsSession) closeNormally(how, note string) {
	s.closedAt = s.tl.now()
	err := s.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(writeWait))
	t := time.NewTimer(closeWait)
	defer t.Stop()
	answered := true
	if err != nil {
		answered = false
		s.c.NetConn().Close()
	}
	select {
	case <-s.done:
	case <-t.C:
		answered = false
		s.c.NetConn().Close()
		<-s.done
	}
	e := s.ending(how, s.closedAt)
	reply := "the server did not answer with a close frame within " + fmtSetting(closeWait)
	var ce *websocket.CloseError
	if answered && errors.As(s.readErr, &ce) && ce.Code != websocket.CloseAbnormalClosure {
		reply = fmt.Sprintf("the server answered %d in %s", ce.Code, fmtDur(s.readEnd-s.closedAt))
	}
	switch how {
	case EndHeld:
		e.Meaning = meaningHeld
	case EndInterrupted:
		e.Meaning = meaningInterrupt
	default:
		e.Meaning = meaningClosed
	}
	e.Code = websocket.CloseNormalClosure
	s.end(e, fmt.Sprintf("%s; closed normally (1000), %s", note, reply))
}

// finish records how the connection ended after read returned, unless
// that is already recorded.
func (s *wsSession) finish() {
	if s.res.End != nil {
		return
	}
	<-s.done
	if s.dead {
		e := s.ending(EndHeartbeat, s.deadAt)
		e.Meaning = meaningHeartbeat
		s.end(e, "silent death, found by the heartbeat; connection dropped")
		return
	}
	err := s.readErr
	e := s.ending(EndReadError, s.readEnd)
	var ce *websocket.CloseError
	var text string
	switch {
	case errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.How, e.Meaning = EndEOF, meaningEOF
		text = "ended without a close frame (EOF)"
	case errors.As(err, &ce):
		e.How, e.Code, e.Reason = EndServerClose, ce.Code, ce.Text
		e.Meaning = report.CloseCodeMeaning(ce.Code)
		text = fmt.Sprintf("closed by the server with %d: %s", ce.Code, e.Meaning)
		if ce.Text != "" {
			text += fmt.Sprintf("; reason %q", ce.Text)
		}
	case errors.Is(err, syscall.ECONNRESET):
		e.How, e.Meaning = EndReset, meaningReset
		text = "TCP reset by the peer"
	default:
		e.Meaning = "reading from the connection failed: " + err.Error()
		text = "read error: " + err.Error()
	}
	s.end(e, text)
}

// since is the time from a marked moment (plus 1ns; 0 = never) to at.
func since(at time.Duration, mark int64) *Duration {
	if mark == 0 {
		return nil
	}
	d := ms(max(at-time.Duration(mark-1), 0))
	return &d
}

// end records e and its timeline line, and releases the connection.
func (s *wsSession) end(e *Ending, text string) {
	s.c.NetConn().Close()
	s.flow.end(e, text)
}

// end records e and its timeline line.
func (f *flow) end(e *Ending, text string) {
	f.res.End = e
	f.tl.addAt(time.Duration(e.At), KindEnd, "ended: "+text, endDetail(e, text)...)
}

// endDetail says when, what it means (unless text says it already), and
// what came last before the end.
func endDetail(e *Ending, text string) []string {
	d := []string{fmt.Sprintf("after %s open (at +%s)", e.AfterOpen, e.At)}
	switch e.How {
	case EndServerClose, EndReset, EndEOF, EndHeartbeat, EndReadError:
		if !strings.Contains(text, e.Meaning) {
			d = append(d, "meaning: "+e.Meaning)
		}
	}
	last := "last frame received: never"
	if e.SinceReceived != nil {
		last = "last frame received " + e.SinceReceived.String() + " before the end"
	}
	if e.SinceSent != nil {
		last += ", last sent " + e.SinceSent.String() + " before"
	} else {
		last += ", nothing sent"
	}
	d = append(d, last)
	d = append(d, fmt.Sprintf("received %s and %s from the server", plural(e.Messages, "message"), plural(e.ServerPings, "ping")))
	return d
}

// plural says "1 message", "2 messages".
func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.FormatInt(n, 10) + " " + what + "s"
}
