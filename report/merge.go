package report

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// ErrDifferentRuns is wrapped by Merge's error when the results name
// different scenarios, protocols or targets, so they cannot be segments of
// one run.
var ErrDifferentRuns = errors.New("the results are not segments of one run")

// MergeOptions says how Merge treats its results.
type MergeOptions struct {
	// Force merges results whose scenario name, protocol or target differ;
	// the merged result then carries a warning naming the differences.
	// Without it such results are refused with ErrDifferentRuns.
	Force bool
	// Names name the results, in order, in errors and in the note Merge
	// adds to the warnings: usually their file paths. Missing names are
	// "result N".
	Names []string
}

// Merge combines the results of processes or machines that ran segments
// of the same run into one result, exactly: histograms are merged from
// their stored encodings, counters, causes, codes and per-second series
// are summed, and every derived figure (percentiles, rates, availability,
// drop analysis, thresholds) is computed by Build from the merged
// snapshot, as for a single run. docs/merge.md lists every rule.
//
// Profiles (clients.profiles) merge by name the same way, each from its
// own counters and histograms. Results whose profile lists differ (names
// or weights) are different runs; forced, a profile is the sum of the
// results that have it, weighted as the first of them says.
//
// An error means the results cannot be merged: none given, another schema
// version, different runs (unless o.Force), a histogram that does not
// decode or a threshold that does not parse.
func Merge(results []*Summary, o MergeOptions) (*Summary, error) {
	if len(results) == 0 {
		return nil, errors.New("no results to merge")
	}
	name := func(i int) string {
		if i < len(o.Names) && o.Names[i] != "" {
			return o.Names[i]
		}
		return fmt.Sprintf("result %d", i+1)
	}
	for i, r := range results {
		if r.SchemaVersion != SchemaVersion {
			return nil, fmt.Errorf("%s has schema version %d; this wsbench merges version %d", name(i), r.SchemaVersion, SchemaVersion)
		}
	}
	differences := runDifferences(results, name)
	if len(differences) > 0 && !o.Force {
		return nil, fmt.Errorf("%w: %s", ErrDifferentRuns, strings.Join(differences, "; "))
	}
	snaps := make([]*metrics.Snapshot, len(results))
	for i, r := range results {
		s, err := SnapshotOf(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name(i), err)
		}
		snaps[i] = s
	}
	ths, aborted, err := mergeThresholds(results, name)
	if err != nil {
		return nil, err
	}
	snap, err := mergeSnapshots(snaps, name)
	if err != nil {
		return nil, err
	}
	first := results[0]
	in := Input{
		Scenario:  stubScenario(results, ths),
		URL:       first.Scenario.URL,
		EndReason: mergeEndReason(results),
		Seed:      first.Scenario.Seed,
		Aborted:   aborted,
		Snapshot:  snap,
		Version:   first.Version,
	}
	for _, r := range results {
		in.Planned = max(in.Planned, time.Duration(r.PlannedSeconds*float64(time.Second)))
	}
	m, err := Build(in)
	if err != nil {
		return nil, err
	}
	m.Scenario = first.Scenario
	m.Scenario.Segment = "" // the merged parts make up the run, not one segment of it
	m.LoadGenerator = mergeLoad(results)
	kept, err := keptWarnings(results, snaps)
	if err != nil {
		return nil, err
	}
	for _, w := range kept {
		if !slices.Contains(m.Warnings, w) {
			m.Warnings = append(m.Warnings, w)
		}
	}
	if len(differences) > 0 {
		m.Warnings = append(m.Warnings, "merged although the results differ ("+strings.Join(differences, "; ")+"): the scenario block is the first result's")
	}
	names := make([]string, len(results))
	for i := range results {
		names[i] = name(i)
	}
	m.Warnings = append(m.Warnings, fmt.Sprintf("merged from %d results (%s): clients.peak_connected is the sum of each result's peak, an upper bound",
		len(results), strings.Join(names, ", ")))
	return m, nil
}

// runDifferences lists how each result differs from the first in
// scenario name, protocol, target and client profiles.
func runDifferences(results []*Summary, name func(int) string) []string {
	var out []string
	a := results[0].Scenario
	for i, r := range results[1:] {
		b := r.Scenario
		for _, f := range []struct{ what, x, y string }{
			{"scenario", fmt.Sprintf("%q", a.Name), fmt.Sprintf("%q", b.Name)},
			{"protocol", a.Protocol, b.Protocol},
			{"target", a.Target, b.Target},
		} {
			if f.x != f.y {
				out = append(out, fmt.Sprintf("%s has %s %s, %s has %s", name(0), f.what, f.x, name(i+1), f.y))
			}
		}
		// Segments of one run list every profile of its scenario, with or
		// without clients, so another list means another scenario.
		if x, y := profileList(results[0].Profiles), profileList(r.Profiles); x != y {
			out = append(out, fmt.Sprintf("%s has %s, %s has %s", name(0), x, name(i+1), y))
		}
	}
	return out
}

