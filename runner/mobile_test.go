package runner

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/report"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/trace"
)

// flappingClients is the exact-accounting scenario: each client sends
// 20 numbered messages, 100 ms apart, while its network flaps (silent for
// one profile, reset for the other), into a queue of 3 that drops the
// oldest; the embedded server echoes them and checks every client's
// numbers, and each client tracks its own echoes.
const flappingClients = `
target: embedded
duration: 8s
graceful_stop: 3s
seed: 42
clients:
  count: %d
  profiles:
    - {name: silent, weight: 1, client: {network: {mode: silent}}}
    - {name: reset, weight: 1, client: {network: {mode: reset}}}
client:
  heartbeat: {mode: off}
  reconnect: {initial_delay: 50ms, max_delay: 200ms}
  queue: {max: 3, overflow: drop-oldest}
  network: {offline_every: 1s, offline_for: {min: 200ms, max: 700ms}}
  delivery: {sender: client, seq: seq, sent_at: at}
steps:
  - connect
  - loop:
      count: 20
      steps:
        - send: {text: '{"client":"{{.VU}}","seq":{{.Seq}},"at":{{.UnixMilli}}}'}
        - sleep: 100ms
  - sleep: 1m # each client runs its steps once; the run's end stops it here
`

// TestFlappingClientsAccountForEveryMessage: 1,000 clients lose and regain
// their network at random. Every numbered message is accounted for: it
// was written, or the client's queue dropped it, or still held it at the
// end; every written one came back or is counted lost; the server's own
// count checks both.
func TestFlappingClientsAccountForEveryMessage(t *testing.T) {
	const clients, perClient = 1000, 20
	var srv *testserver.Server
	res := runYAML(t, fmt.Sprintf(flappingClients, clients), "", Options{Embedded: func(s *Embedded) { srv = s }})
	c := counters(res)
	st := srv.Stats()
	if len(st.Clients) != clients {
		t.Fatalf("the server heard from %d clients, want %d", len(st.Clients), clients)
	}
	// The server's count per profile.
	var received [2]int64
	for key, s := range st.Clients {
		vu, err := strconv.Atoi(key)
		if err != nil {
			t.Fatalf("client key %q", key)
		}
		received[res.Scenario.ProfileOf(vu)] += s.Received
		if s.Backwards != 0 {
			t.Errorf("client %s: %d messages arrived twice or out of order", key, s.Backwards)
		}
	}
	ps := res.Snapshot.Profiles
	if len(ps) != 2 || ps[0].Name != "silent" {
		t.Fatalf("profiles in the result: %v", ps)
	}
	pc := func(i int, k metrics.Counter) int64 { return ps[i].Snap.Counters[k] }

	// Every message issued was written, dropped by the queue, or left in it.
	issued := int64(clients * perClient)
	if got := c(metrics.MsgsSent) + c(metrics.QueueDropped) + c(metrics.QueueUnsent); got != issued {
		t.Errorf("written %d + dropped %d + unsent %d = %d, want the %d issued",
			c(metrics.MsgsSent), c(metrics.QueueDropped), c(metrics.QueueUnsent), got, issued)
	}
	// Every written message came back or is counted lost.
	if got := c(metrics.DeliveriesReceived) + c(metrics.DeliveriesLost); got != c(metrics.MsgsSent) ||
		c(metrics.DeliveriesDuplicated) != 0 || c(metrics.DeliveriesOutOfOrder) != 0 {
		t.Errorf("echoed %d + lost %d = %d for %d written (duplicated %d, out of order %d)", c(metrics.DeliveriesReceived),
			c(metrics.DeliveriesLost), got, c(metrics.MsgsSent), c(metrics.DeliveriesDuplicated), c(metrics.DeliveriesOutOfOrder))
	}
	// Silent: nothing written is lost on the way to the server; the lost
	// echoes are the ones that arrived while the network was gone.
	if received[0] != pc(0, metrics.MsgsSent) {
		t.Errorf("silent: server received %d, clients wrote %d", received[0], pc(0, metrics.MsgsSent))
	}
	if pc(0, metrics.DeliveriesLost) < pc(0, metrics.OfflineDiscarded) {
		t.Errorf("silent: %d echoes lost, fewer than the %d discarded while offline", pc(0, metrics.DeliveriesLost), pc(0, metrics.OfflineDiscarded))
	}
	// Reset: what the server did not get is lost to the client too.
	if lost := pc(1, metrics.MsgsSent) - received[1]; lost < 0 || pc(1, metrics.DeliveriesLost) < lost {
		t.Errorf("reset: server received %d of %d written, clients count %d lost", received[1], pc(1, metrics.MsgsSent), pc(1, metrics.DeliveriesLost))
	}
	// The messages sent while offline add up.
	sent, flushed, dropped, unsent := c(metrics.OfflineSent), c(metrics.OfflineFlushed), c(metrics.OfflineDropped), c(metrics.OfflineUnsent)
	if sent != flushed+dropped+unsent {
		t.Errorf("offline: sent %d != flushed %d + dropped %d + unsent %d", sent, flushed, dropped, unsent)
	}
	t.Logf("offline periods %d; sent while offline %d: flushed %d, dropped %d, unsent %d; written %d, server received %d (silent %d of %d, reset %d of %d); echoes lost %d (silent %d, reset %d)",
		c(metrics.OfflinePeriods), sent, flushed, dropped, unsent, c(metrics.MsgsSent), received[0]+received[1],
		received[0], pc(0, metrics.MsgsSent), received[1], pc(1, metrics.MsgsSent),
		c(metrics.DeliveriesLost), pc(0, metrics.DeliveriesLost), pc(1, metrics.DeliveriesLost))
	// The run really flapped, and every kind of outcome happened.
	if c(metrics.OfflinePeriods) < clients || flushed == 0 || dropped == 0 || pc(0, metrics.OfflineDiscarded) == 0 {
		t.Errorf("offline periods %d, flushed %d, dropped %d, discarded %d: the scenario did not exercise the queue",
			c(metrics.OfflinePeriods), flushed, dropped, pc(0, metrics.OfflineDiscarded))
	}
	if res.Snapshot.Causes[metrics.CauseNetworkOffline] == 0 {
		t.Errorf("no network_offline drops")
	}
	// Profiles: each half is reported on its own and they add up.
	for _, k := range []metrics.Counter{metrics.ClientsStarted, metrics.MsgsSent, metrics.OfflinePeriods, metrics.QueueDropped, metrics.DeliveriesLost} {
		if a, b := pc(0, k), pc(1, k); a+b != c(k) {
			t.Errorf("%s: profiles %d + %d != run %d", k.Name(), a, b, c(k))
		}
	}
	if pc(0, metrics.ClientsStarted) != clients/2 {
		t.Errorf("profile silent started %d clients, want %d", pc(0, metrics.ClientsStarted), clients/2)
	}
}

