package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// segment is one process's part of a run that started at start: 100
// clients, the given thresholds, what record records in the first second,
// then nothing until the end at start + 10 s.
func segment(t *testing.T, name, thresholds string, start time.Time, load metrics.LoadStats, record func(sh *metrics.Shard)) *Summary {
	t.Helper()
	sc, err := scenario.Parse(name+".yaml", fmt.Appendf(nil, `
name: %s
target: ws://example.test/ws
duration: 10s
clients: {count: 100}
steps:
  - connect
  - send: {text: '{"id":"{{.Seq}}"}', expect: {json_field: id}}
thresholds: [%s]
`, name, thresholds), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	rec := metrics.NewRecorder(start, 1)
	record(rec.Shard(0))
	rec.Tick(start.Add(time.Second))
	s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: 10 * time.Second,
		Snapshot: rec.Snapshot(start.Add(10 * time.Second)), Load: load, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, s)
}

// echoes records round trips of from, from+step, ... (n of them), each a
// sent and received message, plus connected clients, a drop and a timeout.
func echoes(n int, from, step time.Duration, connected int64, example string) func(*metrics.Shard) {
	return func(sh *metrics.Shard) {
		for i := range n {
			sh.Observe(metrics.RTT, from+time.Duration(i)*step)
			sh.Inc(metrics.MsgsSent)
			sh.Inc(metrics.MsgsReceived)
			sh.Inc(metrics.ExpectMatched)
		}
		sh.Inc(metrics.ConnOpened)
		sh.Gauge(metrics.Connected, connected)
		sh.Drop(metrics.CauseServerClose, 1001, example)
		sh.Inc(metrics.ExpectTimedOut)
	}
}

