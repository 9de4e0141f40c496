package testserver

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// sessState is where an Engine.IO session is in its life.
type sessState uint8

const (
	stOpen    sessState = iota
	stClosing           // a flushing close: what is queued still goes out, nothing new is accepted
	stClosed
)

// transportKind is the transport a session currently uses.
type transportKind uint8

const (
	trPolling transportKind = iota
	trWebSocket
)

func (t transportKind) String() string {
	if t == trWebSocket {
		return "websocket"
	}
	return "polling"
}

// closeMode says how a session ends.
type closeMode uint8

const (
	// closeFlush delivers what is queued, then says goodbye (a close
	// frame, or a close packet to the next GET): a server disconnect.
	closeFlush closeMode = iota
	// closeNow drops the queue and says goodbye at once: the server
	// closing a session it gave up on (ping timeout, protocol error).
	closeNow
	// closeGone drops the queue: the transport is gone (the client
	// closed it or it failed); a waiting GET gets a noop.
	closeGone
	// closeAbort drops the transport without a word (FIN).
	closeAbort
	// closeReset drops the transport with a TCP RST.
	closeReset
)

// pollEnd is how a GET still waiting when its session ends is answered.
type pollEnd uint8

const (
	endClose pollEnd = iota // an Engine.IO close packet, "1"
	endNoop                 // a noop, "6"
	endAbort                // no answer: the TCP connection is closed
	endReset                // no answer: the TCP connection is reset
)

// outPkt is one Engine.IO packet waiting for the transport.
type outPkt struct {
	data   []byte    // text: the packet with its type byte; binary: the message data. Never modified once queued.
	binary bool      // a binary message (a Socket.IO attachment)
	due    time.Time // not before (the reply delay); zero means now
	ping   bool      // a ping: the pong is due PingTimeout after it went out
	tick   bool      // a server broadcast (Config.Broadcast)
	last   bool      // the goodbye: a close frame, or "1" on polling; the session ends after it
}

// eioSession is one Engine.IO session (one "engine client") and the
// Socket.IO sockets it carries, one per connected namespace.
//
// On WebSocket it costs one reader goroutine; on polling none of its own
// (the GET and POST requests are net/http's). Packets to the client go
// through one ordered queue, out: a waiting GET takes them, or, on
// WebSocket, a writer drains them, inline when the caller may block on
// this client (its own reader and timers), in a goroutine that exists
// only while the queue is not empty otherwise, so that a slow client
// never stalls the goroutine of another. Timers (pings, pushes, asks) are
// time.AfterFunc timers, not goroutines.
//
// The session holds one s.wg count from registration until it ends; its
// goroutines and timer callbacks hold their own (see hold).
type eioSession struct {
	x       *sioServer
	sid     string
	query   []byte // the handshake's query as a JSON object, for "welcome"
	created time.Time
	done    chan struct{} // closed when the session has ended
	picked  atomic.Bool   // a fault picked it

	// inMu serialises the handling of received packets (the WebSocket
	// reader, polling POSTs) and guards bin.
	inMu sync.Mutex
	bin  *binaryPacket // a binary packet waiting for its attachments

	mu           sync.Mutex // guards everything below; taken before a namespace's mu and the sioServer's
	state        sessState
	reason       string // why it closed: the first reason given
	tr           transportKind
	ws           *websocket.Conn // the WebSocket transport, once tr == trWebSocket
	probe        *websocket.Conn // an upgrade in progress
	probed       bool            // the probe was answered: a GET gets a noop
	upgradeTimer *time.Timer
	out          []outPkt
	writing      bool          // a writer is draining out
	getWake      chan struct{} // set while a GET waits
	pollEnd      pollEnd
	posting      bool
	hb           heartbeat
	sockets      []*sioSocket // connected namespaces, in order of connection
	joined       bool         // a namespace was connected once
}

func (x *sioServer) newSession(tr transportKind, rawQuery string) *eioSession {
	return &eioSession{
		x:       x,
		sid:     newID(),
		query:   queryJSON(rawQuery),
		created: time.Now(),
		done:    make(chan struct{}),
		tr:      tr,
	}
}

// start arms the heartbeat once the session is registered.
func (e *eioSession) start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == stClosed {
		return
	}
	e.hb.timer = time.AfterFunc(e.x.cfg.PingInterval, e.onTimer)
}