// silentBoth: a client whose network goes silent against a server with a
// heartbeat, itself with a heartbeat: both sides find the connection dead.
const silentBoth = `
target: embedded
duration: 3s
graceful_stop: 2s
clients: {count: 4}
server: {ping_interval: 400ms, ping_timeout: 400ms}
client:
  heartbeat: {mode: ping, interval: 100ms, timeout: 100ms}
steps:
  - connect
  - sleep: 300ms
  - offline: {for: 1500ms, mode: silent}
  - sleep: 1m
`

// TestSilentOfflineNoticedByBothSides: the client's heartbeat notices
// after its interval and timeout; the server's heartbeat resets the
// connection, which the client counts as the server noticing; the server
// counts its ping timeouts; after the network returns, every client is
// back.
func TestSilentOfflineNoticedByBothSides(t *testing.T) {
	var srv *testserver.Server
	res := runYAML(t, silentBoth, "", Options{Embedded: func(s *Embedded) { srv = s }})
	c := counters(res)
	snap := res.Snapshot
	if c(metrics.NoticedByClient) != 4 || c(metrics.NoticedByServer) != 4 {
		t.Fatalf("noticed by client %d, by server %d; want 4 each", c(metrics.NoticedByClient), c(metrics.NoticedByServer))
	}
	if st := srv.Stats(); st.PingTimeouts != 4 {
		t.Errorf("server ping timeouts %d, want 4", st.PingTimeouts)
	}
	// Client: its ping at most 100 ms after the loss, then a 100 ms
	// timeout. Server: its ping at most 400 ms after, then 400 ms. The
	// client notices first (its heartbeat stops when the server closes),
	// and the server well before the network returns.
	if h := snap.Hists[metrics.NoticeClient]; h.Max() > 350_000 || h.Min() < 100_000 {
		t.Errorf("notice_client %d..%d µs, want within 100-200 ms (+ scheduling)", h.Min(), h.Max())
	}
	if h := snap.Hists[metrics.NoticeServer]; h.Max() > 1_100_000 || h.Min() < 400_000 {
		t.Errorf("notice_server %d..%d µs, want within 400-800 ms (+ scheduling)", h.Min(), h.Max())
	}
	if snap.Causes[metrics.CauseNetworkOffline] != 4 || snap.Causes[metrics.CauseHeartbeat] != 0 {
		t.Errorf("drops: network_offline %d, heartbeat_timeout %d; the loss is the network's", snap.Causes[metrics.CauseNetworkOffline], snap.Causes[metrics.CauseHeartbeat])
	}
	if c(metrics.ConnOpened) != 8 || snap.Hists[metrics.ResumeOpen].TotalCount() != 4 {
		t.Errorf("opened %d, resume_open samples %d; want every client back once", c(metrics.ConnOpened), snap.Hists[metrics.ResumeOpen].TotalCount())
	}
}

