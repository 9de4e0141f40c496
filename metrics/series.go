package metrics

import "time"

// Point is one second of a run: levels at the end of the second, counts
// within it, and interval latency percentiles. It feeds live progress and
// the per-second series of the result.
type Point struct {
	// T is the end of the interval, in seconds since the run started.
	T float64 `json:"t"`
	// Levels at the end of the interval.
	Target     int64 `json:"target"`
	Connected  int64 `json:"connected"`
	Alive      int64 `json:"alive"`
	QueueDepth int64 `json:"queue_depth"`
	// Counts within the interval.
	Sent     int64 `json:"sent"`
	Received int64 `json:"received"`
	Opened   int64 `json:"opened"`
	Drops    int64 `json:"drops"`
	// OfflineDrops are the drops among Drops that the client's own
	// simulated network caused (client.network); omitted when none.
	OfflineDrops int64 `json:"offline_drops,omitempty"`
	Failures     int64 `json:"failures"`
	Reconnects   int64 `json:"reconnects"`
	Errors       int64 `json:"errors"`
	// Round-trip percentiles within the interval, in microseconds (0: none).
	RTTCount int64 `json:"rtt_count"`
	RTTP50   int64 `json:"rtt_p50_us"`
	RTTP95   int64 `json:"rtt_p95_us"`
	RTTP99   int64 `json:"rtt_p99_us"`
	// Socket.IO ack percentiles within the interval, like RTT's; omitted
	// when the interval had no ack.
	AckCount int64 `json:"ack_count,omitempty"`
	AckP50   int64 `json:"ack_p50_us,omitempty"`
	AckP95   int64 `json:"ack_p95_us,omitempty"`
	AckP99   int64 `json:"ack_p99_us,omitempty"`
	// Open model: arrivals that started and that were missed (max
	// clients alive) in the interval, and how far behind schedule the
	// latest-starting one was, in microseconds.
	Arrivals       int64 `json:"arrivals,omitempty"`
	ArrivalsMissed int64 `json:"arrivals_missed,omitempty"`
	ArrivalLagMax  int64 `json:"arrival_lag_max_us,omitempty"`
	// TimerLagMax is the latest wsbench's timer probe ran in the
	// interval, in microseconds: high when wsbench was short of CPU.
	TimerLagMax int64 `json:"timer_lag_max_us,omitempty"`
}

// Progress is the second that just ended plus run totals, for live
// progress.
type Progress struct {
	Point
	TotalErrors     int64
	TotalDrops      int64
	TotalReconnects int64
	// TotalRTTP99 is the round-trip p99 of the run so far, in microseconds.
	TotalRTTP99 int64
}

// ErrorCount is the errors figure of progress, series and thresholds:
// failed connects, timed-out expects and rejected sends.
func ErrorCount(c *[NumCounters]int64) int64 {
	return c[ConnFailed] + c[ExpectTimedOut] + c[SendsRejected]
}

// Tick closes the interval ending at now: it folds every shard's samples
// into the run's histograms, appends one Point to the series and returns
// it with the run's totals.
func (r *Recorder) Tick(now time.Time) Progress {
	r.smu.Lock()
	defer r.smu.Unlock()
	return r.tickLocked(now)
}

func (r *Recorder) tickLocked(now time.Time) Progress {
	r.collect()
	c, g := r.counters()
	p := Point{
		T:            now.Sub(r.start).Seconds(),
		Target:       r.target.Load(),
		Connected:    g[Connected],
		Alive:        g[Alive],
		QueueDepth:   g[QueueDepth],
		Sent:         c[MsgsSent] - r.last[MsgsSent],
		Received:     c[MsgsReceived] - r.last[MsgsReceived],
		Opened:       c[ConnOpened] - r.last[ConnOpened],
		Drops:        c[ConnDropped] - r.last[ConnDropped],
		OfflineDrops: c[OfflineDrops] - r.last[OfflineDrops],
		Failures:     c[ConnFailed] - r.last[ConnFailed],
		Reconnects:   c[ReconnectSuccesses] - r.last[ReconnectSuccesses],
		Errors:       ErrorCount(&c) - ErrorCount(&r.last),
	}
	if rtt := r.interval[RTT]; rtt.TotalCount() > 0 {
		p.RTTCount = rtt.TotalCount()
		p.RTTP50 = rtt.ValueAtQuantile(50)
		p.RTTP95 = rtt.ValueAtQuantile(95)
		p.RTTP99 = rtt.ValueAtQuantile(99)
	}
	if ack := r.interval[Ack]; ack.TotalCount() > 0 {
		p.AckCount = ack.TotalCount()
		p.AckP50 = ack.ValueAtQuantile(50)
		p.AckP95 = ack.ValueAtQuantile(95)
		p.AckP99 = ack.ValueAtQuantile(99)
	}
	if lag := r.interval[ArrivalLag]; lag.TotalCount() > 0 {
		p.Arrivals = lag.TotalCount()
		p.ArrivalLagMax = lag.Max()
	}
	p.ArrivalsMissed = c[ArrivalsMissed] - r.last[ArrivalsMissed]
	if lag := r.interval[TimerLag]; lag.TotalCount() > 0 {
		p.TimerLagMax = lag.Max()
	}
	for h := range r.interval {
		if r.interval[h].TotalCount() > 0 {
			r.total[h].Merge(r.interval[h])
			r.interval[h].Reset()
		}
	}
	r.last = c
	r.lastTick = now
	r.SamplePeak()
	r.series = append(r.series, p)
	pr := Progress{Point: p, TotalErrors: ErrorCount(&c), TotalDrops: c[ConnDropped], TotalReconnects: c[ReconnectSuccesses]}
	if r.total[RTT].TotalCount() > 0 {
		pr.TotalRTTP99 = r.total[RTT].ValueAtQuantile(99)
	}
	return pr
}
