package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/nginxtest"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/report"
)

// TestProxyIdleTimeoutShowsInTheDropAnalysis runs clients through nginx
// with proxy_read_timeout 3s: without a heartbeat they drop at ~3 s of
// idleness and the summary flags the cluster; with a 1 s heartbeat none
// drops.
func TestProxyIdleTimeoutShowsInTheDropAnalysis(t *testing.T) {
	srv := startServer(t)
	px := nginxtest.Start(t, nginxtest.Options{Upstream: srv.Addr(), ReadTimeout: 3 * time.Second})
	const scenarioFmt = `
target: TARGET
duration: 8s
graceful_stop: 1s
clients: {count: 10}
client:
  heartbeat: %s
  reconnect: {initial_delay: 100ms, max_delay: 200ms}
steps: [connect, {sleep: 1h}]
`
	res := runYAML(t, strings.Replace(scenarioFmt, "%s", "{mode: off}", 1), px.URL("/echo"), Options{})
	snap := res.Snapshot
	if d := snap.Counters[metrics.ConnDropped]; d < 10 {
		t.Fatalf("%d drops without a heartbeat behind a 3s idle timeout; want every client to drop", d)
	}
	if h := snap.Hists[metrics.Lifetime]; h.ValueAtQuantile(50) < 2_900_000 || h.ValueAtQuantile(50) > 3_500_000 {
		t.Errorf("median age at drop %d µs, want about 3 s", h.ValueAtQuantile(50))
	}
	sum, err := report.Build(report.Input{Scenario: res.Scenario, URL: res.URL, EndReason: res.EndReason, Planned: res.Planned, Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	if c := sum.Drops.Cluster; c == nil || c.AgeSeconds < 2.5 || c.AgeSeconds > 3.5 || c.Share < 0.9 {
		t.Fatalf("drop analysis %+v: want a cluster at 3 s", sum.Drops)
	}
	if !strings.Contains(strings.Join(sum.Warnings, "\n"), "of connection age: likely an idle or session timeout upstream") {
		t.Errorf("warnings lack the cluster: %q", sum.Warnings)
	}

	res = runYAML(t, strings.Replace(scenarioFmt, "%s", "{mode: ping, interval: 1s, timeout: 1s}", 1), px.URL("/echo"), Options{})
	if d := res.Snapshot.Counters[metrics.ConnDropped]; d != 0 {
		t.Errorf("%d drops with a 1s heartbeat behind a 3s idle timeout; want none (causes %v)", d, res.Snapshot.Causes)
	}
}