// mergeThresholds is the union of the results' thresholds by expression,
// in order of first appearance, each parsed again from its expression; and
// the expression of a threshold that aborted any of the runs.
func mergeThresholds(results []*Summary, name func(int) string) (ths []scenario.Threshold, aborted string, err error) {
	at := map[string]int{}
	for i, r := range results {
		for _, tr := range r.Thresholds {
			if tr.Aborted && aborted == "" {
				aborted = tr.Expr
			}
			if j, ok := at[tr.Expr]; ok {
				ths[j].AbortOnFail = ths[j].AbortOnFail || tr.AbortOnFail
				continue
			}
			t, err := scenario.ParseThreshold(tr.Expr)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", name(i), err)
			}
			t.AbortOnFail = tr.AbortOnFail
			at[tr.Expr] = len(ths)
			ths = append(ths, t)
		}
	}
	return ths, aborted, nil
}

// mergeEndReason is "interrupted" when any run was, else "aborted" when
// any run was, else the first result's reason.
func mergeEndReason(results []*Summary) string {
	reason := results[0].EndReason
	for _, r := range results {
		switch {
		case r.EndReason == "interrupted":
			return r.EndReason
		case r.EndReason == "aborted":
			reason = r.EndReason
		}
	}
	return reason
}

// stubScenario is the part of a scenario Build reads, rebuilt from the
// results: it decides which optional blocks and warnings the merged
// result has. Build's scenario block is replaced by the first result's.
func stubScenario(results []*Summary, ths []scenario.Threshold) *scenario.Scenario {
	info := results[0].Scenario
	sc := &scenario.Scenario{Name: info.Name, Target: info.Target, Protocol: info.Protocol, Thresholds: ths}
	sc.Client.TLS.InsecureSkipVerify = info.InsecureSkipVerify
	// An open model's rates make it one for Build (Clients.Open), which
	// then reports the merged arrivals; max is the segments' shares added.
	sc.Clients.ArrivalRate = info.ArrivalRate
	for _, st := range info.Stages {
		if st.ArrivalRate != "" {
			sc.Clients.Stages = append(sc.Clients.Stages, scenario.Stage{ArrivalRate: st.ArrivalRate})
		}
	}
	at := map[string]int{} // profile name -> index in sc.Clients.Profiles
	for _, r := range results {
		sc.Clients.Count += r.Clients.PeakTarget
		sc.Clients.Max += r.Clients.PeakTarget
		if r.Upgrades != nil {
			sc.SocketIO.Transports = []string{"polling", "websocket"}
		}
		if r.Deliveries != nil {
			sc.Client.Delivery = &scenario.Delivery{}
		}
		for _, p := range r.Profiles {
			i, ok := at[p.Name]
			if !ok {
				i = len(sc.Clients.Profiles)
				at[p.Name] = i
				sc.Clients.Profiles = append(sc.Clients.Profiles, scenario.Profile{Name: p.Name, Weight: p.Weight})
			}
			if p.Deliveries != nil {
				sc.Clients.Profiles[i].Client.Delivery = &scenario.Delivery{}
			}
		}
	}
	return sc
}

// mergeSnapshots sums snapshots of segments of one run.
func mergeSnapshots(snaps []*metrics.Snapshot, name func(int) string) (*metrics.Snapshot, error) {
	m := &metrics.Snapshot{Start: snaps[0].Start, End: snaps[0].End, CloseCodes: map[int]int64{}, Statuses: map[int]int64{}}
	for h := range m.Hists {
		m.Hists[h] = metrics.NewHistogram()
	}
	for i, s := range snaps {
		if s.Start.Before(m.Start) {
			m.Start = s.Start
		}
		if s.End.After(m.End) {
			m.End = s.End
		}
		for k := range m.Counters {
			m.Counters[k] += s.Counters[k]
		}
		for k := range m.Causes {
			m.Causes[k] += s.Causes[k]
			if m.Examples[k] == "" {
				m.Examples[k] = s.Examples[k]
			}
		}
		for code, n := range s.CloseCodes {
			m.CloseCodes[code] += n
		}
		for code, n := range s.Statuses {
			m.Statuses[code] += n
		}
		for h := range m.Hists {
			if lost := m.Hists[h].Merge(s.Hists[h]); lost > 0 {
				return nil, fmt.Errorf("%s: %d samples of histogram %q are out of range", name(i), lost, metrics.Hist(h).Name())
			}
		}
		for n, k := range s.Unexpected {
			if m.Unexpected == nil {
				m.Unexpected = map[string]int64{}
			}
			m.Unexpected[n] += k
		}
		m.PeakConnected += s.PeakConnected
		m.Clamped += s.Clamped
	}
	m.Unexpected = metrics.FoldNames(m.Unexpected, metrics.MaxUnexpectedNames)
	m.Series = mergeSeries(snaps)
	profiles, err := mergeProfiles(snaps, name)
	if err != nil {
		return nil, err
	}
	m.Profiles = profiles
	return m, nil
}

