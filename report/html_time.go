package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/wsbench/wsbench/metrics"
)

// Time charts: the per-second series against the run's clock.

// timeW and timeH are the viewBox of a time chart: full page width.
const timeW, timeH = 960.0, 210.0

// Colours, as stylesheet classes s0..s5.
const (
	colBlue = iota
	colGreen
	colOrange
	colRed
	colPurple
	colGrey
)

// seriesView is the series with each entry's interval length, for turning
// counts into rates.
type seriesView struct {
	pts  []metrics.Point
	span float64
}

func newSeriesView(s *Summary) seriesView {
	v := seriesView{pts: s.Series}
	if n := len(s.Series); n > 0 {
		v.span = s.Series[n-1].T
	}
	if v.span <= 0 {
		v.span = 1
	}
	return v
}

// start is when entry i's interval began: the previous entry's end.
func (v seriesView) start(i int) float64 {
	if i == 0 {
		return 0
	}
	return v.pts[i-1].T
}

// startOf returns the start of the interval that ends at t; a second
// before t when no entry ends there.
func (v seriesView) startOf(t float64) float64 {
	for i := range v.pts {
		if v.pts[i].T == t {
			return v.start(i)
		}
	}
	return t - 1
}

// level plots a level (a gauge at the end of each interval).
func (v seriesView) level(f func(*metrics.Point) float64) []xy {
	out := make([]xy, len(v.pts))
	for i := range v.pts {
		out[i] = xy{v.pts[i].T, f(&v.pts[i])}
	}
	return out
}

// rate plots a count within each interval as a rate per second: entries
// are about a second long, but a late tick or the final entry is not.
func (v seriesView) rate(f func(*metrics.Point) float64) []xy {
	out := make([]xy, len(v.pts))
	for i := range v.pts {
		dt := v.pts[i].T - v.start(i)
		y := f(&v.pts[i])
		if dt > 0 {
			y /= dt
		}
		out[i] = xy{v.pts[i].T, y}
	}
	return out
}

// timePlot builds a time chart of lines over the whole run, with y ticks
// fitted to the data and one hover span per second (or per few pixels).
func (v seriesView) timePlot(id, title, desc string, lines []plotLine, integer bool, fmtY func(float64) string) *plot {
	p := &plot{id: id, title: title, desc: desc, w: timeW, h: timeH, x0: 0, x1: v.span, lines: lines, fmtY: fmtY}
	top := 0.0
	for _, l := range lines {
		for _, pt := range l.pts {
			if !math.IsNaN(pt.y) {
				top = math.Max(top, pt.y)
			}
		}
	}
	p.yTicks = valueTicks(top, 4, integer)
	p.xTicks = timeTicks(v.span, 10)
	for _, t := range p.xTicks {
		p.xLabels = append(p.xLabels, fmtClock(t))
	}
	for _, g := range buckets(len(v.pts), int(p.plotW()/hoverPixels)) {
		p.spans = append(p.spans, hoverSpan{x0: v.start(g[0]), x1: v.pts[g[1]-1].T, title: v.spanTitle(g, lines, fmtY)})
	}
	return p
}

// spanTitle is the tooltip of entries g[0]..g[1]-1: the time range and
// each line's value there, or its lowest and highest when the span holds
// several seconds.
func (v seriesView) spanTitle(g [2]int, lines []plotLine, fmtY func(float64) string) string {
	var b strings.Builder
	b.WriteString(fmtSeconds(v.start(g[0])) + " – " + fmtSeconds(v.pts[g[1]-1].T))
	for _, l := range lines {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, pt := range l.pts[g[0]:g[1]] {
			if !math.IsNaN(pt.y) {
				lo, hi = math.Min(lo, pt.y), math.Max(hi, pt.y)
			}
		}
		b.WriteString("\n" + l.name + ": ")
		switch {
		case math.IsInf(lo, 1):
			b.WriteString("no data")
		case lo == hi:
			b.WriteString(fmtY(lo))
		default:
			b.WriteString(fmtY(lo) + " – " + fmtY(hi))
		}
	}
	return b.String()
}

