package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// DefaultMaxRegression is the tolerance of wsbench compare: a metric may
// get 10% worse than the baseline before it counts as a regression.
const DefaultMaxRegression = 0.10

// DefaultMinSamples is how many samples both runs' histograms need before
// a latency statistic is gated: below 100 samples a p99 is just the
// slowest sample, and one slow connect on a busy machine moves it by 5x.
const DefaultMinSamples = 100

// CompareOptions says what Compare compares and how much worse is too much.
type CompareOptions struct {
	// MaxRegression is how far a metric may move in its worse direction,
	// relative to the baseline, before it is a regression: 0.1 is 10%.
	// Zero allows no worsening at all, so it is not replaced by a default;
	// the command's default is DefaultMaxRegression. It must not be
	// negative.
	MaxRegression float64
	// Metrics are threshold metric names (docs/metrics.md) to compare and
	// gate, in this order; empty means the default set (docs/compare.md).
	Metrics []string
	// MinSamples is how many samples both histograms need for a latency
	// statistic to be gated; fewer shows the values, marked "too few
	// samples". Zero means DefaultMinSamples.
	MinSamples int
}

// Direction says which way a metric gets worse.
type Direction int8

// Directions.
const (
	// Unranked metrics (connections.opened, queue.queued, ...) have no
	// better or worse: they are shown and never gated.
	Unranked Direction = iota
	// HigherIsWorse: latencies, failures, drops, errors, timeouts, losses.
	HigherIsWorse
	// LowerIsWorse: throughput, success rates, availability.
	LowerIsWorse
)

// worseWhen is which way each metric gets worse. A counter's ".rate"
// follows the counter; every latency statistic is HigherIsWorse; names not
// listed (and histogram counts) are Unranked. docs/compare.md repeats it.
var worseWhen = map[string]Direction{
	"connections.failed": HigherIsWorse, "connections.dropped": HigherIsWorse, "reconnect.give_ups": HigherIsWorse,
	"messages.unmatched": HigherIsWorse, "expects.timed_out": HigherIsWorse, "expects.unsent": HigherIsWorse,
	"queue.dropped": HigherIsWorse, "queue.unsent": HigherIsWorse, "heartbeat.missed": HigherIsWorse,
	"sends.rejected": HigherIsWorse, "upgrades.failed": HigherIsWorse, "deliveries.lost": HigherIsWorse,
	"deliveries.duplicated": HigherIsWorse, "deliveries.out_of_order": HigherIsWorse, "time.reconnecting_ns": HigherIsWorse,
	scenario.ErrorsCount: HigherIsWorse, "errors.rate": HigherIsWorse, "drops.rate": HigherIsWorse,
	"expects.timeout_rate": HigherIsWorse, "deliveries.loss_rate": HigherIsWorse,

	"messages.sent": LowerIsWorse, "messages.received": LowerIsWorse, "bytes.sent": LowerIsWorse,
	"bytes.received": LowerIsWorse, "expects.matched": LowerIsWorse, "deliveries.received": LowerIsWorse,
	"upgrades.succeeded": LowerIsWorse, "reconnect.success_rate": LowerIsWorse, "availability": LowerIsWorse,
}

// DirectionOf says which way metric gets worse.
func DirectionOf(metric string) Direction {
	if d, ok := worseWhen[metric]; ok {
		return d
	}
	if base, ok := strings.CutSuffix(metric, ".rate"); ok {
		return worseWhen[base]
	}
	if k, _ := scenario.MetricKindOf(metric); k == scenario.KindLatency {
		return HigherIsWorse
	}
	return Unranked
}

// defaultCompareMetrics follow the latency rows of the default set.
var defaultCompareMetrics = []string{
	"messages.sent.rate", "messages.received.rate", "drops.rate", scenario.ErrorsCount,
	"reconnect.success_rate", "expects.timeout_rate", "queue.dropped",
}

// Verdict is how one metric came out.
type Verdict uint8

// Verdicts.
const (
	// Within: it moved less than the tolerance either way.
	Within Verdict = iota
	// Better: it improved by more than the tolerance.
	Better
	// Regressed: it got worse by more than the tolerance, or got worse at
	// all from a zero baseline.
	Regressed
	// NoData: one run or both measured nothing for it; not gated.
	NoData
	// TooFewSamples: a latency statistic from fewer than MinSamples
	// samples in one run; not gated.
	TooFewSamples
	// NotRanked: the metric has no worse direction; not gated.
	NotRanked
)

