package runner

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/metrics"
)

// counters returns a run's counter by name, for short assertions.
func counters(res *Result) func(metrics.Counter) int64 {
	return func(c metrics.Counter) int64 { return res.Snapshot.Counters[c] }
}

func TestSocketIOChatOverEmbeddedServer(t *testing.T) {
	res := runYAML(t, `
target: embedded
protocol: socketio
duration: 3s
clients: {count: 10}
socketio: {namespace: /chat, transports: [polling, websocket], auth: {token: x}}
client:
  delivery: {sender: from, seq: seq, sent_at: at, event: broadcast}
steps:
  - connect
  - expect_event: {event: welcome, match: '"nsp":"/chat"', timeout: 3s}
  - loop:
      steps:
        - emit: {event: broadcast, args: [{from: "{{.VU}}", seq: !json "{{.Seq}}", at: !json "{{.UnixMicro}}"}]}
        - emit: {event: echo, args: [hi, !!binary AAEC], ack: {timeout: 2s}}
        - emit: {event: echo-event, args: [{x: 1}], expect: {event: echo, match: '"x":1', timeout: 2s}}
        - sleep: 100ms
`, "", Options{})
	c := counters(res)
	snap := res.Snapshot
	if c(metrics.ConnOpened) != 10 || c(metrics.ConnDropped) != 0 || c(metrics.ConnFailed) != 0 {
		t.Fatalf("opened %d dropped %d failed %d; want 10 0 0 (examples %q)", c(metrics.ConnOpened), c(metrics.ConnDropped), c(metrics.ConnFailed), snap.Examples)
	}
	if c(metrics.UpgradesSucceeded) != 10 || snap.Hists[metrics.Upgrade].TotalCount() != 10 {
		t.Errorf("upgrades %d (histogram %d), want 10", c(metrics.UpgradesSucceeded), snap.Hists[metrics.Upgrade].TotalCount())
	}
	for _, h := range []metrics.Hist{metrics.Handshake, metrics.NamespaceConnect, metrics.Connect} {
		if n := snap.Hists[h].TotalCount(); n != 10 {
			t.Errorf("%s histogram has %d samples, want 10", h.Name(), n)
		}
	}
	acks, rtts := snap.Hists[metrics.Ack].TotalCount(), snap.Hists[metrics.RTT].TotalCount()
	if acks < 100 || rtts < 100 {
		t.Errorf("ack samples %d, event round trips %d; want 100+ each", acks, rtts)
	}
	if c(metrics.ExpectTimedOut) != 0 || c(metrics.ExpectMatched) != acks+rtts+10 {
		t.Errorf("expects matched %d timed out %d; want %d and 0", c(metrics.ExpectMatched), c(metrics.ExpectTimedOut), acks+rtts+10)
	}
	// Every client receives every client's broadcast: about 10x what each sent.
	recv, lost := c(metrics.DeliveriesReceived), c(metrics.DeliveriesLost)
	if recv < 10*acks*9/10 || lost != 0 || c(metrics.DeliveriesDuplicated) != 0 || c(metrics.DeliveriesOutOfOrder) != 0 {
		t.Errorf("deliveries received %d lost %d dup %d ooo %d; want about %d and no loss", recv, lost,
			c(metrics.DeliveriesDuplicated), c(metrics.DeliveriesOutOfOrder), 10*acks)
	}
	if snap.Hists[metrics.Delivery].TotalCount() != recv {
		t.Errorf("delivery histogram has %d samples, want %d", snap.Hists[metrics.Delivery].TotalCount(), recv)
	}
	if c(metrics.MsgsUnmatched) != 0 {
		t.Errorf("%d unmatched packets; broadcasts are tracked and welcome is expected", c(metrics.MsgsUnmatched))
	}
}

func TestSocketIOAuthRejectedIsAConnectError(t *testing.T) {
	res := runYAML(t, `
target: embedded
protocol: socketio
duration: 1s
clients: {count: 2}
socketio: {namespace: /admin, auth: {token: wrong}}
client: {reconnect: {max_attempts: 1, initial_delay: 100ms}}
steps: [connect]
`, "", Options{})
	snap := res.Snapshot
	// Clients that give up are replaced, so the count grows with time; every
	// failure must be connect_error.
	if n := snap.Causes[metrics.CauseConnectError]; n < 4 || n != snap.Counters[metrics.ConnFailed] {
		t.Errorf("connect_error failures = %d of %d failures, want all and 4+ (2 clients x first try + 1 retry)", n, snap.Counters[metrics.ConnFailed])
	}
	if ex := snap.Examples[metrics.CauseConnectError]; !strings.Contains(ex, "not authorized") || !strings.Contains(ex, "401") {
		t.Errorf("example %q does not carry the server's message and data", ex)
	}
	if snap.Counters[metrics.ConnOpened] != 0 || snap.Counters[metrics.ReconnectGiveUps] < 2 {
		t.Errorf("opened %d give-ups %d", snap.Counters[metrics.ConnOpened], snap.Counters[metrics.ReconnectGiveUps])
	}
}