// timePlots returns the over-time charts and notes on the ones left out.
func timePlots(s *Summary) (plots []*plot, notes []string) {
	v := newSeriesView(s)
	if len(v.pts) == 0 {
		return nil, []string{"This result has no per-second series, so there are no charts over time."}
	}
	field := func(name string) func(*metrics.Point) float64 {
		for _, c := range seriesColumns() {
			if c.name == name {
				return func(p *metrics.Point) float64 { return c.value(p) }
			}
		}
		panic("report: no series column " + name) // a renamed field; the tests catch it
	}
	count := func(v float64) string { return fmtNum(v) }
	perSec := func(v float64) string { return fmtRate(v) }
	peak := func(l plotLine) string { return "peak " + fmtNum(maxY(l.pts)) }
	total := func(name string) string {
		var n float64
		f := field(name)
		for i := range v.pts {
			n += f(&v.pts[i])
		}
		return "total " + fmtCount(int64(n))
	}

	// Target last, so its dashes show where connected runs along it.
	clients := []plotLine{
		{name: "connected", color: colBlue, pts: v.level(field("connected"))},
		{name: "target", color: colGrey, dashed: true, pts: v.level(field("target"))},
	}
	p := v.timePlot("clients", "Clients", "the population's target and the connections open at the end of each second",
		clients, true, count)
	p.legendSuffixes = []string{peak(clients[0]), peak(clients[1])}
	plots = append(plots, p)

	msgs := []plotLine{
		{name: "sent/s", color: colBlue, pts: v.rate(field("sent"))},
		{name: "received/s", color: colGreen, pts: v.rate(field("received"))},
	}
	p = v.timePlot("messages", "Messages per second", "data messages written and read", msgs, false, perSec)
	p.legendSuffixes = []string{total("sent"), total("received")}
	plots = append(plots, p)

	for _, g := range seriesLatencies() {
		if p, note := v.latencyPlot(g); p != nil {
			plots = append(plots, p)
		} else if proto, ok := latencyProtocol[g.hist]; !ok || proto == s.Scenario.Protocol {
			notes = append(notes, note)
		}
	}

	drops := []plotLine{
		{name: "drops/s", color: colRed, pts: v.rate(field("drops"))},
		{name: "reconnects/s", color: colGreen, pts: v.rate(field("reconnects"))},
		{name: "connect failures/s", color: colOrange, pts: v.rate(field("failures"))},
	}
	p = v.timePlot("drops", "Drops and reconnects per second",
		"open connections that ended without the client asking, reconnects that succeeded, and failed connection attempts",
		drops, false, perSec)
	p.bars = true
	p.legendSuffixes = []string{total("drops"), total("reconnects"), total("failures")}
	if d := s.Drops; d != nil {
		for _, st := range d.Storms {
			p.marks = append(p.marks, marker{x0: v.startOf(st.T), x1: st.T, title: fmt.Sprintf("drop storm ending at %s: %s drops, %s connections open the second before",
				fmtSeconds(st.T), fmtCount(st.Drops), fmtCount(st.Connected))})
		}
	}
	plots = append(plots, p)

	queue := []plotLine{{name: "queued messages", color: colPurple, pts: v.level(field("queue_depth"))}}
	p = v.timePlot("queue", "Offline queue depth", "messages waiting in the clients' offline queues at the end of each second",
		queue, true, count)
	p.legendSuffixes = []string{peak(queue[0])}
	plots = append(plots, p)

	if s.Clients.Arrivals != nil {
		arr := []plotLine{
			{name: "started/s", color: colBlue, pts: v.rate(field("arrivals"))},
			{name: "missed/s", color: colRed, pts: v.rate(field("arrivals_missed"))},
		}
		p = v.timePlot("arrivals", "Arrivals per second",
			"open model: clients started on the arrival schedule, and arrivals missed because max clients were alive", arr, false, perSec)
		p.legendSuffixes = []string{total("arrivals"), total("arrivals_missed")}
		plots = append(plots, p)
	}

	// wsbench's own delays: timers that ran late (and arrivals that
	// started late) mean its latencies include its own waiting.
	gen := []plotLine{{name: "timers late (worst)", color: colOrange, pts: v.level(field("timer_lag_max_us"))}}
	if s.Clients.Arrivals != nil {
		gen = append(gen, plotLine{name: "arrivals late (worst)", color: colRed, pts: v.level(field("arrival_lag_max_us"))})
	}
	if maxY(gen[0].pts) > 0 {
		p = v.timePlot("generator", "wsbench itself",
			"how late wsbench's own timers ran at worst in each second; above 10 ms it was short of CPU, and the latencies it measured then include its own delay",
			gen, true, fmtMicrosAxis)
		plots = append(plots, p)
	}
	return plots, notes
}

