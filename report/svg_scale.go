package report

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// This file holds the pure arithmetic of the HTML report's charts: scales,
// tick choice and downsampling. Nothing here writes SVG, so all of it is
// table-tested on numbers.

// xy is one data point. A NaN y is a gap: the line breaks there.
type xy struct{ x, y float64 }

// linScale maps the domain [d0, d1] linearly onto the range [r0, r1]
// (pixels; r1 < r0 for a y axis that grows upwards).
type linScale struct{ d0, d1, r0, r1 float64 }

// at returns the pixel for v. An empty domain maps everything to r0.
func (s linScale) at(v float64) float64 {
	if s.d1 == s.d0 {
		return s.r0
	}
	return s.r0 + (v-s.d0)/(s.d1-s.d0)*(s.r1-s.r0)
}

// niceStep returns the smallest of 1, 2, 2.5 or 5 times a power of ten
// that covers max in at most n steps; 1 when max is 0 or less. With
// integer set it is never below 1, so counts get no 0.5 ticks.
func niceStep(max float64, n int, integer bool) float64 {
	if max <= 0 || n < 1 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 1
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw*(1-1e-9) {
			step = m * mag
			break
		}
	}
	if integer && step < 1 {
		return 1
	}
	return step
}

// valueTicks returns the ticks of an axis from 0 up to the first multiple
// of the nice step at or above max: 0 and at most n steps.
func valueTicks(max float64, n int, integer bool) []float64 {
	step := niceStep(max, n, integer)
	top := math.Ceil(max/step-1e-9) * step
	if top <= 0 {
		top = step
	}
	var ticks []float64
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > top*(1+1e-9) {
			break
		}
		ticks = append(ticks, roundTick(v, step))
	}
	return ticks
}

// roundTick removes floating-point noise (0.30000000000000004) from a tick.
func roundTick(v, step float64) float64 {
	digits := 0
	if step < 1 {
		digits = int(math.Ceil(-math.Log10(step))) + 1
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// timeSteps are the time-axis steps in seconds: round clock intervals.
var timeSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
	3600, 7200, 10800, 21600, 43200, 86400}

// timeTicks returns ticks in seconds from 0 to span at a round clock
// interval, at most n+1 of them.
func timeTicks(span float64, n int) []float64 {
	step := timeSteps[len(timeSteps)-1]
	for _, s := range timeSteps {
		if span/s <= float64(n) {
			step = s
			break
		}
	}
	var ticks []float64
	for v := 0.0; v <= span+1e-9; v += step {
		ticks = append(ticks, v)
	}
	return ticks
}

// fmtClock labels a time-axis tick: 0, 45s, 1m, 1m30s, 2h, 1h30m.
func fmtClock(sec float64) string {
	if sec == 0 {
		return "0"
	}
	d := time.Duration(math.Round(sec)) * time.Second
	s := d.String()
	// Duration.String writes 1m0s and 1h0m0s; the zeros say nothing.
	for _, z := range []string{"0s", "0m"} {
		if len(s) > len(z) && s[len(s)-len(z):] == z && s[len(s)-len(z)-1] > '9' {
			s = s[:len(s)-len(z)]
		}
	}
	return s
}

// fmtNum formats a count or rate for an axis or a tooltip: 950, 1.2k,
// 15k, 2.5M, and up to two decimals below 10.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 1, 64)) + "M"
	case a >= 1e4:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 0, 64)) + "k"
	case a >= 1e3:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case a >= 10 || v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
}

// trimZeros drops trailing zeros after a decimal point: 1.50 -> 1.5, 2.0 -> 2.
func trimZeros(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			end := len(s)
			for end > i+1 && s[end-1] == '0' {
				end--
			}
			if end == i+1 {
				end = i
			}
			return s[:end]
		}
	}
	return s
}

// percentileX is where quantile q (0 <= q < 1) sits on the percentile
// spectrum's axis: log10(1/(1-q)), so 0% is at 0, 90% at 1, 99% at 2,
// 99.9% at 3. q at or above 1 maps to +Inf; callers cap it.
func percentileX(q float64) float64 {
	if q >= 1 {
		return math.Inf(1)
	}
	if q <= 0 {
		return 0
	}
	return math.Log10(1 / (1 - q))
}

