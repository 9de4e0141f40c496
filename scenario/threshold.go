package scenario

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/wsbench/wsbench/metrics"
)

// Threshold is one pass/fail condition on a run's result, such as
// "rtt.p99 < 50ms". A failed threshold makes wsbench exit with 99.
type Threshold struct {
	// Expr is the condition as written.
	Expr string `yaml:"expr"`
	// AbortOnFail stops the run early when the threshold fails at a check
	// made once a second, from Delay after the start on.
	AbortOnFail bool     `yaml:"abort_on_fail"`
	Delay       Duration `yaml:"delay"`

	// Parsed from Expr.
	Metric string     `yaml:"-"`
	Kind   MetricKind `yaml:"-"`
	Op     string     `yaml:"-"`
	// Limit is in the metric's unit: microseconds for latencies, a ratio
	// (0.01 for 1%) for percentages, per second for rates, a number for
	// counts.
	Limit float64 `yaml:"-"`
	Pos   Pos     `yaml:"-"`
}

// MetricKind is what a threshold metric measures, and so which unit its
// limit is written in.
type MetricKind uint8

// Metric kinds.
const (
	KindLatency MetricKind = iota + 1 // a duration: 50ms
	KindCount                         // a whole number: 0
	KindRate                          // per second: 1000/s
	KindRatio                         // a percentage: 1%
)

var kindExamples = map[MetricKind]string{
	KindLatency: "a duration like 50ms",
	KindCount:   "a number like 0",
	KindRate:    "a rate like 1000/s",
	KindRatio:   "a percentage like 1%",
}

// LatencyStats are the statistics of a histogram a threshold may name.
var LatencyStats = []string{"min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"}

// RatioMetrics are the derived percentages a threshold may name.
var RatioMetrics = map[string]string{
	"drops.rate":             "connections dropped per connection opened",
	"reconnect.success_rate": "reconnect attempts that opened",
	"availability":           "time open over time connecting, open or reconnecting",
	"expects.timeout_rate":   "awaited replies and acks that timed out, of those that ended matched or timed out",
	"deliveries.loss_rate":   "tracked deliveries lost, of those received or lost",
}

// ErrorsCount is the derived count of errors: failed connects, timed-out
// expects and rejected sends (docs/metrics.md).
const ErrorsCount = "errors.count"

// MetricKindOf says what kind of metric name is, false for an unknown name.
func MetricKindOf(name string) (MetricKind, bool) {
	if _, ok := RatioMetrics[name]; ok {
		return KindRatio, true
	}
	if name == ErrorsCount {
		return KindCount, true
	}
	if base, ok := strings.CutSuffix(name, ".rate"); ok && (isCounter(base) || base == "errors") {
		return KindRate, true
	}
	if isCounter(name) {
		return KindCount, true
	}
	h, stat, ok := strings.Cut(name, ".")
	if ok && isHist(h) {
		if stat == "count" {
			return KindCount, true
		}
		if slices.Contains(LatencyStats, stat) {
			return KindLatency, true
		}
	}
	return 0, false
}

func isCounter(name string) bool {
	for c := range metrics.NumCounters {
		if c.Name() == name {
			return true
		}
	}
	return false
}

func isHist(name string) bool {
	for h := range metrics.NumHists {
		if h.Name() == name {
			return true
		}
	}
	return false
}

