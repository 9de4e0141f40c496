package testserver

import (
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Faults describes the faults a Server injects: the reply delay and ping
// behaviour from the start, and a schedule of closes, resets, refusals and
// restarts relative to Start. The zero value injects nothing. The same
// faults can be triggered at run time through the Server's methods. Faults
// and the types below are plain values, read once by New.
type Faults struct {
	Delay       Delay        // reply delay
	Close       CloseFault   // periodic close with a code
	Reset       ResetFault   // periodic TCP reset
	Refuse      RefuseFault  // refuse upgrades with an HTTP status for a period
	Restart     RestartFault // full restart: all connections dropped, listener down
	IgnorePings bool         // stop answering ping frames (Socket.IO: stop sending pings)
}

// Delay delays every reply (echo, /json, broadcast; on Socket.IO, acks
// and the "echo-event" reply) by Min when Min ==
// Max, or by a uniformly random duration in [Min, Max] otherwise. Replies
// on one connection keep their order: a reply is never written before the
// one received ahead of it. Negative values count as 0; Max < Min counts
// as Max == Min.
type Delay struct{ Min, Max time.Duration }

// CloseFault sends a close frame with Code and Reason to Fraction of the
// open connections every Every. Zero Every is off; zero Fraction means 1
// (every connection); zero Code means 1001 (going away).
type CloseFault struct {
	Every    time.Duration
	Fraction float64
	Code     int
	Reason   string
}

// ResetFault aborts Fraction of the open connections with a TCP RST every
// Every. Zero Every is off; zero Fraction means 1.
type ResetFault struct {
	Every    time.Duration
	Fraction float64
}

// RefuseFault answers upgrades with Status for For, starting After the
// start, and again every Every if Every > 0. Zero Status or zero For is
// off. Status outside 400-599 means 503.
type RefuseFault struct {
	Status            int
	After, For, Every time.Duration
}

// RestartFault restarts the server (see Server.Restart) first After the
// start if After > 0, then every Every if Every > 0, keeping the listener
// down for Down each time. Zero After and zero Every is off.
type RestartFault struct{ After, Every, Down time.Duration }

// withDefaults fills the documented defaults.
func (f Faults) withDefaults() Faults {
	if f.Close.Fraction == 0 {
		f.Close.Fraction = 1
	}
	if f.Close.Code == 0 {
		f.Close.Code = websocket.CloseGoingAway
	}
	if f.Reset.Fraction == 0 {
		f.Reset.Fraction = 1
	}
	return f
}

// SetDelay changes the reply delay for replies to messages received from
// now on; see Delay. SetDelay(0, 0) turns it off. Safe for concurrent use.
func (s *Server) SetDelay(min, max time.Duration) {
	min, max = max0(min), max0(max)
	if max < min {
		max = min
	}
	s.delay.Store(&Delay{Min: min, Max: max})
}

// nextDelay draws the delay of one reply.
func (s *Server) nextDelay() time.Duration {
	d := s.delay.Load()
	if d.Max <= d.Min {
		return d.Min
	}
	return d.Min + rand.N(d.Max-d.Min+1)
}

// SetIgnorePings turns answering ping frames off (on == true) or back on.
// Ignored pings are counted in Stats.PingsIgnored. Socket.IO sessions,
// where the server is the one that pings, stop receiving pings instead,
// so that their clients detect a ping timeout (counted in
// SocketIOStats.PingsSkipped); the server does not time them out
// meanwhile. Safe for concurrent use.
func (s *Server) SetIgnorePings(on bool) {
	s.ignorePings.Store(on)
}

// CloseFraction sends a close frame with code and reason to
// round(fraction*open) randomly chosen open connections, at least one
// when fraction > 0 (fraction 1 = all)
// and returns how many it picked. A picked connection is closed when the
// client answers the close frame, or after about a second. Connections
// already picked by an earlier fault are not picked again. reason is cut
// to the 123 bytes a close frame can carry.
//
// Socket.IO sessions count among the open connections; a picked one is
// kicked instead: a DISCONNECT for each connected namespace (the client's
// reason is "io server disconnect"), then the engine close (a close
// frame, or a close packet to the next poll). code and reason do not
// apply to them. Safe for concurrent use.
func (s *Server) CloseFraction(fraction float64, code int, reason string) int {
	victims, open := s.pick(fraction)
	if len(reason) > 123 {
		reason = reason[:123]
	}
	payload := websocket.FormatCloseMessage(code, reason)
	s.stats.faultCloses.Add(int64(len(victims))) // before the clients can notice
	// One deadline for the whole batch: a connection whose writer is stuck
	// cannot hold up the others, it is simply closed.
	deadline := time.Now().Add(time.Second)
	for _, v := range victims {
		v.faultClose(payload, deadline)
	}
	s.logf("testserver: fault: close frame %d %q sent to %d of %d open connections", code, reason, len(victims), open)
	return len(victims)
}

// ResetFraction aborts round(fraction*open) (at least one) randomly chosen open
// connections with a TCP RST (SO_LINGER 0, then close): no close frame.
// Socket.IO sessions count among them: a WebSocket one is reset the same
// way, a polling one has its waiting GET reset, or, if none waits, is
// simply gone (its next request gets 400 "Session ID unknown").
// It returns how many it aborted. Safe for concurrent use.
func (s *Server) ResetFraction(fraction float64) int {
	victims, open := s.pick(fraction)
	s.stats.faultResets.Add(int64(len(victims))) // before the clients can notice
	for _, v := range victims {
		v.faultReset()
	}
	s.logf("testserver: fault: TCP reset of %d of %d open connections", len(victims), open)
	return len(victims)
}

// faultTarget is what a close or reset fault picks: a WebSocket
// connection (*conn) or a Socket.IO session (*eioSession).
type faultTarget interface {
	claim() bool   // marks it as going away; false if a fault already did
	claimed() bool // a fault has claimed it
	// faultClose says goodbye: a close frame with payload, sent by
	// deadline, on a WebSocket connection; a server disconnect of every
	// namespace, then the engine close, on a Socket.IO session.
	faultClose(payload []byte, deadline time.Time)
	faultReset() // drops it with a TCP RST
}

// pick claims round(fraction*n) random connections and sessions among
// the n open ones that no fault has claimed yet.
func (s *Server) pick(fraction float64) (picked []faultTarget, open int) {
	cands := s.settled()
	n := 0
	for _, c := range cands {
		if !c.claimed() {
			cands[n] = c
			n++
		}
	}
	cands = cands[:n]
	if math.IsNaN(fraction) || fraction < 0 {
		fraction = 0
	}
	n = int(math.Round(math.Min(fraction, 1) * float64(len(cands))))
	if n == 0 && fraction > 0 && len(cands) > 0 {
		n = 1 // a small fraction of few connections still hits one, or the fault never fires
	}
	for i := 0; i < n; i++ { // partial Fisher-Yates
		j := i + rand.IntN(len(cands)-i)
		cands[i], cands[j] = cands[j], cands[i]
		if cands[i].claim() {
			picked = append(picked, cands[i])
		}
	}
	return picked, len(cands)
}

// RefuseFor answers every WebSocket upgrade and every Engine.IO handshake
// with status for d from now, with a short text body and, for 429 and
// 503, "Retry-After: 1". Plain HTTP requests (/stats) and the requests of
// Socket.IO sessions already open are still served. Status outside 400-599 means
// 503; d <= 0 stops refusing. Safe for concurrent use.
func (s *Server) RefuseFor(status int, d time.Duration) {
	if status < 400 || status > 599 {
		status = http.StatusServiceUnavailable
	}
	s.refusal.set(status, time.Now().Add(d))
	if d > 0 {
		s.logf("testserver: fault: refusing upgrades with %d for %v", status, d)
	}
}

// refusal is the current refusal window.
type refusal struct {
	mu     sync.Mutex
	status int
	until  time.Time
}

func (r *refusal) set(status int, until time.Time) {
	r.mu.Lock()
	r.status, r.until = status, until
	r.mu.Unlock()
}

// active returns the status to refuse with, if an upgrade now is refused.
func (r *refusal) active() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == 0 || !time.Now().Before(r.until) {
		return 0, false
	}
	return r.status, true
}

func max0(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d
}
