package runner

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// TestTimerProbeSeesAStarvedProcess: with one CPU and goroutines spinning
// on it, the probe's timer runs late, and timer_lag shows how late.
func TestTimerProbeSeesAStarvedProcess(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rec := metrics.NewRecorder(time.Now(), 1)
	done, probed := make(chan struct{}), make(chan struct{})
	go func() { probeTimers(rec.Shard(0), done); close(probed) }()
	time.Sleep(200 * time.Millisecond)

	// A spinner keeps the only P until it is preempted (every 10 ms); the
	// probe, woken by its timer, runs next, about one slice late.
	var stop atomic.Bool
	for range 20 {
		go func() {
			for !stop.Load() {
			}
		}()
	}
	time.Sleep(600 * time.Millisecond)
	stop.Store(true)
	close(done)
	<-probed

	lag := rec.Snapshot(time.Now()).Hists[metrics.TimerLag]
	// Each spinner holds the P for up to a 10 ms slice (far more under
	// the race detector), so the worst probe is at least that late.
	if lag.TotalCount() < 2 || lag.Max() < 8_000 {
		t.Fatalf("timer lag: %d samples, worst %d µs; want the worst 8 ms or more behind", lag.TotalCount(), lag.Max())
	}
}
