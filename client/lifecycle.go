package client

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/socketio"
)

// life is one run of the lifecycle: from the connect step until a close
// step, the end of the VU, or giving up. It runs on a goroutine while it
// dials, reconnects or reads; an open connection waiting for data in the
// transport's poller holds none.
//
// It has no context of its own: a context registered in the run's for
// as long as the connection lives cost ~0.4 KiB per idle client
// (measured with a heap profile at 2,000 clients). Each backoff wait and
// dial gets a short-lived one instead (waitCtx).
//
// Its channels are made only while the step goroutine, the one goroutine
// that waits for them, waits (opens, ends): an idle client holds none.
type life struct {
	// opened is closed at the first open, ended when the lifecycle ends;
	// both guarded by the VU's mutex, like isOpen and over.
	opened, ended chan struct{}
	isOpen, over  bool
	// cancelled is set when the client closes: the lifecycle ends.
	cancelled atomic.Bool
	// cancelWait cancels the backoff wait or dial in progress; guarded
	// by the VU's mutex.
	cancelWait context.CancelFunc
	// sio is what a Socket.IO client keeps between its connections to
	// resume its session (socketio.recovery); nil when off.
	sio *socketio.Session
}

// closedCh is a closed channel: what a wait for something that already
// happened receives from.
var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// openedLocked marks l open, waking the step goroutine waiting for it.
// Callers hold v.mu.
func (l *life) openedLocked() {
	l.isOpen = true
	if l.opened != nil {
		close(l.opened)
		l.opened = nil
	}
}

// opens returns a channel closed when l first opens. Callers hold v.mu.
func (l *life) opens() <-chan struct{} {
	if l.isOpen {
		return closedCh
	}
	if l.opened == nil {
		l.opened = make(chan struct{})
	}
	return l.opened
}

// ends returns a channel closed when l ends. Callers hold v.mu.
func (l *life) ends() <-chan struct{} {
	if l.over {
		return closedCh
	}
	if l.ended == nil {
		l.ended = make(chan struct{})
	}
	return l.ended
}

// endLife marks l over, waking the step goroutine waiting for it.
func (v *VU) endLife(l *life) {
	v.mu.Lock()
	l.over = true
	if l.ended != nil {
		close(l.ended)
		l.ended = nil
	}
	v.mu.Unlock()
}

// lifeOver reports whether l was cancelled or the VU stopped at once.
func (v *VU) lifeOver(l *life) bool { return l.cancelled.Load() || v.hard.Err() != nil }

// waitCtx returns the context of one backoff wait or dial: done when the
// VU stops at once or the client closes (cancelLife). Call the cancel
// function when the wait or dial is over.
func (v *VU) waitCtx(l *life) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(v.hard)
	v.mu.Lock()
	l.cancelWait = cancel
	v.mu.Unlock()
	if l.cancelled.Load() {
		cancel()
	}
	return ctx, func() {
		v.mu.Lock()
		l.cancelWait = nil
		v.mu.Unlock()
		cancel()
	}
}

// cancelLife ends l: a backoff wait or dial in progress stops.
func (v *VU) cancelLife(l *life) {
	l.cancelled.Store(true)
	v.mu.Lock()
	if l.cancelWait != nil {
		l.cancelWait()
	}
	v.mu.Unlock()
}

// maxKeptReadBuf bounds the read buffer a client keeps between messages,
// so one large message does not pin memory on an otherwise idle client.
const maxKeptReadBuf = 64 << 10

// startLifeLocked starts the lifecycle goroutine. Callers hold v.mu.
func (v *VU) startLifeLocked() *life {
	l := &life{}
	if v.sio && v.sc.SocketIO.Recovers() {
		l.sio = new(socketio.Session)
	}
	v.life = l
	v.closing = false
	v.setStateLocked(Connecting)
	go v.runLife(l)
	return l
}

// runLife dials, serves the connection until it drops, and reconnects
// with backoff, until the client closes or gives up; then it closes
// l.ended.
func (v *VU) runLife(l *life) { v.lifeFrom(l, 0, time.Time{}) }

