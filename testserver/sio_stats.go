package testserver

import (
	"sync"
	"sync/atomic"
)

// SocketIOStats are the Socket.IO server's counters, in Stats.SocketIO
// (nil when the Socket.IO server is off). The fields the Node reference
// server's GET /stats also has carry its names and meaning, so a check
// written against one reads the other.
//
// Socket disconnect reasons are the reference server's: "client namespace
// disconnect" (the client's DISCONNECT), "server namespace disconnect"
// (kick, CloseFraction), "ping timeout", "transport close" (the client
// closed the transport), "transport error" (it failed, or the client
// broke the transport protocol or fell too far behind), "parse error" (an
// Engine.IO packet the server cannot parse), "forced close" (a Socket.IO
// packet the server cannot parse, ResetFraction), "forced server close"
// (a packet for a namespace not connected) and "server shutting down"
// (Close, Restart). An engine session closes with the same words, except
// that sessions the server closes itself close with "forced close".
type SocketIOStats struct {
	EngineClients int64            `json:"engine_clients"` // Engine.IO sessions open now
	Transports    map[string]int64 `json:"transports"`     // open sessions by current transport: "websocket", "polling"
	Upgrades      int64            `json:"upgrades"`       // sessions upgraded from polling to websocket
	Handshakes    int64            `json:"handshakes"`     // sessions opened
	Connections   map[string]int64 `json:"connections"`    // sockets connected now, by namespace
	ConnectsTotal map[string]int64 `json:"connects_total"` // sockets ever connected, by namespace
	ConnectErrors map[string]int64 `json:"connect_errors"` // CONNECT_ERRORs sent, by message ("Invalid namespace", "not authorized")
	Disconnects   map[string]int64 `json:"disconnects"`    // socket disconnects, by reason
	EngineCloses  map[string]int64 `json:"engine_closes"`  // session ends, by reason
	// Events counts events received by name, across namespaces. Past
	// maxEventNames distinct names, the others count under "(other)".
	Events         map[string]int64 `json:"events"`
	PacketsIn      int64            `json:"packets_in"`      // Engine.IO packets received (attachments included)
	PacketsOut     int64            `json:"packets_out"`     // Engine.IO packets sent (attachments included)
	PingsSent      int64            `json:"pings_sent"`      // pings written, or taken by a GET
	PongsReceived  int64            `json:"pongs_received"`  // pongs received
	PingsSkipped   int64            `json:"pings_skipped"`   // pings not sent because of IgnorePings
	PingTimeouts   int64            `json:"ping_timeouts"`   // sessions closed for a pong missed ("ping timeout")
	RequestErrors  int64            `json:"request_errors"`  // HTTP requests rejected with 400 (unknown sid, bad query...)
	ProtocolErrors int64            `json:"protocol_errors"` // Socket.IO packets that broke the protocol (each ends its session)
	SlowDrops      int64            `json:"slow_drops"`      // sessions dropped because their send queue overflowed
	// BroadcastSeq is Stats.BroadcastSeq again, the seq of the last
	// server broadcast (Config.Broadcast), under the reference server's
	// name.
	BroadcastSeq  int64 `json:"broadcast_seq"`
	BroadcastsOut int64 `json:"broadcasts_out"` // server broadcast events written, or taken by a GET, one per socket
}

// maxEventNames bounds Events: event names come from clients.
const maxEventNames = 256

// sioCounters are the live totals behind SocketIOStats.
type sioCounters struct {
	handshakes, upgrades       atomic.Int64
	polling, websocket         atomic.Int64 // open sessions by transport
	packetsIn, packetsOut      atomic.Int64
	pingsSent, pongs           atomic.Int64
	pingsSkipped, pingTimeouts atomic.Int64
	broadcastsOut              atomic.Int64
	requestErrors              atomic.Int64
	protocolErrors, slowDrops  atomic.Int64
	connects, connectErrors    countMap
	disconnects, engineCloses  countMap
	events                     countMap
}

func (c *sioCounters) init() {
	for _, m := range []*countMap{&c.connects, &c.connectErrors, &c.disconnects, &c.engineCloses, &c.events} {
		m.m = make(map[string]*atomic.Int64)
		m.limit = maxEventNames
	}
	for _, nsp := range []string{"/", "/chat", "/admin"} {
		c.connects.m[nsp] = new(atomic.Int64) // listed even at 0, as by the reference server
	}
}

// countOut adds one packet going out (sign 1), or takes it back (-1).
func (c *sioCounters) countOut(p outPkt, sign int64) {
	c.packetsOut.Add(sign)
	if p.ping {
		c.pingsSent.Add(sign)
	}
	if p.tick {
		c.broadcastsOut.Add(sign)
	}
}

func (c *sioCounters) transport(t transportKind) *atomic.Int64 {
	if t == trWebSocket {
		return &c.websocket
	}
	return &c.polling
}

// countMap counts by string key, lock-free once a key exists. Past limit
// distinct keys, new keys count under "(other)".
type countMap struct {
	mu    sync.RWMutex
	m     map[string]*atomic.Int64
	limit int
}

func (c *countMap) add(key string) {
	c.mu.RLock()
	n := c.m[key]
	c.mu.RUnlock()
	if n == nil {
		n = c.insert(key)
	}
	n.Add(1)
}

// addBytes is add without converting key unless it is new.
func (c *countMap) addBytes(key []byte) {
	c.mu.RLock()
	n := c.m[string(key)]
	c.mu.RUnlock()
	if n == nil {
		n = c.insert(string(key))
	}
	n.Add(1)
}

func (c *countMap) insert(key string) *atomic.Int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.m[key]; n != nil {
		return n
	}
	if len(c.m) >= c.limit {
		key = "(other)"
		if n := c.m[key]; n != nil {
			return n
		}
	}
	n := new(atomic.Int64)
	c.m[key] = n
	return n
}

func (c *countMap) snapshot() map[string]int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]int64, len(c.m))
	for k, n := range c.m {
		out[k] = n.Load()
	}
	return out
}

// statsSnapshot returns the Socket.IO counters now.
func (x *sioServer) statsSnapshot() *SocketIOStats {
	c := &x.stats
	x.mu.Lock()
	clients := int64(len(x.sessions))
	x.mu.Unlock()
	conns := make(map[string]int64, len(x.nsps))
	for name, n := range x.nsps {
		conns[name] = n.size()
	}
	return &SocketIOStats{
		EngineClients:  clients,
		Transports:     map[string]int64{"websocket": c.websocket.Load(), "polling": c.polling.Load()},
		Upgrades:       c.upgrades.Load(),
		Handshakes:     c.handshakes.Load(),
		Connections:    conns,
		ConnectsTotal:  c.connects.snapshot(),
		ConnectErrors:  c.connectErrors.snapshot(),
		Disconnects:    c.disconnects.snapshot(),
		EngineCloses:   c.engineCloses.snapshot(),
		Events:         c.events.snapshot(),
		PacketsIn:      c.packetsIn.Load(),
		PacketsOut:     c.packetsOut.Load(),
		PingsSent:      c.pingsSent.Load(),
		PongsReceived:  c.pongs.Load(),
		PingsSkipped:   c.pingsSkipped.Load(),
		PingTimeouts:   c.pingTimeouts.Load(),
		RequestErrors:  c.requestErrors.Load(),
		ProtocolErrors: c.protocolErrors.Load(),
		SlowDrops:      c.slowDrops.Load(),
		BroadcastSeq:   x.s.stats.broadcastSeq.Load(),
		BroadcastsOut:  c.broadcastsOut.Load(),
	}
}
