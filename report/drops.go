package report

import (
	"fmt"
	"math"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wsbench/wsbench/metrics"
)

// DropAnalysis looks at when connections dropped: their age at the drop
// (a cluster at one age points to a timeout upstream) and seconds in
// which many dropped at once (a drop storm).
type DropAnalysis struct {
	// Lifetime is the distribution of the dropped connections' ages.
	Lifetime Latency `json:"lifetime"`
	// Cluster is set when most drops happened at one age.
	Cluster *AgeCluster `json:"cluster,omitempty"`
	// Storms are the seconds in which many connections dropped at once,
	// most drops first (at most 5).
	Storms []Storm `json:"storms"`
}

// AgeCluster is a share of drops at one connection age, ±1 s.
type AgeCluster struct {
	AgeSeconds float64 `json:"age_seconds"`
	Drops      int64   `json:"drops"`
	Share      float64 `json:"share"`
}

// Storm is one second in which many connections dropped.
type Storm struct {
	// T is the end of the second, in seconds since the start.
	T         float64 `json:"t"`
	Drops     int64   `json:"drops"`
	Connected int64   `json:"connected_before"`
}

// Detection limits, documented in docs/metrics.md#drop-analysis.
const (
	clusterWindow   = time.Second // ages within ±1 s of the center
	clusterMinAge   = 3 * time.Second
	clusterMinDrops = 5
	clusterMinShare = 0.5
	stormMinDrops   = 10
	stormMinShare   = 0.2
	maxStorms       = 5
)

// analyseDrops is nil when nothing dropped.
func analyseDrops(lifetime *hdr.Histogram, series []metrics.Point) *DropAnalysis {
	if lifetime.TotalCount() == 0 {
		return nil
	}
	a := &DropAnalysis{Lifetime: latencyOf(lifetime), Cluster: ageCluster(lifetime), Storms: storms(series)}
	return a
}

// ageCluster finds the age, in 100 ms steps, whose ±1 s window holds the
// most drops, and returns it when it holds at least half of them.
func ageCluster(h *hdr.Histogram) *AgeCluster {
	const step = int64(100 * time.Millisecond / time.Microsecond)
	bins := map[int64]int64{}
	for _, b := range h.Distribution() {
		if b.Count > 0 {
			bins[((b.From+b.To)/2+step/2)/step] += b.Count // to the nearest 100 ms
		}
	}
	keys := make([]int64, 0, len(bins))
	for k := range bins {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	w := int64(clusterWindow/time.Microsecond) / step
	total := h.TotalCount()
	var best AgeCluster
	for _, c := range keys {
		if time.Duration(c*step)*time.Microsecond < clusterMinAge {
			continue
		}
		var n int64
		for k := c - w; k <= c+w; k++ {
			n += bins[k]
		}
		if n > best.Drops {
			best = AgeCluster{AgeSeconds: math.Round(float64(c*step)/1e5) / 10, Drops: n}
		}
	}
	if best.Drops < clusterMinDrops || float64(best.Drops) < clusterMinShare*float64(total) {
		return nil
	}
	best.Share = float64(best.Drops) / float64(total)
	return &best
}

// storms lists the seconds where at least stormMinDrops connections, and
// stormMinShare of those connected the second before, dropped.
func storms(series []metrics.Point) []Storm {
	out := []Storm{}
	var before int64
	for _, p := range series {
		// The client's own simulated network losses are not a storm.
		if n := p.Drops - p.OfflineDrops; n >= stormMinDrops && float64(n) >= stormMinShare*float64(max(before, 1)) {
			out = append(out, Storm{T: p.T, Drops: n, Connected: before})
		}
		before = p.Connected
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Drops > out[j].Drops })
	if len(out) > maxStorms {
		out = out[:maxStorms]
	}
	return out
}

// clusterText says what a cluster of drop ages suggests.
func clusterText(c *AgeCluster) string {
	return fmt.Sprintf("%.0f%% of drops happened at %s±1 s of connection age: likely an idle or session timeout upstream (a proxy, load balancer or the server)",
		c.Share*100, fmtSeconds(c.AgeSeconds))
}

// stormText describes a drop storm.
func stormText(s Storm) string {
	return fmt.Sprintf("drop storm at %s: %d connections dropped within one second (%d were connected the second before)",
		fmtSeconds(s.T), s.Drops, s.Connected)
}