// lifeFrom runs the lifecycle from reconnect attempt attempt, recovering
// from a drop at dropAt (zero for none). It returns when the lifecycle
// ends, or when an open connection is left waiting for data in the
// transport's poller, which resumes it with pump.
func (v *VU) lifeFrom(l *life, attempt int, dropAt time.Time) {
	for {
		// Away (offline, or in the background with the connection
		// closed), the client waits to be back rather than dial: it knows.
		if back := v.gate(); back != nil {
			ctx, done := v.waitCtx(l)
			select {
			case <-back:
			case <-ctx.Done():
			}
			done()
			if v.lifeOver(l) {
				v.endLife(l)
				return
			}
			continue
		}
		resumed := false
		if v.takeResume() {
			// Back: connect at once. The time away is not a recovery, but
			// a new connection after an open one is a reconnect.
			attempt, dropAt = 0, time.Time{}
			v.mu.Lock()
			resumed = l.isOpen
			v.mu.Unlock()
			if resumed && !v.cfg.Reconnect.On() {
				// A client that does not reconnect stays down after
				// losing its network, as after any other drop.
				v.giveUp(0)
				v.endLife(l)
				return
			}
			if resumed {
				v.rec.Inc(metrics.ReconnectAttempts)
			}
		}
		if attempt > 0 {
			if max := v.cfg.Reconnect.MaxAttempts; !v.cfg.Reconnect.On() || (max > 0 && attempt > max) {
				v.giveUp(attempt - 1)
				v.endLife(l)
				return
			}
			delay := v.policy().Delay(attempt-1, v.lrng.Float64())
			if v.tr != nil {
				v.emit(trace.Event{Kind: trace.Backoff, Attempt: attempt, Dur: delay})
			}
			ctx, done := v.waitCtx(l)
			slept := v.clock.Sleep(ctx, delay)
			done()
			if !slept {
				if v.lifeOver(l) {
					v.endLife(l)
					return
				}
				continue // the client went away: the gate waits
			}
			v.rec.Inc(metrics.ReconnectAttempts)
		}
		if v.tr != nil {
			v.connN.Add(1)
		}
		start := v.clock.Now()
		ctx, done := v.waitCtx(l)
		conn, err := v.dial(ctx, l.sio)
		done()
		if err != nil {
			if v.lifeOver(l) {
				v.endLife(l)
				return
			}
			if v.isGated() {
				continue // the client went away during the dial: not the server's failure
			}
			v.dialFailed(err, attempt, start)
			attempt++
			continue
		}
		now := v.clock.Now()
		v.opened(conn, attempt, now.Sub(start))
		if resumed && attempt == 0 {
			v.rec.Inc(metrics.ReconnectSuccesses)
		}
		if !dropAt.IsZero() {
			v.rec.Observe(metrics.Recover, now.Sub(dropAt))
			dropAt = time.Time{}
		}
		attempt = 0

		s := &session{v: v, l: l, conn: conn, opened: now}
		if v.deliv != nil {
			v.deliv.connecting(start)
		}
		if !v.serve(s) {
			v.endLife(l)
			return
		}
		if s.poll != nil {
			var parked bool
			if parked, err = s.drain(); parked {
				return // pump goes on when data arrives
			}
		} else {
			err = v.readLoop(conn)
		}
		next, drop := v.served(s, err)
		if !next {
			v.endLife(l)
			return
		}
		attempt, dropAt = 1, drop
	}
}

// dialFailed records a failed connection attempt.
func (v *VU) dialFailed(err error, attempt int, start time.Time) {
	cause, status := v.classifyDial(err)
	detail := err.Error()
	v.rec.Fail(cause, status, detail)
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.DialFailed, Attempt: attempt, Dur: v.clock.Now().Sub(start),
			Cause: cause.Name(), Status: status, Err: detail})
	}
	v.setState(Reconnecting)
}

// opened records a connection that opened after took.
func (v *VU) opened(conn transport.Conn, attempt int, took time.Duration) {
	v.rec.Observe(metrics.Connect, took)
	v.rec.Inc(metrics.ConnOpened)
	if v.sio {
		v.recordSocketIO(conn)
	}
	if v.tr != nil {
		v.traceOpen(conn, attempt, took)
	}
	if attempt > 0 {
		v.rec.Inc(metrics.ReconnectSuccesses)
	}
}

