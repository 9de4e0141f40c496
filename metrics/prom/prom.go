// Package prom exports a running wsbench's metrics for Prometheus (and
// anything that scrapes the OpenMetrics text format): counters, gauges
// and histograms read from a metrics.Recorder at each scrape. It uses
// prometheus/client_golang for the exposition formats; it records
// nothing itself and adds no cost to the hot path between scrapes.
package prom

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wsbench/wsbench/metrics"
)

// Buckets are the upper bounds, in seconds, of the classic histograms the
// endpoint exports: from 100 µs to a minute, dense where WebSocket
// latencies live. They are cut from the full-resolution HdrHistograms at
// each scrape (to their precision, about 0.1%), so the result JSON keeps
// the exact distributions.
var Buckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Collector is a prometheus.Collector over one run's recorder. It exports
// nothing until Attach gives it the recorder, so the endpoint can listen
// before the run starts.
type Collector struct {
	rec atomic.Pointer[metrics.Recorder]

	counters [metrics.NumCounters]*prometheus.Desc
	gauges   [metrics.NumGauges]*prometheus.Desc
	hists    [metrics.NumHists]*prometheus.Desc
	target   *prometheus.Desc
	drops    *prometheus.Desc
	fails    *prometheus.Desc
	codes    *prometheus.Desc
}

// NewCollector describes every metric; labels (scenario name, protocol,
// segment...) are added to each as constant labels.
func NewCollector(labels map[string]string) *Collector {
	c := &Collector{}
	l := prometheus.Labels(labels)
	for k := range metrics.NumCounters {
		name, help := CounterName(k), fmt.Sprintf("wsbench counter %s (docs/metrics.md)", k.Name())
		c.counters[k] = prometheus.NewDesc(name, help, nil, l)
	}
	for g := range metrics.NumGauges {
		c.gauges[g] = prometheus.NewDesc(GaugeName(g), fmt.Sprintf("wsbench gauge %s: its level now", g.Name()), nil, l)
	}
	for h := range metrics.NumHists {
		c.hists[h] = prometheus.NewDesc(HistName(h), fmt.Sprintf("wsbench histogram %s, up to the last second (docs/metrics.md)", h.Name()), nil, l)
	}
	c.target = prometheus.NewDesc("wsbench_clients_target", "the number of clients the population is aiming for now", nil, l)
	c.drops = prometheus.NewDesc("wsbench_drops_total", "open connections that ended without the client asking, by cause", []string{"cause"}, l)
	c.fails = prometheus.NewDesc("wsbench_connect_failures_total", "connection attempts that failed, by cause", []string{"cause"}, l)
	c.codes = prometheus.NewDesc("wsbench_drop_close_codes_total", "dropped connections by close code (1006: no close frame)", []string{"code"}, l)
	return c
}

// CounterName is counter k's Prometheus name: wsbench_ and its dotted
// name with underscores, ending in _total; the time.*_ns counters are
// exported in seconds (wsbench_time_open_seconds_total).
func CounterName(k metrics.Counter) string {
	n := strings.ReplaceAll(k.Name(), ".", "_")
	if base, ok := strings.CutSuffix(n, "_ns"); ok {
		n = base + "_seconds"
	}
	return "wsbench_" + n + "_total"
}

// GaugeName is gauge g's Prometheus name (wsbench_clients_connected).
func GaugeName(g metrics.Gauge) string {
	return "wsbench_" + strings.ReplaceAll(g.Name(), ".", "_")
}

// HistName is histogram h's Prometheus name, in seconds
// (wsbench_rtt_seconds).
func HistName(h metrics.Hist) string { return "wsbench_" + h.Name() + "_seconds" }

// Attach starts exporting rec.
func (c *Collector) Attach(rec *metrics.Recorder) { c.rec.Store(rec) }

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.counters {
		ch <- d
	}
	for _, d := range c.gauges {
		ch <- d
	}
	for _, d := range c.hists {
		ch <- d
	}
	ch <- c.target
	ch <- c.drops
	ch <- c.fails
	ch <- c.codes
}

// Collect reads the recorder once and sends every metric.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	rec := c.rec.Load()
	if rec == nil {
		return
	}
	l := rec.Live()
	for k := range metrics.NumCounters {
		v := float64(l.Counters[k])
		if strings.HasSuffix(k.Name(), "_ns") {
			v /= float64(time.Second)
		}
		ch <- prometheus.MustNewConstMetric(c.counters[k], prometheus.CounterValue, v)
	}
	for g := range metrics.NumGauges {
		ch <- prometheus.MustNewConstMetric(c.gauges[g], prometheus.GaugeValue, float64(l.Gauges[g]))
	}
	ch <- prometheus.MustNewConstMetric(c.target, prometheus.GaugeValue, float64(l.Target))
	for k := range metrics.NumCauses {
		d := c.fails
		if k.IsDrop() {
			d = c.drops
		}
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(l.Causes[k]), k.Name())
	}
	for code, n := range l.CloseCodes {
		ch <- prometheus.MustNewConstMetric(c.codes, prometheus.CounterValue, float64(n), strconv.Itoa(code))
	}
	for h := range metrics.NumHists {
		count, sum, buckets := classic(l.Hists[h])
		ch <- prometheus.MustNewConstHistogram(c.hists[h], count, sum, buckets)
	}
}

// classic cuts an HdrHistogram in microseconds into Buckets: the sample
// count, the sum in seconds and the cumulative count at each bound. A
// value counts under the first bound at or above its HDR bucket's highest
// equivalent value; a value above the last bound counts only in count.
func classic(h *hdr.Histogram) (count uint64, sum float64, buckets map[float64]uint64) {
	per := make([]uint64, len(Buckets))
	for _, b := range h.Distribution() {
		if b.Count == 0 {
			continue
		}
		to := float64(b.To) / 1e6
		if i := sort.SearchFloat64s(Buckets, to); i < len(Buckets) {
			per[i] += uint64(b.Count)
		}
	}
	buckets = make(map[float64]uint64, len(Buckets))
	var cum uint64
	for i, bound := range Buckets {
		cum += per[i]
		buckets[bound] = cum
	}
	count = uint64(h.TotalCount())
	return count, h.Mean() * float64(h.TotalCount()) / 1e6, buckets
}

// Serve listens on addr and serves the collector's metrics at /metrics
// (Prometheus text, or OpenMetrics when the scraper asks for it) until
// ctx ends. It returns once it listens, with the address it listens on
// (addr may ask for port 0), so a listening error is reported before
// the run starts.
func Serve(ctx context.Context, addr string, c *Collector) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics endpoint: listen on %s: %w (pick another address with --metrics-addr)", addr, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns when ctx closes the server
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return ln.Addr(), nil
}
