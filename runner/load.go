package runner

import (
	"github.com/wsbench/wsbench/metrics"
	"runtime"
	"time"
)

// loadMeter samples process CPU time once a second.
type loadMeter struct {
	start, last time.Time
	cpu0, cpu   time.Duration
	st          metrics.LoadStats
}

func startLoadMeter(now time.Time) *loadMeter {
	c := cpuTime()
	return &loadMeter{start: now, last: now, cpu0: c, cpu: c, st: metrics.LoadStats{Cores: runtime.GOMAXPROCS(0)}}
}

func (m *loadMeter) sample(now time.Time) {
	c := cpuTime()
	if wall := now.Sub(m.last); wall >= 500*time.Millisecond {
		share := float64(c-m.cpu) / float64(wall) / float64(m.st.Cores)
		m.st.PeakCPU = max(m.st.PeakCPU, share)
		if share > metrics.SaturationThreshold {
			m.st.SaturatedSeconds++
		}
		m.last, m.cpu = now, c
	}
	m.st.Goroutines = max(m.st.Goroutines, runtime.NumGoroutine())
	m.st.CPUSeconds = (c - m.cpu0).Seconds()
	if wall := now.Sub(m.start); wall > 0 {
		m.st.AvgCPU = float64(c-m.cpu0) / float64(wall) / float64(m.st.Cores)
	}
}

func (m *loadMeter) stats() metrics.LoadStats {
	st := m.st
	st.MaxRSSBytes = maxRSS()
	return st
}
