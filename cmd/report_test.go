package cmd

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/chromiumtest"
	"github.com/wsbench/wsbench/report"
	"github.com/wsbench/wsbench/runner"
	"github.com/wsbench/wsbench/scenario"
)

var screenshot = flag.String("screenshot", "", "TestReportOfRealRun: also write the report's screenshot here (../docs/img/report.png)")

// stormRun is a short run against the embedded server that closes half
// the open connections every 3 s and resets a fifth of them every 4 s:
// drop storms, reconnects, queued messages and two close codes, in 8 s.
const stormRun = `
name: drop-storm
target: embedded/json
graceful_stop: 2s
seed: 7
clients:
  stages:
    - {duration: 2s, target: 40}
    - {duration: 6s, target: 40}
server:
  close: {every: 3s, fraction: 0.5, code: 1001, reason: "going away"}
  reset: {every: 4s, fraction: 0.2}
client:
  reconnect: {initial_delay: 200ms, max_delay: 1s, multiplier: 2, jitter: 0.2}
  queue: {max: 100, overflow: drop-oldest}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', expect: {json_field: id, timeout: 2s}}
        - sleep: 40ms
thresholds:
  - rtt.p99 < 1s
  - drops.rate < 1%
`

// chartCounts counts, in the page Chromium loaded, each chart's data
// elements as the browser parsed them: hover targets (class pt), drawn
// marks (class mark), line vertices and bars.
const chartCounts = `[...document.querySelectorAll("svg[data-chart]")].map(s => ({
  chart: s.dataset.chart,
  pts: s.querySelectorAll(".pt").length,
  marks: s.querySelectorAll(".mark").length,
  vertices: [...s.querySelectorAll("polyline.mark")].reduce((n, l) => n + l.points.numberOfItems, 0),
  bars: [...s.querySelectorAll("path.bar")].reduce((n, p) => n + (p.getAttribute("d").match(/M/g) || []).length, 0),
}))`

