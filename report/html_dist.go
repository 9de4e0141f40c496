package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wsbench/wsbench/metrics"
)

// Distribution charts: the whole run's histograms.

// distW and distH are the viewBox of a distribution chart: half the page.
const distW, distH = 480.0, 250.0

// spectrumHists are the histograms drawn as percentile spectra. When one
// is empty the page says so if the run's protocol ("" for any) could have
// recorded it; the others only show up when the run recorded them.
var spectrumHists = []struct {
	hist     metrics.Hist
	noteWhen string
}{
	{metrics.Connect, ""},
	{metrics.RTT, "websocket"},
	{metrics.Ack, "socketio"},
	{metrics.Delivery, "-"},
	{metrics.Recover, ""},
	{metrics.ResumeOpen, "-"},
	{metrics.ResumeFlushed, "-"},
	{metrics.NoticeClient, "-"},
	{metrics.NoticeServer, "-"},
}

// spectrumTicks is how finely the spectrum samples the histogram: ticks
// per half distance to 100%, as in HdrHistogram's percentile output.
const spectrumTicks = 5

// spectrumPlots draws each histogram's latency by percentile, and notes
// the empty ones.
func spectrumPlots(snap *metrics.Snapshot, protocol string) (plots []*plot, empty []string) {
	for _, sh := range spectrumHists {
		h := snap.Hists[sh.hist]
		if h.TotalCount() == 0 {
			if sh.noteWhen == "" || sh.noteWhen == protocol {
				empty = append(empty, histTitle(sh.hist.Name()))
			}
			continue
		}
		plots = append(plots, spectrumPlot(sh.hist.Name(), h))
	}
	return plots, empty
}

// spectrumPlot draws latency against percentile on a 1/(1-p) axis, like
// HdrHistogram's plotter: the tail, where the trouble is, gets most of
// the width.
func spectrumPlot(name string, h *hdr.Histogram) *plot {
	total := h.TotalCount()
	// The last sample sits at 100%, which the axis cannot show; put it
	// where a percentile of 1 - 1/count would be, the last one the data
	// can tell apart.
	cap := math.Log10(float64(max(total, 1)))
	var pts []xy
	var points []hoverPoint
	for _, br := range h.CumulativeDistributionWithTicks(spectrumTicks) {
		x := math.Min(percentileX(br.Quantile/100), cap)
		y := float64(br.ValueAt)
		if n := len(pts); n > 0 && pts[n-1].x == x && pts[n-1].y == y {
			continue
		}
		pts = append(pts, xy{x, y})
		points = append(points, hoverPoint{x: x, y: y, title: fmt.Sprintf("p%s: %s\n%s of %s samples at or below",
			fmtQuantile(br.Quantile), FormatMicros(br.ValueAt), fmtCount(br.Count), fmtCount(total))})
	}
	title := histTitle(name)
	p := &plot{
		id: "spectrum-" + name, title: title + " by percentile",
		desc: fmt.Sprintf("%s samples; p50 %s, p99 %s, max %s", fmtCount(total),
			FormatMicros(h.ValueAtQuantile(50)), FormatMicros(h.ValueAtQuantile(99)), FormatMicros(h.Max())),
		w: distW, h: distH, x0: 0, fmtY: fmtMicrosAxis, xTitle: "percentile",
		lines:  []plotLine{{name: name, color: colBlue, pts: pts}},
		points: points,
	}
	p.xTicks, p.xLabels = percentileTicks(cap)
	p.x1 = p.xTicks[len(p.xTicks)-1]
	p.yTicks = valueTicks(float64(h.Max()), 4, true)
	return p
}

// fmtQuantile writes a percentile with the digits it needs: 50, 99.9, 99.9023.
func fmtQuantile(q float64) string {
	return trimZeros(strconv.FormatFloat(q, 'f', 4, 64))
}

