package report

import (
	"fmt"
	"maps"
	"slices"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wsbench/wsbench/metrics"
)

// SnapshotOf rebuilds the metrics.Snapshot a saved result was made from,
// so that MetricValue reads a result file exactly as it reads a live run:
// percentiles come from the stored HdrHistograms, not from the rounded
// latency table, and rates divide by end - start.
//
// Counters, causes and histograms are looked up by name. Names this
// wsbench does not know (written by a newer one) are ignored; a known
// histogram the document lacks (written by an older one) is empty. A
// histogram string that does not decode is an error naming it. What the
// document does not keep stays zero: Clamped, and Examples beyond one per
// cause. Profiles come back with their counters, causes, codes, names and
// histograms, the run's start and end, and no series (a result keeps no
// per-profile series).
func SnapshotOf(s *Summary) (*metrics.Snapshot, error) {
	snap, err := figuresSnapshot(&s.Figures)
	if err != nil {
		return nil, err
	}
	snap.Start, snap.End = s.Start, s.End
	snap.Series = slices.Clone(s.Series)
	snap.PeakConnected = s.Clients.PeakConnected
	if !snap.End.After(snap.Start) && s.DurationSeconds > 0 {
		// A document without timestamps still has its length.
		snap.End = snap.Start.Add(time.Duration(s.DurationSeconds * float64(time.Second)))
	}
	for _, p := range s.Profiles {
		ps, err := figuresSnapshot(&p.Figures)
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		// A profile's clients ran for the run's time; rates divide by it.
		ps.Start, ps.End = snap.Start, snap.End
		ps.PeakConnected = p.Clients.PeakConnected
		snap.Profiles = append(snap.Profiles, metrics.Profile{Name: p.Name, Weight: p.Weight, Snap: ps})
	}
	return snap, nil
}

// figuresSnapshot rebuilds the counters, causes, codes, unexpected names
// and histograms of f; times, series and peak are the caller's.
func figuresSnapshot(f *Figures) (*metrics.Snapshot, error) {
	snap := &metrics.Snapshot{
		CloseCodes: codeMap(f.Connections.CloseCodes),
		Statuses:   codeMap(f.Connections.HTTPStatuses),
		Unexpected: maps.Clone(f.Unexpected),
	}
	for k := range metrics.NumCounters {
		snap.Counters[k] = f.Counters[k.Name()]
	}
	for k := range metrics.NumCauses {
		snap.Examples[k] = f.Connections.Examples[k.Name()]
	}
	for _, list := range [][]CauseCount{f.Connections.DropCauses, f.Connections.FailCauses} {
		for _, cc := range list {
			for k := range metrics.NumCauses {
				if k.Name() == cc.Cause {
					snap.Causes[k] += cc.Count
				}
			}
		}
	}
	for h := range metrics.NumHists {
		enc, ok := f.Histograms[h.Name()]
		if !ok {
			snap.Hists[h] = metrics.NewHistogram()
			continue
		}
		hist, err := hdr.Decode([]byte(enc))
		if err != nil {
			return nil, fmt.Errorf("histogram %q does not decode: %w", h.Name(), err)
		}
		snap.Hists[h] = hist
	}
	return snap, nil
}

func codeMap(cs []CodeCount) map[int]int64 {
	m := make(map[int]int64, len(cs))
	for _, cc := range cs {
		m[cc.Code] += cc.Count
	}
	return m
}