// session is one open connection of a lifecycle.
type session struct {
	v      *VU
	l      *life
	conn   transport.Conn
	poll   transport.Poller // conn, when it can be polled
	pumpFn func()           // s.pump, made once
	opened time.Time
	// flushes counts the queue's flushes in progress on conn; served
	// waits for them. Add only under v.mu while v.sess is s.
	flushes sync.WaitGroup
	// flushing is set while a flush runs, so a second one never starts
	// beside it (they would write at once); guarded by v.mu.
	flushing bool
}

// startFlushLocked starts flushing the queue on s beside its reader,
// unless a flush already runs. Callers hold v.mu; run the returned
// function after releasing it.
func (s *session) startFlushLocked() func() {
	if s.flushing {
		return func() {}
	}
	s.flushing = true
	s.flushes.Add(1)
	return func() {
		go func() {
			defer s.flushes.Done()
			s.v.flush(s)
		}()
	}
}

// drain reads what has arrived on a polled connection (some may have
// come with the handshake), then leaves it waiting in the poller: parked.
// Otherwise the connection ended with err.
func (s *session) drain() (parked bool, err error) {
	v := s.v
	for {
		t, data, ok, err := s.poll.TryReadMessage(v.rbuf)
		if err != nil {
			return false, err
		}
		if !ok {
			if s.poll.WhenReadable(s.pumpFn) {
				return true, nil
			}
			return false, v.readLoop(s.conn) // cannot happen: it could be polled before
		}
		v.received(t, data)
	}
}

// pump is the poller's call when data arrived: it drains the connection
// and, when it ended, goes on with the lifecycle (reconnecting) on this
// goroutine.
func (s *session) pump() {
	parked, err := s.drain()
	if parked {
		return
	}
	if next, dropAt := s.v.served(s, err); next {
		s.v.lifeFrom(s.l, 1, dropAt)
		return
	}
	s.v.endLife(s.l)
}

// drop is why an open connection ended without the client asking.
type drop struct {
	cause  metrics.Cause
	code   int
	reason string // the close frame's reason
	detail string
}

// explainDrop classifies the error that ended conn's reader.
func (v *VU) explainDrop(conn transport.Conn, err error) drop {
	// The client's own abort explains the drop only when the read ended
	// because of it; a close or reset the reader saw first wins.
	if m := v.aborted.Load(); m != nil && m.conn == conn && errors.Is(err, net.ErrClosed) {
		return drop{cause: m.cause, code: transport.CodeAbnormal, detail: m.detail}
	}
	d := drop{detail: "connection ended"}
	if err != nil {
		d.detail = err.Error()
	}
	d.cause, d.code = v.classifyDrop(err)
	var ce *transport.CloseError
	if errors.As(err, &ce) {
		d.reason = ce.Reason
	}
	return d
}

func (v *VU) setState(s State) {
	v.mu.Lock()
	v.setStateLocked(s)
	v.mu.Unlock()
}

// giveUp ends the lifecycle for good, after attempts reconnect attempts:
// reconnecting is off or exhausted.
func (v *VU) giveUp(attempts int) {
	v.rec.Inc(metrics.ReconnectGiveUps)
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.GiveUp, Attempt: attempts})
	}
	v.mu.Lock()
	v.setStateLocked(Failed)
	if v.failed != nil {
		close(v.failed)
		v.failed = nil
	}
	v.mu.Unlock()
	signal(v.space)
	v.wake() // a parked client's sleep ends: its steps end now
}