// MetricNames lists every name a threshold may use, sorted.
func MetricNames() []string {
	var names []string
	for h := range metrics.NumHists {
		names = append(names, h.Name()+".count")
		for _, st := range LatencyStats {
			names = append(names, h.Name()+"."+st)
		}
	}
	for c := range metrics.NumCounters {
		names = append(names, c.Name(), c.Name()+".rate")
	}
	names = append(names, ErrorsCount, "errors.rate")
	for n := range RatioMetrics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SuggestMetric returns the metric name closest to a misspelt one, or "".
func SuggestMetric(name string) string { return suggest(name, MetricNames()) }

// thresholdOps are the comparisons, longest first so "<=" is not read as "<".
var thresholdOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// ParseThreshold parses "metric op limit", e.g. "rtt.p99 < 50ms",
// "drops.rate < 1%", "messages.received.rate > 1000/s", "queue.dropped == 0".
func ParseThreshold(expr string) (Threshold, error) {
	t := Threshold{Expr: strings.TrimSpace(expr)}
	e := t.Expr
	at := -1
	for i := 0; i < len(e) && at < 0; i++ {
		for _, op := range thresholdOps {
			if strings.HasPrefix(e[i:], op) {
				at, t.Op = i, op
				break
			}
		}
	}
	if at < 0 {
		return t, fmt.Errorf("threshold %q: write metric, comparison and limit, e.g. rtt.p99 < 50ms (comparisons: < <= > >= == !=)", e)
	}
	t.Metric = strings.TrimSpace(e[:at])
	limit := strings.TrimSpace(e[at+len(t.Op):])
	kind, ok := MetricKindOf(t.Metric)
	if !ok {
		if t.Metric == "" {
			return t, fmt.Errorf("threshold %q: no metric before %s", e, t.Op)
		}
		hint := ""
		if s := SuggestMetric(t.Metric); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		return t, fmt.Errorf("threshold %q: unknown metric %q%s; valid metrics: %s", e, t.Metric, hint, MetricNameSummary())
	}
	t.Kind = kind
	v, err := parseLimit(limit, kind)
	if err != nil {
		return t, fmt.Errorf("threshold %q: %s is %s, so write its limit as %s: %v", e, t.Metric, kindNoun(kind), kindExamples[kind], err)
	}
	t.Limit = v
	return t, nil
}

func kindNoun(k MetricKind) string {
	switch k {
	case KindLatency:
		return "a latency"
	case KindRate:
		return "a rate"
	case KindRatio:
		return "a percentage"
	}
	return "a count"
}

// MetricNameSummary describes the valid metric names without listing
// hundreds, for error messages.
func MetricNameSummary() string {
	var hists, counters []string
	for h := range metrics.NumHists {
		hists = append(hists, h.Name())
	}
	for c := range metrics.NumCounters {
		counters = append(counters, c.Name())
	}
	ratios := make([]string, 0, len(RatioMetrics))
	for n := range RatioMetrics {
		ratios = append(ratios, n)
	}
	sort.Strings(ratios)
	return fmt.Sprintf("HISTOGRAM.{%s,count} for the histograms %s; COUNTER and COUNTER.rate for the counters %s; %s, errors.rate; %s (docs/metrics.md)",
		strings.Join(LatencyStats, ","), strings.Join(hists, ", "), strings.Join(counters, ", "), ErrorsCount, strings.Join(ratios, ", "))
}

// parseLimit reads a limit in the unit kind asks for and returns it in the
// metric's unit.
func parseLimit(s string, kind MetricKind) (float64, error) {
	if s == "" {
		return 0, fmt.Errorf("the limit is missing")
	}
	switch kind {
	case KindLatency:
		d, err := time.ParseDuration(strings.ReplaceAll(s, "µs", "us"))
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		return float64(d) / float64(time.Microsecond), nil
	case KindRatio:
		num, ok := strings.CutSuffix(s, "%")
		if !ok {
			return 0, fmt.Errorf("%q has no %%", s)
		}
		num = strings.TrimSpace(num)
		// Shift the exponent rather than divide, so 99.9% is exactly the
		// float nearest 0.999.
		x, err := strconv.ParseFloat(num+"e-2", 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%q is not a number", num)
		}
		return x, nil
	case KindRate:
		num, per, ok := strings.Cut(s, "/")
		if !ok {
			return 0, fmt.Errorf("%q has no /s", s)
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%q is not a number", num)
		}
		switch strings.TrimSpace(per) {
		case "s":
			return x, nil
		case "m", "min":
			return x / 60, nil
		}
		return 0, fmt.Errorf("per %q: write /s or /m", per)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return x, nil
}

// Holds reports whether actual satisfies the threshold.
func (t *Threshold) Holds(actual float64) bool {
	switch t.Op {
	case "<":
		return actual < t.Limit
	case "<=":
		return actual <= t.Limit
	case ">":
		return actual > t.Limit
	case ">=":
		return actual >= t.Limit
	case "==":
		return actual == t.Limit
	}
	return actual != t.Limit
}

// threshold decodes "rtt.p99 < 50ms" or {expr: ..., abort_on_fail: true,
// delay: 10s} and parses the expression, reporting a bad one at its line.
func (d *decoder) threshold(n *yaml.Node, path string, t *Threshold) {
	pos := posOf(n)
	exprPath := path
	if n.Kind == yaml.ScalarNode {
		s, ok := d.text(n, path, "a threshold like rtt.p99 < 50ms")
		if !ok {
			return
		}
		t.Expr = s
	} else {
		d.structure(n, path, reflect.ValueOf(t).Elem())
		exprPath = path + ".expr"
		if !d.set[exprPath] {
			d.fail(n, path, "a threshold mapping needs expr, e.g. {expr: errors.count == 0, abort_on_fail: true}")
			return
		}
		pos = d.at(exprPath)
	}
	parsed, err := ParseThreshold(t.Expr)
	if err != nil {
		d.fail(n, exprPath, "%v", err)
		return
	}
	parsed.AbortOnFail, parsed.Delay, parsed.Pos = t.AbortOnFail, t.Delay, pos
	if t.Delay < 0 {
		d.fail(n, path+".delay", "must be 0 or more")
	}
	if t.Delay > 0 && !t.AbortOnFail {
		d.fail(n, path+".delay", "delay only applies with abort_on_fail: true")
	}
	*t = parsed
}
