package report

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// synthetic caches syntheticRun's summaries by length: the one-hour run
// takes seconds under the race detector, and tests only read them.
var synthetic struct {
	sync.Mutex
	runs map[int]*Summary
}

// syntheticRun returns the summary of makeSyntheticRun(seconds), made once.
func syntheticRun(t testing.TB, seconds int) *Summary {
	t.Helper()
	synthetic.Lock()
	defer synthetic.Unlock()
	if s := synthetic.runs[seconds]; s != nil {
		return s
	}
	s := makeSyntheticRun(t, seconds)
	if synthetic.runs == nil {
		synthetic.runs = map[int]*Summary{}
	}
	synthetic.runs[seconds] = s
	return s
}

// makeSyntheticRun builds the summary of a made-up run of the given length,
// second by second through a real Recorder: 1,000 clients ramping up,
// noisy message rates and round trips, a slow second now and then, a drop
// storm every 10 minutes (and one at second 12) with reconnects the
// second after, and a queue that fills while clients are away. The same
// seconds always give the same summary.
func makeSyntheticRun(t testing.TB, seconds int) *Summary {
	t.Helper()
	sc, err := scenario.Parse("synthetic.yaml", []byte(`
name: synthetic
target: ws://127.0.0.1:8080/ws
clients:
  stages:
    - {duration: 10s, target: 1000}
    - {duration: 1h, target: 1000}
client:
  headers: {Authorization: "Bearer s3cret"}
steps:
  - connect
  - send: {text: '{"id":"{{.Seq}}"}', expect: {json_field: id}}
thresholds:
  - rtt.p99 < 50ms
  - connections.dropped < 100
`), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rec := metrics.NewRecorder(start, 1)
	sh := rec.Shard(0)
	rng := rand.New(rand.NewPCG(7, 7))
	connected, queued := int64(0), int64(0)
	for sec := 1; sec <= seconds; sec++ {
		target := min(int64(sec)*100, 1000)
		rec.SetTarget(int(target))
		storm := sec == 12 || sec%600 == 0
		if storm && connected > 0 {
			n := connected / 4
			for i := int64(0); i < n; i++ {
				sh.Drop(metrics.CauseServerClose, 1001, "connection closed with code 1001 (going away)")
				sh.Observe(metrics.Lifetime, time.Duration(sec)*time.Second-time.Duration(rng.IntN(5000))*time.Millisecond)
			}
			sh.Gauge(metrics.Connected, -n)
			sh.Gauge(metrics.QueueDepth, n)
			queued += n
			connected -= n
		} else if rng.IntN(50) == 0 && connected > 0 {
			sh.Drop(metrics.CauseReset, 1006, "read: connection reset by peer")
			sh.Observe(metrics.Lifetime, time.Duration(rng.IntN(sec*1000))*time.Millisecond)
			sh.Gauge(metrics.Connected, -1)
			connected--
		}
		for connected < target && !storm {
			sh.Inc(metrics.ConnOpened)
			sh.Observe(metrics.Connect, time.Duration(300+rng.IntN(700))*time.Microsecond)
			if sec > 10 {
				sh.Inc(metrics.ReconnectAttempts)
				sh.Inc(metrics.ReconnectSuccesses)
				sh.Observe(metrics.Recover, time.Duration(200+rng.IntN(2000))*time.Millisecond)
			}
			sh.Gauge(metrics.Connected, 1)
			connected++
		}
		if !storm && queued > 0 { // flushed on reconnect
			sh.Gauge(metrics.QueueDepth, -queued)
			queued = 0
		}
		sh.Add(metrics.TimeOpen, connected*int64(time.Second))
		sh.Add(metrics.TimeReconnecting, (target-connected)*int64(time.Second))
		msgs := 40 + rng.IntN(20)
		slow := rng.IntN(120) == 0
		for range msgs {
			sh.Inc(metrics.MsgsSent)
			sh.Inc(metrics.MsgsReceived)
			sh.Inc(metrics.ExpectMatched)
			us := 200 + rng.ExpFloat64()*300
			if slow {
				us *= 40
			}
			sh.Observe(metrics.RTT, time.Duration(us)*time.Microsecond)
		}
		rec.Tick(start.Add(time.Duration(sec) * time.Second))
	}
	snap := rec.Snapshot(start.Add(time.Duration(seconds) * time.Second))
	s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: sc.RunDuration(), Snapshot: snap,
		Load: metrics.LoadStats{CPUSeconds: 30, Cores: 2, AvgCPU: 0.25, PeakCPU: 0.5, MaxRSSBytes: 90 << 20, Goroutines: 2100}, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func renderHTML(t testing.TB, s *Summary) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestHTMLGolden(t *testing.T) {
	golden(t, "html_report.html", renderHTML(t, syntheticRun(t, 30)))
}

// TestHTMLFromSavedResult checks that the page made from a saved result is
// the page made during the run, byte for byte: wsbench report depends on it.
func TestHTMLFromSavedResult(t *testing.T) {
	for name, s := range map[string]*Summary{"fixture": fixture(t), "synthetic": syntheticRun(t, 90)} {
		t.Run(name, func(t *testing.T) {
			live := renderHTML(t, s)
			if again := renderHTML(t, s); !bytes.Equal(live, again) {
				t.Fatal("two renderings of one summary differ")
			}
			var j bytes.Buffer
			if err := WriteJSON(&j, s); err != nil {
				t.Fatal(err)
			}
			back, err := ReadJSON(&j)
			if err != nil {
				t.Fatal(err)
			}
			if saved := renderHTML(t, back); !bytes.Equal(live, saved) {
				t.Fatal("the page from the saved result differs from the page of the run")
			}
		})
	}
}

// TestHTMLSelfContained checks that the page references nothing outside
// itself and leaks no secret.
func TestHTMLSelfContained(t *testing.T) {
	page := string(renderHTML(t, syntheticRun(t, 60)))
	for _, bad := range []string{"<script src", "<link", "@import", "url(", "src=", "href=", "s3cret", "@font-face"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

// TestHTMLSections checks that every part the report promises is there.
func TestHTMLSections(t *testing.T) {
	page := string(renderHTML(t, syntheticRun(t, 60)))
	for _, want := range []string{
		"wsbench · synthetic", "ws://127.0.0.1:8080/ws", "completed: the planned time ran out", "2026-11-30 12:00:00.000 UTC",
		`<code>rtt.p99 &lt; 50ms</code>`, "Warnings", "Authorization (values redacted)", "backoff",
		`data-chart="clients"`, `data-chart="messages"`, `data-chart="latency-rtt"`, `data-chart="drops"`, `data-chart="queue"`,
		`data-chart="spectrum-connect"`, `data-chart="spectrum-rtt"`, `data-chart="spectrum-recover"`, `data-chart="lifetime"`,
		`data-chart="drop-causes"`, `data-chart="close-codes"`, "going away",
		"drop storm ending at 12s", ">99.9%<",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLOneHourSize renders a synthetic one-hour run: the page must stay
// well under a megabyte, and every storm must still reach its full height
// after downsampling.
func TestHTMLOneHourSize(t *testing.T) {
	s := syntheticRun(t, 3600)
	page := renderHTML(t, s)
	t.Logf("one-hour report: %d bytes (%d series entries)", len(page), len(s.Series))
	if len(page) > 1<<20 {
		t.Errorf("one-hour report is %d bytes, over 1 MiB", len(page))
	}
	// The drops chart's bars: the tallest must be the storm's.
	drops := chartSVG(t, string(page), "drops")
	if !strings.Contains(drops, `class="mark bar s3"`) {
		t.Fatalf("no drop bars:\n%.2000s", drops)
	}
	if n := strings.Count(drops, "<title>drop storm"); n != len(s.Drops.Storms) || n == 0 {
		t.Errorf("%d storm markers, want %d", n, len(s.Drops.Storms))
	}
}

// chartSVG returns the <svg> element of the chart with data-chart id.
func chartSVG(t testing.TB, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<svg data-chart="` + regexp.QuoteMeta(id) + `".*?</svg>`).FindString(page)
	if m == "" {
		t.Fatalf("no chart %q", id)
	}
	return m
}
