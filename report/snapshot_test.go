package report

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

var runStart = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// recordedRun builds a result the way wsbench run does: record into a
// metrics.Recorder, take its snapshot after 10 s and Build the summary.
// It returns the summary and the live snapshot it was built from.
func recordedRun(t *testing.T, name string, clients int, record func(sh *metrics.Shard)) (*Summary, *metrics.Snapshot) {
	t.Helper()
	sc, err := scenario.Parse(name+".yaml", fmt.Appendf(nil, `
name: %s
target: ws://example.test/ws
duration: 10s
clients: {count: %d}
steps:
  - connect
  - send: {text: '{"id":"{{.Seq}}"}', expect: {json_field: id}}
`, name, clients), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	rec := metrics.NewRecorder(runStart, 1)
	record(rec.Shard(0))
	snap := rec.Snapshot(runStart.Add(10 * time.Second))
	s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: 10 * time.Second, Snapshot: snap, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return s, snap
}

// busyRun records a bit of everything: latencies in several histograms,
// drops and connect failures by cause, reconnects, timeouts and deliveries.
func busyRun(sh *metrics.Shard) {
	for i := 1; i <= 1000; i++ {
		sh.Observe(metrics.RTT, time.Duration(i)*17*time.Microsecond)
		sh.Inc(metrics.MsgsSent)
		sh.Inc(metrics.MsgsReceived)
		sh.Inc(metrics.ExpectMatched)
	}
	for i := 1; i <= 150; i++ {
		sh.Observe(metrics.Connect, time.Duration(i)*13*time.Microsecond)
		sh.Inc(metrics.ConnOpened)
		sh.Observe(metrics.Delivery, time.Duration(i)*time.Millisecond)
		sh.Inc(metrics.DeliveriesReceived)
	}
	sh.Add(metrics.BytesSent, 20480)
	sh.Add(metrics.TimeOpen, int64(99*time.Second))
	sh.Add(metrics.TimeReconnecting, int64(time.Second))
	sh.Drop(metrics.CauseServerClose, 1001, "connection closed with code 1001 (going away)")
	sh.Drop(metrics.CauseReset, 1006, "read: connection reset by peer")
	sh.Observe(metrics.Recover, 250*time.Millisecond)
	sh.Fail(metrics.CauseHandshakeStatus, 503, "handshake refused: HTTP 503 Service Unavailable")
	sh.Inc(metrics.ReconnectAttempts)
	sh.Inc(metrics.ReconnectAttempts)
	sh.Inc(metrics.ReconnectSuccesses)
	sh.Inc(metrics.ExpectTimedOut)
	sh.Inc(metrics.DeliveriesLost)
	sh.Add(metrics.QueueDropped, 3)
}

// roundTrip writes s as JSON and reads it back, as compare reads a file.
func roundTrip(t *testing.T, s *Summary) *Summary {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestSnapshotOfGivesEveryMetricOfTheLiveRun(t *testing.T) {
	s, live := recordedRun(t, "busy", 150, busyRun)
	got, err := SnapshotOf(roundTrip(t, s))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range scenario.MetricNames() {
		want, wantOK := MetricValue(name, live)
		v, ok := MetricValue(name, got)
		if v != want || ok != wantOK {
			t.Errorf("%s: from the file %v (%v), live %v (%v)", name, v, ok, want, wantOK)
		}
	}
	if got.Duration() != live.Duration() || got.Counters != live.Counters || got.Causes != live.Causes ||
		got.Examples != live.Examples || got.PeakConnected != live.PeakConnected {
		t.Errorf("rebuilt snapshot differs:\n got %+v\nwant %+v", got, live)
	}
	if !reflect.DeepEqual(got.CloseCodes, live.CloseCodes) || !reflect.DeepEqual(got.Statuses, live.Statuses) {
		t.Errorf("codes %v %v, want %v %v", got.CloseCodes, got.Statuses, live.CloseCodes, live.Statuses)
	}
	// The stored histogram, not the rounded table: p99.99 is in neither
	// the latency object nor the thresholds list.
	if a, b := got.Hists[metrics.RTT].ValueAtQuantile(99.99), live.Hists[metrics.RTT].ValueAtQuantile(99.99); a != b {
		t.Errorf("rtt p99.99 %d, live %d", a, b)
	}
}

func TestSnapshotOfToleratesOtherVersionsAndNamesABadHistogram(t *testing.T) {
	s, _ := recordedRun(t, "busy", 150, busyRun)
	s = roundTrip(t, s)
	s.Counters["frobs.made"] = 7       // a newer wsbench's counter
	s.Histograms["frob"] = "HISTFnope" // and histogram
	delete(s.Histograms, "upgrade")    // an older wsbench's document
	snap, err := SnapshotOf(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := snap.Hists[metrics.Upgrade].TotalCount(); n != 0 {
		t.Errorf("missing histogram has %d samples", n)
	}
	if _, ok := MetricValue("upgrade.p99", snap); ok {
		t.Error("upgrade.p99 has data in a document without the histogram")
	}
	s.Histograms["rtt"] = "HISTFAAAAnotbase64!"
	if _, err := SnapshotOf(s); err == nil || !strings.Contains(err.Error(), `histogram "rtt"`) {
		t.Fatalf("err = %v, want one naming the rtt histogram", err)
	}
}

func TestSnapshotOfWithoutTimestampsUsesTheDuration(t *testing.T) {
	s := &Summary{DurationSeconds: 4, Figures: Figures{Counters: map[string]int64{"messages.sent": 100}}}
	snap, err := SnapshotOf(s)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := MetricValue("messages.sent.rate", snap); !ok || v != 25 {
		t.Fatalf("messages.sent.rate = %v, %v; want 25/s", v, ok)
	}
}
