package testserver

import (
	"errors"
	"io"
	"time"

	"github.com/gorilla/websocket"
)

// readWS is the one goroutine of a WebSocket session: it writes what is
// queued at the start (the open packet), then reads packets until the
// connection fails. probing says ws is an upgrade probe of a polling
// session; it becomes the session's transport at the upgrade packet. It
// owns one s.wg count.
func (e *eioSession) readWS(ws *websocket.Conn, probing bool) {
	defer e.x.s.wg.Done()
	defer ws.Close()
	if !probing {
		e.drain(false)
	}
	var buf []byte
	for {
		typ, r, err := ws.NextReader()
		if err == nil {
			buf, err = readInto(buf, r)
		}
		if err != nil {
			if probing {
				e.endProbe(ws)
			} else {
				e.close(readCloseReason(err), closeGone)
			}
			return
		}
		if probing {
			if probing = e.onProbe(ws, typ, buf); !probing && !e.upgradedTo(ws) {
				return
			}
		} else {
			e.receive(buf, typ == websocket.BinaryMessage)
		}
		if cap(buf) > maxKeptReadBuffer {
			buf = nil // keep no huge buffer on an idle session
		}
	}
}

// readInto reads one message into buf's storage.
func readInto(buf []byte, r io.Reader) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readCloseReason names why a WebSocket read failed, in the reference
// server's words: the peer closed the connection, or it failed.
func readCloseReason(err error) string {
	var ce *websocket.CloseError
	if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "transport close"
	}
	return "transport error"
}

// onProbe handles one message on an upgrade probe. It returns whether the
// probe goes on; when it does not, the caller checks upgradedTo.
func (e *eioSession) onProbe(ws *websocket.Conn, typ int, msg []byte) bool {
	switch {
	case typ == websocket.TextMessage && string(msg) == "2probe":
		_ = ws.SetWriteDeadline(time.Now().Add(e.x.s.cfg.WriteTimeout))
		if ws.WriteMessage(websocket.TextMessage, []byte("3probe")) != nil {
			e.endProbe(ws)
			return false
		}
		e.mu.Lock()
		if e.probe == ws {
			e.probed = true
			e.wakeGETLocked() // a waiting GET gets a noop
		}
		e.mu.Unlock()
		return true
	case typ == websocket.TextMessage && string(msg) == "5":
		inline, ok := e.switchTo(ws)
		if !ok {
			e.endProbe(ws)
			return false
		}
		if inline {
			e.drain(false)
		}
		return false
	default:
		// As the reference server: anything else ends the probe; the
		// session goes on polling.
		e.endProbe(ws)
		return false
	}
}

// upgradedTo reports whether ws is the session's transport.
func (e *eioSession) upgradedTo(ws *websocket.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ws == ws
}

// switchTo makes the probe ws the session's transport: a waiting GET gets
// a noop, and what was queued for polling goes out over ws. inline says
// the caller drains it.
func (e *eioSession) switchTo(ws *websocket.Conn) (inline, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != stOpen || e.probe != ws {
		return false, false
	}
	e.probe, e.probed = nil, false
	if e.upgradeTimer != nil {
		e.upgradeTimer.Stop()
	}
	e.tr, e.ws = trWebSocket, ws
	e.wakeGETLocked()
	st := &e.x.stats
	st.upgrades.Add(1)
	st.transport(trPolling).Add(-1)
	st.transport(trWebSocket).Add(1)
	return e.deliverLocked(true), true
}

// endProbe abandons the upgrade through ws, if it is still the one in
// progress, and closes ws.
func (e *eioSession) endProbe(ws *websocket.Conn) {
	e.mu.Lock()
	if e.probe == ws {
		e.probe, e.probed = nil, false
		if e.upgradeTimer != nil {
			e.upgradeTimer.Stop()
		}
	}
	e.mu.Unlock()
	ws.NetConn().Close()
}

// upgradeTimedOut ends an upgrade that did not complete in time.
func (e *eioSession) upgradeTimedOut(ws *websocket.Conn) {
	if !e.hold() {
		return
	}
	defer e.x.s.wg.Done()
	if !e.upgradedTo(ws) {
		e.endProbe(ws)
	}
}