// MetricChange is one compared metric. Values are in the metric's unit:
// microseconds for latencies, per second for rates, a ratio for
// percentages, a number for counts.
type MetricChange struct {
	Metric    string
	Kind      scenario.MetricKind
	Worse     Direction
	Baseline  float64
	Current   float64
	BaseOK    bool // the baseline has data for it
	CurrentOK bool // the current run has data for it
	// Samples is the smaller sample count of the two histograms behind a
	// latency statistic; 0 for other metrics.
	Samples int64
	Verdict Verdict
}

// Change is (current - baseline) / baseline; ok is false without data or
// from a zero baseline.
func (m *MetricChange) Change() (float64, bool) {
	if !m.BaseOK || !m.CurrentOK || m.Baseline == 0 {
		return 0, false
	}
	return (m.Current - m.Baseline) / math.Abs(m.Baseline), true
}

// RunInfo says which run a side of the comparison is.
type RunInfo struct {
	Scenario        string
	Target          string
	PeakTarget      int
	DurationSeconds float64
	EndReason       string
	Start           string // RFC 3339, UTC
}

// Comparison is a finished baseline to current comparison, ready for
// WriteComparison.
type Comparison struct {
	Baseline, Current RunInfo
	MaxRegression     float64
	MinSamples        int
	Metrics           []MetricChange
	// Warnings say why the two runs may not be comparable; they never gate.
	Warnings []string
}

// Regressions are the metrics that regressed, in table order.
func (c *Comparison) Regressions() []MetricChange {
	var out []MetricChange
	for _, m := range c.Metrics {
		if m.Verdict == Regressed {
			out = append(out, m)
		}
	}
	return out
}

// Compare compares two saved results metric by metric. An error means the
// options are wrong (an unknown metric, a negative tolerance) or a result
// is damaged (a histogram that does not decode).
func Compare(base, cur *Summary, o CompareOptions) (*Comparison, error) {
	if o.MaxRegression < 0 || math.IsNaN(o.MaxRegression) || math.IsInf(o.MaxRegression, 0) {
		return nil, fmt.Errorf("max regression %v: must be 0 or more", o.MaxRegression)
	}
	if o.MinSamples < 0 {
		return nil, fmt.Errorf("min samples %d: must be 0 or more", o.MinSamples)
	}
	if o.MinSamples == 0 {
		o.MinSamples = DefaultMinSamples
	}
	if err := CheckMetricNames(o.Metrics); err != nil {
		return nil, err
	}
	bs, err := SnapshotOf(base)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	cs, err := SnapshotOf(cur)
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	names := o.Metrics
	if len(names) == 0 {
		names = defaultMetrics(bs, cs, base.Deliveries != nil || cur.Deliveries != nil)
	}
	c := &Comparison{
		Baseline: runInfo(base), Current: runInfo(cur),
		MaxRegression: o.MaxRegression, MinSamples: o.MinSamples,
		Warnings: compareWarnings(base, cur),
	}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		c.Metrics = append(c.Metrics, compareMetric(name, bs, cs, o))
	}
	return c, nil
}