// mergeSeries sums the series point by point on the same second of
// wall-clock time: a point's time is its run's start plus its t, and
// second N is N seconds after the earliest start, rounded to the nearest
// whole second. Runs started apart land where they ran, not on each
// other's seconds.
//
// Within one run, two points on the same second (a short final interval,
// or a late tick followed by a punctual one) fold first: counts add,
// levels are the later point's. A run with no point on a second between
// its first and last (a process short of CPU that ticked late, so one
// interval spans several seconds) keeps its last levels there: its
// clients did not vanish for those seconds, only its report of them was
// late, and summing a zero would show a fall in connections that never
// happened. Its counts stay on the late point, so every count still adds
// up to the run's total. Before its first point and after its last a run
// adds nothing. Levels and counts then add across runs; interval rtt
// percentiles are the highest of the runs', an upper bound of the merged
// percentile (interval histograms are not stored).
func mergeSeries(snaps []*metrics.Snapshot) []metrics.Point {
	var origin time.Time
	for _, s := range snaps {
		if !s.Start.IsZero() && (origin.IsZero() || s.Start.Before(origin)) {
			origin = s.Start
		}
	}
	merged := map[int64]*metrics.Point{}
	at := func(sec int64) *metrics.Point {
		q := merged[sec]
		if q == nil {
			q = &metrics.Point{T: float64(sec)}
			merged[sec] = q
		}
		return q
	}
	for _, s := range snaps {
		var offset float64 // seconds from the earliest start to this run's
		if !s.Start.IsZero() {
			offset = s.Start.Sub(origin).Seconds()
		}
		own := map[int64]*metrics.Point{}
		for _, p := range s.Series {
			sec := int64(math.Round(offset + p.T))
			q := own[sec]
			if q == nil {
				q = &metrics.Point{}
				own[sec] = q
			}
			q.Target, q.Connected, q.Alive, q.QueueDepth = p.Target, p.Connected, p.Alive, p.QueueDepth
			addInterval(q, &p)
		}
		secs := slices.Sorted(maps.Keys(own))
		var last *metrics.Point
		for i, sec := range secs {
			p := own[sec]
			if last != nil {
				// Seconds this run skipped: its last levels, no counts.
				for gap := secs[i-1] + 1; gap < sec; gap++ {
					addLevels(at(gap), last)
				}
			}
			q := at(sec)
			addLevels(q, p)
			addInterval(q, p)
			last = p
		}
	}
	out := make([]metrics.Point, 0, len(merged))
	for _, sec := range slices.Sorted(maps.Keys(merged)) {
		out = append(out, *merged[sec])
	}
	return out
}

// addLevels adds p's levels to q.
func addLevels(q, p *metrics.Point) {
	q.Target += p.Target
	q.Connected += p.Connected
	q.Alive += p.Alive
	q.QueueDepth += p.QueueDepth
}

// addInterval adds p's counts within its interval to q.
func addInterval(q, p *metrics.Point) {
	q.Sent += p.Sent
	q.Received += p.Received
	q.Opened += p.Opened
	q.Drops += p.Drops
	q.OfflineDrops += p.OfflineDrops
	q.Failures += p.Failures
	q.Reconnects += p.Reconnects
	q.Errors += p.Errors
	q.RTTCount += p.RTTCount
	q.RTTP50 = max(q.RTTP50, p.RTTP50)
	q.RTTP95 = max(q.RTTP95, p.RTTP95)
	q.RTTP99 = max(q.RTTP99, p.RTTP99)
	q.AckCount += p.AckCount
	q.AckP50 = max(q.AckP50, p.AckP50)
	q.AckP95 = max(q.AckP95, p.AckP95)
	q.AckP99 = max(q.AckP99, p.AckP99)
	q.Arrivals += p.Arrivals
	q.ArrivalsMissed += p.ArrivalsMissed
	q.ArrivalLagMax = max(q.ArrivalLagMax, p.ArrivalLagMax)
	q.TimerLagMax = max(q.TimerLagMax, p.TimerLagMax)
}

// keptWarnings are the results' warnings that Build cannot derive again
// from the merged figures (a process short of CPU, clamped samples), each
// once. The warnings it derives (timeouts, drops, no connection, the
// embedded server) are found by building each result again the same way,
// and left out: the merged result has them with merged figures.
func keptWarnings(results []*Summary, snaps []*metrics.Snapshot) ([]string, error) {
	var out []string
	for i, r := range results {
		again, err := Build(Input{Scenario: stubScenario(results[i:i+1], nil), Snapshot: snaps[i]})
		if err != nil {
			return nil, err
		}
		for _, w := range r.Warnings {
			if !slices.Contains(again.Warnings, w) && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out, nil
}
