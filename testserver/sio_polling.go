package testserver

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

// pollAnswer is what a waiting GET answers.
type pollAnswer struct {
	payload []byte
	end     pollEnd // for an ended session: how
	ended   bool    // the session has ended: answer as end says
	last    bool    // the payload carries the goodbye: the session ends once it is written
}

// poll serves a long-polling GET: it answers with the packets queued for
// the client as soon as there are any.
func (e *eioSession) poll(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	if e.getWake != nil {
		e.mu.Unlock()
		// As the reference server: a second GET is a client error. It
		// gets an empty 400, the session ends ("transport error"), and
		// the waiting GET gets a close packet.
		w.WriteHeader(http.StatusBadRequest)
		e.close("transport error", closeNow)
		return
	}
	wake := make(chan struct{}, 1)
	e.getWake = wake
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		a, wait, ok := e.pollLocked(time.Now())
		if ok {
			e.getWake = nil
			e.mu.Unlock()
			e.answerPoll(w, a)
			return
		}
		e.mu.Unlock()
		var due <-chan time.Time
		if wait > 0 {
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			due = timer.C
		}
		select {
		case <-wake:
		case <-due:
		case <-r.Context().Done():
			// The client went away: as the reference server, the
			// session fails ("transport error").
			e.mu.Lock()
			if e.getWake == wake {
				e.getWake = nil
			}
			e.mu.Unlock()
			e.close("transport error", closeGone)
			return
		}
		e.mu.Lock()
	}
}

// pollLocked decides what a waiting GET answers now; ok is false while it
// should wait, for at most wait if wait > 0. e.mu is held.
func (e *eioSession) pollLocked(now time.Time) (a pollAnswer, wait time.Duration, ok bool) {
	switch {
	case e.state == stClosed:
		a.ended, a.end = true, e.pollEnd
		return a, 0, true
	case e.tr == trWebSocket:
		// Upgraded meanwhile: the polling transport ends with a noop.
		return pollAnswer{payload: noopPacket}, 0, true
	}
	n := 0
	for n < len(e.out) && !e.out[n].due.After(now) {
		if e.out[n].last && n > 0 {
			// As the reference server: the goodbye comes alone, in the
			// next poll. A client handles the packets of one payload
			// after the payload's close packet (socket.io-client defers
			// them), so a DISCONNECT next to it would be lost.
			break
		}
		n++
	}
	if n > 0 {
		last := e.out[n-1].last
		return pollAnswer{payload: e.payloadLocked(n, now), last: last}, 0, true
	}
	if e.probed {
		// An upgrade is under way: the reference server answers the poll
		// with a noop, so that the client can complete it.
		return pollAnswer{payload: noopPacket}, 0, true
	}
	if len(e.out) > 0 {
		wait = e.out[0].due.Sub(now)
	}
	return a, wait, false
}

// payloadLocked takes the first n queued packets as a polling payload:
// text packets as they are, binary ones as "b" + base64, joined by the
// record separator.
func (e *eioSession) payloadLocked(n int, now time.Time) []byte {
	size := 0
	for _, p := range e.out[:n] {
		size += len(p.data)*4/3 + 5
	}
	b := make([]byte, 0, size)
	for i, p := range e.out[:n] {
		if i > 0 {
			b = append(b, sio.RecordSeparator)
		}
		if p.binary {
			b = sio.AppendPayloadBinary(b, p.data)
		} else {
			b = append(b, p.data...)
		}
		e.x.stats.countOut(p, 1)
		if p.ping {
			e.pingWrittenLocked(now)
		}
	}
	clear(e.out[:n])
	e.out = e.out[n:]
	if len(e.out) == 0 {
		e.out = nil
	}
	return b
}

// answerPoll writes a GET's answer.
func (e *eioSession) answerPoll(w http.ResponseWriter, a pollAnswer) {
	if a.ended {
		switch a.end {
		case endAbort, endReset:
			abortHTTP(w, a.end == endReset)
			return
		case endNoop:
			a.payload = noopPacket
		default:
			a.payload = closePacket
		}
	}
	_ = writePayload(w, a.payload, e.x.s.cfg.WriteTimeout)
	if a.last {
		e.close("", closeGone) // the goodbye went out: the session ends
	}
}

// abortHTTP drops the connection of a request without an answer, with a
// TCP RST if reset.
func abortHTTP(w http.ResponseWriter, reset bool) {
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): net/http drops the stream for us.
		panic(http.ErrAbortHandler)
	}
	if reset {
		abortConn(nc)
		return
	}
	nc.Close()
}

// errStopPayload stops reading a POST's packets once the session ended.
var errStopPayload = errors.New("session ended")

// post serves a polling POST: a payload of packets from the client.
func (e *eioSession) post(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") == "application/octet-stream" {
		// Engine.IO v4 polling payloads are text, binary packets in base64.
		w.WriteHeader(http.StatusBadRequest)
		e.close("transport error", closeNow)
		return
	}
	e.mu.Lock()
	if e.posting {
		e.mu.Unlock()
		// As the reference server: overlapping POSTs are a client error.
		w.WriteHeader(http.StatusBadRequest)
		e.close("transport error", closeNow)
		return
	}
	e.posting = true
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.posting = false
		e.mu.Unlock()
	}()

	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(sioPostTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.x.cfg.MaxPayload))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		} else {
			w.WriteHeader(http.StatusBadRequest)
		}
		e.close("transport error", closeNow)
		return
	}
	err = sio.SplitPayload(body, func(pkt []byte, binary bool) error {
		if !e.receive(pkt, binary) {
			return errStopPayload
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopPayload) {
		e.close("parse error", closeNow)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(2))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
}