// scheduleOf returns each client's offline periods as the trace records
// them: mode and drawn length, in order.
func scheduleOf(t *testing.T, seed int) map[float64][]string {
	t.Helper()
	var buf bytes.Buffer
	tw := trace.New(&buf, trace.Options{Share: 1})
	runYAML(t, fmt.Sprintf(`
target: embedded
duration: 2s
graceful_stop: 1s
seed: %d
clients: {count: 10}
client:
  heartbeat: {mode: off}
  network: {offline_every: 200ms, offline_for: {min: 50ms, max: 150ms}, mode: reset}
steps:
  - connect
  - sleep: 10s
`, seed), "", Options{Trace: tw})
	out := map[float64][]string{}
	for _, l := range traceLines(t, buf.Bytes()) {
		if l["event"] == "offline" {
			vu := l["vu"].(float64)
			out[vu] = append(out[vu], fmt.Sprintf("%v %v", l["mode"], l["for_ms"]))
		}
	}
	return out
}

// TestSameSeedSameOfflineSchedule: two runs with one seed draw the same
// offline periods for every client; another seed draws others.
func TestSameSeedSameOfflineSchedule(t *testing.T) {
	a, b, other := scheduleOf(t, 5), scheduleOf(t, 5), scheduleOf(t, 6)
	if len(a) != 10 {
		t.Fatalf("%d clients went offline, want 10", len(a))
	}
	same, differ := 0, 0
	for vu, pa := range a {
		pb := b[vu]
		// Runs end at slightly different moments: compare what both drew.
		n := min(len(pa), len(pb))
		if n < 3 || !slices.Equal(pa[:n], pb[:n]) {
			t.Errorf("vu %v: %v, then %v", vu, pa, pb)
		}
		same += n
		if !slices.Equal(pa[:min(n, len(other[vu]))], other[vu][:min(n, len(other[vu]))]) {
			differ++
		}
	}
	if differ < 8 {
		t.Errorf("another seed drew the same periods for %d of 10 clients", 10-differ)
	}
	t.Logf("%d periods compared", same)
}

// silentSocketIO: Socket.IO clients go silent against the embedded
// server, whose pings find them; the clients' own ping timeout is longer.
const silentSocketIO = `
target: embedded
protocol: socketio
duration: 3s
graceful_stop: 2s
clients: {count: 4}
server: {ping_interval: 200ms, ping_timeout: 200ms}
steps:
  - connect
  - sleep: 300ms
  - offline: {for: 1500ms, mode: silent}
  - sleep: 1m
`

// TestSilentOfflineSocketIO: a silent Socket.IO client answers no ping;
// either the server's ping timeout or the client's own (pingInterval +
// pingTimeout without a ping) notices it, and the server counts its own;
// every client is back after the network returns.
func TestSilentOfflineSocketIO(t *testing.T) {
	var srv *testserver.Server
	res := runYAML(t, silentSocketIO, "", Options{Embedded: func(s *Embedded) { srv = s }})
	c := counters(res)
	st := srv.Stats()
	if st.SocketIO == nil || st.SocketIO.PingTimeouts != 4 {
		t.Fatalf("server stats %+v: want 4 ping timeouts", st.SocketIO)
	}
	if c(metrics.NoticedByServer)+c(metrics.NoticedByClient) < 4 || c(metrics.NoticedByServer) > 4 || c(metrics.NoticedByClient) > 4 {
		t.Errorf("noticed by server %d, by client %d; want every loss noticed once per side at most",
			c(metrics.NoticedByServer), c(metrics.NoticedByClient))
	}
	if res.Snapshot.Causes[metrics.CauseNetworkOffline] != 4 || c(metrics.ConnOpened) != 8 || c(metrics.ReconnectSuccesses) != 4 {
		t.Errorf("network_offline %d, opened %d, reconnects %d; want 4, 8, 4",
			res.Snapshot.Causes[metrics.CauseNetworkOffline], c(metrics.ConnOpened), c(metrics.ReconnectSuccesses))
	}
}