// TestReportOfRealRun runs a drop storm in this process, writes its HTML
// page as run --html does, saves the result, and checks that the report
// command makes the same page from the saved result and a CSV with one
// row per second; then it opens the page in headless Chromium: no console
// error, no request beyond the file, every chart with data points.
func TestReportOfRealRun(t *testing.T) {
	sc, err := scenario.Parse("storm.yaml", []byte(stormRun), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	res, err := runner.Run(ctx, sc, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := report.Build(report.Input{Scenario: sc, URL: res.URL, EndReason: res.EndReason, Planned: res.Planned,
		Seed: res.Seed, Snapshot: res.Snapshot, Load: res.Load, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Drops == nil || len(sum.Drops.Storms) == 0 || len(sum.Connections.CloseCodes) < 2 {
		t.Fatalf("the run had no drop storm or fewer than two close codes: drops %+v, codes %+v", sum.Drops, sum.Connections.CloseCodes)
	}
	dir := t.TempDir()
	var live bytes.Buffer
	if err := report.WriteHTML(&live, sum); err != nil {
		t.Fatal(err)
	}
	result := filepath.Join(dir, "result.json")
	saved, err := os.Create(result)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteJSON(saved, sum); err != nil {
		t.Fatal(err)
	}
	saved.Close()

	page, series := filepath.Join(dir, "report.html"), filepath.Join(dir, "series.csv")
	if _, stderr, err := runReport(t, result, "--html", page, "--csv", series); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	got, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, live.Bytes()) {
		t.Fatalf("wsbench report made a page of %d bytes that differs from the run's (%d bytes)", len(got), live.Len())
	}
	f, err := os.Open(series)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != len(sum.Series)+1 || len(rows[0]) != len(report.CSVColumns()) {
		t.Fatalf("CSV: %d rows of %d columns (%v); want %d rows of %d", len(rows), len(rows[0]), err, len(sum.Series)+1, len(report.CSVColumns()))
	}

	p := chromiumtest.Visit(t, page, chromiumtest.Options{Script: chartCounts, Timeout: 90 * time.Second})
	if len(p.ConsoleErrors) > 0 || len(p.Requests) > 0 {
		t.Errorf("console errors %q, requests %q; want none", p.ConsoleErrors, p.Requests)
	}
	var counts []struct {
		Chart                      string
		Pts, Marks, Vertices, Bars int
	}
	if err := json.Unmarshal(p.ScriptResult, &counts); err != nil {
		t.Fatal(err)
	}
	// Bar and histogram charts draw rectangles, counted as marks; the
	// others draw lines (vertices) or per-second bars.
	rects := map[string]bool{"lifetime": true, "drop-causes": true, "close-codes": true, "fail-causes": true, "http-statuses": true}
	charts := map[string]bool{}
	for _, c := range counts {
		charts[c.Chart] = true
		if c.Pts == 0 || c.Marks == 0 || !rects[c.Chart] && c.Vertices == 0 && c.Bars == 0 {
			t.Errorf("chart %s has no data points: %+v", c.Chart, c)
		}
	}
	for _, want := range []string{"clients", "messages", "latency-rtt", "drops", "queue", "spectrum-connect", "spectrum-rtt",
		"spectrum-recover", "lifetime", "drop-causes", "close-codes"} {
		if !charts[want] {
			t.Errorf("no %s chart in the page (charts: %v)", want, charts)
		}
	}
	if !strings.Contains(p.DOM, "drop storm") {
		t.Error("the page Chromium loaded does not mark the drop storm")
	}
	// The artifact directory is kept with go test -artifacts.
	shot := filepath.Join(t.ArtifactDir(), "report.png")
	if err := os.WriteFile(shot, p.Screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("page %d bytes, screenshot %s (%d bytes)", len(got), shot, len(p.Screenshot))
	if *screenshot != "" {
		// The header and the charts over time make the README picture.
		top, err := cropPNG(p.Screenshot, 2150)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*screenshot, top, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// cropPNG keeps the top height pixels of a PNG.
func cropPNG(data []byte, height int) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	r.Max.Y = min(r.Max.Y, r.Min.Y+height)
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil, errors.New("screenshot image cannot be cropped")
	}
	var out bytes.Buffer
	err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, sub.SubImage(r))
	return out.Bytes(), err
}

// TestReportCommand checks the command's other paths on a saved result.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	result := filepath.Join(dir, "result.json")
	data, err := os.ReadFile("../report/testdata/result.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(result, data, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "v9.json")
	os.WriteFile(other, []byte(`{"schema_version": 9}`), 0o600)

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"text summary", []string{result}, 0, []string{"wsbench · chat-echo", "LATENCY"}, nil},
		{"html to stdout", []string{result, "--html", "-"}, 0, []string{"<!DOCTYPE html>", `data-chart="clients"`}, nil},
		{"csv to stdout", []string{result, "--csv", "-"}, 0, []string{"time,t,target,connected"}, nil},
		{"both to files", []string{result, "--html", filepath.Join(dir, "r.html"), "--csv", filepath.Join(dir, "s.csv")}, 0, nil,
			[]string{"HTML report written to", "CSV series written to"}},
		{"same file twice", []string{result, "--html", "x", "--csv", "x"}, 2, nil, nil},
		{"missing result", []string{filepath.Join(dir, "nope.json")}, 2, nil, nil},
		{"other schema", []string{other, "--html", "-"}, 2, nil, nil},
		{"unwritable output", []string{result, "--html", filepath.Join(dir, "no", "such", "dir.html")}, 1, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := runReport(t, tc.args...)
			code := 0
			var ee *exitError
			if errors.As(err, &ee) {
				code = ee.code
			} else if err != nil {
				t.Fatalf("error without an exit code: %v", err)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d (%v)\nstdout:\n%.500s\nstderr:\n%s", code, tc.code, err, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%.1000s", w, stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// runReport runs the report command in this process.
func runReport(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	c := newReportCmd()
	var out, errb bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&errb)
	c.SetArgs(args)
	c.SilenceUsage, c.SilenceErrors = true, true
	err = c.Execute()
	return out.String(), errb.String(), err
}
