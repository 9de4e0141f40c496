package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

func TestDirectionOf(t *testing.T) {
	for name, want := range map[string]Direction{
		"rtt.p99": HigherIsWorse, "connect.max": HigherIsWorse, "delivery.mean": HigherIsWorse,
		"drops.rate": HigherIsWorse, "errors.count": HigherIsWorse, "errors.rate": HigherIsWorse,
		"expects.timeout_rate": HigherIsWorse, "deliveries.loss_rate": HigherIsWorse,
		"queue.dropped": HigherIsWorse, "queue.dropped.rate": HigherIsWorse, "connections.failed": HigherIsWorse,
		"messages.sent.rate": LowerIsWorse, "messages.received.rate": LowerIsWorse, "bytes.received.rate": LowerIsWorse,
		"reconnect.success_rate": LowerIsWorse, "availability": LowerIsWorse, "messages.received": LowerIsWorse,
		"connections.opened": Unranked, "rtt.count": Unranked, "queue.queued.rate": Unranked,
	} {
		if got := DirectionOf(name); got != want {
			t.Errorf("DirectionOf(%q) = %d, want %d", name, got, want)
		}
	}
	// Every name in the table is a real metric.
	for name := range worseWhen {
		if _, ok := scenario.MetricKindOf(name); !ok {
			t.Errorf("worseWhen lists %q, which is not a metric", name)
		}
	}
}

func TestJudge(t *testing.T) {
	tol := CompareOptions{MaxRegression: 0.10, MinSamples: 100}
	lat := func(base, cur float64) MetricChange {
		return MetricChange{Kind: scenario.KindLatency, Worse: HigherIsWorse, Baseline: base, Current: cur, BaseOK: true, CurrentOK: true, Samples: 500}
	}
	rate := func(base, cur float64) MetricChange {
		return MetricChange{Kind: scenario.KindRate, Worse: LowerIsWorse, Baseline: base, Current: cur, BaseOK: true, CurrentOK: true}
	}
	count := func(base, cur float64) MetricChange {
		return MetricChange{Kind: scenario.KindCount, Worse: HigherIsWorse, Baseline: base, Current: cur, BaseOK: true, CurrentOK: true}
	}
	for _, tc := range []struct {
		name string
		m    MetricChange
		o    CompareOptions
		want Verdict
	}{
		{"latency doubles", lat(1000, 2000), tol, Regressed},
		{"latency halves", lat(2000, 1000), tol, Better},
		{"latency same", lat(1000, 1000), tol, Within},
		{"latency exactly at the tolerance", lat(1000, 1100), tol, Within},
		{"latency just past the tolerance", lat(1000, 1101), tol, Regressed},
		{"latency a bit better", lat(1000, 950), tol, Within},
		{"rate falls", rate(1000, 800), tol, Regressed},
		{"rate rises", rate(1000, 1500), tol, Better},
		{"rate exactly at the tolerance", rate(1000, 900), tol, Within},
		{"rate falls by the tolerance plus a bit", rate(1000, 899.9), tol, Regressed},
		{"errors from zero", count(0, 3), tol, Regressed},
		{"errors from zero, any tolerance", count(0, 1), CompareOptions{MaxRegression: 100, MinSamples: 1}, Regressed},
		{"errors stay zero", count(0, 0), tol, Within},
		{"errors gone", count(3, 0), tol, Better},
		{"a rate from zero cannot fall", rate(0, 0), tol, Within},
		{"a rate from zero rises", rate(0, 5), tol, Better},
		{"zero tolerance", lat(1000, 1001), CompareOptions{MinSamples: 1}, Regressed},
		{"no baseline data", MetricChange{Kind: scenario.KindRatio, Worse: HigherIsWorse, CurrentOK: true, Current: 1}, tol, NoData},
		{"no current data", MetricChange{Kind: scenario.KindRatio, Worse: HigherIsWorse, BaseOK: true}, tol, NoData},
		{"too few samples", MetricChange{Kind: scenario.KindLatency, Worse: HigherIsWorse, Baseline: 1, Current: 9, BaseOK: true, CurrentOK: true, Samples: 99}, tol, TooFewSamples},
		{"unranked", MetricChange{Kind: scenario.KindCount, Baseline: 1, Current: 9, BaseOK: true, CurrentOK: true}, tol, NotRanked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := judge(&tc.m, tc.o); got != tc.want {
				t.Errorf("judge(%+v) = %d, want %d", tc.m, got, tc.want)
			}
		})
	}
}