func TestSocketIOServerKickReconnects(t *testing.T) {
	res := runYAML(t, `
target: embedded
protocol: socketio
duration: 3s
clients: {count: 5}
server: {close: {every: 1s, fraction: 1}}
client: {reconnect: {initial_delay: 50ms, max_delay: 100ms}}
steps:
  - connect
  - loop: {steps: [{emit: {event: echo, args: [1], ack: {timeout: 1s}}}, {sleep: 50ms}]}
`, "", Options{})
	snap := res.Snapshot
	kicks := snap.Causes[metrics.CauseIOServerDisconnect]
	if kicks < 5 || snap.Counters[metrics.ConnDropped] != kicks {
		t.Errorf("io server disconnect drops %d of %d drops; want every drop, at least 5 (causes %v, examples %q)",
			kicks, snap.Counters[metrics.ConnDropped], snap.Causes, snap.Examples)
	}
	if r := snap.Counters[metrics.ReconnectSuccesses]; r < kicks-5 {
		t.Errorf("%d reconnects after %d kicks", r, kicks)
	}
	if snap.Hists[metrics.Recover].TotalCount() == 0 {
		t.Error("no time-to-recover samples")
	}
}

func TestSocketIOPingTimeoutAndRestartFlushQueue(t *testing.T) {
	res := runYAML(t, `
target: embedded
protocol: socketio
duration: 4s
clients: {count: 4}
server:
  ping_interval: 200ms
  ping_timeout: 200ms
  restart: {after: 1500ms, down: 500ms}
client:
  reconnect: {initial_delay: 100ms, max_delay: 200ms}
  queue: {max: 100}
steps:
  - connect
  - loop: {steps: [{emit: {event: echo, args: [1], ack: {timeout: 3s}}}, {sleep: 100ms}]}
`, "", Options{})
	snap := res.Snapshot
	c := counters(res)
	if snap.Causes[metrics.CauseTransportClose] != 4 {
		t.Errorf("transport close drops = %d, want 4 (causes %v, examples %q)", snap.Causes[metrics.CauseTransportClose], snap.Causes, snap.Examples)
	}
	if c(metrics.HeartbeatSent) < 4*4 {
		t.Errorf("%d pongs sent; a 200ms ping interval over 4s should give 16+", c(metrics.HeartbeatSent))
	}
	if c(metrics.ConnDropped) != 4 || c(metrics.ReconnectSuccesses) != 4 {
		t.Errorf("restart: dropped %d reconnected %d, want 4 and 4 (causes %v)", c(metrics.ConnDropped), c(metrics.ReconnectSuccesses), snap.Causes)
	}
	if c(metrics.QueueQueued) == 0 || c(metrics.QueueFlushed) != c(metrics.QueueQueued) {
		t.Errorf("queue: queued %d flushed %d; emits during the restart should queue and flush", c(metrics.QueueQueued), c(metrics.QueueFlushed))
	}
	if c(metrics.ExpectTimedOut) != 0 {
		t.Errorf("%d acks timed out; queued emits should be acknowledged after the flush", c(metrics.ExpectTimedOut))
	}
}

func TestSocketIOServerStopsPinging(t *testing.T) {
	res := runYAML(t, `
target: embedded
protocol: socketio
duration: 2s
clients: {count: 3}
server: {ping_interval: 200ms, ping_timeout: 200ms, ignore_pings: true}
client: {reconnect: {enabled: false}}
steps: [connect, {sleep: 2s}]
`, "", Options{})
	snap := res.Snapshot
	// Each client drops once, gives up and is replaced: the count grows
	// with time, but every drop is a ping timeout.
	n := snap.Causes[metrics.CausePingTimeout]
	if n < 3 || n != snap.Counters[metrics.ConnDropped] || snap.Counters[metrics.HeartbeatMissed] != n {
		t.Errorf("ping timeouts %d of %d drops, heartbeat.missed %d; want all, 3+ (causes %v)", n, snap.Counters[metrics.ConnDropped], snap.Counters[metrics.HeartbeatMissed], snap.Causes)
	}
	if h := snap.Hists[metrics.Connect]; h.TotalCount() != snap.Counters[metrics.ConnOpened] {
		t.Errorf("connect samples %d, opened %d", h.TotalCount(), snap.Counters[metrics.ConnOpened])
	}
}