// TestEventNameMismatchIsReported: the server emits "tick", the scenario
// waits for "ticks": the waits time out, and the report counts the ticks
// nobody waited for under their name.
func TestEventNameMismatchIsReported(t *testing.T) {
	res := runYAML(t, `
target: embedded
protocol: socketio
duration: 2s
graceful_stop: 1s
clients: {count: 3}
server: {broadcast: {every: 50ms}}
steps:
  - connect
  - expect_event: {event: ticks, timeout: 1s}
  - sleep: 1m
`, "", Options{})
	c := counters(res)
	// The embedded server also greets every client with a "welcome".
	ticks := res.Snapshot.Unexpected["tick"]
	if c(metrics.ExpectTimedOut) != 3 || ticks < 3*20 || ticks+res.Snapshot.Unexpected["welcome"] != c(metrics.MsgsUnmatched) {
		t.Fatalf("timed out %d, unexpected %v, unmatched %d; want 3 timeouts and every tick counted under its name",
			c(metrics.ExpectTimedOut), res.Snapshot.Unexpected, c(metrics.MsgsUnmatched))
	}
	sum, err := report.Build(report.Input{Scenario: res.Scenario, Snapshot: res.Snapshot})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(sum.Warnings, func(w string) bool {
		return strings.Contains(w, `the steps wait for "ticks", and `) && strings.Contains(w, `came as "tick": a typo?`)
	}) {
		t.Errorf("no warning names the typo: %q", sum.Warnings)
	}
}

// TestRandomBackgroundClosesWithGoingAway: clients sent to the background
// at random close with 1001 going away (a close, never a drop), come back,
// reconnect and flush what their steps sent meanwhile.
func TestRandomBackgroundClosesWithGoingAway(t *testing.T) {
	var buf bytes.Buffer
	var srv *testserver.Server
	res := runYAML(t, `
target: embedded
duration: 3s
graceful_stop: 2s
seed: 8
clients: {count: 10}
client:
  heartbeat: {mode: off}
  background: {every: 400ms, for: {min: 100ms, max: 300ms}}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"client":"{{.VU}}","seq":{{.Seq}}}'}
        - sleep: 50ms
`, "", Options{Trace: trace.New(&buf, trace.Options{Share: 1}), Embedded: func(s *Embedded) { srv = s }})
	c := counters(res)
	closes := 0
	for _, l := range traceLines(t, buf.Bytes()) {
		if l["event"] == "close" && l["code"] == 1001.0 && l["reason"] == "going away" {
			closes++
		}
	}
	// A period that begins while the client is between connections has
	// nothing to close.
	if p := c(metrics.BackgroundPeriods); p < 10 || int64(closes) > p || int64(closes)*10 < p*9 {
		t.Fatalf("background periods %d, 1001 closes traced %d; want a close for (nearly) every period", p, closes)
	}
	if c(metrics.ConnDropped) != 0 || c(metrics.ConnClosed) != c(metrics.ConnOpened) {
		t.Errorf("dropped %d, closed %d, opened %d; going to the background is a close", c(metrics.ConnDropped), c(metrics.ConnClosed), c(metrics.ConnOpened))
	}
	if c(metrics.OfflineSent) == 0 || c(metrics.OfflineSent) != c(metrics.OfflineFlushed)+c(metrics.OfflineDropped)+c(metrics.OfflineUnsent) {
		t.Errorf("sent while away %d: flushed %d, dropped %d, unsent %d", c(metrics.OfflineSent), c(metrics.OfflineFlushed),
			c(metrics.OfflineDropped), c(metrics.OfflineUnsent))
	}
	var received int64
	for _, s := range srv.Stats().Clients {
		received += s.Received
	}
	if received != c(metrics.MsgsSent) {
		t.Errorf("server received %d of the %d written", received, c(metrics.MsgsSent))
	}
}
