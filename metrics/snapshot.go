package metrics

import (
	"cmp"
	"maps"
	"slices"
	"strings"
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
	// Unexpected counts messages.unmatched by name (Shard.Unmatched).
	Unexpected map[string]int64
	// Profiles holds each client profile's own measurements when the
	// population mixes profiles (clients.profiles); the fields above are
	// the whole run's.
	Profiles []Profile
}

// Profile is one client profile's share of a run.
type Profile struct {
	Name   string
	Weight float64
	Snap   *Snapshot
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
		for name, n := range sh.unexpected {
			if s.Unexpected == nil {
				s.Unexpected = map[string]int64{}
			}
			s.Unexpected[name] += *n
		}
		sh.mu.Unlock()
	}
	s.Unexpected = FoldNames(s.Unexpected, MaxUnexpectedNames)
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

// FoldNames keeps the max-1 most frequent names of m (ties by name) and
// counts the others under OtherNames, so shards or segments that each
// kept their own names still give a bounded list. m is changed in place.
func FoldNames(m map[string]int64, max int) map[string]int64 {
	if len(m) <= max {
		return m
	}
	names := slices.Collect(maps.Keys(m))
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	var other int64
	for _, name := range names[max-1:] {
		other += m[name]
		delete(m, name)
	}
	m[OtherNames] += other
	return m
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

// Live is a running recorder's state for a scrape (a metrics endpoint):
// counters, gauges and drop causes as of now, histograms as of the last
// once-a-second tick.
type Live struct {
	Counters [NumCounters]int64
	Gauges   [NumGauges]int64
	Causes   [NumCauses]int64
	// CloseCodes counts drops by close code.
	CloseCodes map[int]int64
	// Target is the client target the runner set last.
	Target int64
	// Hists are copies of the cumulative histograms up to the last tick.
	Hists [NumHists]*hdr.Histogram
}

// Live returns the run so far without closing an interval, so scrapes
// leave the per-second series alone. After the run's final Snapshot it
// holds exactly the run's totals.
func (r *Recorder) Live() *Live {
	l := &Live{Target: r.target.Load()}
	l.Counters, l.Gauges = r.counters()
	r.smu.Lock()
	for h := range l.Hists {
		l.Hists[h] = r.total[h].Clone()
	}
	r.smu.Unlock()
	r.emu.Lock()
	l.Causes = r.causes
	l.CloseCodes = maps.Clone(r.closeCodes)
	r.emu.Unlock()
	return l
}
