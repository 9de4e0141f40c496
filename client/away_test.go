package client

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
	"github.com/wsbench/wsbench/transport"
)

// awayClient is a client that connects and then idles, with a heartbeat
// of interval hb (off when 0) and a reconnect backoff far longer than any
// test waits, so a reconnect that happens at all happened "at once".
func awayClient(t *testing.T, hb string) *scenario.Scenario {
	t.Helper()
	heartbeat := "{mode: off}"
	if hb != "" {
		heartbeat = "{mode: ping, interval: " + hb + ", timeout: " + hb + "}"
	}
	return oneClient(t, `
client:
  reconnect: {initial_delay: 30s, jitter: 0}
  heartbeat: `+heartbeat+`
steps:
  - connect
  - sleep: 1m
`)
}

// openVU runs a client of sc against a new test server until it is open.
// cancel stops it gracefully; done yields Run's result.
func openVU(t *testing.T, sc *scenario.Scenario) (*testserver.Server, *VU, *metrics.Recorder, context.CancelFunc, <-chan bool) {
	t.Helper()
	srv := startServer(t)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	stop, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return srv, vu, rec, cancel, startVU(t, vu, stop)
}

// send delivers one text message as a send step would.
func send(vu *VU, msg string) bool { return vu.deliver(transport.Text, []byte(msg), nil) }

// TestSilentOfflineKeepsTheSocketAndReconnectsWhenBack: a silent network
// loss sends nothing and closes nothing (the server still holds the
// connection); the client's heartbeat notices; sends wait in the queue;
// when the network returns the client reconnects at once, without its
// 30 s backoff, and flushes the queue.
func TestSilentOfflineKeepsTheSocketAndReconnectsWhenBack(t *testing.T) {
	srv, vu, rec, cancel, done := openVU(t, awayClient(t, "100ms"))

	vu.goOffline(scenario.NetworkSilent, time.Hour)
	if s := vu.State(); s != Offline {
		t.Fatalf("state %s after going offline, want offline", s)
	}
	for _, m := range []string{"m1", "m2", "m3"} {
		if !send(vu, m) {
			t.Fatalf("send %s while offline was not queued", m)
		}
	}
	// interval + timeout: the client's heartbeat notices; the socket stays.
	waitFor(t, func() bool { return counters(rec).Counters[metrics.NoticedByClient] == 1 })
	time.Sleep(50 * time.Millisecond)
	st := srv.Stats()
	if st.Open != 1 || st.MessagesIn != 0 {
		t.Fatalf("server: %d open, %d messages in while the client was silent; want the connection kept, nothing sent", st.Open, st.MessagesIn)
	}
	if n := counters(rec).Hists[metrics.NoticeClient]; n.TotalCount() != 1 || n.Max() < 150_000 || n.Max() > 400_000 {
		t.Fatalf("notice_client: %d samples, max %d µs; want one near 200 ms", n.TotalCount(), n.Max())
	}

	back := time.Now()
	vu.goOnline()
	waitFor(t, func() bool { return vu.State() == Open })
	if took := time.Since(back); took > 2*time.Second {
		t.Fatalf("open %v after the network came back; want at once, not after the 30 s backoff", took)
	}
	waitFor(t, func() bool { return srv.Stats().MessagesIn == 3 })
	cancel()
	<-done

	s := counters(rec)
	c := s.Counters
	if c[metrics.OfflinePeriods] != 1 || c[metrics.OfflineSent] != 3 || c[metrics.OfflineFlushed] != 3 ||
		c[metrics.OfflineDropped] != 0 || c[metrics.OfflineUnsent] != 0 {
		t.Fatalf("offline periods %d sent %d flushed %d dropped %d unsent %d; want 1 3 3 0 0", c[metrics.OfflinePeriods],
			c[metrics.OfflineSent], c[metrics.OfflineFlushed], c[metrics.OfflineDropped], c[metrics.OfflineUnsent])
	}
	if s.Causes[metrics.CauseNetworkOffline] != 1 || c[metrics.ConnDropped] != 1 ||
		c[metrics.ReconnectAttempts] != 1 || c[metrics.ReconnectSuccesses] != 1 {
		t.Fatalf("drops %d (network_offline %d), reconnect attempts %d, successes %d; want the one drop, one reconnect",
			c[metrics.ConnDropped], s.Causes[metrics.CauseNetworkOffline], c[metrics.ReconnectAttempts], c[metrics.ReconnectSuccesses])
	}
	if s.Hists[metrics.ResumeOpen].TotalCount() != 1 || s.Hists[metrics.ResumeFlushed].TotalCount() != 1 {
		t.Fatalf("resume_open %d, resume_flushed %d samples; want 1 each",
			s.Hists[metrics.ResumeOpen].TotalCount(), s.Hists[metrics.ResumeFlushed].TotalCount())
	}
	if s.Hists[metrics.Recover].TotalCount() != 0 || s.Hists[metrics.Lifetime].TotalCount() != 0 || c[metrics.OfflineDrops] != 1 {
		t.Fatalf("recover %d, lifetime %d samples, offline.drops %d: a simulated loss must stay out of the server's figures",
			s.Hists[metrics.Recover].TotalCount(), s.Hists[metrics.Lifetime].TotalCount(), c[metrics.OfflineDrops])
	}
	if c[metrics.TimeOffline] <= 0 {
		t.Fatalf("no time offline recorded")
	}
}

