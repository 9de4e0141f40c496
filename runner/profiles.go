package runner

import (
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

// profile is one kind of client of a mixed population (clients.profiles):
// its client block, a dialer built from it, and a recorder of its own, so
// the run is reported whole and per profile.
type profile struct {
	p      *scenario.Profile
	dialer transport.Dialer
	rec    *metrics.Recorder
}

// newProfiles builds the profiles of sc; dialer, when set (tests),
// replaces every profile's.
func newProfiles(sc *scenario.Scenario, dialer transport.Dialer, start time.Time, shards int) ([]profile, error) {
	ps := make([]profile, len(sc.Clients.Profiles))
	for i := range sc.Clients.Profiles {
		p := &sc.Clients.Profiles[i]
		d := dialer
		if d == nil {
			var err error
			if d, err = newDialer(sc, &p.Client); err != nil {
				return nil, err
			}
		}
		ps[i] = profile{p: p, dialer: d, rec: metrics.NewRecorder(start, shards)}
	}
	return ps, nil
}

// clientOf returns what slot id's client runs with: its profile's client
// block, dialer and shard, or the scenario's (nil client and shard).
func (r *run) clientOf(id int) (*scenario.Client, transport.Dialer, *metrics.Shard) {
	i := r.sc.ProfileOf(id)
	if i < 0 {
		return nil, r.dialer, nil
	}
	p := &r.profiles[i]
	return &p.p.Client, p.dialer, p.rec.Shard(id)
}

// profileSnapshots closes every profile's recorder at end.
func (r *run) profileSnapshots(end time.Time) []metrics.Profile {
	if len(r.profiles) == 0 {
		return nil
	}
	out := make([]metrics.Profile, len(r.profiles))
	for i, p := range r.profiles {
		out[i] = metrics.Profile{Name: p.p.Name, Weight: p.p.Weight, Snap: p.rec.Snapshot(end)}
	}
	return out
}