func TestMergeIsExact(t *testing.T) {
	const ths = `"messages.sent <= 600", "rtt.p99 < 1s"`
	a := segment(t, "chat", ths, runStart, metrics.LoadStats{CPUSeconds: 2, Cores: 2, AvgCPU: 0.1, PeakCPU: 0.95, SaturatedSeconds: 1, MaxRSSBytes: 100, Goroutines: 40},
		echoes(400, 100*time.Microsecond, 3*time.Microsecond, 60, "closed: first"))
	b := segment(t, "chat", ths+`, "drops.rate < 1%"`, runStart.Add(300*time.Millisecond),
		metrics.LoadStats{CPUSeconds: 1, Cores: 4, AvgCPU: 0.025, PeakCPU: 0.5, MaxRSSBytes: 50, Goroutines: 30},
		echoes(500, 5*time.Millisecond, 7*time.Microsecond, 40, "closed: second"))
	// One process that saw every sample: the merged percentiles must be its.
	all := segment(t, "chat", ths, runStart, metrics.LoadStats{}, func(sh *metrics.Shard) {
		echoes(400, 100*time.Microsecond, 3*time.Microsecond, 60, "")(sh)
		echoes(500, 5*time.Millisecond, 7*time.Microsecond, 40, "")(sh)
	})

	m, err := Merge([]*Summary{a, b}, MergeOptions{Names: []string{"a.json", "b.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Latency["rtt"] != all.Latency["rtt"] {
		t.Errorf("merged rtt %+v, want %+v", m.Latency["rtt"], all.Latency["rtt"])
	}
	if m.Latency["rtt"].P99US == a.Latency["rtt"].P99US || m.Latency["rtt"].P99US == b.Latency["rtt"].P99US {
		t.Errorf("merged p99 %d equals one input's: the fixture does not test merging", m.Latency["rtt"].P99US)
	}
	for name, want := range a.Counters {
		if got := m.Counters[name]; got != want+b.Counters[name] {
			t.Errorf("counter %s = %d, want %d + %d", name, got, want, b.Counters[name])
		}
	}
	if m.Messages.Sent != 900 || m.Connections.Dropped != 2 || m.Expects.TimedOut != 2 {
		t.Errorf("messages %+v, connections %+v, expects %+v", m.Messages, m.Connections, m.Expects)
	}
	if len(m.Connections.DropCauses) != 1 || m.Connections.DropCauses[0].Count != 2 ||
		len(m.Connections.CloseCodes) != 1 || m.Connections.CloseCodes[0] != (CodeCount{1001, 2, CloseCodeMeaning(1001)}) {
		t.Errorf("drop causes %+v, close codes %+v", m.Connections.DropCauses, m.Connections.CloseCodes)
	}
	if ex := m.Connections.Examples["server_close"]; ex != "closed: first" {
		t.Errorf("example %q, want the first input's", ex)
	}
	if m.Clients.PeakTarget != 200 || m.Clients.PeakConnected != 100 {
		t.Errorf("clients %+v", m.Clients)
	}
	if !m.Start.Equal(runStart) || !m.End.Equal(runStart.Add(10300*time.Millisecond)) || m.DurationSeconds != 10.3 {
		t.Errorf("start %v end %v duration %v", m.Start, m.End, m.DurationSeconds)
	}

	// Series: summed on each run's own second 1 and 10.
	if len(m.Series) != 2 {
		t.Fatalf("series %+v", m.Series)
	}
	p := m.Series[0]
	if p.T != 1 || p.Sent != 900 || p.Connected != 100 || p.Drops != 2 || p.RTTCount != 900 || m.Series[1].T != 10 {
		t.Errorf("series %+v", m.Series)
	}

	// Thresholds: the union, evaluated on the merged figures.
	got := map[string]bool{}
	for _, r := range m.Thresholds {
		got[r.Expr] = r.Passed
	}
	want := map[string]bool{"messages.sent <= 600": false, "rtt.p99 < 1s": true, "drops.rate < 1%": false}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("thresholds %v, want %v", got, want)
	}
	if Failed(a.Thresholds) != 0 {
		t.Errorf("input a fails %+v; the test wants a count that passes per input", a.Thresholds)
	}

	l := m.LoadGenerator
	if l.CPUSeconds != 3 || l.Cores != 6 || l.MaxRSSBytes != 150 || l.Goroutines != 70 || l.PeakCPU != 0.95 || l.SaturatedSeconds != 1 {
		t.Errorf("load %+v", l)
	}
	if wantAvg := 3 / (2*10 + 4*10.0); l.AvgCPU != wantAvg {
		t.Errorf("avg cpu %v, want %v", l.AvgCPU, wantAvg)
	}

	// Warnings: derived ones from the merged figures, a process's own ones
	// kept once, and the note.
	w := strings.Join(m.Warnings, "\n")
	for _, s := range []string{"2 awaited replies timed out", "used over 90% of its 2 CPU cores for 1 s", "merged from 2 results (a.json, b.json)"} {
		if !strings.Contains(w, s) {
			t.Errorf("warnings lack %q:\n%s", s, w)
		}
	}
	if strings.Contains(w, "1 awaited replies") {
		t.Errorf("an input's derived warning was kept:\n%s", w)
	}
}

func TestMergeRefuses(t *testing.T) {
	rec := echoes(10, time.Millisecond, time.Microsecond, 1, "x")
	a := segment(t, "chat", "", runStart, metrics.LoadStats{}, rec)
	other := segment(t, "other", "", runStart, metrics.LoadStats{}, rec)

	_, err := Merge([]*Summary{a, other}, MergeOptions{Names: []string{"a.json", "o.json"}})
	if !errors.Is(err, ErrDifferentRuns) || !strings.Contains(err.Error(), `a.json has scenario "chat", o.json has "other"`) {
		t.Errorf("different scenarios: %v", err)
	}
	m, err := Merge([]*Summary{a, other}, MergeOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Scenario.Name != "chat" || !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.HasPrefix(w, "merged although") }) {
		t.Errorf("forced merge: scenario %q, warnings %q", m.Scenario.Name, m.Warnings)
	}

	v2 := *a
	v2.SchemaVersion = 2
	if _, err := Merge([]*Summary{a, &v2}, MergeOptions{}); err == nil || !strings.Contains(err.Error(), "result 2 has schema version 2") {
		t.Errorf("schema version: %v", err)
	}
	if _, err := Merge(nil, MergeOptions{}); err == nil {
		t.Error("merged nothing")
	}
}

func TestMergeSeriesRoundsToEachRunsSecond(t *testing.T) {
	a := &metrics.Snapshot{Series: []metrics.Point{
		{T: 1.004, Sent: 10, Connected: 5, RTTP99: 300},
		{T: 2.003, Sent: 10, Connected: 6},
		{T: 2.3, Sent: 1, Connected: 0}, // a short final interval folds into second 2
	}}
	b := &metrics.Snapshot{Series: []metrics.Point{
		{T: 0.998, Sent: 7, Connected: 4, RTTP99: 200},
		{T: 3.01, Sent: 2, Connected: 1},
	}}
	want := []metrics.Point{
		{T: 1, Sent: 17, Connected: 9, RTTP99: 300},
		{T: 2, Sent: 11, Connected: 0},
		{T: 3, Sent: 2, Connected: 1},
	}
	if got := mergeSeries([]*metrics.Snapshot{a, b}); !slices.Equal(got, want) {
		t.Errorf("merged series\n got %+v\nwant %+v", got, want)
	}
}
