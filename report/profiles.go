package report

import (
	"fmt"
	"strings"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// ProfileSummary is one client profile's share of a run (clients.profiles):
// the same figures as the whole run's, for that profile's clients alone.
// It keeps the counters, causes, codes, unexpected names and histograms,
// so that SnapshotOf rebuilds the profile's snapshot and Merge adds
// profiles of segments exactly; it leaves out what belongs to the run as
// a whole (scenario, series, load generator, thresholds, warnings).
type ProfileSummary struct {
	Name string `json:"name"`
	// Weight is the profile's weight as the scenario gives it, relative
	// to the other profiles' weights.
	Weight  float64        `json:"weight"`
	Clients ProfileClients `json:"clients"`
	Figures
}

// ProfileClients describes a profile's clients. There is no target: the
// runner gives client slots to profiles by weight, and the report does
// not repeat its arithmetic.
type ProfileClients struct {
	// PeakConnected is the most of the profile's connections open at once.
	PeakConnected int64 `json:"peak_connected"`
	Started       int64 `json:"started"`
	Finished      int64 `json:"finished"`
}

// profileSummary computes one profile's block.
func profileSummary(p metrics.Profile, upgrades, deliveries bool) (ProfileSummary, error) {
	if p.Snap == nil {
		return ProfileSummary{}, fmt.Errorf("profile %q has no snapshot", p.Name)
	}
	figs, err := figuresOf(p.Snap, upgrades, deliveries)
	if err != nil {
		return ProfileSummary{}, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	c := &p.Snap.Counters
	return ProfileSummary{
		Name: p.Name, Weight: p.Weight,
		Clients: ProfileClients{PeakConnected: p.Snap.PeakConnected, Started: c[metrics.ClientsStarted], Finished: c[metrics.ClientsFinished]},
		Figures: figs,
	}, nil
}

// profileTracksDeliveries reports whether the clients of the profile
// named name track deliveries: its own client block says, or, for a name
// the scenario does not list, any client of the scenario.
func profileTracksDeliveries(sc *scenario.Scenario, name string) bool {
	for _, p := range sc.Clients.Profiles {
		if p.Name == name {
			return p.Client.Delivery != nil
		}
	}
	return tracksDeliveries(sc)
}

// profileList describes a result's profiles for an error or a warning:
// `"mobile" (weight 70), "desktop" (weight 30)`, or "no profiles".
func profileList(ps []ProfileSummary) string {
	if len(ps) == 0 {
		return "no profiles"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%q (weight %g)", p.Name, p.Weight)
	}
	return strings.Join(parts, ", ")
}

// profileShare is the profile's weight as a share of all weights, 0..1;
// 0 when the weights add up to nothing.
func profileShare(ps []ProfileSummary, i int) float64 {
	var sum float64
	for _, p := range ps {
		sum += p.Weight
	}
	if sum <= 0 {
		return 0
	}
	return ps[i].Weight / sum
}

// mergeProfiles merges the snapshots' profiles by name, in order of first
// appearance, each with the weight of the first snapshot that has it.
func mergeProfiles(snaps []*metrics.Snapshot, name func(int) string) ([]metrics.Profile, error) {
	var order []string
	parts := map[string][]*metrics.Snapshot{}
	weight := map[string]float64{}
	for _, s := range snaps {
		for _, p := range s.Profiles {
			if _, ok := parts[p.Name]; !ok {
				order = append(order, p.Name)
				weight[p.Name] = p.Weight
			}
			parts[p.Name] = append(parts[p.Name], p.Snap)
		}
	}
	out := make([]metrics.Profile, 0, len(order))
	for _, n := range order {
		m, err := mergeSnapshots(parts[n], func(i int) string { return fmt.Sprintf("profile %q of %s", n, name(i)) })
		if err != nil {
			return nil, err
		}
		out = append(out, metrics.Profile{Name: n, Weight: weight[n], Snap: m})
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
