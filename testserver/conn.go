package testserver

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// maxKeptReadBuffer is the largest read buffer a connection keeps
	// between messages; larger messages get a buffer of their own.
	maxKeptReadBuffer = 64 << 10
	// maxQueued bounds a connection's delayed replies; a producer waits
	// for room, which pushes back on the client that sends too fast.
	maxQueued = 1024
	// controlWriteTimeout bounds pongs and other control frames.
	controlWriteTimeout = time.Second
)

// outMsg is one reply waiting to be written.
type outMsg struct {
	due  time.Time
	typ  int
	data []byte
	pm   *websocket.PreparedMessage // set for broadcasts: framed once
	tick bool                       // a server broadcast (Config.Broadcast)
}

// conn is one upgraded connection. Its read loop runs in one goroutine
// and writes replies directly when no delay is configured; with a delay,
// replies go to an ordered queue drained by a writer goroutine that exists
// only while the queue is not empty.
//
// Writes are serialised by writerOn: a reply is written directly only by
// a producer that found the queue empty and no writer running, and that
// sets writerOn for the length of its write; whoever holds writerOn is
// the only one writing. qmu is never held across a write, so that the
// server broadcaster can queue a message for a client whose write is
// stuck without waiting for it. Control frames use WriteControl, which
// gorilla allows concurrently.
type conn struct {
	s       *Server
	ws      *websocket.Conn
	ep      endpoint
	closing atomic.Bool // a fault picked this connection; it is going away
	// draining: a restart half-closed the connection; it is still read
	// (and sequence-checked) but no longer answered.
	draining atomic.Bool
	done     chan struct{} // closed when the read loop has ended

	// owned by the read loop
	buf   []byte
	reply []byte
	peers []*conn

	qmu      sync.Mutex
	qcond    sync.Cond // signalled when the queue shrinks or the conn ends
	queue    []outMsg
	writerOn bool
	ended    bool

	hb wsHeartbeat // Config.PingInterval
}

func newConn(s *Server, ws *websocket.Conn, ep endpoint) *conn {
	c := &conn{s: s, ws: ws, ep: ep, done: make(chan struct{})}
	c.qcond.L = &c.qmu
	ws.SetReadLimit(s.cfg.MaxMessageSize)
	ws.SetPingHandler(c.onPing)
	ws.SetPongHandler(c.onPong)
	return c
}

// netConn is the connection under the WebSocket (a *tls.Conn through a
// TLS httptest server). Its methods are safe for concurrent use.
func (c *conn) netConn() net.Conn { return c.ws.NetConn() }

// drain half-closes the connection: the peer reads EOF at once (no close
// frame) while what it already sent is still read until it closes its
// side or until the deadline; then the read loop ends and closes it.
func (c *conn) drain(deadline time.Time) {
	c.draining.Store(true)
	raw := c.netConn()
	_ = raw.SetReadDeadline(deadline)
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := raw.(closeWriter); ok && cw.CloseWrite() == nil {
		return
	}
	raw.Close()
}

// abort closes the TCP connection with SO_LINGER 0, so the peer gets a
// RST instead of a FIN and no close frame.
func (c *conn) abort() { abortConn(c.netConn()) }

// abortConn closes raw (TLS or TCP) with SO_LINGER 0: a RST, not a FIN.
func abortConn(raw net.Conn) {
	if tc, ok := raw.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	raw.Close()
}

// faultTarget implementation: a close fault sends a close frame, a reset
// fault a RST.

func (c *conn) claim() bool   { return c.closing.CompareAndSwap(false, true) }
func (c *conn) claimed() bool { return c.closing.Load() }

func (c *conn) faultClose(payload []byte, deadline time.Time) {
	if err := c.ws.WriteControl(websocket.CloseMessage, payload, deadline); err != nil {
		c.netConn().Close()
		return
	}
	// The read loop ends at the client's close frame or at this
	// deadline, and closes the TCP connection either way.
	_ = c.netConn().SetReadDeadline(time.Now().Add(time.Second))
}

func (c *conn) faultReset() { c.abort() }

func (c *conn) onPing(data string) error {
	if c.draining.Load() {
		return nil // half-closed by a restart: a pong cannot go out, and a failed write would end the drain early
	}
	if c.s.ignorePings.Load() {
		c.s.stats.pingsIgnored.Add(1)
		return nil
	}
	// Counted before writing, so that a client that got the pong finds it
	// in Stats; taken back if the write fails.
	c.s.stats.pingsAnswered.Add(1)
	err := c.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(controlWriteTimeout))
	if err == nil {
		return nil
	}
	c.s.stats.pingsAnswered.Add(-1)
	var ne net.Error
	if errors.Is(err, websocket.ErrCloseSent) || errors.As(err, &ne) && ne.Timeout() {
		return nil // like gorilla's default handler
	}
	return err
}