// percentileTicks returns the ticks of a percentile axis reaching at
// least xmax: 0%, 90%, 99%, 99.9%... as axis positions and labels; always
// up to 99% at least, so a short axis still reads as one.
func percentileTicks(xmax float64) (xs []float64, labels []string) {
	top := max(2, int(math.Ceil(xmax-1e-9)))
	for i := 0; i <= top; i++ {
		xs = append(xs, float64(i))
		labels = append(labels, percentileLabel(i))
	}
	return xs, labels
}

// percentileLabel labels the tick at axis position i: 0%, 90%, 99%, 99.9%...
func percentileLabel(i int) string {
	switch i {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", i-2) + "%"
}

// downsample thins pts (sorted by x, no gaps) to at most two points per
// pixel column of a plot cols wide spanning [x0, x1]: each column keeps
// its lowest and its highest point, in the order they came, so a spike
// one second wide still reaches its full height in an hour-long chart.
// With no more than two points per column on average pts is returned as
// it is.
func downsample(pts []xy, x0, x1 float64, cols int) []xy {
	if cols < 1 || len(pts) <= 2*cols || x1 <= x0 {
		return pts
	}
	out := make([]xy, 0, 2*cols)
	col := func(x float64) int {
		c := int((x - x0) / (x1 - x0) * float64(cols))
		return min(max(c, 0), cols-1)
	}
	for i := 0; i < len(pts); {
		c := col(pts[i].x)
		lo, hi := i, i
		j := i + 1
		for ; j < len(pts) && col(pts[j].x) == c; j++ {
			if pts[j].y < pts[lo].y {
				lo = j
			}
			if pts[j].y > pts[hi].y {
				hi = j
			}
		}
		switch {
		case lo == hi:
			out = append(out, pts[lo])
		case lo < hi:
			out = append(out, pts[lo], pts[hi])
		default:
			out = append(out, pts[hi], pts[lo])
		}
		i = j
	}
	return out
}

// runs splits pts at its gaps (NaN y) into runs of points to draw as one
// line each.
func runs(pts []xy) [][]xy {
	var out [][]xy
	start := -1
	for i, p := range pts {
		gap := math.IsNaN(p.y)
		if !gap && start < 0 {
			start = i
		}
		if gap && start >= 0 {
			out = append(out, pts[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, pts[start:])
	}
	return out
}

// buckets cuts n items into at most k consecutive groups of nearly equal
// size and returns each group's [start, end) bounds; every item is in
// exactly one group.
func buckets(n, k int) [][2]int {
	if n <= 0 || k <= 0 {
		return nil
	}
	k = min(k, n)
	out := make([][2]int, k)
	for i := range k {
		out[i] = [2]int{i * n / k, (i + 1) * n / k}
	}
	return out
}

// ageEdges are the bin edges of a histogram of durations, in
// microseconds: 1-2-5 steps below a second, then the steps a clock reads
// naturally (10s, 30s, 1m, 2m, 5m, 10m, 30m, 1h...) so that the labels are
// round durations rather than powers of ten of microseconds.
var ageEdges = func() []float64 {
	var e []float64
	for mag := 1.0; mag < 1e6; mag *= 10 {
		e = append(e, mag, 2*mag, 5*mag)
	}
	for _, sec := range []float64{1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400} {
		e = append(e, sec*1e6)
	}
	return e
}()

// durationBins returns the ageEdges that cover [lo, hi] microseconds: from
// the last edge at or below lo to the first edge above hi (days beyond
// the table double). lo below 1 counts as 1.
func durationBins(lo, hi float64) []float64 {
	lo = math.Max(lo, 1)
	if hi < lo {
		hi = lo
	}
	first := 0
	for i, e := range ageEdges {
		if e <= lo {
			first = i
		}
	}
	edges := []float64{ageEdges[first]}
	for i := first + 1; edges[len(edges)-1] <= hi; i++ {
		next := 2 * edges[len(edges)-1]
		if i < len(ageEdges) {
			next = ageEdges[i]
		}
		edges = append(edges, next)
	}
	return edges
}

// fmtAge labels a duration edge given in microseconds: 500µs, 20ms, 1s,
// 30s, 1m, 2h.
func fmtAge(us float64) string {
	switch {
	case us < 1e3:
		return strconv.FormatFloat(us, 'f', 0, 64) + "µs"
	case us < 1e6:
		return strconv.FormatFloat(us/1e3, 'f', 0, 64) + "ms"
	}
	return fmtClock(us / 1e6)
}
