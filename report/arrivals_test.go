package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// TestArrivalsReport: an open-model run's result says how many arrivals
// started and were missed, how far behind schedule they started, and warns
// when the generator fell behind or max clients turned arrivals away.
func TestArrivalsReport(t *testing.T) {
	sc, err := scenario.Parse("open.yaml", []byte("target: ws://example.test/ws\nclients: {arrival_rate: 100/s, duration: 10s, max: 50}\nsteps: [connect]\n"), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	build := func(lags []time.Duration, missed int64) *Summary {
		start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		rec := metrics.NewRecorder(start, 1)
		sh := rec.Shard(0)
		for _, l := range lags {
			sh.Observe(metrics.ArrivalLag, l)
		}
		sh.Add(metrics.ArrivalsMissed, missed)
		s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: 10 * time.Second, Snapshot: rec.Snapshot(start.Add(10 * time.Second))})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	onTime := make([]time.Duration, 1000)
	for i := range onTime {
		onTime[i] = time.Duration(i%5) * 100 * time.Microsecond
	}
	s := build(onTime, 0)
	a := s.Clients.Arrivals
	if a == nil || a.Started != 1000 || a.Missed != 0 || a.Late != 0 || a.BehindMaxUS < 400 || a.BehindMaxUS > 401 {
		t.Fatalf("arrivals %+v; want 1000 started, none missed or late, worst 400µs", a)
	}
	if s.Scenario.ArrivalRate != "100/s" || s.Scenario.Max != 50 {
		t.Fatalf("scenario info: arrival_rate %q, max %d", s.Scenario.ArrivalRate, s.Scenario.Max)
	}
	for _, w := range s.Warnings {
		if strings.Contains(w, "arrival") {
			t.Fatalf("warning %q for a run on schedule", w)
		}
	}

	behind := append(onTime[:990:990], 150*time.Millisecond, 200*time.Millisecond, 1200*time.Millisecond)
	s = build(behind, 7)
	a = s.Clients.Arrivals
	if a.Late != 3 || a.Missed != 7 || a.BehindMaxUS < 1_199_000 {
		t.Fatalf("arrivals %+v; want 3 late, 7 missed, worst 1.2s", a)
	}
	text := strings.Join(s.Warnings, "\n")
	for _, want := range []string{
		"7 of 1000 arrivals did not start because clients.max (50) clients were alive",
		"the generator fell behind its arrival schedule: 3 of 993 arrivals started more than 100ms late",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings:\n%s\nwant one containing %q", text, want)
		}
	}
	var out bytes.Buffer
	if err := WriteTable(&out, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Arrivals: 993 started, 7 missed (max 50 alive); behind schedule p99 ") {
		t.Errorf("table:\n%s\nwant an Arrivals line", out.String())
	}

	// Closed-model runs have no arrivals block.
	closed, err := scenario.Parse("c.yaml", []byte("target: ws://example.test/ws\nclients: {count: 1}\nduration: 1s\nsteps: [connect]\n"), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	rec := metrics.NewRecorder(time.Now(), 1)
	cs, err := Build(Input{Scenario: closed, URL: closed.Target, EndReason: "completed", Snapshot: rec.Snapshot(time.Now())})
	if err != nil || cs.Clients.Arrivals != nil {
		t.Fatalf("closed model: arrivals %+v, err %v; want none", cs.Clients.Arrivals, err)
	}
}
