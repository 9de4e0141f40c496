package cmd_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMobileScenarioEndToEnd runs the shipped mobile example, shortened,
// in two worker processes: the merged result has both profiles, only the
// phones went offline, the summary explains it, and the HTML report has
// its sections.
func TestMobileScenarioEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out, html := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	r := wsbench(t, 60*time.Second, "run", "../scenarios/mobile.yaml", "--duration", "6s", "--workers", "2",
		"--out", out, "--html", html)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	var res struct {
		Counters map[string]int64 `json:"counters"`
		Profiles []struct {
			Name     string                  `json:"name"`
			Weight   float64                 `json:"weight"`
			Clients  struct{ Started int64 } `json:"clients"`
			Counters map[string]int64        `json:"counters"`
		} `json:"profiles"`
	}
	readResult(t, out, &res)
	if len(res.Profiles) != 2 || res.Profiles[0].Name != "desktop" || res.Profiles[1].Name != "mobile" {
		t.Fatalf("profiles %+v", res.Profiles)
	}
	desktop, mobile := res.Profiles[0], res.Profiles[1]
	if desktop.Clients.Started != 28 || mobile.Clients.Started != 12 {
		t.Errorf("started desktop %d, mobile %d; want 28 and 12 (70/30 of 40)", desktop.Clients.Started, mobile.Clients.Started)
	}
	if desktop.Counters["offline.periods"] != 0 || mobile.Counters["offline.periods"] == 0 ||
		mobile.Counters["offline.periods"] != res.Counters["offline.periods"] {
		t.Errorf("offline periods: desktop %d, mobile %d, run %d", desktop.Counters["offline.periods"],
			mobile.Counters["offline.periods"], res.Counters["offline.periods"])
	}
	for _, want := range []string{"Away ", "While away", "PROFILE", "mobile (30.0%)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Mobile clients", "Client profiles"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}

// period is one offline period in a trace: when it began and what was
// drawn.
type period struct {
	ms    float64
	drawn string
}

// offlineSchedule runs the mobile example with --seed and --trace and
// returns each client's offline periods as the trace has them.
func offlineSchedule(t *testing.T, seed string) map[float64][]period {
	t.Helper()
	tr := filepath.Join(t.TempDir(), "t.jsonl")
	if r := wsbench(t, 30*time.Second, "run", "../scenarios/mobile.yaml", "--duration", "4s", "--seed", seed, "--trace", tr, "-q"); r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(tr)
	if err != nil {
		t.Fatal(err)
	}
	out := map[float64][]period{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		if e["event"] == "offline" {
			vu := e["vu"].(float64)
			out[vu] = append(out[vu], period{e["ms"].(float64), fmt.Sprint(e["mode"], " ", e["for_ms"])})
		}
	}
	return out
}

// TestSameSeedSameOfflineScheduleFromTheCommandLine: two runs with one
// --seed take the same clients offline for the same drawn periods; only
// a period beginning in the last second may be in one run and not the
// other, which ended a moment sooner.
func TestSameSeedSameOfflineScheduleFromTheCommandLine(t *testing.T) {
	a, b := offlineSchedule(t, "9"), offlineSchedule(t, "9")
	if len(a) == 0 {
		t.Fatal("no client went offline")
	}
	for _, vu := range slices.Collect(maps.Keys(a)) {
		if _, ok := b[vu]; !ok {
			b[vu] = nil
		}
	}
	for vu, pb := range b {
		pa := a[vu]
		n := min(len(pa), len(pb))
		for i := range n {
			if pa[i].drawn != pb[i].drawn {
				t.Errorf("vu %v period %d: %s, then %s", vu, i, pa[i].drawn, pb[i].drawn)
			}
		}
		for _, extra := range append(pa[n:], pb[n:]...) {
			if extra.ms < 3000 {
				t.Errorf("vu %v: a period at %.0f ms is in one run only", vu, extra.ms)
			}
		}
	}
}