// TestResetOfflineDoesNotDialUntilBack: a reset loss ends the connection
// at once; the client does not dial while offline, and dials once when
// the network returns.
func TestResetOfflineDoesNotDialUntilBack(t *testing.T) {
	srv, vu, rec, cancel, done := openVU(t, awayClient(t, ""))

	vu.goOffline(scenario.NetworkReset, time.Hour)
	waitFor(t, func() bool { return srv.Stats().Open == 0 })
	time.Sleep(200 * time.Millisecond)
	if st := srv.Stats(); st.Accepted != 1 {
		t.Fatalf("%d upgrades while offline; the client must not dial", st.Accepted)
	}
	if s := vu.State(); s != Offline {
		t.Fatalf("state %s, want offline", s)
	}
	vu.goOnline()
	waitFor(t, func() bool { return vu.State() == Open })
	cancel()
	<-done
	s := counters(rec)
	if s.Causes[metrics.CauseNetworkOffline] != 1 || s.Counters[metrics.ConnFailed] != 0 || srv.Stats().Accepted != 2 {
		t.Fatalf("network_offline %d, failed %d, upgrades %d; want 1, 0, 2", s.Causes[metrics.CauseNetworkOffline],
			s.Counters[metrics.ConnFailed], srv.Stats().Accepted)
	}
}

// TestBackgroundClosesWithGoingAway: going to the background closes the
// connection normally (a close, not a drop); coming back reconnects and
// flushes what was sent meanwhile.
func TestBackgroundClosesWithGoingAway(t *testing.T) {
	srv, vu, rec, cancel, done := openVU(t, awayClient(t, ""))

	vu.goBackground(time.Hour, true)
	waitFor(t, func() bool { return srv.Stats().Open == 0 })
	if s := vu.State(); s != Background {
		t.Fatalf("state %s, want background", s)
	}
	send(vu, "while-away")
	vu.foreground()
	waitFor(t, func() bool { return srv.Stats().MessagesIn == 1 })
	cancel()
	<-done
	s := counters(rec)
	c := s.Counters
	if c[metrics.ConnDropped] != 0 || c[metrics.ConnClosed] < 2 || c[metrics.BackgroundPeriods] != 1 ||
		c[metrics.OfflineSent] != 1 || c[metrics.OfflineFlushed] != 1 {
		t.Fatalf("dropped %d closed %d background %d offline sent %d flushed %d; want 0, ≥2, 1, 1, 1",
			c[metrics.ConnDropped], c[metrics.ConnClosed], c[metrics.BackgroundPeriods], c[metrics.OfflineSent], c[metrics.OfflineFlushed])
	}
}