// echoRun is a run whose 500 round trips take rtt each, and whose 200
// connects take 300 µs.
func echoRun(t *testing.T, name string, rtt time.Duration) *Summary {
	t.Helper()
	s, _ := recordedRun(t, name, 200, func(sh *metrics.Shard) {
		for i := range 500 {
			sh.Observe(metrics.RTT, rtt+time.Duration(i%10)*time.Microsecond)
			sh.Inc(metrics.MsgsSent)
			sh.Inc(metrics.MsgsReceived)
			sh.Inc(metrics.ExpectMatched)
		}
		for range 200 {
			sh.Observe(metrics.Connect, 300*time.Microsecond)
			sh.Inc(metrics.ConnOpened)
		}
	})
	return roundTrip(t, s)
}

func verdicts(c *Comparison) map[string]Verdict {
	m := map[string]Verdict{}
	for _, mc := range c.Metrics {
		m[mc.Metric] = mc.Verdict
	}
	return m
}

func TestCompareFindsADoubledRoundTrip(t *testing.T) {
	fast, slow := echoRun(t, "echo", 2*time.Millisecond), echoRun(t, "echo", 4*time.Millisecond)
	c, err := Compare(fast, slow, CompareOptions{MaxRegression: DefaultMaxRegression})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range c.Regressions() {
		names = append(names, m.Metric)
	}
	if want := []string{"rtt.p50", "rtt.p95", "rtt.p99"}; !slices.Equal(names, want) {
		t.Fatalf("regressions %v, want %v", names, want)
	}
	v := verdicts(c)
	if v["connect.p99"] != Within || v["errors.count"] != Within || v["drops.rate"] != Within {
		t.Errorf("verdicts %v", v)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q for two runs of the same scenario", c.Warnings)
	}

	// The other way round it is an improvement, not a regression.
	c, err = Compare(slow, fast, CompareOptions{MaxRegression: DefaultMaxRegression})
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Regressions(); len(r) != 0 {
		t.Fatalf("improvement reported as regressions: %+v", r)
	}
	if v := verdicts(c); v["rtt.p99"] != Better {
		t.Errorf("rtt.p99 %d, want Better", v["rtt.p99"])
	}
	// A tolerance over 100% lets a doubling through.
	c, _ = Compare(fast, slow, CompareOptions{MaxRegression: 1.5})
	if r := c.Regressions(); len(r) != 0 {
		t.Fatalf("regressions at 150%%: %+v", r)
	}
}

func TestCompareDefaultSetAndNoData(t *testing.T) {
	base := echoRun(t, "echo", 2*time.Millisecond)
	s, _ := recordedRun(t, "echo", 200, func(sh *metrics.Shard) {
		sh.Observe(metrics.Recover, time.Second) // a histogram the baseline lacks
		sh.Inc(metrics.ExpectTimedOut)
	})
	cur := roundTrip(t, s)
	c, err := Compare(base, cur, CompareOptions{MaxRegression: DefaultMaxRegression})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range c.Metrics {
		names = append(names, m.Metric)
	}
	want := []string{"connect.p50", "connect.p95", "connect.p99", "rtt.p50", "rtt.p95", "rtt.p99",
		"recover.p50", "recover.p95", "recover.p99",
		"messages.sent.rate", "messages.received.rate", "drops.rate", "errors.count",
		"reconnect.success_rate", "expects.timeout_rate", "queue.dropped"}
	if !slices.Equal(names, want) {
		t.Fatalf("default metrics\n got %v\nwant %v", names, want)
	}
	v := verdicts(c)
	for _, name := range []string{"connect.p99", "rtt.p99", "recover.p50", "drops.rate"} {
		if v[name] != NoData {
			t.Errorf("%s: verdict %d, want NoData", name, v[name])
		}
	}
	for _, name := range []string{"errors.count", "expects.timeout_rate", "messages.received.rate"} {
		if v[name] != Regressed {
			t.Errorf("%s: verdict %d, want Regressed", name, v[name])
		}
	}
}

