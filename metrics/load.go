package metrics

// LoadStats is what the load generator itself cost, so a report can say
// when wsbench, not the server, was the bottleneck.
type LoadStats struct {
	// CPUSeconds is user+system CPU time of this process during the run.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Cores is GOMAXPROCS, the CPU this process could use.
	Cores int `json:"cores"`
	// AvgCPU and PeakCPU are the share of Cores used (0..1), on average
	// and in the busiest second.
	AvgCPU  float64 `json:"avg_cpu"`
	PeakCPU float64 `json:"peak_cpu"`
	// SaturatedSeconds counts seconds above SaturationThreshold.
	SaturatedSeconds int `json:"saturated_seconds"`
	// MaxRSSBytes is the peak resident memory of the process.
	MaxRSSBytes int64 `json:"max_rss_bytes"`
	// Goroutines is the highest goroutine count seen at a sample.
	Goroutines int `json:"goroutines"`
}

// SaturationThreshold is the CPU share above which a second counts as
// saturated: latencies measured then include wsbench's own queueing.
const SaturationThreshold = 0.9
