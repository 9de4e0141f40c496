package testserver

import (
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// Broadcast is the server broadcast: every Every, the server sends
// every plain WebSocket connection (on every endpoint, /broadcast or not)
// one text message
//
//	{"sender":"server","seq":N,"sent_at":<unix ms>}
//
// and emits Event with that object as its one argument to every socket
// of the Socket.IO namespace "/". N is 1, 2, 3, ... for the whole server,
// every receiver and both protocols: it counts ticks, whether anyone is
// connected or not, so a client that was away can count the ticks it
// missed. Messages go through each connection's own send queue, so a
// slow client delays nobody else; one that falls a whole queue behind
// is closed (Stats.SlowDrops, SocketIOStats.SlowDrops). The broadcast
// runs from Start: a Server used only through Handler does not send it.
//
// It is not the /broadcast endpoint, which relays client messages.
type Broadcast struct {
	// Every is the period; 0 (or less) sends nothing.
	Every time.Duration
	// Event is the Socket.IO event name; "" means DefaultBroadcastEvent.
	// Note that the "push" handler's ticks use the name "tick" too, with
	// another argument ({i, sentAt}).
	Event string
}

// DefaultBroadcastEvent is the Socket.IO event of the server broadcast
// when Broadcast.Event is "".
const DefaultBroadcastEvent = "tick"

// withDefaults fills the documented defaults.
func (b Broadcast) withDefaults() Broadcast {
	b.Every = max0(b.Every)
	if b.Event == "" {
		b.Event = DefaultBroadcastEvent
	}
	return b
}

// SetBroadcast changes the server broadcast (Config.Broadcast): the
// next tick comes every from now, with the Socket.IO event name event
// ("" means DefaultBroadcastEvent); every 0 stops it. The sequence goes
// on where it was. Before Start, it only changes what Start will do.
// Safe for concurrent use.
func (s *Server) SetBroadcast(every time.Duration, event string) {
	b := Broadcast{Every: every, Event: event}.withDefaults()
	s.bcastCfg.Store(&b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bcastOn {
		select {
		case s.bcastWake <- struct{}{}:
		default: // a wake is already pending; it reads the newest setting
		}
		return
	}
	s.startBroadcasterLocked()
}

// startBroadcasterLocked starts the broadcaster goroutine the first time
// a started server has a broadcast to send; once started, it runs until
// Close, idle while the broadcast is off. s.mu is held.
func (s *Server) startBroadcasterLocked() {
	if !s.started || s.closed || s.bcastOn || s.bcastCfg.Load().Every <= 0 {
		return
	}
	s.bcastOn = true
	s.wg.Add(1)
	go s.runBroadcasts()
}

// runBroadcasts sends a tick every Broadcast.Every until Close. A tick
// that comes late (a fan-out to many connections took longer than the
// period) delays the next ones instead of sending a burst. It owns one
// s.wg count.
func (s *Server) runBroadcasts() {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var conns []*conn // reused from tick to tick
	var next time.Time
	for {
		b := s.bcastCfg.Load()
		var fire <-chan time.Time
		if b.Every > 0 {
			if next.IsZero() {
				next = time.Now().Add(b.Every)
			}
			timer.Reset(time.Until(next))
			fire = timer.C
		}
		select {
		case <-s.done:
			return
		case <-s.bcastWake:
			timer.Stop()
			next = time.Time{} // a new setting counts from now
			continue
		case <-fire:
		}
		conns = s.tick(b.Event, conns)
		next = next.Add(b.Every)
		if now := time.Now(); next.Before(now) {
			next = now
		}
	}
}

// tick sends one server broadcast to every connection and socket, and
// returns conns emptied for reuse.
func (s *Server) tick(event string, conns []*conn) []*conn {
	seq := s.stats.broadcastSeq.Add(1) // before anyone can see it
	msg := appendTick(make([]byte, 0, 64), seq, time.Now().UnixMilli())

	s.mu.Lock()
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if len(conns) > 0 {
		// Framed (and compressed, for those that negotiated it) once.
		pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, msg) // fails only for a bad type
		for i, c := range conns {
			c.offer(outMsg{typ: websocket.TextMessage, data: msg, pm: pm, tick: true})
			conns[i] = nil // keep no closed connection alive
		}
	}
	if s.sio != nil {
		s.sio.tick(event, msg)
	}
	return conns[:0]
}

// appendTick appends {"sender":"server","seq":<seq>,"sent_at":<ms>}.
func appendTick(b []byte, seq, unixMilli int64) []byte {
	b = append(b, `{"sender":"server","seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, `,"sent_at":`...)
	b = strconv.AppendInt(b, unixMilli, 10)
	return append(b, '}')
}

// tick emits event(arg) to every socket of the namespace "/", through
// each session's own queue.
func (x *sioServer) tick(event string, arg []byte) {
	pkt := outPkt{data: eventPacket("/", -1, event, arg, 0), tick: true} // shared: never modified once queued
	for _, k := range x.nsps["/"].all() {
		if !k.gone.Load() {
			k.e.send(false, pkt)
		}
	}
}