// TestBackgroundKeepsTheConnectionOpen: with close false the connection
// stays; the app's sends wait and are flushed on the same connection.
func TestBackgroundKeepsTheConnectionOpen(t *testing.T) {
	srv, vu, rec, cancel, done := openVU(t, awayClient(t, ""))

	vu.goBackground(time.Hour, false)
	send(vu, "a")
	send(vu, "b")
	time.Sleep(100 * time.Millisecond)
	if st := srv.Stats(); st.Open != 1 || st.MessagesIn != 0 {
		t.Fatalf("server: %d open, %d in; want the connection kept and the sends held", st.Open, st.MessagesIn)
	}
	vu.foreground()
	waitFor(t, func() bool { return srv.Stats().MessagesIn == 2 && vu.State() == Open })
	cancel()
	<-done
	if st := srv.Stats(); st.Accepted != 1 {
		t.Fatalf("%d upgrades; the kept connection must be reused", st.Accepted)
	}
	if c := counters(rec).Counters; c[metrics.OfflineFlushed] != 2 || c[metrics.ConnClosed] != 1 {
		t.Fatalf("flushed %d, closed %d; want 2 and the final close", c[metrics.OfflineFlushed], c[metrics.ConnClosed])
	}
}

// TestOfflineQueuePolicyIsAccounted: sends while offline into a queue of
// two with drop-oldest: every one is flushed, dropped or left unsent.
func TestOfflineQueuePolicyIsAccounted(t *testing.T) {
	sc := oneClient(t, `
client:
  queue: {max: 2, overflow: drop-oldest}
  heartbeat: {mode: off}
steps:
  - connect
  - sleep: 1m
`)
	_, vu, rec, cancel, done := openVU(t, sc)
	vu.goOffline(scenario.NetworkReset, time.Hour)
	for _, m := range []string{"1", "2", "3", "4", "5"} {
		send(vu, m)
	}
	cancel() // ends while still offline: two stay unsent
	<-done
	c := counters(rec).Counters
	if c[metrics.OfflineSent] != 5 || c[metrics.OfflineDropped] != 3 || c[metrics.OfflineUnsent] != 2 || c[metrics.OfflineFlushed] != 0 {
		t.Fatalf("sent %d dropped %d unsent %d flushed %d; want 5 3 2 0", c[metrics.OfflineSent],
			c[metrics.OfflineDropped], c[metrics.OfflineUnsent], c[metrics.OfflineFlushed])
	}
}