// serve opens s: it flushes the offline queue and starts the heartbeat.
// It reports false when the client closed meanwhile (the connection is
// then aborted). The caller reads until the connection ends, then calls
// served.
func (v *VU) serve(s *session) bool {
	conn := s.conn
	v.aborted.Store(nil)
	v.lastRecv = time.Time{}
	if v.cfg.Heartbeat.Mode == scenario.HeartbeatPing {
		conn.SetPongHandler(v.hb.pong)
	}
	if pc, ok := conn.(pingCounter); ok && v.answersPings() {
		pc.SetPingHandler(v.countPong)
	}
	if p, ok := conn.(transport.Poller); ok {
		s.poll, s.pumpFn = p, s.pump
	}

	v.mu.Lock()
	if v.closing {
		v.mu.Unlock()
		_ = conn.Abort()
		return false
	}
	v.conn, v.sess = conn, s
	after := func() {}
	a := v.aw
	if a != nil && a.openDue {
		a.openDue = false
		v.rec.Observe(metrics.ResumeOpen, s.opened.Sub(a.backAt))
	}
	switch {
	case a != nil && a.net > 0:
		// The network went while the handshake finished.
		after = v.cutLocked(a.mode)
	case a != nil && a.bg > 0:
		// Open, but the app's sends wait until it is back.
		s.l.openedLocked()
		after = v.backgroundLocked()
	case v.queue.len() == 0:
		v.setStateLocked(Open)
		s.l.openedLocked()
	default:
		// Flush beside the reader: a long queue's replies must be read
		// while it is written, or both sides' buffers fill up.
		after = s.startFlushLocked()
	}
	v.mu.Unlock()
	after()
	v.hb.start(conn)
	return true
}

// served ends s after its reader ended with err. next is false when the
// lifecycle ends (the client closed, or stops); dropAt is when the
// connection dropped without the client asking, zero otherwise.
func (v *VU) served(s *session, err error) (next bool, dropAt time.Time) {
	conn, l := s.conn, s.l
	v.hb.stop()
	// Leave Open before closing the socket: a send racing the end would
	// otherwise write to the closed socket and be taken for a write error.
	v.mu.Lock()
	v.conn, v.sess = nil, nil
	now := v.clock.Now()
	silent := v.silent.Load()
	if silent != nil && silent.conn == conn {
		v.silent.Store(nil)
	} else {
		silent = nil
	}
	a := v.aw
	bgClosed := a != nil && a.bgConn == conn
	if bgClosed {
		a.bgConn = nil
	}
	over := v.closing || v.lifeOver(l)
	dropped := !over && !bgClosed
	var d drop
	keep := false // a silent connection stays open while the network is gone
	if dropped {
		d = v.explainDrop(conn, err)
		if silent != nil {
			if d.cause != metrics.CauseNetworkOffline {
				// The client did not end it: its own ping timeout did,
				// or the server closed it.
				if errors.Is(err, socketio.ErrPingTimeout) {
					v.rec.Inc(metrics.HeartbeatMissed)
					v.noticed(silent, true, now)
					keep = a != nil && a.net > 0 && !a.ended
				} else {
					v.noticed(silent, false, now)
				}
			}
			d = drop{cause: metrics.CauseNetworkOffline, code: transport.CodeAbnormal, detail: "network offline (silent)"}
		}
		if v.tr != nil {
			v.traceDrop(d, s.opened) // before the state change it explains
		}
	}
	if !v.closing {
		v.setStateLocked(v.awayStateLocked())
	}
	if keep {
		a.ghost = conn
	}
	v.mu.Unlock()
	if !keep {
		_ = conn.Abort()
	}
	s.flushes.Wait()
	if v.deliv != nil {
		v.deliv.disconnected(now)
	}
	if over {
		return false, time.Time{}
	}
	if v.deliv != nil && dropped {
		v.deliv.lostConnection()
	}
	if bgClosed {
		v.rec.Inc(metrics.ConnClosed)
		return true, time.Time{}
	}
	if d.cause == metrics.CausePingTimeout {
		v.rec.Inc(metrics.HeartbeatMissed)
	}
	if d.cause == metrics.CauseNetworkOffline {
		// The scenario's own doing: its age says nothing of the server.
		v.rec.Inc(metrics.OfflineDrops)
	} else {
		// How long the connection lived: drops clustered at one age
		// point to a timeout upstream (an idle or session timeout).
		v.rec.Observe(metrics.Lifetime, now.Sub(s.opened))
	}
	v.rec.Drop(d.cause, d.code, d.detail)
	return true, now
}

