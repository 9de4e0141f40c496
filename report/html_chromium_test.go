package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/chromiumtest"
)

// chartCountScript counts, in the page Chromium loaded, each chart's data
// elements as the browser parsed them: hover targets (class pt), drawn
// marks (class mark), the vertices of its lines and the bars of its bar
// paths. cmd/report_test.go has a copy for the real run.
const chartCountScript = `[...document.querySelectorAll("svg[data-chart]")].map(s => ({
  chart: s.dataset.chart,
  pts: s.querySelectorAll(".pt").length,
  marks: s.querySelectorAll(".mark").length,
  vertices: [...s.querySelectorAll("polyline.mark")].reduce((n, l) => n + l.points.numberOfItems, 0),
  bars: [...s.querySelectorAll("path.bar")].reduce((n, p) => n + (p.getAttribute("d").match(/M/g) || []).length, 0),
}))`

// chartCount is one chart's entry in chartCountScript's result.
type chartCount struct {
	Chart    string `json:"chart"`
	Pts      int    `json:"pts"`
	Marks    int    `json:"marks"`
	Vertices int    `json:"vertices"`
	Bars     int    `json:"bars"`
}

// TestHTMLInChromium opens synthetic reports in headless Chromium, on
// screen and in print: no console error, no request beyond the file, and
// every chart has data. go test -artifacts keeps the screenshots.
func TestHTMLInChromium(t *testing.T) {
	chromiumtest.Require(t)
	for _, tc := range []struct {
		name    string
		seconds int
		media   string
	}{{"30s", 30, ""}, {"1h", 3600, ""}, {"1h-print", 3600, "print"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "report.html")
			if err := os.WriteFile(path, renderHTML(t, syntheticRun(t, tc.seconds)), 0o600); err != nil {
				t.Fatal(err)
			}
			page := chromiumtest.Visit(t, path, chromiumtest.Options{Media: tc.media, Script: chartCountScript, Timeout: 90 * time.Second})
			if len(page.ConsoleErrors) > 0 || len(page.Requests) > 0 {
				t.Errorf("console errors %q, requests %q", page.ConsoleErrors, page.Requests)
			}
			var counts []chartCount
			if err := json.Unmarshal(page.ScriptResult, &counts); err != nil {
				t.Fatal(err)
			}
			if len(counts) < 10 {
				t.Errorf("%d charts, want at least 10: %+v", len(counts), counts)
			}
			for _, c := range counts {
				if c.Pts == 0 || c.Marks == 0 || (c.Vertices == 0 && c.Bars == 0 && c.Chart != "drop-causes" && c.Chart != "close-codes" && c.Chart != "lifetime") {
					t.Errorf("chart %s has no data: %+v", c.Chart, c)
				}
			}
			// Kept with go test -artifacts, to look at.
			if err := os.WriteFile(filepath.Join(t.ArtifactDir(), "report.png"), page.Screenshot, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}
