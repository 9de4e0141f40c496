package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// TestLateTimersWarn: a run whose timer probe ran late says wsbench was
// short of CPU; one whose probe ran on time does not.
func TestLateTimersWarn(t *testing.T) {
	sc, err := scenario.Parse("c.yaml", []byte("target: ws://example.test/ws\nclients: {count: 1}\nduration: 10s\nsteps: [connect]\n"), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	build := func(lag time.Duration) *Summary {
		start := time.Now()
		rec := metrics.NewRecorder(start, 1)
		for i := range 200 {
			rec.Shard(0).Observe(metrics.TimerLag, time.Duration(i%10)*lag/10)
		}
		s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Snapshot: rec.Snapshot(start.Add(10 * time.Second))})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const want = "wsbench was short of CPU: its timers ran late (p99 "
	if w := strings.Join(build(2*time.Millisecond).Warnings, "\n"); strings.Contains(w, want) {
		t.Errorf("timers at most 2ms late gave the warning:\n%s", w)
	}
	s := build(300 * time.Millisecond)
	if w := strings.Join(s.Warnings, "\n"); !strings.Contains(w, want) {
		t.Errorf("timers up to 270ms late: warnings\n%s\nlack %q", w, want)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "timers late p99 270ms, worst 270ms") {
		t.Errorf("the table's load generator line lacks the timer lag:\n%s", out.String())
	}
}

// TestPacedSendsBehindWarn: paced sends that fell behind their timeline
// are reported, blamed on the server's replies or on wsbench's CPU by the
// timer probe.
func TestPacedSendsBehindWarn(t *testing.T) {
	sc, err := scenario.Parse("c.yaml", []byte("target: ws://example.test/ws\nclients: {count: 1}\nduration: 10s\nsteps: [connect]\n"), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	build := func(behind int64, timerLag time.Duration) string {
		start := time.Now()
		rec := metrics.NewRecorder(start, 1)
		sh := rec.Shard(0)
		sh.Add(metrics.SendsPaced, 1000)
		sh.Add(metrics.SendsBehind, behind)
		for range 100 {
			sh.Observe(metrics.TimerLag, timerLag)
		}
		s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Snapshot: rec.Snapshot(start.Add(10 * time.Second))})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(s.Warnings, "\n")
	}
	if w := build(5, time.Millisecond); strings.Contains(w, "paced sends") {
		t.Errorf("0.5%% behind warned:\n%s", w)
	}
	if w := build(120, time.Millisecond); !strings.Contains(w, "120 of 1000 paced sends left more than one interval behind") || !strings.Contains(w, "waited for slow replies") {
		t.Errorf("12%% behind with timers on time:\n%s", w)
	}
	if w := build(120, 50*time.Millisecond); !strings.Contains(w, "because wsbench was short of CPU") {
		t.Errorf("12%% behind with late timers:\n%s", w)
	}
}
