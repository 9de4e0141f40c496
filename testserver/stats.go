package testserver

import (
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of what the server has seen since New, as returned
// by Server.Stats and served as JSON by GET /stats. It is a copy: reading
// it needs no lock.
//
// Upgrades, replies, pongs, refusals and faults are counted before the
// client can see them, so a client whose dial returned, or that got a
// reply, finds it counted. Open falls when the server has finished with a
// connection, which may be a moment after the client saw it drop.
type Stats struct {
	Accepted      int64 `json:"accepted"`       // upgrades completed
	Open          int64 `json:"open"`           // connections open now
	Refused       int64 `json:"refused"`        // upgrades refused by RefuseFor or Faults.Refuse
	MessagesIn    int64 `json:"messages_in"`    // data messages read
	MessagesOut   int64 `json:"messages_out"`   // data messages written (broadcast: one per receiver)
	BytesIn       int64 `json:"bytes_in"`       // payload bytes read
	BytesOut      int64 `json:"bytes_out"`      // payload bytes written, before compression
	PingsAnswered int64 `json:"pings_answered"` // pings answered with a pong
	PingsIgnored  int64 `json:"pings_ignored"`  // pings left unanswered (IgnorePings)
	FaultCloses   int64 `json:"fault_closes"`   // connections sent a close frame (Socket.IO sessions kicked) by a fault
	FaultResets   int64 `json:"fault_resets"`   // connections and Socket.IO sessions aborted with a TCP RST by a fault
	Restarts      int64 `json:"restarts"`       // restarts begun
	PingsSent     int64 `json:"pings_sent"`     // heartbeat pings written (Config.PingInterval)
	PingTimeouts  int64 `json:"ping_timeouts"`  // connections aborted (RST) for a pong missed (Config.PingTimeout)
	SlowDrops     int64 `json:"slow_drops"`     // connections closed because a server broadcast found their send queue full

	// BroadcastSeq is the seq of the last server broadcast
	// (Config.Broadcast), Socket.IO included: the number of ticks so far,
	// whether anyone was connected or not. 0 before the first.
	BroadcastSeq int64 `json:"broadcast_seq"`
	// BroadcastsOut counts the server broadcast messages written, one per
	// receiving connection; MessagesOut and BytesOut count them too.
	BroadcastsOut int64 `json:"broadcasts_out"`

	// Clients holds the sequence check of every client key seen in a text
	// message that is a JSON object with a numeric "seq" and a "client".
	Clients map[string]SeqStats `json:"clients"`

	// SocketIO holds the Socket.IO server's counters; nil (and absent
	// from the JSON) when it is off. The counters above count plain
	// WebSocket connections only, except FaultCloses, FaultResets,
	// Restarts and BroadcastSeq, and Refused, which counts refused
	// Engine.IO handshakes.
	SocketIO *SocketIOStats `json:"socketio,omitempty"`
}

// SeqStats is the sequence check of one client key. Messages are expected
// to carry seq 1, 2, 3, ... in order: a first seq of 5 counts 4 gaps.
type SeqStats struct {
	Received  int64 `json:"received"`  // messages with this client key
	InOrder   int64 `json:"in_order"`  // seq == last+1
	Gaps      int64 `json:"gaps"`      // sequence numbers skipped, summed over every seq > last+1
	Backwards int64 `json:"backwards"` // seq <= last: a duplicate or out of order
	Last      int64 `json:"last"`      // highest seq seen
}

// observe records one seq. Last only ever grows.
func (st *SeqStats) observe(seq int64) {
	st.Received++
	switch d := seq - st.Last; {
	case d == 1:
		st.InOrder++
		st.Last = seq
	case d > 1:
		st.Gaps += d - 1
		st.Last = seq
	default:
		st.Backwards++
	}
}

// counters are the server's live totals, updated without locks.
type counters struct {
	accepted, open, refused     atomic.Int64
	messagesIn, messagesOut     atomic.Int64
	bytesIn, bytesOut           atomic.Int64
	pingsAnswered, pingsIgnored atomic.Int64
	faultCloses, faultResets    atomic.Int64
	restarts                    atomic.Int64
	pingsSent, pingTimeouts     atomic.Int64
	slowDrops                   atomic.Int64
	broadcastSeq, broadcastsOut atomic.Int64
}

// count adds one message written (sign 1), or takes it back (-1).
func (c *counters) count(m outMsg, sign int64) {
	c.messagesOut.Add(sign)
	c.bytesOut.Add(sign * int64(len(m.data)))
	if m.tick {
		c.broadcastsOut.Add(sign)
	}
}

// seqTracker holds the sequence check per client key.
type seqTracker struct {
	mu      sync.Mutex
	clients map[string]*SeqStats
}

func (t *seqTracker) observe(key string, seq int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[key]
	if st == nil {
		st = &SeqStats{}
		t.clients[key] = st
	}
	st.observe(seq)
}

func (t *seqTracker) snapshot() map[string]SeqStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]SeqStats, len(t.clients))
	for k, v := range t.clients {
		out[k] = *v
	}
	return out
}

// Stats returns a snapshot of the server's counters and sequence checks.
// Counters are read one by one, so a snapshot taken under load may be off
// by the messages in flight.
func (s *Server) Stats() Stats {
	c := &s.stats
	var sioStats *SocketIOStats
	if s.sio != nil {
		sioStats = s.sio.statsSnapshot()
	}
	return Stats{
		Accepted:      c.accepted.Load(),
		Open:          c.open.Load(),
		Refused:       c.refused.Load(),
		MessagesIn:    c.messagesIn.Load(),
		MessagesOut:   c.messagesOut.Load(),
		BytesIn:       c.bytesIn.Load(),
		BytesOut:      c.bytesOut.Load(),
		PingsAnswered: c.pingsAnswered.Load(),
		PingsIgnored:  c.pingsIgnored.Load(),
		FaultCloses:   c.faultCloses.Load(),
		FaultResets:   c.faultResets.Load(),
		Restarts:      c.restarts.Load(),
		PingsSent:     c.pingsSent.Load(),
		PingTimeouts:  c.pingTimeouts.Load(),
		SlowDrops:     c.slowDrops.Load(),
		BroadcastSeq:  c.broadcastSeq.Load(),
		BroadcastsOut: c.broadcastsOut.Load(),
		Clients:       s.seqs.snapshot(),
		SocketIO:      sioStats,
	}
}
