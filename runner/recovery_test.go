package runner

import (
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/nodeio"
	"github.com/wsbench/wsbench/metrics"
)

// flappingSocketIO: Socket.IO clients whose network resets every few
// hundred milliseconds, tracking the server's numbered tick broadcast.
const flappingSocketIO = `
target: TARGET
protocol: socketio
duration: 4s
graceful_stop: 2s
seed: 3
clients: {count: 10}
client:
  network: {offline_every: 600ms, offline_for: {min: 200ms, max: 400ms}, mode: reset}
  delivery: {sender: sender, seq: seq, sent_at: sent_at, event: tick}
steps:
  - connect
  - sleep: 1m
`

// TestSocketIONodeConnectionStateRecovery: against the official server
// with connectionStateRecovery, every reconnect resumes the session and
// the broadcasts missed while offline are replayed, so none is lost; with
// it off, the same run resumes nothing and counts the broadcasts missed.
func TestSocketIONodeConnectionStateRecovery(t *testing.T) {
	for _, recovery := range []bool{true, false} {
		name := "off"
		if recovery {
			name = "on"
		}
		t.Run(name, func(t *testing.T) {
			srv := nodeio.Start(t, nodeio.Options{Recovery: recovery, BroadcastEvery: 50 * time.Millisecond})
			res := runYAML(t, flappingSocketIO, srv.URL, Options{})
			c := counters(res)
			reconnects := c(metrics.ConnOpened) - 10
			if reconnects < 10 || c(metrics.OfflinePeriods) < 10 || c(metrics.ConnFailed) != 0 {
				t.Fatalf("opened %d, offline periods %d, failed %d: the clients did not flap", c(metrics.ConnOpened),
					c(metrics.OfflinePeriods), c(metrics.ConnFailed))
			}
			if c(metrics.DeliveriesDuplicated) != 0 || c(metrics.DeliveriesReceived) < 10*40 {
				t.Errorf("received %d ticks, %d twice", c(metrics.DeliveriesReceived), c(metrics.DeliveriesDuplicated))
			}
			st := srv.Stats(t)
			t.Logf("recovery %s: reconnects %d, attempts %d, recovered %d (server: %d), replayed %d, lost %d, received %d",
				name, reconnects, c(metrics.RecoveryAttempts), c(metrics.RecoveryRecovered), st.Recovered,
				c(metrics.DeliveriesReplayed), c(metrics.DeliveriesLost), c(metrics.DeliveriesReceived))
			if !recovery {
				if c(metrics.RecoveryAttempts) != 0 || c(metrics.DeliveriesReplayed) != 0 || c(metrics.DeliveriesLost) == 0 {
					t.Errorf("without recovery: attempts %d, replayed %d, lost %d; want 0, 0 and losses",
						c(metrics.RecoveryAttempts), c(metrics.DeliveriesReplayed), c(metrics.DeliveriesLost))
				}
				return
			}
			// Every reconnect asks to resume. One whose connection ended
			// before any event came has no offset to resume from, and the
			// server starts a new session, as for socket.io-client.
			attempts, recovered := c(metrics.RecoveryAttempts), c(metrics.RecoveryRecovered)
			if attempts != reconnects || recovered*10 < attempts*9 || int64(st.Recovered) != recovered {
				t.Errorf("reconnects %d: attempts %d, recovered %d, server recovered %d; want every attempt, 90%% recovered, the server agreeing",
					reconnects, attempts, recovered, st.Recovered)
			}
			// A session not resumed loses at most what one offline period
			// (400 ms, ticks every 50 ms) missed.
			if c(metrics.DeliveriesReplayed) == 0 || c(metrics.DeliveriesLost) > (attempts-recovered)*10 {
				t.Errorf("replayed %d, lost %d with %d sessions not resumed", c(metrics.DeliveriesReplayed), c(metrics.DeliveriesLost), attempts-recovered)
			}
		})
	}
}
