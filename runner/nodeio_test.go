package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/nodeio"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// These tests drive the official Node socket.io 4.8 server (interop/socketio)
// with whole scenarios. They skip without node and its npm packages, and are
// mandatory in CI (WSBENCH_REQUIRE_NODE=1).

func TestSocketIONodeTransports(t *testing.T) {
	for _, tr := range []string{"[websocket]", "[polling]", "[polling, websocket]"} {
		t.Run(tr, func(t *testing.T) {
			srv := nodeio.Start(t, nodeio.Options{})
			res := runYAML(t, `
target: TARGET
protocol: socketio
duration: 2s
graceful_stop: 2s
clients: {count: 5}
socketio: {transports: `+tr+`, query: {room: r1}}
steps:
  - connect
  - expect_event: {event: welcome, match: '"room":"r1"', timeout: 2s}
  - loop:
      steps:
        - emit: {event: echo, args: [hi, {n: !json "{{.Seq}}"}], ack: {timeout: 2s}}
        - emit: {event: xor, args: [!!binary AAH/], ack: {timeout: 2s}}
        - emit: {event: echo, namespace: /chat, args: [x], ack: {timeout: 2s}}
        - emit: {event: echo-event, namespace: /chat, args: [{k: v}], expect: {event: echo, match: '"k":"v"', timeout: 2s}}
        - sleep: 20ms
`, srv.URL, Options{})
			snap := res.Snapshot
			c := counters(res)
			if c(metrics.ConnOpened) != 5 || c(metrics.ConnDropped) != 0 || c(metrics.ConnFailed) != 0 {
				t.Fatalf("opened %d dropped %d failed %d (examples %q)", c(metrics.ConnOpened), c(metrics.ConnDropped), c(metrics.ConnFailed), snap.Examples)
			}
			acks := snap.Hists[metrics.Ack]
			if acks.TotalCount() < 5*3*10 || c(metrics.ExpectTimedOut) != 0 {
				t.Errorf("%d acks, %d timed out; want 150+ and 0", acks.TotalCount(), c(metrics.ExpectTimedOut))
			}
			// A polling write must not wait for the long-poll: acks take
			// milliseconds, not a ping interval (25 s here).
			if p50 := acks.ValueAtQuantile(50); p50 > 50_000 {
				t.Errorf("ack p50 %d µs: writes seem to wait for the long-poll", p50)
			}
			if snap.Hists[metrics.RTT].TotalCount() < 5*10 {
				t.Errorf("%d event round trips", snap.Hists[metrics.RTT].TotalCount())
			}
			st := srv.WaitStats(t, 5*time.Second, func(s nodeio.Stats) bool { return s.Disconnects["client namespace disconnect"] == 10 })
			if st.ConnectsTotal["/"] != 5 || st.ConnectsTotal["/chat"] != 5 {
				t.Errorf("server saw connects %v, want 5 per namespace over 5 engine connections", st.ConnectsTotal)
			}
			if tr == "[polling, websocket]" && (c(metrics.UpgradesSucceeded) != 5 || st.Upgrades != 5) {
				t.Errorf("upgrades: client %d, server %d; want 5", c(metrics.UpgradesSucceeded), st.Upgrades)
			}
		})
	}
}

func TestSocketIONodeAuth(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	for _, tc := range []struct{ token, want string }{{"secret", "open"}, {"wrong", "not authorized"}} {
		res := runYAML(t, `
target: TARGET/admin
protocol: socketio
duration: 500ms
clients: {count: 2}
socketio: {auth: {token: `+tc.token+`}}
client: {reconnect: {enabled: false}}
steps: [connect, {emit: {event: echo, args: [1], ack: {timeout: 1s}}}]
`, srv.URL, Options{})
		snap := res.Snapshot
		if tc.want == "open" {
			if snap.Counters[metrics.ConnOpened] < 2 || snap.Counters[metrics.ConnFailed] != 0 {
				t.Errorf("token secret: opened %d failed %d", snap.Counters[metrics.ConnOpened], snap.Counters[metrics.ConnFailed])
			}
			continue
		}
		if snap.Counters[metrics.ConnOpened] != 0 || snap.Causes[metrics.CauseConnectError] < 2 {
			t.Errorf("wrong token: opened %d, connect_error %d", snap.Counters[metrics.ConnOpened], snap.Causes[metrics.CauseConnectError])
		}
		if ex := snap.Examples[metrics.CauseConnectError]; !strings.Contains(ex, tc.want) || !strings.Contains(ex, `"code":401`) {
			t.Errorf("connect_error example %q lacks the server's message and data", ex)
		}
	}
}