func TestCompareMetricFilter(t *testing.T) {
	fast, slow := echoRun(t, "echo", 2*time.Millisecond), echoRun(t, "echo", 4*time.Millisecond)
	c, err := Compare(fast, slow, CompareOptions{MaxRegression: 0.1, Metrics: []string{"errors.count", "connect.p99", "errors.count"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Metrics) != 2 || c.Metrics[0].Metric != "errors.count" || c.Metrics[1].Metric != "connect.p99" {
		t.Fatalf("metrics %+v, want errors.count and connect.p99 only", c.Metrics)
	}
	if r := c.Regressions(); len(r) != 0 {
		t.Fatalf("the doubled rtt gated although not listed: %+v", r)
	}

	_, err = Compare(fast, slow, CompareOptions{Metrics: []string{"rtt.p98", "latency"}})
	if err == nil || !strings.Contains(err.Error(), `unknown metric "rtt.p98" (did you mean "rtt.p90"?), "latency"`) || !strings.Contains(err.Error(), "p99.9") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Compare(fast, slow, CompareOptions{MaxRegression: -0.1}); err == nil {
		t.Fatal("negative tolerance accepted")
	}
}

func TestCompareTooFewSamples(t *testing.T) {
	fast, slow := echoRun(t, "echo", 2*time.Millisecond), echoRun(t, "echo", 4*time.Millisecond)
	c, err := Compare(fast, slow, CompareOptions{MaxRegression: 0.1, MinSamples: 501, Metrics: []string{"rtt.p99", "rtt.count"}})
	if err != nil {
		t.Fatal(err)
	}
	if v := verdicts(c); v["rtt.p99"] != TooFewSamples || v["rtt.count"] != NotRanked || len(c.Regressions()) != 0 {
		t.Fatalf("verdicts %v", v)
	}
}

func TestCompareWarnsWhenRunsDiffer(t *testing.T) {
	base := echoRun(t, "echo", 2*time.Millisecond)
	s, _ := recordedRun(t, "chat", 50, func(sh *metrics.Shard) {})
	s.EndReason = "interrupted"
	s.DurationSeconds = 4
	s.PlannedSeconds = 20
	s.LoadGenerator.SaturatedSeconds = 2
	c, err := Compare(base, roundTrip(t, s), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Warnings, "\n")
	for _, want := range []string{`scenario: baseline "echo", current "chat"`, "clients: baseline up to 200, current up to 50",
		"the current run ended interrupted: its figures cover 4s of 20s",
		"planned length: baseline 10s, current 20s", "current run's load generator was short of CPU for 2 s"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
}

func TestComparisonGolden(t *testing.T) {
	base := echoRun(t, "echo", 2*time.Millisecond)
	s, _ := recordedRun(t, "echo", 200, func(sh *metrics.Shard) {
		for i := range 500 {
			sh.Observe(metrics.RTT, 4*time.Millisecond+time.Duration(i%10)*time.Microsecond)
			sh.Inc(metrics.MsgsSent)
			sh.Inc(metrics.MsgsReceived)
			sh.Inc(metrics.ExpectMatched)
		}
		for range 200 {
			sh.Observe(metrics.Connect, 280*time.Microsecond)
			sh.Inc(metrics.ConnOpened)
		}
		sh.Drop(metrics.CauseReset, 1006, "read: connection reset by peer")
		sh.Observe(metrics.Recover, 40*time.Millisecond)
		sh.Inc(metrics.ReconnectAttempts)
		sh.Inc(metrics.ReconnectSuccesses)
		sh.Inc(metrics.ExpectTimedOut)
	})
	c, err := Compare(base, roundTrip(t, s), CompareOptions{MaxRegression: DefaultMaxRegression})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteComparison(&b, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.txt", b.Bytes())
	if line := VerdictLine(c); !strings.HasPrefix(line, "REGRESSION: 6 of 13 gated metrics regressed (more than 10% worse, or worse from 0): rtt.p50, rtt.p95, rtt.p99, drops.rate,") {
		t.Errorf("verdict line %q", line)
	}
}
