package report

import (
	"math"
	"reflect"
	"testing"
)

func TestLinScale(t *testing.T) {
	s := linScale{d0: 0, d1: 100, r0: 200, r1: 10}
	for v, want := range map[float64]float64{0: 200, 100: 10, 50: 105, 150: -85} {
		if got := s.at(v); got != want {
			t.Errorf("at(%v) = %v, want %v", v, got, want)
		}
	}
	if got := (linScale{5, 5, 3, 9}).at(7); got != 3 {
		t.Errorf("empty domain maps to %v, want r0", got)
	}
}

func TestValueTicks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		max     float64
		integer bool
		want    []float64
	}{
		{"empty", 0, true, []float64{0, 1}},
		{"round", 1000, true, []float64{0, 250, 500, 750, 1000}},
		{"just above", 1001, true, []float64{0, 500, 1000, 1500}},
		{"small integers", 3, true, []float64{0, 1, 2, 3}},
		{"one", 1, true, []float64{0, 1}},
		{"fractions", 0.7, false, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{"no float noise", 0.3, false, []float64{0, 0.1, 0.2, 0.3}},
		{"latency", 79_900, true, []float64{0, 20_000, 40_000, 60_000, 80_000}},
		{"rate", 58.5, false, []float64{0, 20, 40, 60}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := valueTicks(tc.max, 4, tc.integer)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("valueTicks(%v) = %v, want %v", tc.max, got, tc.want)
			}
			if got[len(got)-1] < tc.max {
				t.Errorf("top tick %v below max %v", got[len(got)-1], tc.max)
			}
		})
	}
}

func TestTimeTicks(t *testing.T) {
	for _, tc := range []struct {
		span float64
		want []string
	}{
		{5, []string{"0", "1s", "2s", "3s", "4s", "5s"}},
		{30.2, []string{"0", "5s", "10s", "15s", "20s", "25s", "30s"}},
		{90, []string{"0", "10s", "20s", "30s", "40s", "50s", "1m", "1m10s", "1m20s", "1m30s"}},
		{3600, []string{"0", "10m", "20m", "30m", "40m", "50m", "1h"}},
		{5400, []string{"0", "10m", "20m", "30m", "40m", "50m", "1h", "1h10m", "1h20m", "1h30m"}},
		{7200, []string{"0", "15m", "30m", "45m", "1h", "1h15m", "1h30m", "1h45m", "2h"}},
	} {
		var got []string
		for _, v := range timeTicks(tc.span, 10) {
			got = append(got, fmtClock(v))
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("timeTicks(%v) = %q, want %q", tc.span, got, tc.want)
		}
	}
}

func TestFmtNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 7: "7", 0.25: "0.25", 2.5: "2.5", 950: "950", 1200: "1.2k",
		1000: "1k", 15_000: "15k", 2_500_000: "2.5M", 12.4: "12"} {
		if got := fmtNum(v); got != want {
			t.Errorf("fmtNum(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestPercentileAxis(t *testing.T) {
	for q, want := range map[float64]float64{0: 0, 0.9: 1, 0.99: 2, 0.999: 3, 0.5: math.Log10(2)} {
		if got := percentileX(q); math.Abs(got-want) > 1e-9 {
			t.Errorf("percentileX(%v) = %v, want %v", q, got, want)
		}
	}
	if !math.IsInf(percentileX(1), 1) {
		t.Error("percentileX(1) is not +Inf")
	}
	xs, labels := percentileTicks(3.3)
	if !reflect.DeepEqual(xs, []float64{0, 1, 2, 3, 4}) || !reflect.DeepEqual(labels, []string{"0%", "90%", "99%", "99.9%", "99.99%"}) {
		t.Errorf("percentileTicks(3.3) = %v %q", xs, labels)
	}
	if xs, _ := percentileTicks(0.5); len(xs) != 3 {
		t.Errorf("a short axis still reaches 99%%: %v", xs)
	}
}

func TestDownsample(t *testing.T) {
	// 3,600 seconds of a flat line at 10 with one spike to 500 at 1,234 s
	// and one dip to 0 at 2,000 s, into 900 columns.
	pts := make([]xy, 3600)
	for i := range pts {
		pts[i] = xy{float64(i + 1), 10}
	}
	pts[1233].y, pts[1999].y = 500, 0
	got := downsample(pts, 0, 3600, 900)
	if len(got) > 2*900 {
		t.Fatalf("%d points for 900 columns", len(got))
	}
	top, bottom := math.Inf(-1), math.Inf(1)
	for i, p := range got {
		top, bottom = math.Max(top, p.y), math.Min(bottom, p.y)
		if i > 0 && p.x <= got[i-1].x {
			t.Fatalf("points out of order at %d: %v after %v", i, p, got[i-1])
		}
	}
	if top != 500 || bottom != 0 {
		t.Errorf("spike and dip lost: max %v, min %v", top, bottom)
	}
	short := pts[:100]
	if got := downsample(short, 0, 100, 900); len(got) != 100 {
		t.Errorf("a short series was thinned to %d points", len(got))
	}
	// A column keeps its low and its high in time order.
	col := []xy{{0.1, 5}, {0.2, 9}, {0.3, 1}, {0.4, 4}, {1.5, 7}, {1.6, 3}, {1.7, 3}}
	want := []xy{{0.2, 9}, {0.3, 1}, {1.5, 7}, {1.6, 3}}
	if got := downsample(col, 0, 2, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("downsample by column = %v, want %v", got, want)
	}
}

func TestRunsSplitAtGaps(t *testing.T) {
	nan := math.NaN()
	pts := []xy{{1, nan}, {2, 1}, {3, 2}, {4, nan}, {5, nan}, {6, 3}}
	got := runs(pts)
	if len(got) != 2 || len(got[0]) != 2 || len(got[1]) != 1 || got[1][0].x != 6 {
		t.Errorf("runs = %v", got)
	}
	if runs([]xy{{1, nan}}) != nil {
		t.Error("all gaps gives a run")
	}
}

func TestBuckets(t *testing.T) {
	for _, tc := range []struct{ n, k, groups int }{{10, 3, 3}, {3, 10, 3}, {3600, 220, 220}, {0, 5, 0}} {
		got := buckets(tc.n, tc.k)
		if len(got) != tc.groups {
			t.Errorf("buckets(%d, %d): %d groups, want %d", tc.n, tc.k, len(got), tc.groups)
		}
		next := 0
		for _, g := range got {
			if g[0] != next || g[1] <= g[0] {
				t.Fatalf("buckets(%d, %d) = %v: not consecutive and non-empty", tc.n, tc.k, got)
			}
			next = g[1]
		}
		if next != tc.n {
			t.Errorf("buckets(%d, %d) cover %d items", tc.n, tc.k, next)
		}
	}
}

func TestDurationBins(t *testing.T) {
	var got []string
	for _, e := range durationBins(3e6, 100e6) {
		got = append(got, fmtAge(e))
	}
	if want := []string{"2s", "5s", "10s", "30s", "1m", "2m"}; !reflect.DeepEqual(got, want) {
		t.Errorf("durationBins(3s, 100s) = %q, want %q", got, want)
	}
	got = nil
	for _, e := range durationBins(0, 700) {
		got = append(got, fmtAge(e))
	}
	if want := []string{"1µs", "2µs", "5µs", "10µs", "20µs", "50µs", "100µs", "200µs", "500µs", "1ms"}; !reflect.DeepEqual(got, want) {
		t.Errorf("durationBins(0, 700µs) = %q, want %q", got, want)
	}
	if e := durationBins(1e6, 3*86400e6); e[len(e)-1] != 4*86400e6 {
		t.Errorf("past the table edges double: %v", e)
	}
}
