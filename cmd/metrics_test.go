package cmd_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetricsEndpointDuringARun: --metrics-addr serves Prometheus metrics
// while the run goes on; what scrapes read only grows, and never passes
// the final summary's figures, which the last scrapes reach.
func TestMetricsEndpointDuringARun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "result.json")
	cmd, _, stderr := start(t, "run", writeScenario(t, `
name: metrics
target: embedded/json
duration: 3s
clients: {count: 5}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', expect: {json_field: id, timeout: 2s}}
        - sleep: 20ms
`), "-q", "--metrics-addr", "127.0.0.1:0", "--out", out)

	var url string
	waitFor(t, func() bool {
		m := regexp.MustCompile(`metrics at (http://\S+/metrics)`).FindStringSubmatch(stderr.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	type sample struct{ opened, sent, rtt, connected float64 }
	var seen []sample
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(url)
		if err != nil {
			break // the run ended and the endpoint with it
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		p := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("scrape: %v\n%s", err, body)
		}
		if fams["wsbench_messages_sent_total"] == nil {
			continue // not attached yet
		}
		seen = append(seen, sample{
			opened:    fams["wsbench_connections_opened_total"].Metric[0].Counter.GetValue(),
			sent:      fams["wsbench_messages_sent_total"].Metric[0].Counter.GetValue(),
			rtt:       float64(fams["wsbench_rtt_seconds"].Metric[0].Histogram.GetSampleCount()),
			connected: fams["wsbench_clients_connected"].Metric[0].Gauge.GetValue(),
		})
	}
	if code := waitExit(t, cmd, 20*time.Second); code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Connections struct{ Opened float64 }
		Messages    struct{ Sent float64 }
		Latency     map[string]struct{ Count float64 }
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 5 {
		t.Fatalf("%d scrapes during a 3 s run, want 5 or more", len(seen))
	}
	for i, s := range seen {
		if s.opened > res.Connections.Opened || s.sent > res.Messages.Sent || s.rtt > res.Latency["rtt"].Count || s.connected > 5 {
			t.Errorf("scrape %d %+v passes the summary: opened %v, sent %v, rtt %v", i, s, res.Connections.Opened, res.Messages.Sent, res.Latency["rtt"].Count)
		}
		if i > 0 && (s.sent < seen[i-1].sent || s.rtt < seen[i-1].rtt) {
			t.Errorf("scrape %d went back: %+v after %+v", i, s, seen[i-1])
		}
	}
	mid := seen[len(seen)/2]
	if mid.opened != 5 || mid.connected != 5 || mid.sent < 20 {
		t.Errorf("mid-run scrape %+v: want 5 opened and connected, messages flowing", mid)
	}
	if last := seen[len(seen)-1]; last.sent < res.Messages.Sent*0.6 {
		t.Errorf("the last scrape saw %v of the %v messages sent", last.sent, res.Messages.Sent)
	}
}

func TestMetricsAddrWithWorkersNeedsAPort(t *testing.T) {
	r := wsbench(t, 10*time.Second, "run", writeScenario(t, shortRun), "--workers", "2", "--metrics-addr", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "needs a fixed port, like 127.0.0.1:9464: worker I listens on the port + I-1") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}
