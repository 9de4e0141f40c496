package report

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// slowPhones records phones whose acks took 50 ms and more, and that got
// unexpected messages under names of their own too.
func slowPhones(s *metrics.Snapshot) {
	c := &s.Counters
	c[metrics.ClientsStarted] += 2
	c[metrics.ConnOpened] += 2
	c[metrics.TimeOpen] += int64(20 * time.Second)
	c[metrics.OfflinePeriods] += 1
	c[metrics.MsgsSent] += 100
	c[metrics.ExpectMatched] += 100
	observe(s, metrics.Ack, 100, 50*time.Millisecond, time.Millisecond)
	observe(s, metrics.ResumeOpen, 3, 3*time.Second, time.Second)
	unmatched(s, "chat:typing", 7)
	unmatched(s, "(binary)", 2)
	s.PeakConnected += 2
}

// profiled is the snapshot of a run whose "phone" profile recorded what
// phone records and whose "desktop" profile what desk records; the whole
// run's figures are the sum of both.
func profiled(phone, desk []func(*metrics.Snapshot)) *metrics.Snapshot {
	total, p, d := emptySnap(), emptySnap(), emptySnap()
	for _, f := range phone {
		f(total)
		f(p)
	}
	for _, f := range desk {
		f(total)
		f(d)
	}
	total.Profiles = []metrics.Profile{{Name: "phone", Weight: 70, Snap: p}, {Name: "desktop", Weight: 30, Snap: d}}
	return total
}

func buildMobile(t *testing.T, snap *metrics.Snapshot) *Summary {
	t.Helper()
	sc := mobileScenario(t)
	s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: 10 * time.Second, Snapshot: snap, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return roundTrip(t, s)
}

// TestMergeProfilesIsExact: segments' profiles and unexpected names merge
// into what one process that saw every client would have written.
func TestMergeProfilesIsExact(t *testing.T) {
	a := buildMobile(t, profiled([]func(*metrics.Snapshot){phones}, []func(*metrics.Snapshot){desktops}))
	b := buildMobile(t, profiled([]func(*metrics.Snapshot){slowPhones}, []func(*metrics.Snapshot){desktops}))
	all := buildMobile(t, profiled([]func(*metrics.Snapshot){phones, slowPhones}, []func(*metrics.Snapshot){desktops, desktops}))

	m, err := Merge([]*Summary{a, b}, MergeOptions{Names: []string{"a.json", "b.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Unexpected, all.Unexpected) || m.Unexpected["chat:typing"] != 307 {
		t.Errorf("unexpected %v, want %v", m.Unexpected, all.Unexpected)
	}
	if len(m.Profiles) != 2 {
		t.Fatalf("merged profiles %+v", m.Profiles)
	}
	for i, p := range m.Profiles {
		want := all.Profiles[i]
		if p.Name != want.Name || p.Weight != want.Weight || p.Clients != want.Clients {
			t.Errorf("profile %d: %s %v %+v, want %s %v %+v", i, p.Name, p.Weight, p.Clients, want.Name, want.Weight, want.Clients)
		}
		if !reflect.DeepEqual(p.Figures, want.Figures) {
			t.Errorf("profile %s: merged figures differ from one process's:\n got %+v\nwant %+v", p.Name, p.Figures, want.Figures)
		}
	}
	ph := m.Profiles[0].Latency["ack"].P99US
	if ph == a.Profiles[0].Latency["ack"].P99US || ph == b.Profiles[0].Latency["ack"].P99US {
		t.Errorf("merged phone ack p99 %d equals an input's: the test does not test merging", ph)
	}
	if back := roundTrip(t, m); !reflect.DeepEqual(back.Profiles, m.Profiles) {
		t.Error("the merged profiles do not survive the file")
	}
}

func TestMergeRefusesOtherProfiles(t *testing.T) {
	a := buildMobile(t, profiled([]func(*metrics.Snapshot){phones}, []func(*metrics.Snapshot){desktops}))
	reweighted := buildMobile(t, profiled([]func(*metrics.Snapshot){slowPhones}, []func(*metrics.Snapshot){desktops}))
	reweighted.Profiles[1].Weight = 40
	none := buildMobile(t, profiled([]func(*metrics.Snapshot){slowPhones}, nil))
	none.Profiles = nil

	for _, tc := range []struct {
		name  string
		other *Summary
		want  string
	}{
		{"another weight", reweighted, `a.json has "phone" (weight 70), "desktop" (weight 30), b.json has "phone" (weight 70), "desktop" (weight 40)`},
		{"no profiles", none, `a.json has "phone" (weight 70), "desktop" (weight 30), b.json has no profiles`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge([]*Summary{a, tc.other}, MergeOptions{Names: []string{"a.json", "b.json"}})
			if !errors.Is(err, ErrDifferentRuns) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrDifferentRuns saying %q", err, tc.want)
			}
		})
	}

	// Forced, each profile adds up the results that have it.
	m, err := Merge([]*Summary{none, a}, MergeOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Profiles) != 2 || m.Profiles[0].Name != "phone" || m.Profiles[0].Counters["clients.started"] != 7 || m.Profiles[1].Weight != 30 {
		t.Errorf("forced merge profiles %s", profileList(m.Profiles))
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "merged although the results differ") {
		t.Errorf("forced merge warnings %q", m.Warnings)
	}
}
