package cmd_test

import (
	"os"
	"path/filepath"
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
