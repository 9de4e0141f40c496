package scenario

import (
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	cases := []struct {
		expr   string
		metric string
		kind   MetricKind
		op     string
		limit  float64
	}{
		{"rtt.p99 < 50ms", "rtt.p99", KindLatency, "<", 50_000},
		{"connect.p95<=200ms", "connect.p95", KindLatency, "<=", 200_000},
		{"recover.p99.9 < 3s", "recover.p99.9", KindLatency, "<", 3_000_000},
		{"ack.mean > 250µs", "ack.mean", KindLatency, ">", 250},
		{"heartbeat.max >= 1us", "heartbeat.max", KindLatency, ">=", 1},
		{"drops.rate < 1%", "drops.rate", KindRatio, "<", 0.01},
		{"reconnect.success_rate >= 99.5%", "reconnect.success_rate", KindRatio, ">=", 0.995},
		{"messages.received.rate > 1000/s", "messages.received.rate", KindRate, ">", 1000},
		{"errors.rate < 60/m", "errors.rate", KindRate, "<", 1},
		{"queue.dropped == 0", "queue.dropped", KindCount, "==", 0},
		{"errors.count != 3", "errors.count", KindCount, "!=", 3},
		{"rtt.count > 100", "rtt.count", KindCount, ">", 100},
		{"  availability > 99.9%  ", "availability", KindRatio, ">", 0.999},
		{"upgrade.p50 < 1500ns", "upgrade.p50", KindLatency, "<", 1.5},
		{"recover.max <= 2m", "recover.max", KindLatency, "<=", 120_000_000},
		{"queued.p90 < 1h", "queued.p90", KindLatency, "<", 3_600_000_000},
		{"bytes.sent.rate >= 1e6/s", "bytes.sent.rate", KindRate, ">=", 1e6},
		{"deliveries.loss_rate == 0%", "deliveries.loss_rate", KindRatio, "==", 0},
	}
	for _, c := range cases {
		th, err := ParseThreshold(c.expr)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if th.Metric != c.metric || th.Kind != c.kind || th.Op != c.op || th.Limit != c.limit {
			t.Errorf("%q = %s %d %s %v; want %s %d %s %v", c.expr, th.Metric, th.Kind, th.Op, th.Limit, c.metric, c.kind, c.op, c.limit)
		}
	}
}

func TestParseThresholdErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"rtt.p99 50ms", "write metric, comparison and limit"},
		{"rtt.99 < 50ms", `unknown metric "rtt.99" (did you mean "rtt.p99"?)`},
		{"latency < 50ms", "valid metrics: HISTOGRAM.{min,mean,p50,p90,p95,p99,p99.9,max,count}"},
		{"rtt.p99 < 50", "rtt.p99 is a latency, so write its limit as a duration like 50ms"},
		{"drops.rate < 0.01", "drops.rate is a percentage, so write its limit as a percentage like 1%"},
		{"messages.received.rate > 1000", "is a rate, so write its limit as a rate like 1000/s"},
		{"messages.received.rate > 1000/h", "write /s or /m"},
		{"queue.dropped == 0ms", "is a count, so write its limit as a number like 0"},
		{"< 5", "no metric before <"},
		{"rtt.p99 <", "the limit is missing"},
	}
	for _, c := range cases {
		_, err := ParseThreshold(c.expr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.expr, err, c.want)
		}
	}
}

func TestThresholdHolds(t *testing.T) {
	for _, c := range []struct {
		op     string
		actual float64
		want   bool
	}{
		{"<", 9, true}, {"<", 10, false}, {"<=", 10, true}, {"<=", 11, false},
		{">", 11, true}, {">", 10, false}, {">=", 10, true}, {">=", 9, false},
		{"==", 10, true}, {"==", 9, false}, {"!=", 9, true}, {"!=", 10, false},
	} {
		th := Threshold{Op: c.op, Limit: 10}
		if got := th.Holds(c.actual); got != c.want {
			t.Errorf("%v %s 10 = %v", c.actual, c.op, got)
		}
	}
}

func TestThresholdsInAFileAndOnTheCommandLine(t *testing.T) {
	src := `target: embedded
clients: {count: 1}
duration: 1s
steps: [connect]
thresholds:
  - rtt.p99 < 50ms
  - {expr: errors.count == 0, abort_on_fail: true, delay: 10s}
  - drops.rate < 1%
`
	s, err := Parse("t.yaml", []byte(src), Overrides{Thresholds: []string{"queue.dropped == 0"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Thresholds) != 4 || s.Thresholds[3].Metric != "queue.dropped" {
		t.Fatalf("thresholds %+v", s.Thresholds)
	}
	th := s.Thresholds[1]
	if th.Metric != ErrorsCount || !th.AbortOnFail || th.Delay.D().Seconds() != 10 || th.Pos.Line != 7 {
		t.Errorf("mapping form parsed as %+v", th)
	}
	bad := strings.Replace(src, "rtt.p99 < 50ms", "rtt.p99 < 50", 1) + "  - {abort_on_fail: true}\n  - {expr: rtt.p50 < 1s, delay: 5s}\n"
	_, err = Parse("t.yaml", []byte(bad), Overrides{Thresholds: []string{"nope > 1"}})
	for _, want := range []string{
		"t.yaml:6:5: thresholds[0]: threshold \"rtt.p99 < 50\": rtt.p99 is a latency",
		"t.yaml:9:5: thresholds[3]: a threshold mapping needs expr",
		"t.yaml:10:5: thresholds[4].delay: delay only applies with abort_on_fail: true",
		"thresholds: --threshold: threshold \"nope > 1\": unknown metric",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}

func TestEveryMetricNameParses(t *testing.T) {
	for _, name := range MetricNames() {
		kind, ok := MetricKindOf(name)
		if !ok {
			t.Errorf("%s is listed but not known", name)
			continue
		}
		limit := map[MetricKind]string{KindLatency: "1s", KindCount: "1", KindRate: "1/s", KindRatio: "1%"}[kind]
		if _, err := ParseThreshold(name + " < " + limit); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