// hold counts a timer callback in s.wg unless the session has ended. The
// session's own count keeps the WaitGroup above zero meanwhile, so this
// cannot race with Close's Wait. The caller calls s.wg.Done when it
// returns true.
func (e *eioSession) hold() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == stClosed {
		return false
	}
	e.x.s.wg.Add(1)
	return true
}

func (e *eioSession) isOpen() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state == stOpen
}

// send queues pkts, in order and together, behind what is already
// queued. mine says the caller may block writing to this client (it is
// the session's own reader, POST or timer); otherwise a writer goroutine
// writes. A client that lets too much pile up loses its session.
func (e *eioSession) send(mine bool, pkts ...outPkt) {
	e.mu.Lock()
	if e.state != stOpen {
		e.mu.Unlock()
		return
	}
	if len(e.out)+len(pkts) > sioMaxQueued {
		e.mu.Unlock()
		e.x.stats.slowDrops.Add(1)
		e.close("transport error", closeGone)
		return
	}
	e.out = append(e.out, pkts...)
	inline := e.deliverLocked(mine)
	e.mu.Unlock()
	if inline {
		e.drain(false)
	}
}

// deliverLocked gets e.out moving: it wakes a waiting GET or makes sure a
// writer drains the WebSocket. It returns true when the caller must drain
// inline. e.mu is held and the session has not ended.
func (e *eioSession) deliverLocked(mine bool) bool {
	if e.tr == trPolling {
		e.wakeGETLocked()
		return false
	}
	if e.writing || len(e.out) == 0 {
		return false
	}
	e.writing = true
	if mine && !e.out[0].due.After(time.Now()) {
		return true
	}
	e.x.s.wg.Add(1) // the session's count is held: no race with Wait
	go e.drain(true)
	return false
}

func (e *eioSession) wakeGETLocked() {
	if e.getWake != nil {
		select {
		case e.getWake <- struct{}{}:
		default:
		}
	}
}

// close ends the session, or begins to (closeFlush), for reason; the
// first reason given is the one recorded. Sockets still connected
// disconnect with reason too. Closing again is harmless, and a harder
// mode finishes a flushing close at once.
func (e *eioSession) close(reason string, mode closeMode) {
	e.mu.Lock()
	if e.state == stClosed || (e.state == stClosing && mode == closeFlush) {
		e.mu.Unlock()
		return
	}
	if e.reason == "" {
		e.reason = reason
	}
	// Counted before the client can see anything of it.
	e.detachLocked(e.takeSocketsLocked(), e.reason)
	if mode == closeFlush {
		e.state = stClosing
		e.out = append(e.out, outPkt{data: closePacket, last: true})
		if e.hb.timer != nil {
			e.hb.timer.Reset(sioCloseTimeout) // in stClosing, the timer ends the session
		}
		e.deliverLocked(false)
		e.mu.Unlock()
		return
	}
	e.state = stClosed
	ws, probe := e.ws, e.probe
	e.out = nil
	e.probe = nil
	if e.hb.timer != nil {
		e.hb.timer.Stop()
	}
	if e.upgradeTimer != nil {
		e.upgradeTimer.Stop()
	}
	e.x.unregister(e, e.tr)
	e.x.stats.engineCloses.add(e.reason)
	e.pollEnd = pollEndFor(mode)
	e.wakeGETLocked()
	close(e.done)
	e.mu.Unlock()

	if probe != nil {
		probe.NetConn().Close()
	}
	if ws != nil {
		e.closeWebSocket(ws, mode)
	}
	e.x.s.wg.Done() // the session's own count
}

// pollEndFor is how a waiting GET learns that its session ended by mode.
func pollEndFor(mode closeMode) pollEnd {
	switch mode {
	case closeGone:
		return endNoop
	case closeAbort:
		return endAbort
	case closeReset:
		return endReset
	}
	return endClose
}

// closeWebSocket ends the WebSocket transport as mode says. The reader
// closes the connection when its read fails.
func (e *eioSession) closeWebSocket(ws *websocket.Conn, mode closeMode) {
	switch mode {
	case closeNow:
		// As the reference server: a close frame. The reader ends at the
		// client's answer or after a second.
		err := ws.WriteControl(websocket.CloseMessage, nil, time.Now().Add(controlWriteTimeout))
		if err == nil {
			err = ws.NetConn().SetReadDeadline(time.Now().Add(time.Second))
		}
		if err != nil {
			ws.NetConn().Close()
		}
	case closeReset:
		abortConn(ws.NetConn())
	default:
		ws.NetConn().Close()
	}
}
