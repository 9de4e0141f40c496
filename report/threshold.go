package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// ThresholdResult is how one threshold came out. Values are in the
// metric's unit: microseconds for latencies, a ratio (0.01 = 1%) for
// percentages, per second for rates, a number for counts.
type ThresholdResult struct {
	Expr   string `json:"expr"`
	Metric string `json:"metric"`
	Op     string `json:"op"`
	// Limit and Actual are formatted in the metric's unit ("50ms", "1%",
	// "1000/s"); Actual is "no data" when the run measured nothing for the
	// metric.
	Limit       string  `json:"limit"`
	Actual      string  `json:"actual"`
	LimitValue  float64 `json:"limit_value"`
	ActualValue float64 `json:"actual_value"`
	Unit        string  `json:"unit"`
	Passed      bool    `json:"passed"`
	AbortOnFail bool    `json:"abort_on_fail,omitempty"`
	// Aborted marks the threshold that stopped the run early.
	Aborted bool `json:"aborted,omitempty"`
}

// noData is the actual value of a threshold whose metric has no data.
const noData = "no data"

var unitNames = map[scenario.MetricKind]string{
	scenario.KindLatency: "us", scenario.KindCount: "count",
	scenario.KindRate: "per_second", scenario.KindRatio: "ratio",
}

// Evaluate checks every threshold against snap. A threshold on a metric
// the run has no data for (a latency with no samples, drops.rate with no
// connection opened) fails: the run did not measure what it gates.
func Evaluate(ths []scenario.Threshold, snap *metrics.Snapshot) []ThresholdResult {
	out := make([]ThresholdResult, 0, len(ths))
	for i := range ths {
		t := &ths[i]
		r := ThresholdResult{
			Expr: t.Expr, Metric: t.Metric, Op: t.Op, AbortOnFail: t.AbortOnFail,
			Limit: strings.TrimSpace(t.Expr[strings.Index(t.Expr, t.Op)+len(t.Op):]), LimitValue: t.Limit, Unit: unitNames[t.Kind],
		}
		v, ok := MetricValue(t.Metric, snap)
		if ok {
			r.ActualValue, r.Actual, r.Passed = v, formatValue(t.Kind, v), t.Holds(v)
		} else {
			r.Actual = noData
		}
		out = append(out, r)
	}
	return out
}

// Failed counts the thresholds that did not pass.
func Failed(rs []ThresholdResult) int {
	n := 0
	for _, r := range rs {
		if !r.Passed {
			n++
		}
	}
	return n
}

// MetricValue is the value of a threshold metric name (docs/metrics.md) in
// snap; ok is false when the run has no data for it.
func MetricValue(name string, snap *metrics.Snapshot) (v float64, ok bool) {
	c := &snap.Counters
	ratio := func(num, den int64, empty float64, emptyOK bool) (float64, bool) {
		if den == 0 {
			return empty, emptyOK
		}
		return float64(num) / float64(den), true
	}
	switch name {
	case scenario.ErrorsCount:
		return float64(metrics.ErrorCount(c)), true
	case "errors.rate":
		return rate(float64(metrics.ErrorCount(c)), snap)
	case "drops.rate":
		return ratio(c[metrics.ConnDropped], c[metrics.ConnOpened], 0, false)
	case "reconnect.success_rate":
		// No attempt: nothing failed to reconnect.
		return ratio(c[metrics.ReconnectSuccesses], c[metrics.ReconnectAttempts], 1, true)
	case "expects.timeout_rate":
		return ratio(c[metrics.ExpectTimedOut], c[metrics.ExpectTimedOut]+c[metrics.ExpectMatched], 0, true)
	case "deliveries.loss_rate":
		return ratio(c[metrics.DeliveriesLost], c[metrics.DeliveriesLost]+c[metrics.DeliveriesReceived], 0, true)
	case "availability":
		if c[metrics.TimeConnecting]+c[metrics.TimeOpen]+c[metrics.TimeReconnecting] == 0 {
			return 0, false
		}
		return snap.Availability(), true
	}
	for k := range metrics.NumCounters {
		switch name {
		case k.Name():
			return float64(c[k]), true
		case k.Name() + ".rate":
			return rate(float64(c[k]), snap)
		}
	}
	hist, stat, _ := strings.Cut(name, ".")
	for h := range metrics.NumHists {
		if h.Name() != hist {
			continue
		}
		hh := snap.Hists[h]
		if stat == "count" {
			return float64(hh.TotalCount()), true
		}
		if hh.TotalCount() == 0 {
			return 0, false
		}
		switch stat {
		case "min":
			return float64(hh.Min()), true
		case "mean":
			return hh.Mean(), true
		case "max":
			return float64(hh.Max()), true
		}
		q, err := strconv.ParseFloat(strings.TrimPrefix(stat, "p"), 64)
		if err != nil {
			return 0, false
		}
		return float64(hh.ValueAtQuantile(q)), true
	}
	return 0, false
}

func rate(n float64, snap *metrics.Snapshot) (float64, bool) {
	sec := snap.Duration().Seconds()
	if sec <= 0 {
		return 0, false
	}
	return n / sec, true
}

// formatValue writes a measured v in the unit of kind, as a limit is
// written.
func formatValue(kind scenario.MetricKind, v float64) string {
	switch kind {
	case scenario.KindLatency:
		return FormatMicros(int64(v + 0.5))
	case scenario.KindRatio:
		return strconv.FormatFloat(v*100, 'g', 4, 64) + "%"
	case scenario.KindRate:
		return fmt.Sprintf("%.1f/s", v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
