package client

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

// life is one run of the lifecycle goroutine: from the connect step until
// a close step, the end of the VU, or giving up.
type life struct {
	ctx      context.Context
	cancel   context.CancelFunc
	opened   chan struct{} // closed at the first open
	openOnce sync.Once
	ended    chan struct{} // closed when the goroutine returns
}

func (l *life) signalOpen() { l.openOnce.Do(func() { close(l.opened) }) }

// maxKeptReadBuf bounds the read buffer a client keeps between messages,
// so one large message does not pin memory on an otherwise idle client.
const maxKeptReadBuf = 64 << 10

// startLifeLocked starts the lifecycle goroutine. Callers hold v.mu.
func (v *VU) startLifeLocked() *life {
	ctx, cancel := context.WithCancel(v.hard)
	l := &life{ctx: ctx, cancel: cancel, opened: make(chan struct{}), ended: make(chan struct{})}
	v.life = l
	v.closing = false
	v.setStateLocked(Connecting)
	go v.runLife(l)
	return l
}

// runLife dials, serves the connection until it drops, and reconnects
// with backoff, until the client closes or gives up.
func (v *VU) runLife(l *life) {
	defer close(l.ended)
	var dropAt time.Time // set while recovering from a drop
	attempt := 0         // reconnect attempts since the last open
	for {
		if attempt > 0 {
			if max := v.cfg.Reconnect.MaxAttempts; !v.cfg.Reconnect.On() || (max > 0 && attempt > max) {
				v.giveUp(attempt - 1)
				return
			}
			delay := v.policy.Delay(attempt-1, v.lrng.Float64())
			if v.tr != nil {
				v.emit(trace.Event{Kind: trace.Backoff, Attempt: attempt, Dur: delay})
			}
			if !v.clock.Sleep(l.ctx, delay) {
				return
			}
			v.rec.Inc(metrics.ReconnectAttempts)
		}
		if v.tr != nil {
			v.connN.Add(1)
		}
		start := v.clock.Now()
		conn, err := v.dial(l.ctx)
		if err != nil {
			if l.ctx.Err() != nil {
				return
			}
			cause, status := v.classifyDial(err)
			detail := err.Error()
			v.rec.Fail(cause, status, detail)
			if v.tr != nil {
				v.emit(trace.Event{Kind: trace.DialFailed, Attempt: attempt, Dur: v.clock.Now().Sub(start),
					Cause: cause.Name(), Status: status, Err: detail})
			}
			v.setState(Reconnecting)
			attempt++
			continue
		}
		now := v.clock.Now()
		v.rec.Observe(metrics.Connect, now.Sub(start))
		v.rec.Inc(metrics.ConnOpened)
		if v.sio {
			v.recordSocketIO(conn)
		}
		if v.tr != nil {
			v.traceOpen(conn, attempt, now.Sub(start))
		}
		if attempt > 0 {
			v.rec.Inc(metrics.ReconnectSuccesses)
		}
		if !dropAt.IsZero() {
			v.rec.Observe(metrics.Recover, now.Sub(dropAt))
			dropAt = time.Time{}
		}
		attempt = 0

		d, dropped := v.serve(l, conn, now)
		if !dropped || l.ctx.Err() != nil {
			return
		}
		if d.cause == metrics.CausePingTimeout {
			v.rec.Inc(metrics.HeartbeatMissed)
		}
		dropAt = v.clock.Now()
		// How long the connection lived: drops clustered at one age point
		// to a timeout upstream (an idle or session timeout).
		v.rec.Observe(metrics.Lifetime, dropAt.Sub(now))
		v.rec.Drop(d.cause, d.code, d.detail)
		attempt = 1
	}
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
	v.mu.Unlock()
	signal(v.space)
	v.failOnce.Do(func() { close(v.failed) })
	v.wake() // a parked client's sleep ends: its steps end now
}

