package report

import (
	"fmt"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// mergeLoad adds up what the processes cost, machine by machine:
// processes that name the same host shared its cores, so their CPU time
// adds up against those cores once (six workers on a 2-core machine are
// 2 cores, not 12). Processes that name no host (results of an older
// wsbench) count as a machine each. The merged cores are the machines'
// cores added up, avg_cpu all CPU time over all machines' core-seconds
// (each machine from its first start to its last end). peak_cpu and
// saturated_seconds are the busiest machine's, each the highest of one
// of its processes: a lower bound, since per-second CPU is not stored.
// RSS and goroutines add each process's peak, an upper bound.
func mergeLoad(results []*Summary) metrics.LoadStats {
	// One entry per process (or per machine of an input that was merged
	// already), keyed by machine; a nameless one gets a key of its own.
	type entry struct {
		key        string
		load       metrics.HostLoad
		start, end time.Time
	}
	var entries []entry
	for _, r := range results {
		for _, h := range inputHosts(r) {
			key := h.Host
			if key == "" {
				key = fmt.Sprintf("\x00%d", len(entries)) // never equal to a name
			}
			entries = append(entries, entry{key, h, r.Start, r.End})
		}
	}
	type machine struct {
		metrics.HostLoad
		start, end time.Time
	}
	var order []*machine
	machines := map[string]*machine{}
	for _, e := range entries {
		h := machines[e.key]
		if h == nil {
			h = &machine{HostLoad: metrics.HostLoad{Host: e.load.Host}, start: e.start, end: e.end}
			machines[e.key] = h
			order = append(order, h)
		}
		h.Processes += e.load.Processes
		h.CPUSeconds += e.load.CPUSeconds
		h.Cores = max(h.Cores, e.load.Cores)
		h.MaxRSSBytes += e.load.MaxRSSBytes
		h.Goroutines += e.load.Goroutines
		if e.start.Before(h.start) {
			h.start = e.start
		}
		if e.end.After(h.end) {
			h.end = e.end
		}
	}
	// A process's peak is a share of its own cores; rescale it to the
	// machine's, which are more when GOMAXPROCS was set lower.
	for _, e := range entries {
		h := machines[e.key]
		if h.Cores > 0 {
			h.PeakCPU = max(h.PeakCPU, e.load.PeakCPU*float64(e.load.Cores)/float64(h.Cores))
		}
		h.SaturatedSeconds = max(h.SaturatedSeconds, e.load.SaturatedSeconds)
	}
	var m metrics.LoadStats
	var coreSeconds float64
	for _, h := range order {
		h.WallSeconds = h.end.Sub(h.start).Seconds()
		if h.Cores > 0 && h.WallSeconds > 0 {
			h.AvgCPU = h.CPUSeconds / (float64(h.Cores) * h.WallSeconds)
		}
		coreSeconds += float64(h.Cores) * h.WallSeconds
		m.CPUSeconds += h.CPUSeconds
		m.Cores += h.Cores
		m.MaxRSSBytes += h.MaxRSSBytes
		m.Goroutines += h.Goroutines
		m.Processes += h.Processes
		m.PeakCPU = max(m.PeakCPU, h.PeakCPU)
		m.SaturatedSeconds = max(m.SaturatedSeconds, h.SaturatedSeconds)
		m.Hosts = append(m.Hosts, h.HostLoad)
	}
	if coreSeconds > 0 {
		m.AvgCPU = m.CPUSeconds / coreSeconds
	}
	if len(order) == 1 {
		m.Host = order[0].Host
	}
	return m
}

// inputHosts is one input's load as machines: its own list when it was
// merged already, else the one process it measured.
func inputHosts(r *Summary) []metrics.HostLoad {
	l := r.LoadGenerator
	if len(l.Hosts) > 0 {
		return l.Hosts
	}
	return []metrics.HostLoad{{
		Host:             l.Host,
		Processes:        max(l.Processes, 1),
		CPUSeconds:       l.CPUSeconds,
		Cores:            l.Cores,
		PeakCPU:          l.PeakCPU,
		SaturatedSeconds: l.SaturatedSeconds,
		MaxRSSBytes:      l.MaxRSSBytes,
		Goroutines:       l.Goroutines,
	}}
}