// CheckMetricNames reports every name that is not a threshold metric,
// with the valid names.
func CheckMetricNames(names []string) error {
	var bad []string
	for _, n := range names {
		if _, ok := scenario.MetricKindOf(n); !ok {
			if hint := scenario.SuggestMetric(n); hint != "" {
				bad = append(bad, fmt.Sprintf("%q (did you mean %q?)", n, hint))
			} else {
				bad = append(bad, fmt.Sprintf("%q", n))
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("unknown metric %s; valid metrics: %s", strings.Join(bad, ", "), scenario.MetricNameSummary())
}

// defaultMetrics is p50, p95 and p99 of every histogram with samples in
// either run, in the summary table's order, then the fixed figures.
func defaultMetrics(bs, cs *metrics.Snapshot, deliveries bool) []string {
	var names []string
	for _, r := range latencyRows {
		if bs.Hists[r.hist].TotalCount() == 0 && cs.Hists[r.hist].TotalCount() == 0 {
			continue
		}
		for _, st := range []string{"p50", "p95", "p99"} {
			names = append(names, r.hist.Name()+"."+st)
		}
	}
	names = append(names, defaultCompareMetrics...)
	if deliveries {
		names = append(names, "deliveries.loss_rate")
	}
	return names
}

func compareMetric(name string, bs, cs *metrics.Snapshot, o CompareOptions) MetricChange {
	kind, _ := scenario.MetricKindOf(name)
	m := MetricChange{Metric: name, Kind: kind, Worse: DirectionOf(name)}
	m.Baseline, m.BaseOK = MetricValue(name, bs)
	m.Current, m.CurrentOK = MetricValue(name, cs)
	if kind == scenario.KindLatency {
		m.Samples = min(histOf(name, bs).TotalCount(), histOf(name, cs).TotalCount())
	}
	m.Verdict = judge(&m, o)
	return m
}

// judge applies the tolerance in the metric's worse direction.
func judge(m *MetricChange, o CompareOptions) Verdict {
	switch {
	case !m.BaseOK || !m.CurrentOK:
		return NoData
	case m.Kind == scenario.KindLatency && m.Samples < int64(o.MinSamples):
		return TooFewSamples
	case m.Worse == Unranked:
		return NotRanked
	}
	worse := m.Current - m.Baseline // how much worse, in the metric's unit
	if m.Worse == LowerIsWorse {
		worse = -worse
	}
	rel := math.Inf(1) // from zero, any change is beyond any tolerance
	if m.Baseline != 0 {
		rel = math.Abs(worse / m.Baseline)
	}
	switch {
	case worse > 0 && rel > o.MaxRegression:
		return Regressed
	case worse < 0 && rel > o.MaxRegression:
		return Better
	}
	return Within
}

// histOf is the histogram behind a latency statistic.
func histOf(name string, snap *metrics.Snapshot) *hdr.Histogram {
	h, _, _ := strings.Cut(name, ".")
	for k := range metrics.NumHists {
		if k.Name() == h {
			return snap.Hists[k]
		}
	}
	return metrics.NewHistogram()
}

func runInfo(s *Summary) RunInfo {
	return RunInfo{
		Scenario: s.Scenario.Name, Target: s.Scenario.Target, PeakTarget: s.Clients.PeakTarget,
		DurationSeconds: s.DurationSeconds, EndReason: s.EndReason, Start: s.Start.UTC().Format(time.RFC3339),
	}
}

// compareWarnings lists why the two runs may not measure the same thing.
func compareWarnings(base, cur *Summary) []string {
	var w []string
	differ := func(what, b, c string) {
		if b != c {
			w = append(w, fmt.Sprintf("the runs differ in %s: baseline %s, current %s", what, b, c))
		}
	}
	differ("scenario", fmt.Sprintf("%q", base.Scenario.Name), fmt.Sprintf("%q", cur.Scenario.Name))
	differ("target", base.Scenario.Target, cur.Scenario.Target)
	differ("protocol", base.Scenario.Protocol, cur.Scenario.Protocol)
	differ("clients", fmt.Sprintf("up to %d", base.Clients.PeakTarget), fmt.Sprintf("up to %d", cur.Clients.PeakTarget))
	if base.PlannedSeconds != cur.PlannedSeconds {
		w = append(w, fmt.Sprintf("the runs differ in planned length: baseline %s, current %s; counts such as errors.count do not compare, rates do",
			fmtSeconds(base.PlannedSeconds), fmtSeconds(cur.PlannedSeconds)))
	}
	for _, r := range []struct {
		side string
		s    *Summary
	}{{"baseline", base}, {"current", cur}} {
		switch r.s.EndReason {
		case "completed":
		case "aborted":
			w = append(w, fmt.Sprintf("the %s run was aborted by a threshold (abort_on_fail): its figures cover %s of %s",
				r.side, fmtSeconds(r.s.DurationSeconds), fmtSeconds(r.s.PlannedSeconds)))
		default:
			w = append(w, fmt.Sprintf("the %s run ended %s: its figures cover %s of %s",
				r.side, r.s.EndReason, fmtSeconds(r.s.DurationSeconds), fmtSeconds(r.s.PlannedSeconds)))
		}
		if n := r.s.LoadGenerator.SaturatedSeconds; n > 0 {
			w = append(w, fmt.Sprintf("the %s run's load generator was short of CPU for %d s: its latencies include wsbench's own delays", r.side, n))
		}
	}
	return w
}
