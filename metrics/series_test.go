package metrics

import (
	"testing"
	"time"
)

// TestSeriesCarriesAcksArrivalsAndTimerLag: a second's point has the ack
// percentiles, the open model's arrivals and the timer probe's worst lag
// of that second only.
func TestSeriesCarriesAcksArrivalsAndTimerLag(t *testing.T) {
	start := time.Now()
	r := NewRecorder(start, 1)
	sh := r.Shard(0)
	for i := 1; i <= 100; i++ {
		sh.Observe(Ack, time.Duration(i)*time.Millisecond)
	}
	sh.Observe(ArrivalLag, 3*time.Millisecond)
	sh.Observe(ArrivalLag, 40*time.Millisecond)
	sh.Inc(ArrivalsMissed)
	sh.Observe(TimerLag, 25*time.Millisecond)
	p := r.Tick(start.Add(time.Second)).Point
	if p.AckCount != 100 || p.AckP50 < 49_900 || p.AckP50 > 50_100 || p.AckP99 < 98_900 || p.AckP99 > 99_100 {
		t.Errorf("ack: count %d, p50 %d, p99 %d µs; want 100, 50ms, 99ms", p.AckCount, p.AckP50, p.AckP99)
	}
	if p.Arrivals != 2 || p.ArrivalsMissed != 1 || p.ArrivalLagMax < 39_900 || p.ArrivalLagMax > 40_100 {
		t.Errorf("arrivals %d, missed %d, lag max %d µs; want 2, 1, 40ms", p.Arrivals, p.ArrivalsMissed, p.ArrivalLagMax)
	}
	if p.TimerLagMax < 24_900 || p.TimerLagMax > 25_100 {
		t.Errorf("timer lag max %d µs, want 25ms", p.TimerLagMax)
	}
	q := r.Tick(start.Add(2 * time.Second)).Point
	if q.AckCount != 0 || q.Arrivals != 0 || q.ArrivalsMissed != 0 || q.TimerLagMax != 0 {
		t.Errorf("the next second repeats the first's: %+v", q)
	}
}