// TestScheduleDrawsAreSeeded: the same seed, slot and iteration draw the
// same periods; another slot draws others.
func TestScheduleDrawsAreSeeded(t *testing.T) {
	draws := func(slot int) []time.Duration {
		v := &VU{vars: scenario.Vars{VU: slot}}
		s := v.newSchedule(42^netStream, scenario.Every{Mean: scenario.Duration(time.Minute)},
			scenario.Sleep{Min: scenario.Duration(time.Second), Max: scenario.Duration(10 * time.Second)}, nil, nil)
		s.timer.Stop()
		var out []time.Duration
		for range 5 {
			out = append(out, s.nextGap(), s.nextLength())
		}
		return out
	}
	a, b, c := draws(1), draws(1), draws(2)
	if !slices.Equal(a, b) {
		t.Fatalf("same seed drew %v then %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("two slots drew the same periods %v", a)
	}
	for i := 1; i < len(a); i += 2 {
		if a[i] < time.Second || a[i] > 10*time.Second {
			t.Fatalf("period %v outside [1s, 10s]", a[i])
		}
	}
}

// TestUnexpectedMessagesAreNamed: messages no step waits for are counted
// by their JSON type field at the client's end.
func TestUnexpectedMessagesAreNamed(t *testing.T) {
	srv := startServer(t)
	sc := oneClient(t, `
client:
  heartbeat: {mode: off}
steps:
  - connect
  - send: {text: '{"type":"chat","n":1}'}
  - send: {text: '{"type":"chat","n":2}'}
  - send: {text: 'plain'}
  - sleep: 300ms
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	if !vu.Run(context.Background(), context.Background()) {
		t.Fatal("steps did not complete")
	}
	s := counters(rec)
	if s.Unexpected["chat"] != 2 || s.Unexpected["(text)"] != 1 || s.Counters[metrics.MsgsUnmatched] != 3 {
		t.Fatalf("unexpected %v, unmatched %d; want chat 2, (text) 1", s.Unexpected, s.Counters[metrics.MsgsUnmatched])
	}
}

// TestOneFlushAtATime: an app that leaves for the background (keeping its
// connection) and comes back while the queue is being flushed does not
// start a second flush beside the first: two would write at once.
func TestOneFlushAtATime(t *testing.T) {
	conn := &gateConn{fakeConn: newFakeConn(), writing: make(chan struct{}), release: make(chan error)}
	vu, _ := readyVU(t, queueScenario(100, "drop-oldest"), conn)
	vu.conn, vu.state = nil, Reconnecting
	for range 3 {
		send(vu, "queued")
	}
	l := &life{}
	s := &session{v: vu, l: l, conn: conn}
	vu.mu.Lock()
	vu.life, vu.conn, vu.sess = l, conn, s
	start := s.startFlushLocked()
	vu.mu.Unlock()
	start()
	<-conn.writing // the first flush writes

	vu.goBackground(time.Hour, false)
	vu.foreground()
	select {
	case <-conn.writing:
		t.Fatal("a second flush wrote while the first was writing")
	case <-time.After(100 * time.Millisecond):
	}
	conn.release <- nil
	for range 2 { // the rest, one at a time
		<-conn.writing
		conn.release <- nil
	}
	s.flushes.Wait()
	if got := conn.Writes(); len(got) != 3 || vu.State() != Open {
		t.Fatalf("wrote %q, state %s; want the 3 queued messages once each, then open", got, vu.State())
	}
}

// TestConnectAfterKeptBackground: a connect step run while the app is in
// the background with its connection kept returns once the connection is
// open; the app's sends still wait.
func TestConnectAfterKeptBackground(t *testing.T) {
	srv := startServer(t)
	sc := oneClient(t, `
client:
  heartbeat: {mode: off}
steps:
  - background: {for: 300ms, close: false}
  - connect
  - send: early
  - sleep: 600ms
`)
	vu, rec := realVU(t, sc, srv.URL("/echo"))
	if !vu.Run(context.Background(), context.Background()) {
		t.Fatal("the steps did not complete: connect waited for a foreground")
	}
	c := counters(rec).Counters
	if c[metrics.OfflineSent] != 1 || c[metrics.OfflineFlushed] != 1 || srv.Stats().MessagesIn != 1 {
		t.Fatalf("offline sent %d flushed %d, server got %d; want the send held, then flushed", c[metrics.OfflineSent],
			c[metrics.OfflineFlushed], srv.Stats().MessagesIn)
	}
	// The client came back to a connection it kept: nothing to reopen.
	if h := counters(rec).Hists; h[metrics.ResumeOpen].TotalCount() != 0 || h[metrics.ResumeFlushed].TotalCount() != 1 {
		t.Fatalf("resume_open %d, resume_flushed %d samples; want 0 and 1", h[metrics.ResumeOpen].TotalCount(), h[metrics.ResumeFlushed].TotalCount())
	}
}

// TestStepTimersForgetThemselves: a loop of offline steps keeps only the
// periods in progress.
func TestStepTimersForgetThemselves(t *testing.T) {
	vu, _ := realVU(t, awayClient(t, ""), "ws://127.0.0.1:1/")
	away := &scenario.Away{For: scenario.Sleep{Min: scenario.Duration(time.Millisecond), Max: scenario.Duration(time.Millisecond)}, Mode: scenario.NetworkReset}
	for range 200 {
		vu.stepAway(scenario.StepOffline, away)
	}
	waitFor(t, func() bool {
		vu.mu.Lock()
		defer vu.mu.Unlock()
		return len(vu.aw.timers) == 0 && vu.aw.net == 0
	})
}

// TestNoReconnectStaysDownAfterTheNetwork: with reconnect off, a client
// that lost its network gives up when it comes back, as after any drop.
func TestNoReconnectStaysDownAfterTheNetwork(t *testing.T) {
	sc := oneClient(t, `
client:
  reconnect: {enabled: false}
  heartbeat: {mode: off}
steps:
  - connect
  - sleep: 1m
`)
	srv, vu, rec, _, done := openVU(t, sc)
	vu.goOffline(scenario.NetworkReset, time.Hour)
	waitFor(t, func() bool { return srv.Stats().Open == 0 })
	vu.goOnline()
	if completed := <-done; completed {
		t.Fatal("the steps completed")
	}
	c := counters(rec).Counters
	if c[metrics.ReconnectGiveUps] != 1 || c[metrics.ConnOpened] != 1 || vu.State() != Failed {
		t.Fatalf("give-ups %d, opened %d, state %s; want the client failed after its one connection", c[metrics.ReconnectGiveUps], c[metrics.ConnOpened], vu.State())
	}
}
