package report

import (
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

func TestAgeCluster(t *testing.T) {
	cases := []struct {
		name  string
		ages  []time.Duration
		want  float64 // cluster age in seconds, 0 for none
		share float64
	}{
		{"idle timeout at 60 s", append(repeat(60*time.Second, 40), repeat(12*time.Second, 5)...), 60, 40.0 / 45},
		{"spread within ±1 s", []time.Duration{59 * time.Second, 59500 * time.Millisecond, 60 * time.Second, 60500 * time.Millisecond, 61 * time.Second, 5 * time.Second}, 60, 5.0 / 6},
		{"spread out", []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second, 50 * time.Second}, 0, 0},
		{"too few drops", repeat(30*time.Second, 4), 0, 0},
		{"young connections are no cluster", repeat(500*time.Millisecond, 50), 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := metrics.NewHistogram()
			for _, a := range c.ages {
				_ = h.RecordValue(int64(a / time.Microsecond))
			}
			got := ageCluster(h)
			switch {
			case c.want == 0 && got != nil:
				t.Fatalf("cluster %+v, want none", got)
			case c.want != 0 && (got == nil || got.AgeSeconds < c.want-0.5 || got.AgeSeconds > c.want+0.5 || got.Share != c.share):
				t.Fatalf("cluster %+v, want about %vs with share %v", got, c.want, c.share)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestStorms(t *testing.T) {
	series := []metrics.Point{
		{T: 1, Connected: 500}, {T: 2, Connected: 500, Drops: 5}, {T: 3, Connected: 40, Drops: 480},
		{T: 4, Connected: 490, Drops: 9}, {T: 5, Connected: 20, Drops: 30}, {T: 6, Connected: 20, Drops: 12},
	}
	got := storms(series)
	if len(got) != 2 || got[0].T != 3 || got[0].Drops != 480 || got[0].Connected != 500 || got[1].T != 6 || got[1].Connected != 20 {
		t.Fatalf("storms %+v", got)
	}
	if s := stormText(got[0]); !strings.Contains(s, "drop storm at 3s: 480 connections dropped within one second (500 were connected") {
		t.Errorf("text: %s", s)
	}
}

// TestStormsLeaveSimulatedLossesOut: drops the scenario's own network
// flaps caused are not a storm; the server's drops beside them still are.
func TestStormsLeaveSimulatedLossesOut(t *testing.T) {
	series := []metrics.Point{
		{T: 1, Connected: 100}, {T: 2, Connected: 60, Drops: 40, OfflineDrops: 40},
		{T: 3, Connected: 30, Drops: 50, OfflineDrops: 20},
	}
	got := storms(series)
	if len(got) != 1 || got[0].T != 3 || got[0].Drops != 30 {
		t.Fatalf("storms %+v; want one at 3s with the server's 30 drops", got)
	}
}