// lifetimePlot draws the ages of dropped connections as a histogram with
// 1-2-5 bins on a log axis, since ages run from milliseconds to hours.
// It returns nil when nothing dropped.
func lifetimePlot(s *Summary, h *hdr.Histogram) *plot {
	total := h.TotalCount()
	if total == 0 {
		return nil
	}
	edges := durationBins(float64(h.Min()), float64(h.Max()))
	counts := make([]int64, len(edges)-1)
	for _, b := range h.Distribution() {
		if b.Count == 0 {
			continue
		}
		v := float64(max(b.From, 1))
		i := 0
		for i < len(counts)-1 && v >= edges[i+1] {
			i++
		}
		counts[i] += b.Count
	}
	p := &plot{id: "lifetime", title: histTitle("lifetime"), w: distW, h: distH, fmtY: fmtNum, xTitle: "age at drop",
		x0: math.Log10(edges[0]), x1: math.Log10(edges[len(edges)-1])}
	l := s.Latency[metrics.Lifetime.Name()]
	p.desc = fmt.Sprintf("how long each dropped connection had been open; %s drops, p50 %s, p90 %s",
		fmtCount(total), FormatMicros(l.P50US), FormatMicros(l.P90US))
	if d := s.Drops; d != nil && d.Cluster != nil {
		p.desc += fmt.Sprintf("; %s of them at about %s (a timeout?)", fmtPercent(d.Cluster.Share), fmtSeconds(d.Cluster.AgeSeconds))
	}
	top := int64(0)
	for i, n := range counts {
		top = max(top, n)
		if n == 0 {
			continue
		}
		p.rects = append(p.rects, plotRect{x0: math.Log10(edges[i]), x1: math.Log10(edges[i+1]), y: float64(n),
			title: fmt.Sprintf("%s – %s: %s drops (%s)", fmtAge(edges[i]), fmtAge(edges[i+1]),
				fmtCount(n), fmtPercent(float64(n)/float64(total)))})
	}
	p.yTicks = valueTicks(float64(top), 4, true)
	// Label every edge while they fit, else every other one.
	for i, e := range edges {
		if len(edges) <= 10 || i%2 == 0 {
			p.xTicks = append(p.xTicks, math.Log10(e))
			p.xLabels = append(p.xLabels, fmtAge(e))
		}
	}
	return p
}

// causeCharts draws drops by cause and by close code, and connect failures
// by cause and by HTTP status, each when it has entries.
func causeCharts(b *strings.Builder, s *Summary) {
	c := &s.Connections
	if len(c.DropCauses) > 0 {
		rows := make([]hbar, len(c.DropCauses))
		for i, cc := range c.DropCauses {
			rows[i] = hbar{strings.ReplaceAll(cc.Cause, "_", " "), cc.Count, withExample(cc.Meaning, c.Examples[cc.Cause])}
		}
		writeHBars(b, "drop-causes", "Drops by cause", "why open connections ended", rows, c.Dropped)
	}
	if len(c.CloseCodes) > 0 {
		writeHBars(b, "close-codes", "Drops by close code", "1006: no close frame", codeBars(c.CloseCodes), sumCodes(c.CloseCodes))
	}
	if len(c.FailCauses) > 0 {
		rows := make([]hbar, len(c.FailCauses))
		for i, cc := range c.FailCauses {
			rows[i] = hbar{strings.ReplaceAll(cc.Cause, "_", " "), cc.Count, withExample(cc.Meaning, c.Examples[cc.Cause])}
		}
		writeHBars(b, "fail-causes", "Connect failures by cause", "why connection attempts did not open", rows, c.Failed)
	}
	if len(c.HTTPStatuses) > 0 {
		writeHBars(b, "http-statuses", "Refused handshakes by HTTP status", "", codeBars(c.HTTPStatuses), sumCodes(c.HTTPStatuses))
	}
}

func codeBars(cs []CodeCount) []hbar {
	rows := make([]hbar, len(cs))
	for i, cc := range cs {
		rows[i] = hbar{strconv.Itoa(cc.Code), cc.Count, cc.Meaning}
	}
	return rows
}

func sumCodes(cs []CodeCount) int64 {
	var n int64
	for _, cc := range cs {
		n += cc.Count
	}
	return n
}

func withExample(meaning, example string) string {
	if example == "" {
		return meaning
	}
	return meaning + "; e.g. " + clip(example, 160)
}