// latencyProtocol names the protocol that records each per-second
// latency of the series, so that an empty one is noted only where it
// could have had samples (no "no acks" note in a WebSocket run).
var latencyProtocol = map[string]string{"rtt": "websocket", "ack": "socketio"}

// latencyPlot charts one histogram's per-second percentiles; seconds
// without samples are gaps. It returns a note instead when the run
// recorded none.
func (v seriesView) latencyPlot(g seriesLatency) (*plot, string) {
	name := histTitle(g.hist)
	colours := []int{colGreen, colOrange, colRed, colPurple, colBlue}
	var lines []plotLine
	any := false
	for i, c := range g.columns {
		pts := make([]xy, len(v.pts))
		for j := range v.pts {
			y := c.value(&v.pts[j])
			if g.count != nil && g.count.value(&v.pts[j]) == 0 {
				y = math.NaN()
			}
			any = any || !math.IsNaN(y) && y > 0
			pts[j] = xy{v.pts[j].T, y}
		}
		lines = append(lines, plotLine{name: g.percentiles[i], color: colours[i%len(colours)], pts: pts})
	}
	if !any {
		return nil, fmt.Sprintf("%s over time: no samples in this run.", name)
	}
	p := v.timePlot("latency-"+g.hist, name+" per second",
		"percentiles of the samples recorded within each second; gaps are seconds without samples", lines, true, fmtMicrosAxis)
	return p, ""
}

// histTitle names a histogram for a chart title.
func histTitle(h string) string {
	switch h {
	case "rtt":
		return "Round-trip latency"
	case "ack":
		return "Ack latency"
	case "connect":
		return "Connect time"
	case "recover":
		return "Time to recover"
	case "delivery":
		return "Delivery latency"
	case "queued":
		return "Time queued"
	case "lifetime":
		return "Age of dropped connections"
	case "resume_open":
		return "Network back to connection open"
	case "resume_flushed":
		return "Network back to queue flushed"
	case "notice_client":
		return "Time for the client to notice a silent loss"
	case "notice_server":
		return "Time for the server to notice a silent loss"
	}
	return strings.ReplaceAll(h, "_", " ") + " latency"
}

// fmtMicrosAxis labels a latency axis; FormatMicros with 0 as plain 0.
func fmtMicrosAxis(us float64) string {
	if us == 0 {
		return "0"
	}
	return FormatMicros(int64(math.Round(us)))
}

// fmtRate formats a rate per second for a tooltip: 12.5/s.
func fmtRate(v float64) string {
	if v >= 1e4 {
		return fmtNum(v) + "/s"
	}
	return trimZeros(fmt.Sprintf("%.1f", v)) + "/s"
}

// maxY is the highest y of pts, ignoring gaps; 0 when empty.
func maxY(pts []xy) float64 {
	top := 0.0
	for _, p := range pts {
		if !math.IsNaN(p.y) {
			top = math.Max(top, p.y)
		}
	}
	return top
}