// serve runs one open connection, opened at opened: it flushes the
// offline queue, keeps the heartbeat and reads until the connection ends.
// dropped reports that it ended without the client closing it or the
// lifecycle ending, and d says why.
func (v *VU) serve(l *life, conn transport.Conn, opened time.Time) (d drop, dropped bool) {
	v.aborted.Store(nil)
	v.lastRecv = time.Time{}
	if v.cfg.Heartbeat.Mode == scenario.HeartbeatPing {
		conn.SetPongHandler(v.hb.pong)
	}
	if pc, ok := conn.(pingCounter); ok && v.answersPings() {
		pc.SetPingHandler(v.countPong)
	}

	v.mu.Lock()
	if v.closing {
		v.mu.Unlock()
		_ = conn.Abort()
		return drop{}, false
	}
	v.conn = conn
	var flushed chan struct{}
	if v.queue.len() == 0 {
		v.setStateLocked(Open)
		v.mu.Unlock()
		l.signalOpen()
	} else {
		v.mu.Unlock()
		// Flush beside the reader: a long queue's replies must be read
		// while it is written, or both sides' buffers fill up.
		flushed = make(chan struct{})
		go func() {
			defer close(flushed)
			v.flush(l, conn)
		}()
	}
	v.hb.start(conn)

	err := v.readLoop(conn)

	v.hb.stop()
	// Leave Open before closing the socket: a send racing the end would
	// otherwise write to the closed socket and be taken for a write error.
	v.mu.Lock()
	v.conn = nil
	dropped = !v.closing && l.ctx.Err() == nil
	if dropped {
		d = v.explainDrop(conn, err)
		if v.tr != nil {
			v.traceDrop(d, opened) // before the state change it explains
		}
	}
	if !v.closing {
		v.setStateLocked(Reconnecting)
	}
	v.mu.Unlock()
	_ = conn.Abort()
	if flushed != nil {
		<-flushed
	}
	return d, dropped
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

func (v *VU) readLoop(conn transport.Conn) error {
	for {
		t, data, err := conn.ReadMessage(v.rbuf)
		if err != nil {
			return err
		}
		if cap(data) <= maxKeptReadBuf {
			v.rbuf = data[:0]
		} else {
			v.rbuf = nil
		}
		v.rec.Inc(metrics.MsgsReceived)
		v.rec.Add(metrics.BytesReceived, int64(len(data)))
		if v.tr != nil {
			v.lastRecv = v.clock.Now()
		}
		v.onMessage(t, data)
	}
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
	if len(data) > inboxMaxSize || v.inbox.put(data) {
		v.rec.Inc(metrics.MsgsUnmatched)
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
	wasOpen := v.state == Open
	if v.tr != nil && v.state != Failed { // a failed client has nothing to close
		v.emit(trace.Event{Kind: trace.Close, Code: code, Reason: reason})
	}
	v.mu.Unlock()

	if conn != nil {
		_ = conn.Close(code, reason)
	}
	l.cancel()
	t := time.NewTimer(closeWait)
	select {
	case <-l.ended:
	case <-t.C:
	case <-v.hard.Done():
	}
	t.Stop()
	if conn != nil {
		_ = conn.Abort()
	}
	<-l.ended

	v.mu.Lock()
	v.life = nil
	v.closing = false
	if n := v.queue.len(); n > 0 {
		v.rec.Add(metrics.QueueUnsent, int64(n))
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

type dialResult struct {
	conn transport.Conn
	err  error
}

// dial runs the handshake on a goroutine of its own. The handshake's deep
// call stack (HTTP, TLS) would otherwise grow the lifecycle goroutine's
// stack, which then reads for the connection's whole life: this halves
// the stack memory of an idle client (measured: 12 to 8 KiB at 10k
// clients, bench/idle.sh).
func (v *VU) dial(ctx context.Context) (transport.Conn, error) {
	ch := make(chan dialResult, 1)
	go func() {
		c, err := v.o.Dialer.Dial(ctx, v.o.URL)
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
	a := v.o.Scenario.SocketIO.AnswerPings
	return a == nil || *a
}

// countPong counts a pong answered to the server's ping: for Socket.IO the
// server's ping is the heartbeat.
func (v *VU) countPong() { v.rec.Inc(metrics.HeartbeatSent) }
