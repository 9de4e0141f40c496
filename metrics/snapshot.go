package metrics

import (
	"maps"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Snapshot is everything a run measured, complete and mergeable: the
// cumulative histograms, counters, causes with their detail maps and the
// per-second series. Report renders it; nothing in it is rounded.
type Snapshot struct {
	Start, End time.Time
	Counters   [NumCounters]int64
	Causes     [NumCauses]int64
	// CloseCodes counts drops by close code (1006 for no close frame).
	CloseCodes map[int]int64
	// Statuses counts refused handshakes by HTTP status.
	Statuses map[int]int64
	// Examples holds the first error message seen for each cause.
	Examples [NumCauses]string
	Hists    [NumHists]*hdr.Histogram
	Series   []Point
	// PeakConnected is the most open connections seen at once (sampled on
	// every population tick).
	PeakConnected int64
	// Clamped counts latency samples above one hour, recorded as one hour.
	Clamped int64
}

// Snapshot closes the last interval at end and returns the run's totals.
// The recorder may keep recording afterwards; a later Snapshot includes
// everything since the start.
func (r *Recorder) Snapshot(end time.Time) *Snapshot {
	r.smu.Lock()
	defer r.smu.Unlock()
	if end.After(r.lastTick) {
		r.tickLocked(end)
	}
	s := &Snapshot{Start: r.start, End: end, PeakConnected: r.peak.Load()}
	s.Counters, _ = r.counters()
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		s.Clamped += sh.clamped
		sh.mu.Unlock()
	}
	for h := range s.Hists {
		s.Hists[h] = r.total[h].Clone()
	}
	s.Series = append([]Point(nil), r.series...)
	r.emu.Lock()
	s.Causes = r.causes
	s.CloseCodes = maps.Clone(r.closeCodes)
	s.Statuses = maps.Clone(r.statuses)
	s.Examples = r.examples
	r.emu.Unlock()
	return s
}

// Duration is the length of the run.
func (s *Snapshot) Duration() time.Duration { return s.End.Sub(s.Start) }

// Availability is the share of time clients wanted a connection that one
// was open: open / (connecting + open + reconnecting). It is 0 when no
// client ever connected.
func (s *Snapshot) Availability() float64 {
	alive := s.Counters[TimeConnecting] + s.Counters[TimeOpen] + s.Counters[TimeReconnecting]
	if alive == 0 {
		return 0
	}
	return float64(s.Counters[TimeOpen]) / float64(alive)
}