// noticed records that a silent network loss was noticed, by the
// client (its heartbeat or ping timeout) or by the server (it closed the
// connection); the client's notice is counted once per loss.
func (v *VU) noticed(m *silentMark, byClient bool, now time.Time) {
	after := now.Sub(m.at)
	by := "server"
	if byClient {
		if m.noticed.Swap(true) {
			return
		}
		by = "client"
		v.rec.Inc(metrics.NoticedByClient)
		v.rec.Observe(metrics.NoticeClient, after)
	} else {
		v.rec.Inc(metrics.NoticedByServer)
		v.rec.Observe(metrics.NoticeServer, after)
	}
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.Noticed, Mode: by, Dur: after})
	}
}

// abortMark records that the client aborted conn itself, and why.
type abortMark struct {
	conn   transport.Conn
	cause  metrics.Cause
	detail string
}

// abort drops conn for cause; the reader then ends and the drop is
// recorded with that cause, which wins over the error the aborted read
// returns. A mark left by a late timer for an earlier connection is
// ignored because it names that connection.
func (v *VU) abort(conn transport.Conn, cause metrics.Cause, detail string) {
	if m := v.aborted.Load(); m == nil || m.conn != conn {
		v.aborted.Store(&abortMark{conn: conn, cause: cause, detail: detail})
	}
	_ = conn.Abort()
}

// writeFailed handles a failed write on conn. A write refused because a
// close frame already went out is not the client's failure: the reader
// reports the close with the server's code.
func (v *VU) writeFailed(conn transport.Conn, err error) {
	if errors.Is(err, transport.ErrClosing) {
		return
	}
	v.abort(conn, metrics.CauseWriteError, "write: "+err.Error())
}

// readLoop reads conn until it ends, for a connection that cannot be
// polled.
func (v *VU) readLoop(conn transport.Conn) error {
	for {
		t, data, err := conn.ReadMessage(v.rbuf)
		if err != nil {
			return err
		}
		v.received(t, data)
	}
}

// received counts and routes one message; the reader owns rbuf.
func (v *VU) received(t transport.MessageType, data []byte) {
	if cap(data) <= maxKeptReadBuf {
		v.rbuf = data[:0]
	} else {
		v.rbuf = nil
	}
	if v.silent.Load() != nil {
		// The network is gone: the app never sees what the server sent.
		v.rec.Inc(metrics.OfflineDiscarded)
		return
	}
	v.rec.Inc(metrics.MsgsReceived)
	v.rec.Add(metrics.BytesReceived, int64(len(data)))
	if v.tr != nil {
		v.lastRecv = v.clock.Now()
	}
	v.onMessage(t, data)
}

// onMessage routes a received message: a heartbeat reply, the reply an
// expect waits for, or an unmatched message.
func (v *VU) onMessage(t transport.MessageType, data []byte) {
	if v.hb.isReply(data) {
		v.hb.pong()
		return
	}
	if v.sio {
		v.onPacket(t, data)
		return
	}
	tracked := v.deliv != nil && t == transport.Text && v.deliv.observe(data, v.clock.Now(), v.rec)
	if v.tryPending(v.pending.Load(), t, data) || tracked {
		return // a tracked delivery is expected traffic, kept out of the inbox
	}
	v.keep(t, data)
}

// keep stores a message nobody waits for now for a standalone expect that
// may be registering this very moment (the inbox lock orders the two).
func (v *VU) keep(t transport.MessageType, data []byte) {
	v.inbox.mu.Lock()
	defer v.inbox.mu.Unlock()
	if v.tryPending(v.pending.Load(), t, data) {
		return
	}
	if len(data) > inboxMaxSize {
		v.rec.Unmatched(v.msgName(data))
		return
	}
	if old := v.inbox.put(data); old != nil {
		v.rec.Unmatched(v.msgName(old))
	}
}

// tryPending completes p with data when it matches and nobody else
// completed it first.
func (v *VU) tryPending(p *pending, t transport.MessageType, data []byte) bool {
	if p == nil || !p.matches(t, data) || !v.pending.CompareAndSwap(p, nil) {
		return false
	}
	if !p.push {
		now := v.clock.Now()
		v.rec.Observe(p.hist(), now.Sub(p.sentAt))
		if !p.actualAt.IsZero() {
			v.rec.Observe(metrics.RTTUncorrected, now.Sub(p.actualAt))
		}
	}
	v.rec.Inc(metrics.ExpectMatched)
	signal(v.expectDone) // never blocks: whoever swaps p out sends the one token
	return true
}

