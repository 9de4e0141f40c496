package metrics

import "os"

// LoadStats is what the load generator itself cost, so a report can say
// when wsbench, not the server, was the bottleneck.
type LoadStats struct {
	// CPUSeconds is user+system CPU time of this process during the run.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Cores is GOMAXPROCS, the CPU this process could use. In a merged
	// result it counts each machine's cores once, however many of the
	// merged processes ran there.
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
	// Host names the machine the process ran on (ThisHost), so that a
	// merge counts the cores of processes that shared a machine once
	// instead of once per process. Empty in results written before it
	// existed: a merge then takes each such result for a machine of its
	// own. In a merged result, the machine when all inputs ran on one.
	Host string `json:"host,omitempty"`
	// Processes is how many wsbench processes the figures add up: absent
	// (one) for a single run.
	Processes int `json:"processes,omitempty"`
	// Hosts is, in a merged result, the figures of each machine, in
	// order of first appearance; absent for a single run.
	Hosts []HostLoad `json:"hosts,omitempty"`
}

// HostLoad is what the wsbench processes on one machine cost together,
// in a merged result.
type HostLoad struct {
	// Host is the machine's name; empty for results that did not record
	// one (each then counts as a machine of its own).
	Host string `json:"host"`
	// Processes is how many of the merged results ran there.
	Processes int `json:"processes"`
	// CPUSeconds is the CPU time of all of them.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Cores is the machine's cores: the most any of them could use.
	Cores int `json:"cores"`
	// WallSeconds is from the earliest start to the latest end among them.
	WallSeconds float64 `json:"wall_seconds"`
	// AvgCPU is CPUSeconds / WallSeconds / Cores: how busy the machine
	// was on wsbench's account, all processes together.
	AvgCPU float64 `json:"avg_cpu"`
	// PeakCPU and SaturatedSeconds are the highest of one process's,
	// as a share of the machine's Cores: a lower bound, since the
	// processes' per-second CPU is not stored.
	PeakCPU          float64 `json:"peak_cpu"`
	SaturatedSeconds int     `json:"saturated_seconds"`
	// MaxRSSBytes and Goroutines add each process's peak: an upper bound
	// of what the machine held at once.
	MaxRSSBytes int64 `json:"max_rss_bytes"`
	Goroutines  int   `json:"goroutines"`
}

// SaturationThreshold is the CPU share above which a second counts as
// saturated: latencies measured then include wsbench's own queueing.
const SaturationThreshold = 0.9

// ThisHost names this machine for LoadStats.Host: its host name, which
// is what tells processes on one machine (one set of cores) from those
// on others. A container or pod has a name of its own, and, when it is
// limited to some CPUs, GOMAXPROCS follows the limit, so each counts as
// a machine with its own cores, which is what it is. Empty when the
// name cannot be read.
func ThisHost() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	return h
}
