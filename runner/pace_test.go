package runner

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/metrics"
)

// TestPacedSendsCorrectCoordinatedOmission: a server that stalls once for
// 1 s. A client pacing 100 messages a second waits for each reply, so the
// sends due during the stall go out late; measured from their intended
// times (corrected) the p99 is near the stall, measured from when they
// were actually sent (uncorrected) it is far below it.
func TestPacedSendsCorrectCoordinatedOmission(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		start := time.Now()
		stalled := false
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if !stalled && time.Since(start) > time.Second {
				stalled = true
				time.Sleep(time.Second)
			}
			if c.WriteMessage(typ, msg) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	res := runYAML(t, `
target: TARGET
duration: 3500ms
clients: {count: 1}
client: {heartbeat: {mode: off}}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.Seq}}"}', rate: 100/s, expect: {json_field: id, timeout: 3s}}
`, "ws"+srv.URL[len("http"):], Options{})
	snap := res.Snapshot
	corrected, uncorrected := snap.Hists[metrics.RTT], snap.Hists[metrics.RTTUncorrected]
	if n := corrected.TotalCount(); n < 250 || n > 360 || uncorrected.TotalCount() != n {
		t.Fatalf("%d corrected and %d uncorrected samples; want about 350 of each (100/s for 3.5 s)", n, uncorrected.TotalCount())
	}
	c99, u99 := corrected.ValueAtQuantile(99), uncorrected.ValueAtQuantile(99)
	t.Logf("p99 corrected %d µs, uncorrected %d µs (max %d µs), %d samples", c99, u99, uncorrected.Max(), corrected.TotalCount())
	if c99 < 700_000 || c99 > 1_300_000 {
		t.Errorf("corrected p99 %d µs, want near the 1 s stall", c99)
	}
	if u99 > 100_000 {
		t.Errorf("uncorrected p99 %d µs, want far below the stall (one message saw it)", u99)
	}
	if m := uncorrected.Max(); m < 900_000 {
		t.Errorf("uncorrected max %d µs: the message in flight during the stall took about 1 s", m)
	}
	// The sends due during the stall left late: a backlog on the timeline.
	paced, behind := snap.Counters[metrics.SendsPaced], snap.Counters[metrics.SendsBehind]
	if paced != corrected.TotalCount() || behind < 50 || behind > 110 {
		t.Errorf("%d paced sends, %d behind; want one per sample and about 100 behind (the sends due during the 1 s stall)", paced, behind)
	}
}

// TestTotalRateIsSharedByTheClients: a total_rate is spread over the
// population, so 4 clients together send about the total, not 4 times it.
func TestTotalRateIsSharedByTheClients(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
duration: 2s
clients: {count: 4}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', total_rate: 100/s, expect: {json_field: id, timeout: 1s}}
`, srv.URL("/json"), Options{})
	// 25/s per client for 2 s: 50 each, 200 in all (the first send of
	// each client is at once, the last may miss the end).
	if n := res.Snapshot.Counters[metrics.MsgsSent]; n < 180 || n > 208 {
		t.Fatalf("%d messages sent; want about 200 (100/s for 2 s over 4 clients)", n)
	}
	if n := res.Snapshot.Counters[metrics.SendsBehind]; n > 2 {
		t.Errorf("%d paced sends behind against a prompt server; want none", n)
	}
}

// TestPacedSendsOnTimeCountTheRoundTrip: against a prompt server a paced
// client is ready before each intended time, so its corrected latency is
// the round trip, not the round trip plus its own timer's wake-up.
func TestPacedSendsOnTimeCountTheRoundTrip(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
duration: 2s
clients: {count: 2}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', rate: 50/s, expect: {json_field: id, timeout: 1s}}
`, srv.URL("/json"), Options{})
	corrected, uncorrected := res.Snapshot.Hists[metrics.RTT], res.Snapshot.Hists[metrics.RTTUncorrected]
	if corrected.TotalCount() < 150 || corrected.TotalCount() != uncorrected.TotalCount() {
		t.Fatalf("%d corrected, %d uncorrected samples; want about 200 of each", corrected.TotalCount(), uncorrected.TotalCount())
	}
	c50, u50 := corrected.ValueAtQuantile(50), uncorrected.ValueAtQuantile(50)
	if c50-u50 > 50 {
		t.Errorf("median corrected %d µs, uncorrected %d µs: a client on time must not charge its own wake-up to the server", c50, u50)
	}
}
