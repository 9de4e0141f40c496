package report

import (
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

func TestMetricValue(t *testing.T) {
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rec := metrics.NewRecorder(start, 1)
	sh := rec.Shard(0)
	for i := 1; i <= 100; i++ {
		sh.Observe(metrics.Ack, time.Duration(i)*time.Millisecond)
	}
	sh.Add(metrics.ConnOpened, 200)
	sh.Add(metrics.ConnDropped, 3)
	sh.Add(metrics.ReconnectAttempts, 4)
	sh.Add(metrics.ReconnectSuccesses, 3)
	sh.Add(metrics.MsgsReceived, 5000)
	sh.Add(metrics.ExpectMatched, 99)
	sh.Add(metrics.ExpectTimedOut, 1)
	sh.Add(metrics.ConnFailed, 2)
	sh.Add(metrics.SendsRejected, 5)
	sh.Add(metrics.TimeOpen, int64(9*time.Second))
	sh.Add(metrics.TimeReconnecting, int64(time.Second))
	snap := rec.Snapshot(start.Add(10 * time.Second))

	for _, c := range []struct {
		name string
		want float64
		ok   bool
	}{
		{"ack.count", 100, true},
		{"ack.min", 1000, true},
		{"ack.max", 100_031, true}, // HDR bucket's highest value, 3 significant digits
		{"ack.p50", 50_015, true},
		{"ack.p99.9", 100_031, true},
		{"rtt.p99", 0, false}, // no samples: no data
		{"rtt.count", 0, true},
		{"connections.dropped", 3, true},
		{"messages.received.rate", 500, true},
		{"drops.rate", 0.015, true},
		{"reconnect.success_rate", 0.75, true},
		{"expects.timeout_rate", 0.01, true},
		{"deliveries.loss_rate", 0, true}, // nothing tracked: nothing lost
		{"availability", 0.9, true},
		{"errors.count", 8, true},
		{"errors.rate", 0.8, true},
	} {
		v, ok := MetricValue(c.name, snap)
		if ok != c.ok || (ok && v != c.want) {
			t.Errorf("%s = %v, %v; want %v, %v", c.name, v, ok, c.want, c.ok)
		}
	}

	empty := metrics.NewRecorder(start, 1).Snapshot(start.Add(time.Second))
	if v, ok := MetricValue("reconnect.success_rate", empty); !ok || v != 1 {
		t.Errorf("with no reconnect attempt, success_rate = %v, %v; want 1 (nothing failed)", v, ok)
	}
	if _, ok := MetricValue("drops.rate", empty); ok {
		t.Error("drops.rate with no connection opened should have no data")
	}
}

func TestEvaluate(t *testing.T) {
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rec := metrics.NewRecorder(start, 1)
	rec.Shard(0).Add(metrics.QueueDropped, 2)
	snap := rec.Snapshot(start.Add(time.Second))
	var ths []scenario.Threshold
	for _, e := range []string{"queue.dropped == 0", "queue.dropped <= 2", "rtt.p99 < 50ms"} {
		th, err := scenario.ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		ths = append(ths, th)
	}
	rs := Evaluate(ths, snap)
	if rs[0].Passed || !rs[1].Passed || rs[2].Passed || rs[2].Actual != "no data" || Failed(rs) != 2 {
		t.Fatalf("results %+v", rs)
	}
	if rs[0].Limit != "0" || rs[0].Actual != "2" || rs[0].Unit != "count" || rs[2].Limit != "50ms" || rs[2].Unit != "us" {
		t.Errorf("formatting: %+v", rs)
	}
}