// runAsync runs sc in the background; the test goroutine injects faults.
func runAsync(t *testing.T, yaml, target string) <-chan *Result {
	t.Helper()
	sc, err := scenario.Parse(t.Name()+".yaml", []byte(strings.ReplaceAll(yaml, "TARGET", target)), scenario.Overrides{})
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	done := make(chan *Result, 1)
	go func() {
		res, err := Run(context.Background(), sc, Options{})
		if err != nil {
			panic(fmt.Sprintf("Run: %v", err)) // the test cannot go on without a result
		}
		done <- res
	}()
	return done
}

func TestSocketIONodeKickAndRestart(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{})
	done := runAsync(t, `
target: TARGET
protocol: socketio
duration: 5s
clients: {count: 10}
client:
  reconnect: {initial_delay: 100ms, max_delay: 300ms}
  queue: {max: 1000}
steps:
  - connect
  - loop: {steps: [{emit: {event: echo, args: ["{{.Seq}}"]}}, {sleep: 20ms}]}
`, srv.URL)
	srv.WaitStats(t, 5*time.Second, func(s nodeio.Stats) bool { return s.Connections["/"] == 10 })
	if n := srv.KickAll(t); n != 10 {
		t.Fatalf("kicked %d sockets, want 10", n)
	}
	srv.WaitStats(t, 5*time.Second, func(s nodeio.Stats) bool { return s.Connections["/"] == 10 && s.ConnectsTotal["/"] == 20 })
	time.Sleep(300 * time.Millisecond)
	srv.Restart(t) // every client loses its connection; emits queue until it is back
	srv.WaitStats(t, 5*time.Second, func(s nodeio.Stats) bool { return s.Connections["/"] == 10 })
	res := <-done
	snap := res.Snapshot
	c := counters(res)
	if k := snap.Causes[metrics.CauseIOServerDisconnect]; k != 10 {
		t.Errorf("io server disconnect drops %d, want 10 (causes %v)", k, snap.Causes)
	}
	if d := c(metrics.ConnDropped); d != 20 || c(metrics.ReconnectSuccesses) != 20 {
		t.Errorf("dropped %d reconnected %d, want 20 and 20 (causes %v, examples %q)", d, c(metrics.ReconnectSuccesses), snap.Causes, snap.Examples)
	}
	if q := c(metrics.QueueQueued); q == 0 || c(metrics.QueueFlushed) != q {
		t.Errorf("queue: queued %d flushed %d; emits while the server restarted should queue and flush", q, c(metrics.QueueFlushed))
	}
	// The server after the restart received every flushed emit.
	st := srv.WaitStats(t, 5*time.Second, func(s nodeio.Stats) bool { return s.Disconnects["client namespace disconnect"] == 10 })
	if st.Events["echo"] < int(c(metrics.QueueFlushed)) {
		t.Errorf("server counted %d echo events since the restart, fewer than the %d flushed", st.Events["echo"], c(metrics.QueueFlushed))
	}
}

func TestSocketIONodePingTimeoutWhenClientStopsAnswering(t *testing.T) {
	srv := nodeio.Start(t, nodeio.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	res := runYAML(t, `
target: TARGET
protocol: socketio
duration: 1500ms
clients: {count: 3}
socketio: {answer_pings: false}
client: {reconnect: {enabled: false}}
steps: [connect, {sleep: 2s}]
`, srv.URL, Options{})
	st := srv.WaitStats(t, 5*time.Second, func(s nodeio.Stats) bool { return s.Disconnects["ping timeout"] >= 3 })
	if st.Disconnects["ping timeout"] != int(res.Snapshot.Counters[metrics.ConnOpened]) {
		t.Errorf("server ping timeouts %d, client connections %d", st.Disconnects["ping timeout"], res.Snapshot.Counters[metrics.ConnOpened])
	}
	if res.Snapshot.Counters[metrics.HeartbeatSent] != 0 {
		t.Errorf("%d pongs sent with answer_pings: false", res.Snapshot.Counters[metrics.HeartbeatSent])
	}
	if d := res.Snapshot.Counters[metrics.ConnDropped]; d < 3 || res.Snapshot.Causes[metrics.CauseTransportClose] != d {
		t.Errorf("client drops %d, transport close %d; the server closed each connection", d, res.Snapshot.Causes[metrics.CauseTransportClose])
	}
}
