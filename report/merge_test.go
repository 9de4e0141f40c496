package report

import (
	"errors"
	"fmt"
	"math"
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

	// Series: b started 0.3 s after a, so its seconds 1 and 10 are a's
	// too once rounded; neither ticked in between, so both keep their
	// levels there.
	if len(m.Series) != 10 {
		t.Fatalf("series %+v", m.Series)
	}
	p := m.Series[0]
	if p.T != 1 || p.Sent != 900 || p.Connected != 100 || p.Drops != 2 || p.RTTCount != 900 {
		t.Errorf("series %+v", m.Series)
	}
	for _, q := range m.Series[1:] {
		if q.Connected != 100 || q.Sent != 0 {
			t.Errorf("series point %+v, want the levels of second 1 and no counts", q)
		}
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

	// Neither names its host: each counts as a machine of its own.
	l := m.LoadGenerator
	if l.CPUSeconds != 3 || l.Cores != 6 || l.MaxRSSBytes != 150 || l.Goroutines != 70 || l.PeakCPU != 0.95 || l.SaturatedSeconds != 1 ||
		l.Processes != 2 || len(l.Hosts) != 2 || l.Host != "" {
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

func TestMergeSeriesFoldsAShortFinalInterval(t *testing.T) {
	a := &metrics.Snapshot{Series: []metrics.Point{
		{T: 1.004, Sent: 10, Connected: 5, RTTP99: 300},
		{T: 2.003, Sent: 10, Connected: 6},
		{T: 2.3, Sent: 1, Connected: 0}, // a short final interval folds into second 2
	}}
	b := &metrics.Snapshot{Series: []metrics.Point{
		{T: 0.998, Sent: 7, Connected: 4, RTTP99: 200},
		{T: 1.99, Sent: 3, Connected: 2},
		{T: 3.01, Sent: 2, Connected: 1},
	}}
	want := []metrics.Point{
		{T: 1, Sent: 17, Connected: 9, RTTP99: 300},
		{T: 2, Sent: 14, Connected: 2},
		{T: 3, Sent: 2, Connected: 1},
	}
	if got := mergeSeries([]*metrics.Snapshot{a, b}); !slices.Equal(got, want) {
		t.Errorf("merged series\n got %+v\nwant %+v", got, want)
	}
}

// Runs that started apart are added where they ran on the clock, not
// second N of one onto second N of the other.
func TestMergeSeriesAlignsOnTheClock(t *testing.T) {
	a := &metrics.Snapshot{Start: runStart, Series: []metrics.Point{
		{T: 1, Opened: 10, Connected: 10}, {T: 2, Opened: 10, Connected: 20},
		{T: 3, Opened: 10, Connected: 30}, {T: 4, Connected: 30},
	}}
	b := &metrics.Snapshot{Start: runStart.Add(2100 * time.Millisecond), Series: []metrics.Point{
		{T: 1.001, Opened: 5, Connected: 5}, {T: 2.002, Connected: 5},
	}}
	want := []metrics.Point{
		{T: 1, Opened: 10, Connected: 10},
		{T: 2, Opened: 10, Connected: 20},
		{T: 3, Opened: 15, Connected: 35},
		{T: 4, Connected: 35},
	}
	for _, order := range [][]*metrics.Snapshot{{a, b}, {b, a}} {
		if got := mergeSeries(order); !slices.Equal(got, want) {
			t.Errorf("merged series\n got %+v\nwant %+v", got, want)
		}
	}
}

// A process short of CPU ticks late: one of its points covers several
// seconds. The merged levels must not fall for the seconds it skipped
// (the fall from 67k to 12k connected of a 100k run with six workers,
// five of which ticked late), and its counts stay whole.
func TestMergeSeriesLateTicks(t *testing.T) {
	late := &metrics.Snapshot{Start: runStart, Series: []metrics.Point{
		{T: 1.01, Opened: 100, Connected: 100},
		{T: 2.02, Opened: 100, Connected: 200},
		{T: 6.4, Opened: 400, Drops: 3, Connected: 597}, // seconds 3 to 6 in one
		{T: 7.01, Opened: 3, Connected: 600},
		{T: 7.3, Connected: 0}, // the end
	}}
	punctual := &metrics.Snapshot{Start: runStart.Add(10 * time.Millisecond), Series: []metrics.Point{
		{T: 1, Opened: 100, Connected: 100}, {T: 2, Opened: 100, Connected: 200},
		{T: 3, Opened: 100, Connected: 300}, {T: 4, Opened: 100, Connected: 400},
		{T: 5, Opened: 100, Connected: 500}, {T: 6, Opened: 100, Connected: 600},
		{T: 7, Connected: 600}, {T: 7.2, Connected: 0},
	}}
	got := mergeSeries([]*metrics.Snapshot{late, punctual})
	connected := []int64{200, 400, 500, 600, 700, 1197, 0}
	if len(got) != len(connected) {
		t.Fatalf("merged series %+v", got)
	}
	var opened, drops int64
	for i, p := range got {
		if p.T != float64(i+1) || p.Connected != connected[i] {
			t.Errorf("second %d: t %v connected %d, want %d", i+1, p.T, p.Connected, connected[i])
		}
		opened += p.Opened
		drops += p.Drops
	}
	if opened != 1203 || drops != 3 {
		t.Errorf("opened %d drops %d, want every count once: 1203 and 3", opened, drops)
	}
}

// Six workers on one 2-core machine are 2 cores, not 12; a second
// machine adds its own; a result that names no machine counts as one.
func TestMergeLoadPerHost(t *testing.T) {
	const seconds = 100
	part := func(host string, cores int, cpu, peak float64, start time.Duration) *Summary {
		return &Summary{
			Start: runStart.Add(start), End: runStart.Add(start + seconds*time.Second), DurationSeconds: seconds,
			LoadGenerator: metrics.LoadStats{Host: host, CPUSeconds: cpu, Cores: cores, PeakCPU: peak,
				AvgCPU: cpu / seconds / float64(cores), MaxRSSBytes: 100, Goroutines: 10},
		}
	}
	var one []*Summary
	for i := range 6 {
		one = append(one, part("box", 2, 25, 0.2+0.05*float64(i), time.Duration(i)*10*time.Millisecond))
	}
	l := mergeLoad(one)
	if l.Host != "box" || l.Cores != 2 || l.CPUSeconds != 150 || l.Processes != 6 || l.MaxRSSBytes != 600 || l.Goroutines != 60 {
		t.Errorf("one machine: %+v", l)
	}
	// 150 CPU seconds over 100.05 s of 2 cores.
	if want := 150 / (2 * 100.05); math.Abs(l.AvgCPU-want) > 1e-9 || l.PeakCPU != 0.45 {
		t.Errorf("one machine: avg %v peak %v, want %v and 0.45", l.AvgCPU, l.PeakCPU, want)
	}
	if len(l.Hosts) != 1 || l.Hosts[0].Processes != 6 || l.Hosts[0].Cores != 2 {
		t.Errorf("one machine: hosts %+v", l.Hosts)
	}

	// A process limited to one core of a 4-core machine, at its peak,
	// used a quarter of the machine.
	many := append(one, part("big", 4, 40, 0.5, 0), part("big", 1, 10, 1, 0), part("", 2, 10, 0.1, 0), part("", 2, 10, 0.1, 0))
	l = mergeLoad(many)
	if l.Host != "" || l.Cores != 2+4+2+2 || l.CPUSeconds != 220 || l.Processes != 10 || len(l.Hosts) != 4 {
		t.Errorf("several machines: %+v", l)
	}
	big := l.Hosts[1]
	if big.Host != "big" || big.Cores != 4 || big.CPUSeconds != 50 || big.PeakCPU != 0.5 || big.AvgCPU != 50.0/400 || big.WallSeconds != 100 {
		t.Errorf("big: %+v", big)
	}
	if want := 220 / (2*100.05 + 4*100 + 2*100 + 2*100); math.Abs(l.AvgCPU-want) > 1e-9 {
		t.Errorf("several machines: avg %v, want %v", l.AvgCPU, want)
	}

	// A merged result merged again keeps its machines.
	again := mergeLoad([]*Summary{{Start: runStart, End: runStart.Add(seconds * time.Second), LoadGenerator: l}, part("box", 2, 10, 0.9, 0)})
	if again.Cores != 10 || again.Processes != 11 || len(again.Hosts) != 4 || again.Hosts[0].CPUSeconds != 160 || again.PeakCPU != 0.9 {
		t.Errorf("merged again: %+v", again)
	}
}
