package prom

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/wsbench/wsbench/metrics"
)

func TestNames(t *testing.T) {
	for got, want := range map[string]string{
		CounterName(metrics.ConnOpened):      "wsbench_connections_opened_total",
		CounterName(metrics.TimeOpen):        "wsbench_time_open_seconds_total",
		CounterName(metrics.ArrivalsMissed):  "wsbench_arrivals_missed_total",
		GaugeName(metrics.QueueDepth):        "wsbench_queue_depth",
		HistName(metrics.RTT):                "wsbench_rtt_seconds",
		CounterName(metrics.TimeOffline):     "wsbench_time_offline_seconds_total",
		CounterName(metrics.NoticedByServer): "wsbench_offline_noticed_by_server_total",
		HistName(metrics.ResumeFlushed):      "wsbench_resume_flushed_seconds",
	} {
		if got != want {
			t.Errorf("name %q, want %q", got, want)
		}
	}
}

func TestClassicBuckets(t *testing.T) {
	h := metrics.NewHistogram()
	for _, us := range []int64{50, 90, 400, 2000, 2000, 70_000_000} { // the last above 60 s
		_ = h.RecordValue(us)
	}
	count, sum, b := classic(h)
	if count != 6 {
		t.Fatalf("count %d, want 6", count)
	}
	if sum < 70.0044 || sum > 70.1 {
		t.Errorf("sum %v s, want about 70.0045", sum)
	}
	for bound, want := range map[float64]uint64{0.0001: 2, 0.00025: 2, 0.0005: 3, 0.001: 3, 0.0025: 5, 60: 5} {
		if b[bound] != want {
			t.Errorf("bucket le=%v: %d, want %d", bound, b[bound], want)
		}
	}
}

// TestEndpointAgreesWithTheRecorder: what a scrape reads after the run's
// final snapshot is exactly the snapshot's counters, gauges, causes and
// histogram counts.
func TestEndpointAgreesWithTheRecorder(t *testing.T) {
	start := time.Now()
	rec := metrics.NewRecorder(start, 2)
	sh := rec.Shard(1)
	for i := 1; i <= 300; i++ {
		sh.Observe(metrics.RTT, time.Duration(i)*time.Millisecond)
		sh.Inc(metrics.MsgsSent)
	}
	sh.Add(metrics.TimeOpen, int64(90*time.Second))
	sh.Gauge(metrics.Connected, 7)
	sh.Drop(metrics.CauseHeartbeat, 1006, "no pong")
	sh.Drop(metrics.CauseServerClose, 1001, "going away")
	// A phone's network going away: its drop, time away and resume.
	sh.Drop(metrics.CauseNetworkOffline, 0, "network offline")
	sh.Inc(metrics.OfflinePeriods)
	sh.Add(metrics.TimeOffline, int64(1500*time.Millisecond))
	sh.Observe(metrics.ResumeOpen, 400*time.Millisecond)
	sh.Unmatched([]byte("chat:typing"))
	rec.SetTarget(9)

	col := NewCollector(map[string]string{"scenario": "t"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := Serve(ctx, "127.0.0.1:0", col)
	if err != nil {
		t.Fatal(err)
	}
	if fams := scrape(t, addr.String()); len(fams) != 0 {
		t.Fatalf("before Attach the endpoint exported %d families, want none", len(fams))
	}
	col.Attach(rec)
	snap := rec.Snapshot(start.Add(time.Second))
	fams := scrape(t, addr.String())

	value := func(name string, labels ...string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no metric %s", name)
		}
	metric:
		for _, m := range f.Metric {
			for i := 0; i < len(labels); i += 2 {
				found := false
				for _, lp := range m.Label {
					found = found || (lp.GetName() == labels[i] && lp.GetValue() == labels[i+1])
				}
				if !found {
					continue metric
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
		t.Fatalf("no %s with %v", name, labels)
		return 0
	}
	if v := value("wsbench_messages_sent_total"); v != float64(snap.Counters[metrics.MsgsSent]) {
		t.Errorf("messages sent %v, snapshot %d", v, snap.Counters[metrics.MsgsSent])
	}
	if v := value("wsbench_time_open_seconds_total"); v != 90 {
		t.Errorf("time open %v s, want 90", v)
	}
	if v := value("wsbench_rtt_seconds"); v != float64(snap.Hists[metrics.RTT].TotalCount()) {
		t.Errorf("rtt count %v, snapshot %d", v, snap.Hists[metrics.RTT].TotalCount())
	}
	if v := value("wsbench_clients_connected"); v != 7 {
		t.Errorf("connected %v, want 7", v)
	}
	if v := value("wsbench_clients_target"); v != 9 {
		t.Errorf("target %v, want 9", v)
	}
	if v := value("wsbench_drops_total", "cause", "heartbeat_timeout"); v != 1 {
		t.Errorf("heartbeat drops %v, want 1", v)
	}
	if v := value("wsbench_drops_total", "cause", "network_offline"); v != 1 {
		t.Errorf("network_offline drops %v, want 1", v)
	}
	if v := value("wsbench_offline_periods_total"); v != 1 {
		t.Errorf("offline periods %v, want 1", v)
	}
	if v := value("wsbench_time_offline_seconds_total"); v != 1.5 {
		t.Errorf("time offline %v s, want 1.5", v)
	}
	if v := value("wsbench_resume_open_seconds"); v != 1 {
		t.Errorf("resume_open count %v, want 1", v)
	}
	// Unexpected names stay in the result: only their total is exported.
	if v := value("wsbench_messages_unmatched_total"); v != 1 {
		t.Errorf("unmatched %v, want 1", v)
	}
	for name := range fams {
		if strings.Contains(name, "unexpected") {
			t.Errorf("the endpoint exports %s; unexpected names are in the result only", name)
		}
	}
	if v := value("wsbench_drop_close_codes_total", "code", "1001"); v != 1 {
		t.Errorf("close code 1001 drops %v, want 1", v)
	}
	if v := value("wsbench_connections_opened_total", "scenario", "t"); v != 0 {
		t.Errorf("opened %v, want 0", v)
	}
	h := fams["wsbench_rtt_seconds"].Metric[0].Histogram
	if s := h.GetSampleSum(); s < 45 || s > 45.2 {
		t.Errorf("rtt sum %v s, want about 45.15 (1..300 ms)", s)
	}
}

func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse the exposition: %v\n%s", err, body)
	}
	return fams
}

// TestEveryNameIsDocumented: docs/observability.md lists every metric the
// endpoint exports.
func TestEveryNameIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range metrics.NumCounters {
		names = append(names, CounterName(k))
	}
	for g := range metrics.NumGauges {
		names = append(names, GaugeName(g))
	}
	for h := range metrics.NumHists {
		names = append(names, HistName(h))
	}
	names = append(names, "wsbench_clients_target", "wsbench_drops_total", "wsbench_connect_failures_total", "wsbench_drop_close_codes_total")
	for _, n := range names {
		if !strings.Contains(string(doc), "`"+n) {
			t.Errorf("docs/observability.md does not list %s", n)
		}
	}
}