// closeConn ends the lifecycle: a close frame with code and reason when
// open, cancelling a dial or backoff wait otherwise. It waits for the
// lifecycle goroutine. Messages still queued are counted as unsent.
func (v *VU) closeConn(code int, reason string) {
	v.mu.Lock()
	l := v.life
	if l == nil {
		v.mu.Unlock()
		return
	}
	v.closing = true
	conn := v.conn
	wasOpen := conn != nil                // open, flushing, or kept through the background
	if v.tr != nil && v.state != Failed { // a failed client has nothing to close
		v.emit(trace.Event{Kind: trace.Close, Code: code, Reason: reason})
	}
	v.mu.Unlock()

	if m := v.silent.Load(); conn != nil && m != nil && m.conn == conn {
		_ = conn.Abort() // the network is gone: no close frame can leave
	} else if conn != nil {
		_ = conn.Close(code, reason)
	}
	v.cancelLife(l)
	v.mu.Lock()
	ended := l.ends()
	v.mu.Unlock()
	t := time.NewTimer(closeWait)
	select {
	case <-ended:
	case <-t.C:
	case <-v.hard.Done():
	}
	t.Stop()
	if conn != nil {
		_ = conn.Abort()
	}
	<-ended

	v.mu.Lock()
	v.life = nil
	v.closing = false
	if a := v.aw; a != nil && a.ghost != nil {
		// Kept by a reader that ended while the VU was stopping.
		_ = a.ghost.Abort()
		a.ghost = nil
	}
	if n := v.queue.len(); n > 0 {
		v.rec.Add(metrics.QueueUnsent, int64(n))
		v.rec.Add(metrics.OfflineUnsent, int64(v.queue.away()))
		if v.deliv != nil {
			for _, it := range v.queue.items[v.queue.head:] {
				v.unsent(it.data)
			}
		}
		v.rec.Gauge(metrics.QueueDepth, -int64(n))
		v.queue.release()
	}
	if v.state != Failed {
		v.setStateLocked(Closed)
	}
	v.mu.Unlock()
	if wasOpen {
		v.rec.Inc(metrics.ConnClosed)
	}
	signal(v.space)
}

// sessionDialer dials a Socket.IO connection that resumes a session
// (connection state recovery).
type sessionDialer interface {
	DialSession(ctx context.Context, url string, s *socketio.Session) (transport.Conn, error)
}

type dialResult struct {
	conn transport.Conn
	err  error
}

// dial runs the handshake on a goroutine of its own. The handshake's deep
// call stack (HTTP, TLS) would otherwise grow the lifecycle goroutine's
// stack, which then reads for the connection's whole life: this halves
// the stack memory of an idle client (measured: 12 to 8 KiB at 10k
// clients, bench/idle.sh).
func (v *VU) dial(ctx context.Context, sess *socketio.Session) (transport.Conn, error) {
	ch := make(chan dialResult, 1)
	go func() {
		var c transport.Conn
		var err error
		if sd, ok := v.dialer.(sessionDialer); ok && sess != nil {
			c, err = sd.DialSession(ctx, v.url, sess)
		} else {
			c, err = v.dialer.Dial(ctx, v.url)
		}
		ch <- dialResult{c, err}
	}()
	r := <-ch
	return r.conn, r.err
}

// classifyDial names why a connection attempt failed, by protocol.
func (v *VU) classifyDial(err error) (metrics.Cause, int) {
	if v.sio {
		return classifySocketIODial(err)
	}
	return classifyDial(err)
}

// classifyDrop names why an open connection ended, by protocol.
func (v *VU) classifyDrop(err error) (metrics.Cause, int) {
	if v.sio {
		return classifySocketIODrop(err)
	}
	return classifyDrop(err)
}

// pingCounter is a connection whose server pings (Engine.IO) and the
// client answers them.
type pingCounter interface {
	SetPingHandler(func())
}

func (v *VU) answersPings() bool {
	a := v.sc.SocketIO.AnswerPings
	return a == nil || *a
}

// countPong counts a pong answered to the server's ping: for Socket.IO the
// server's ping is the heartbeat.
func (v *VU) countPong() { v.rec.Inc(metrics.HeartbeatSent) }