func TestWebSocketBroadcastDeliveries(t *testing.T) {
	res := runYAML(t, `
target: embedded/broadcast
duration: 2s
clients: {count: 8}
client:
  delivery: {sender: from, seq: seq, sent_at: at}
steps:
  - connect
  - loop:
      steps:
        - send: '{"from":{{.VU}},"seq":{{.Seq}},"at":{{.UnixMicro}}}'
        - send: 'not tracked'
        - sleep: 20ms
`, "", Options{})
	c := counters(res)
	// Half the sends are tracked; a client stopped between its two sends
	// sent one tracked message more than untracked ones.
	sent, most := c(metrics.MsgsSent)/2, (c(metrics.MsgsSent)+8)/2
	// Each tracked message reaches all 8 clients, its sender included; the
	// untracked ones are broadcast too but counted as unmatched.
	recv := c(metrics.DeliveriesReceived)
	if recv < sent*8*9/10 || recv > most*8 {
		t.Errorf("%d deliveries for %d-%d tracked sends to 8 clients", recv, sent, most)
	}
	if c(metrics.DeliveriesLost) != 0 || c(metrics.DeliveriesDuplicated) != 0 || c(metrics.DeliveriesOutOfOrder) != 0 {
		t.Errorf("lost %d dup %d ooo %d", c(metrics.DeliveriesLost), c(metrics.DeliveriesDuplicated), c(metrics.DeliveriesOutOfOrder))
	}
	if h := res.Snapshot.Hists[metrics.Delivery]; h.TotalCount() != recv || h.ValueAtQuantile(50) > 50_000 {
		t.Errorf("delivery histogram: %d samples, p50 %d µs", h.TotalCount(), h.ValueAtQuantile(50))
	}
	if u := c(metrics.MsgsUnmatched); u < sent*8*9/10 {
		t.Errorf("%d unmatched; every untracked broadcast should count", u)
	}
}

// TestSocketIOParseErrorIsADrop serves a Socket.IO handshake, then garbage:
// the client must drop with cause parse_error, never panic.
func TestSocketIOParseErrorIsADrop(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.WriteMessage(websocket.TextMessage, []byte(`0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100000}`))
		if _, _, err := c.ReadMessage(); err != nil { // the CONNECT
			return
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"n"}`))
		_ = c.WriteMessage(websocket.TextMessage, []byte(`42{"not":"an array"}`))
		_, _, _ = c.ReadMessage() // until the client hangs up
	}))
	t.Cleanup(srv.Close)
	res := runYAML(t, `
target: TARGET
protocol: socketio
duration: 300ms
clients: {count: 2}
client: {reconnect: {enabled: false}}
steps: [connect, {sleep: 1s}]
`, srv.URL, Options{})
	snap := res.Snapshot
	if n := snap.Causes[metrics.CauseParseError]; n < 2 || n != snap.Counters[metrics.ConnDropped] {
		t.Errorf("parse_error drops %d of %d (causes %v)", n, snap.Counters[metrics.ConnDropped], snap.Causes)
	}
	if ex := snap.Examples[metrics.CauseParseError]; !strings.Contains(ex, "parse error") {
		t.Errorf("example %q", ex)
	}
}

// TestSocketIOManyClients runs a few hundred clients over every transport
// at once (the race detector's and goleak's check with many clients).
func TestSocketIOManyClients(t *testing.T) {
	for _, tr := range []string{"[websocket]", "[polling]", "[polling, websocket]"} {
		t.Run(tr, func(t *testing.T) {
			res := runYAML(t, `
target: embedded
protocol: socketio
clients: {stages: [{duration: 1s, target: 150}, {duration: 1s, target: 150}]}
socketio: {transports: `+tr+`}
steps:
  - connect
  - loop: {steps: [{emit: {event: echo, args: ["{{.Random 16}}"], ack: {timeout: 5s}}}, {sleep: 100ms}]}
`, "", Options{})
			c := counters(res)
			if c(metrics.ConnOpened) != 150 || c(metrics.ConnDropped) != 0 || c(metrics.ConnFailed) != 0 || c(metrics.ExpectTimedOut) != 0 {
				t.Errorf("opened %d dropped %d failed %d ack timeouts %d (examples %q)", c(metrics.ConnOpened), c(metrics.ConnDropped),
					c(metrics.ConnFailed), c(metrics.ExpectTimedOut), res.Snapshot.Examples)
			}
			if n := res.Snapshot.Hists[metrics.Ack].TotalCount(); n < 150*5 {
				t.Errorf("%d acks from 150 clients", n)
			}
		})
	}
}