// readLoop reads and answers messages until the connection fails or is
// closed, then releases it. It owns one s.wg count.
func (c *conn) readLoop() {
	defer c.s.wg.Done()
	defer c.finish()
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		data, err := c.readMessage(r)
		if err != nil {
			return
		}
		c.s.stats.messagesIn.Add(1)
		c.s.stats.bytesIn.Add(int64(len(data)))
		c.handle(typ, data)
	}
}

// readMessage reads one message into the connection's reused buffer.
func (c *conn) readMessage(r io.Reader) ([]byte, error) {
	buf := c.buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if cap(buf) <= maxKeptReadBuffer {
		c.buf = buf
	}
	return buf, nil
}

// finish closes the connection, wakes producers waiting on its queue and
// stops tracking it.
func (c *conn) finish() {
	c.hb.stop()
	c.ws.Close()
	c.qmu.Lock()
	c.ended = true
	c.queue = nil
	c.qcond.Broadcast()
	c.qmu.Unlock()
	close(c.done)
	c.s.unregister(c)
}

// send writes m now or queues it behind earlier replies, delayed by the
// current Delay. owned says m.data may be kept; otherwise it is copied
// before queueing. Any goroutine may call send; it waits while the queue
// is full, which pushes back on a client that sends too fast.
func (c *conn) send(m outMsg, owned bool) {
	d := c.s.nextDelay()
	c.qmu.Lock()
	if c.ended {
		c.qmu.Unlock()
		return
	}
	if d == 0 && !c.writerOn && len(c.queue) == 0 {
		c.writerOn = true // others queue behind this write meanwhile
		c.qmu.Unlock()
		c.write(m)
		c.qmu.Lock()
		c.writerOn = false
		c.startWriterLocked()
		c.qmu.Unlock()
		return
	}
	for len(c.queue) >= maxQueued && !c.ended {
		c.qcond.Wait()
	}
	if c.ended {
		c.qmu.Unlock()
		return
	}
	if !owned {
		m.data = bytes.Clone(m.data)
	}
	m.due = time.Now().Add(d)
	c.queue = append(c.queue, m)
	c.startWriterLocked()
	c.qmu.Unlock()
}

// offer queues m, which it may keep, to go out at once after what is
// queued, and returns without waiting for anything: the server
// broadcaster offers every tick to every connection, and one client that
// does not read must not hold up the others. A connection whose queue is
// full is too far behind to catch up and is closed (Stats.SlowDrops).
func (c *conn) offer(m outMsg) {
	c.qmu.Lock()
	if c.ended {
		c.qmu.Unlock()
		return
	}
	if len(c.queue) >= maxQueued {
		c.qmu.Unlock()
		if c.claim() {
			c.s.stats.slowDrops.Add(1)
			c.netConn().Close()
		}
		return
	}
	m.due = time.Now()
	c.queue = append(c.queue, m)
	c.startWriterLocked()
	c.qmu.Unlock()
}

// startWriterLocked starts the writer goroutine if something is queued
// and nobody is writing. c.qmu is held, and so is an s.wg count (the
// caller's), so the writer's Add cannot race Close's Wait.
func (c *conn) startWriterLocked() {
	if c.writerOn || c.ended || len(c.queue) == 0 {
		return
	}
	c.writerOn = true
	c.s.wg.Add(1)
	go c.writeLoop()
}

// writeLoop writes queued replies in order, each no earlier than its due
// time, and exits as soon as the queue is empty. It owns one s.wg count.
func (c *conn) writeLoop() {
	defer c.s.wg.Done()
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		c.qmu.Lock()
		if c.ended || len(c.queue) == 0 {
			c.writerOn = false
			c.queue = nil // an idle connection keeps no queue
			c.qmu.Unlock()
			return
		}
		m := c.queue[0]
		c.queue[0] = outMsg{}
		c.queue = c.queue[1:]
		c.qcond.Broadcast()
		c.qmu.Unlock()

		if wait := time.Until(m.due); wait > 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-c.done:
				c.qmu.Lock()
				c.writerOn = false
				c.qmu.Unlock()
				return
			}
		}
		c.write(m)
	}
}

// write writes one reply. A failed write closes the connection, which
// ends the read loop; a reply after a close frame is dropped uncounted.
// The caller holds the right to write (see conn).
func (c *conn) write(m outMsg) {
	if c.draining.Load() {
		return
	}
	// Counted before writing, so that a client that got the reply finds
	// it in Stats; taken back if the write fails.
	st := &c.s.stats
	st.count(m, 1)
	err := c.ws.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	if err != nil {
		st.count(m, -1)
		return
	}
	if m.pm != nil {
		err = c.ws.WritePreparedMessage(m.pm)
	} else {
		err = c.ws.WriteMessage(m.typ, m.data)
	}
	if err == nil {
		return
	}
	st.count(m, -1)
	if !errors.Is(err, websocket.ErrCloseSent) {
		c.netConn().Close()
	}
}
