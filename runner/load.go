package runner

import (
	"runtime"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// loadMeter samples process CPU time once a second.
type loadMeter struct {
	start, last time.Time
	cpu0, cpu   time.Duration
	st          metrics.LoadStats
}

func startLoadMeter(now time.Time) *loadMeter {
	c := cpuTime()
	return &loadMeter{start: now, last: now, cpu0: c, cpu: c, st: metrics.LoadStats{Cores: runtime.GOMAXPROCS(0), Host: metrics.ThisHost()}}
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

// timerProbeEvery is how often probeTimers measures timer lateness.
const timerProbeEvery = 50 * time.Millisecond

// probeTimers records, until done closes, how late a timer set every
// timerProbeEvery runs its goroutine: the scheduling delay wsbench adds to
// every client's timers and reads. It is what says "wsbench was the
// bottleneck" when the CPU share alone cannot (one busy core of several,
// a throttled container, a GC storm).
func probeTimers(sh *metrics.Shard, done <-chan struct{}) {
	t := time.NewTimer(timerProbeEvery)
	defer t.Stop()
	due := time.Now().Add(timerProbeEvery)
	for {
		select {
		case <-done:
			return
		case <-t.C:
			now := time.Now()
			sh.Observe(metrics.TimerLag, max(now.Sub(due), 0))
			due = now.Add(timerProbeEvery)
			t.Reset(timerProbeEvery)
		}
	}
}
