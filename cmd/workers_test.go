package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// TestWorkersShareTheMachinesCores: the workers of --workers run on this
// one machine, so the merged load generator counts its cores once, not
// once per worker (six workers on 2 cores once read "572% of 12 cores").
func TestWorkersShareTheMachinesCores(t *testing.T) {
	file := writeScenario(t, "name: workers\ntarget: embedded\nduration: 1s\nclients: {count: 3}\nsteps: [connect, {sleep: 1h}]\n")
	out := filepath.Join(t.TempDir(), "merged.json")
	if r := wsbench(t, 60*time.Second, "run", file, "--workers", "3", "--out", out); r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Load metrics.LoadStats `json:"load_generator"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	l := res.Load
	if len(l.Hosts) != 1 || l.Processes != 3 || l.Hosts[0].Processes != 3 || l.Host == "" || l.Host != l.Hosts[0].Host {
		t.Fatalf("load generator %+v, want one machine of three processes", l)
	}
	if l.Cores != l.Hosts[0].Cores || l.Cores < 1 {
		t.Errorf("cores %d, want the machine's %d once", l.Cores, l.Hosts[0].Cores)
	}
	if l.AvgCPU > 1 {
		t.Errorf("avg_cpu %v: more than the machine has", l.AvgCPU)
	}
}
