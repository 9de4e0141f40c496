package probe

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// writeWait bounds each control frame the probe writes.
const writeWait = 5 * time.Second

// flow is what the probe tracks on an open connection, whatever the
// protocol: the reader's goroutine, the last frames each way, counts,
// and the first message. The reader goroutine is awaited through done.
type flow struct {
	tl     *timeline
	res    *Result
	openAt time.Duration

	// Times on the timeline plus 1ns, 0 meaning never: the last frame
	// received and sent, not counting the closing handshake.
	lastRecv, lastSent atomic.Int64
	messages           atomic.Int64
	serverPings        atomic.Int64

	first chan received // the first data message; capacity 1

	done    chan struct{} // closed when the reader returns
	readErr error         // why the reader returned; set before done closes
	readEnd time.Duration // when; set before done closes
}

func newFlow(tl *timeline, res *Result) *flow {
	return &flow{tl: tl, res: res, openAt: time.Duration(res.Timings.Open), first: make(chan received, 1), done: make(chan struct{})}
}

type received struct {
	at     time.Duration
	binary bool
	size   int64
	head   []byte
}

func (f *flow) mark(v *atomic.Int64) { v.Store(int64(f.tl.now()) + 1) }

// got counts a data message received at and keeps it if it is the first.
func (f *flow) got(at time.Duration, binary bool, size int64, head []byte) {
	f.lastRecv.Store(int64(at) + 1)
	if f.messages.Add(1) == 1 {
		f.first <- received{at: at, binary: binary, size: size, head: append([]byte(nil), head...)}
	}
}

// stopped records why and when the reader stopped; the reader then
// closes done.
func (f *flow) stopped(err error) {
	f.readEnd = f.tl.now()
	f.readErr = err
}

// isDone reports whether the reader has returned.
func (f *flow) isDone() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// waitFirst waits up to d for a message the server sends unasked. It
// returns false when the connection ended or ctx is done meanwhile.
func (f *flow) waitFirst(ctx context.Context, d time.Duration, what string) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case m := <-f.first:
		f.firstMessage(m, what)
		return true
	case <-t.C:
		f.tl.add(KindMessage, "first "+what+": none within "+fmtSetting(d),
			"normal for servers that wait for the client to speak first (echo, request/reply)")
		return true
	case <-f.done:
		select {
		case m := <-f.first:
			f.firstMessage(m, what)
		default:
		}
		return false
	case <-ctx.Done():
		return false
	}
}

func (f *flow) firstMessage(m received, what string) {
	after := m.at - f.openAt
	d := ms(after)
	f.res.FirstMessage = &d
	kind, snippet := "text", strconv.Quote(string(m.head))
	if m.binary {
		kind, snippet = "binary", fmt.Sprintf("% x", m.head)
	}
	if m.size > int64(len(m.head)) {
		snippet += " ..."
	}
	f.tl.addAt(m.at, KindMessage, fmt.Sprintf("first %s %s after open: %s, %d bytes", what, fmtDur(after), kind, m.size), snippet)
}

// ending starts the Ending of a connection that ended at.
func (f *flow) ending(how string, at time.Duration) *Ending {
	e := &Ending{How: how, At: ms(at), AfterOpen: ms(at - f.openAt),
		Messages: f.messages.Load(), ServerPings: f.serverPings.Load()}
	e.SinceReceived = since(at, f.lastRecv.Load())
	e.SinceSent = since(at, f.lastSent.Load())
	return e
}

// wsSession is an open WebSocket being probed. Its read goroutine owns
// the reading; the probe's goroutine sends pings and the close frame
// (gorilla serialises the writes).
type wsSession struct {
	*flow
	c     *websocket.Conn
	pongs chan pong // pongs as they come; full means dropped

	// Set by the probe's goroutine only.
	deadAt   time.Duration // the heartbeat declared the connection dead
	dead     bool
	closedAt time.Duration // the probe sent its close frame
}

type pong struct {
	data string
	at   time.Duration
}

func newWSSession(c *websocket.Conn, tl *timeline, res *Result) *wsSession {
	s := &wsSession{flow: newFlow(tl, res), c: c, pongs: make(chan pong, 64)}
	c.SetPingHandler(func(data string) error {
		s.mark(&s.lastRecv)
		n := s.serverPings.Add(1)
		answer := "pong sent"
		if err := c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait)); err != nil {
			answer = "the pong could not be sent: " + err.Error() // the reader reports the end
		} else {
			s.mark(&s.lastSent)
		}
		tl.add(KindPing, fmt.Sprintf("server ping %d; %s", n, answer))
		return nil
	})
	c.SetPongHandler(func(data string) error {
		s.mark(&s.lastRecv)
		select {
		case s.pongs <- pong{data, tl.now()}:
		default:
		}
		return nil
	})
	go s.read()
	return s
}

