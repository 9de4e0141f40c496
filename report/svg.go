package report

import (
	"html"
	"math"
	"strconv"
	"strings"
)

// plot is one chart of the HTML report, in data units, ready to draw as
// inline SVG: axes with ticks, lines or bars, rectangles (histogram bins),
// and hover targets whose <title> gives the exact values, which browsers
// show as a tooltip without any script. Every element that carries data
// has class "pt" (a hover target) or "mark" (a drawn line, bar or bin), so
// tests can count them; the <svg> carries data-chart with the plot's id.
type plot struct {
	id, title, desc string
	// w and h are the SVG's viewBox; CSS scales it to the page width.
	w, h float64
	// The x axis spans [x0, x1] in data units; the y axis [0, top tick].
	x0, x1         float64
	xTicks, yTicks []float64
	xLabels        []string
	fmtY           func(float64) string
	xTitle, yTitle string
	lines          []plotLine
	bars           bool
	rects          []plotRect
	spans          []hoverSpan
	points         []hoverPoint
	marks          []marker
	// legendSuffixes follow the line names in the legend, e.g. "peak 50".
	legendSuffixes []string
}

// plotLine is one named series. Colour i comes from the stylesheet
// (classes s0..s5), so a line costs no style attribute.
type plotLine struct {
	name   string
	color  int
	dashed bool
	pts    []xy
}

// plotRect is a histogram bin: from x0 to x1, height y.
type plotRect struct {
	x0, x1, y float64
	title     string
}

// hoverSpan is a hover target covering x0..x1 for the full plot height.
type hoverSpan struct {
	x0, x1 float64
	title  string
}

// hoverPoint is a hover target around one data point.
type hoverPoint struct {
	x, y  float64
	title string
}

// marker is a shaded band from x0 to x1 across the plot's height, with a
// tooltip: a drop storm's second.
type marker struct {
	x0, x1 float64
	title  string
}

// Plot margins in viewBox units: room for y labels on the left and x
// labels below.
const (
	padLeft, padRight, padTop, padBottom = 58.0, 14.0, 10.0, 34.0
)

// hoverPixels is the narrowest hover target of a time chart: one per
// second for short runs, one per few pixels for long ones, which keeps a
// one-hour report small while every tooltip still gives exact minima and
// maxima.
const hoverPixels = 4.0

func (p *plot) plotW() float64 { return p.w - padLeft - padRight }
func (p *plot) plotH() float64 { return p.h - padTop - padBottom }

func (p *plot) xs() linScale { return linScale{p.x0, p.x1, padLeft, padLeft + p.plotW()} }
func (p *plot) ys() linScale {
	return linScale{0, p.yTicks[len(p.yTicks)-1], padTop + p.plotH(), padTop}
}

// write renders the plot as a <figure>: caption, legend and SVG.
func (p *plot) write(b *strings.Builder) {
	b.WriteString(`<figure class="chart" id="chart-` + p.id + `"><figcaption><b>` + esc(p.title) + `</b>`)
	if p.desc != "" {
		b.WriteString(` <span class="desc">` + esc(p.desc) + `</span>`)
	}
	b.WriteString("</figcaption>\n")
	if len(p.lines) > 1 || len(p.legendSuffixes) > 0 {
		b.WriteString(`<div class="legend">`)
		for i, l := range p.lines {
			cls := "key s" + strconv.Itoa(l.color)
			if l.dashed {
				cls += " dash"
			}
			b.WriteString(`<span><i class="` + cls + `"></i>` + esc(l.name))
			if i < len(p.legendSuffixes) && p.legendSuffixes[i] != "" {
				b.WriteString(` <small>` + esc(p.legendSuffixes[i]) + `</small>`)
			}
			b.WriteString(`</span>`)
		}
		b.WriteString("</div>\n")
	}
	b.WriteString(`<svg data-chart="` + p.id + `" viewBox="0 0 ` + n1(p.w) + ` ` + n1(p.h) +
		`" role="img" aria-label="` + esc(p.title) + `">` + "\n")
	p.writeAxes(b)
	p.writeData(b)
	p.writeHover(b)
	b.WriteString("</svg></figure>\n")
}

