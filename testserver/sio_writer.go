package testserver

import (
	"time"

	"github.com/gorilla/websocket"
)

// writeBatch is how many queued packets a writer takes per lock.
const writeBatch = 16

// drain writes the session's queue to its WebSocket, in order, each
// packet no earlier than it is due, until the queue is empty. The caller
// has set e.writing. owned says drain runs in a goroutine of its own
// (holding one s.wg count); otherwise it runs inline in a caller that may
// block on this client, writes at most one batch, and hands the rest to
// a goroutine rather than wait for a delayed packet or keep a reader from
// reading while broadcasts pour in.
func (e *eioSession) drain(owned bool) {
	if owned {
		defer e.x.s.wg.Done()
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var batch [writeBatch]outPkt
	wrote := false
	for {
		e.mu.Lock()
		if e.state == stClosed || e.tr != trWebSocket || len(e.out) == 0 {
			e.writing = false
			if len(e.out) == 0 {
				e.out = nil // an idle session keeps no queue
			}
			e.mu.Unlock()
			return
		}
		wait := time.Until(e.out[0].due)
		if !owned && (wrote || wait > 0) {
			e.x.s.wg.Add(1) // the session's count is held
			go e.drain(true)
			e.mu.Unlock()
			return
		}
		if wait > 0 {
			e.mu.Unlock()
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-e.done:
			}
			continue
		}
		now := time.Now()
		n := 0
		for n < len(batch) && n < len(e.out) && !e.out[n].due.After(now) {
			batch[n] = e.out[n]
			e.out[n] = outPkt{}
			n++
		}
		e.out = e.out[n:]
		ws := e.ws
		e.mu.Unlock()
		wrote = true

		for i := range n {
			err := e.writeWS(ws, batch[i])
			if err != nil {
				clear(batch[:n])
				e.close("transport error", closeGone)
				break
			}
			batch[i] = outPkt{}
		}
	}
}

// writeWS writes one packet, bounded by Config.WriteTimeout: a client
// that stops reading loses its session instead of holding a writer.
func (e *eioSession) writeWS(ws *websocket.Conn, p outPkt) error {
	if p.last {
		err := ws.WriteControl(websocket.CloseMessage, nil, time.Now().Add(controlWriteTimeout))
		if err == nil {
			// The reader ends at the client's answer or after a second,
			// and the session with it.
			err = ws.NetConn().SetReadDeadline(time.Now().Add(time.Second))
		}
		return err
	}
	if err := ws.SetWriteDeadline(time.Now().Add(e.x.s.cfg.WriteTimeout)); err != nil {
		return err
	}
	typ := websocket.TextMessage
	if p.binary {
		typ = websocket.BinaryMessage
	}
	st := &e.x.stats
	st.countOut(p, 1) // counted before the client can see it
	if err := ws.WriteMessage(typ, p.data); err != nil {
		st.countOut(p, -1)
		return err
	}
	if p.ping {
		e.pingWritten(time.Now())
	}
	return nil
}