// read reads every message until the connection ends, keeping the first
// bytes of the first one.
func (s *wsSession) read() {
	defer close(s.done)
	for {
		typ, r, err := s.c.NextReader()
		if err == nil {
			var head [64]byte
			n, _ := io.ReadFull(r, head[:])
			var rest int64
			if rest, err = io.Copy(io.Discard, r); err == nil {
				s.got(s.tl.now(), typ == websocket.BinaryMessage, int64(n)+rest, head[:n])
				continue
			}
		}
		s.stopped(err)
		return
	}
}

// ended reports whether the connection has ended, recording how.
func (s *wsSession) ended() bool {
	if s.isDone() {
		s.finish()
	}
	return s.res.End != nil
}

// checks waits for a first message and measures ping round trips. It
// returns early when the connection ends or ctx is done.
func (s *wsSession) checks(ctx context.Context, o *Options) {
	if o.FirstMessage > 0 && !s.waitFirst(ctx, o.FirstMessage, "message") {
		if s.isDone() {
			s.finish()
		}
		return
	}
	if o.Pings > 0 {
		s.pings(ctx, o)
	}
}

// pings sends o.Pings ping frames, o.PingSpacing apart, and reports each
// round trip or its missing pong. Pongs are matched by payload, so a late
// pong is never taken for the next ping's.
func (s *wsSession) pings(ctx context.Context, o *Options) {
	n := o.Pings
	sent := make([]time.Duration, n)
	done := make([]bool, n)
	s.res.Pings = make([]Ping, n)
	next, resolved, answered := 0, 0, 0
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for resolved < n {
		now := s.tl.now()
		if next < n && (next == 0 || now >= sent[next-1]+o.PingSpacing) {
			s.res.Pings[next].Seq = next + 1
			err := s.c.WriteControl(websocket.PingMessage, []byte(pingPayload(next+1)), time.Now().Add(writeWait))
			if err != nil {
				s.tl.add(KindPing, fmt.Sprintf("ping %d: could not send: %v", next+1, err))
				for i := next; i < n; i++ {
					s.res.Pings[i].Seq = i + 1
				}
				// The connection is going: let the reader say how.
				t.Reset(closeWait)
				select {
				case <-s.done:
					s.finish()
				case <-t.C:
				case <-ctx.Done():
				}
				return
			}
			s.mark(&s.lastSent)
			sent[next] = now
			next++
			continue
		}
		wake := time.Duration(1<<63 - 1)
		if next < n {
			wake = sent[next-1] + o.PingSpacing
		}
		for i := 0; i < next; i++ {
			if done[i] {
				continue
			}
			if now >= sent[i]+o.PingTimeout {
				done[i] = true
				resolved++
				s.tl.add(KindPing, fmt.Sprintf("ping %d: no pong within %s", i+1, fmtSetting(o.PingTimeout)))
				continue
			}
			wake = min(wake, sent[i]+o.PingTimeout)
		}
		if resolved == n {
			break
		}
		t.Reset(wake - now)
		select {
		case p := <-s.pongs:
			i, ok := pingSeq(p.data)
			if !ok || i > next || done[i-1] {
				continue
			}
			done[i-1] = true
			resolved++
			answered++
			rtt := ms(p.at - sent[i-1])
			s.res.Pings[i-1].RTT = &rtt
			s.tl.addAt(p.at, KindPing, fmt.Sprintf("ping %d: pong in %s", i, rtt))
		case <-t.C:
		case <-s.done:
			s.finish()
			return
		case <-ctx.Done():
			return
		}
	}
	switch {
	case answered == 0:
		s.tl.add(KindNote, fmt.Sprintf("the server answered none of %d pings", n),
			"clients that heartbeat with ping frames will declare this connection dead;",
			"check the server's (or a proxy's) ping handling, or heartbeat with an application message")
	case answered < n:
		s.tl.add(KindNote, fmt.Sprintf("the server answered %d of %d pings in time", answered, n),
			"slow or lost pongs make heartbeats time out: check the server's load and the path to it")
	}
}

func pingPayload(i int) string { return "wsbench-probe-" + strconv.Itoa(i) }

func pingSeq(data string) (int, bool) {
	v, ok := strings.CutPrefix(data, "wsbench-probe-")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	return i, err == nil && i > 0
}