// writeAxes draws the grid, tick labels and axis titles.
func (p *plot) writeAxes(b *strings.Builder) {
	xs, ys := p.xs(), p.ys()
	bottom, top := padTop+p.plotH(), padTop
	b.WriteString(`<g class="gl">`)
	for _, t := range p.yTicks {
		y := ys.at(t)
		b.WriteString(`<path d="M` + n1(padLeft) + ` ` + n1(y) + `H` + n1(padLeft+p.plotW()) + `"/>`)
	}
	for _, t := range p.xTicks {
		x := xs.at(t)
		b.WriteString(`<path d="M` + n1(x) + ` ` + n1(top) + `V` + n1(bottom) + `"/>`)
	}
	b.WriteString("</g>\n")
	b.WriteString(`<path class="axis" d="M` + n1(padLeft) + ` ` + n1(top) + `V` + n1(bottom) + `H` + n1(padLeft+p.plotW()) + `"/>` + "\n")
	b.WriteString(`<g class="ticks">`)
	for _, t := range p.yTicks {
		b.WriteString(`<text class="yl" x="` + n1(padLeft-6) + `" y="` + n1(ys.at(t)+4) + `">` + esc(p.fmtY(t)) + `</text>`)
	}
	for i, t := range p.xTicks {
		b.WriteString(`<text class="xl" x="` + n1(xs.at(t)) + `" y="` + n1(bottom+15) + `">` + esc(p.xLabels[i]) + `</text>`)
	}
	if p.xTitle != "" {
		b.WriteString(`<text class="xt" x="` + n1(padLeft+p.plotW()) + `" y="` + n1(p.h-3) + `">` + esc(p.xTitle) + `</text>`)
	}
	if p.yTitle != "" {
		b.WriteString(`<text class="yt" x="4" y="` + n1(top+2) + `">` + esc(p.yTitle) + `</text>`)
	}
	b.WriteString("</g>\n")
}

// writeData draws markers, bins, bars and lines.
func (p *plot) writeData(b *strings.Builder) {
	xs, ys := p.xs(), p.ys()
	bottom := padTop + p.plotH()
	for _, m := range p.marks {
		x0, x1 := xs.at(m.x0), xs.at(m.x1)
		b.WriteString(`<rect class="marker pt" x="` + n1(x0) + `" y="` + n1(padTop) + `" width="` + n1(math.Max(x1-x0, 2)) +
			`" height="` + n1(bottom-padTop) + `"><title>` + esc(m.title) + "</title></rect>\n")
	}
	for _, r := range p.rects {
		x0, x1, y := xs.at(r.x0), xs.at(r.x1), ys.at(r.y)
		b.WriteString(`<rect class="mark pt s0" x="` + n1(x0+0.5) + `" y="` + n1(y) + `" width="` + n1(math.Max(x1-x0-1, 1)) +
			`" height="` + n1(bottom-y) + `"><title>` + esc(r.title) + `</title></rect>` + "\n")
	}
	if p.bars {
		p.writeBars(b)
	} else {
		for _, l := range p.lines {
			cls := "mark line s" + strconv.Itoa(l.color)
			if l.dashed {
				cls += " dash"
			}
			for _, run := range runs(l.pts) {
				run = downsample(run, p.x0, p.x1, int(p.plotW()))
				b.WriteString(`<polyline class="` + cls + `" points="`)
				for i, pt := range run {
					if i > 0 {
						b.WriteByte(' ')
					}
					b.WriteString(n1(xs.at(pt.x)) + "," + n1(ys.at(pt.y)))
				}
				b.WriteString(`"/>` + "\n")
			}
		}
	}
}

// writeBars draws each line as bars, one per second; when seconds are
// narrower than two pixels, each bar is the highest second of its pixel
// columns so that a one-second storm stays as tall as it was. Lines sit
// side by side while there is room and overlap after that.
func (p *plot) writeBars(b *strings.Builder) {
	xs, ys := p.xs(), p.ys()
	bottom := padTop + p.plotH()
	k := float64(len(p.lines))
	for li, l := range p.lines {
		if len(l.pts) == 0 {
			continue
		}
		groups := buckets(len(l.pts), int(p.plotW()/2))
		prev := func(i int) float64 {
			if i == 0 {
				return p.x0
			}
			return l.pts[i-1].x
		}
		slot := xs.at(l.pts[len(l.pts)-1].x) - xs.at(prev(len(l.pts)-1))
		if len(groups) > 0 {
			g := groups[0]
			slot = xs.at(l.pts[g[1]-1].x) - xs.at(prev(g[0]))
		}
		width, offset := slot*0.9/k, slot*0.05+float64(li)*slot*0.9/k
		if width < 1.5 {
			width, offset = math.Max(slot, 1), 0
		}
		var d strings.Builder
		for _, g := range groups {
			top := 0.0
			for _, pt := range l.pts[g[0]:g[1]] {
				if pt.y > top {
					top = pt.y
				}
			}
			if top <= 0 {
				continue
			}
			x := xs.at(prev(g[0])) + offset + width/2
			d.WriteString("M" + n1(x) + " " + n1(bottom) + "V" + n1(ys.at(top)))
		}
		if d.Len() > 0 {
			b.WriteString(`<path class="mark bar s` + strconv.Itoa(l.color) + `" style="stroke-width:` + n1(width) + `" d="` + d.String() + `"/>` + "\n")
		}
	}
}

// writeHover draws the transparent hover targets with their tooltips.
func (p *plot) writeHover(b *strings.Builder) {
	xs, ys := p.xs(), p.ys()
	if len(p.spans) == 0 && len(p.points) == 0 {
		return
	}
	b.WriteString(`<g class="hov">`)
	h := n1(p.plotH())
	for _, s := range p.spans {
		x0, x1 := xs.at(s.x0), xs.at(s.x1)
		b.WriteString(`<rect class="pt" x="` + n1(x0) + `" y="` + n1(padTop) + `" width="` + n1(math.Max(x1-x0, 0.5)) + `" height="` + h + `"><title>` + esc(s.title) + "</title></rect>\n")
	}
	for _, pt := range p.points {
		b.WriteString(`<circle class="pt" cx="` + n1(xs.at(pt.x)) + `" cy="` + n1(ys.at(pt.y)) + `" r="4"><title>` + esc(pt.title) + "</title></circle>\n")
	}
	b.WriteString("</g>\n")
}

// hbar is one row of a horizontal bar chart.
type hbar struct {
	label string
	count int64
	title string
}

// writeHBars draws a horizontal bar chart: on each row a label, a bar and
// the count, with the meaning in a line under them and in the tooltip.
func writeHBars(b *strings.Builder, id, title, desc string, rows []hbar, total int64) {
	const w, rowH, labelW = 480.0, 40.0, 120.0
	h := rowH*float64(len(rows)) + 4
	var top int64 = 1
	for _, r := range rows {
		top = max(top, r.count)
	}
	b.WriteString(`<figure class="chart" id="chart-` + id + `"><figcaption><b>` + esc(title) + `</b>`)
	if desc != "" {
		b.WriteString(` <span class="desc">` + esc(desc) + `</span>`)
	}
	b.WriteString("</figcaption>\n")
	b.WriteString(`<svg data-chart="` + id + `" viewBox="0 0 ` + n1(w) + ` ` + n1(h) + `" role="img" aria-label="` + esc(title) + `">` + "\n")
	barMax := w - labelW - 96
	for i, r := range rows {
		y := 2 + rowH*float64(i)
		bw := math.Max(barMax*float64(r.count)/float64(top), 1)
		share := ""
		if total > 0 {
			share = " (" + fmtPercent(float64(r.count)/float64(total)) + ")"
		}
		b.WriteString(`<g class="pt"><title>` + esc(r.label+": "+fmtCount(r.count)+share+"\n"+r.title) + `</title>`)
		b.WriteString(`<rect class="hrow" x="0" y="` + n1(y) + `" width="` + n1(w) + `" height="` + n1(rowH-2) + `"/>`)
		b.WriteString(`<text class="hl" x="2" y="` + n1(y+15) + `">` + esc(clip(r.label, 18)) + `</text>`)
		b.WriteString(`<rect class="mark s3" x="` + n1(labelW) + `" y="` + n1(y+4) + `" width="` + n1(bw) + `" height="14"/>`)
		b.WriteString(`<text class="hv" x="` + n1(labelW+bw+6) + `" y="` + n1(y+15) + `">` + fmtCount(r.count) + share + `</text>`)
		b.WriteString(`<text class="hm" x="2" y="` + n1(y+31) + `">` + esc(clip(r.title, 80)) + "</text></g>\n")
	}
	b.WriteString("</svg></figure>\n")
}

// n1 formats a coordinate with at most one decimal: enough for a pixel,
// short, and the same on every run.
func n1(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
}

// esc escapes text for HTML and SVG content and attribute values.
func esc(s string) string { return html.EscapeString(s) }
