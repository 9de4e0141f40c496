package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSegmentsMergeIntoTheWholeRun runs two halves of a 5-client run as
// segments, then merges them into the result of 5 clients.
func TestSegmentsMergeIntoTheWholeRun(t *testing.T) {
	file := writeScenario(t, "name: split\ntarget: embedded\nduration: 2s\nseed: 7\nclients: {count: 5}\nsteps: [connect, {send: {text: '{\"id\":\"{{.VU}}-{{.Seq}}\"}', expect: {json_field: id}}}, {sleep: 1h}]\n")
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = wsbench(t, 30*time.Second, "run", file, "-q", "--segment", []string{"1/2", "2/2"}[i],
				"--out", filepath.Join(dir, []string{"a.json", "b.json"}[i]))
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("segment %d: exit %d\n%s", i+1, r.code, r.stderr)
		}
	}
	if !strings.Contains(results[1].stderr, "segment 2 of 2: global client slots 2, 4, ...") {
		t.Errorf("segment 2 stderr: %s", results[1].stderr)
	}
	var part struct {
		Scenario struct{ Segment string } `json:"scenario"`
		Clients  struct {
			PeakTarget int `json:"peak_target"`
		} `json:"clients"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &part); err != nil {
		t.Fatal(err)
	}
	if part.Scenario.Segment != "1/2" || part.Clients.PeakTarget != 3 {
		t.Errorf("segment 1: %+v; want 1/2 and slots 1, 3, 5", part)
	}
	merged := filepath.Join(dir, "m.json")
	r := wsbench(t, 10*time.Second, "merge", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), "--out", merged)
	if r.code != 0 {
		t.Fatalf("merge: exit %d\n%s", r.code, r.stderr)
	}
	var whole struct {
		Connections struct{ Opened int } `json:"connections"`
		Clients     struct {
			PeakTarget int `json:"peak_target"`
		} `json:"clients"`
		Expects struct{ Matched int } `json:"expects"`
	}
	data, err = os.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &whole); err != nil {
		t.Fatal(err)
	}
	if whole.Connections.Opened != 5 || whole.Clients.PeakTarget != 5 || whole.Expects.Matched != 5 {
		t.Errorf("merged: %+v; want 5 connections, 5 clients, 5 replies", whole)
	}
	if r := wsbench(t, 5*time.Second, "run", file, "--segment", "3/2"); r.code != 2 || !strings.Contains(r.stderr, "write I/N") {
		t.Errorf("--segment 3/2: exit %d %s", r.code, r.stderr)
	}
}

// TestWorkersSplitAndMerge: --workers 3 runs three child processes and
// prints and writes the merged result of the whole population.
func TestWorkersSplitAndMerge(t *testing.T) {
	file := writeScenario(t, "name: workers\ntarget: embedded\nduration: 2s\nclients: {count: 6}\nsteps: [connect, {send: {text: '{\"id\":\"{{.VU}}-{{.Seq}}\"}', expect: {json_field: id}}}, {sleep: 1h}]\nthresholds: [connections.opened == 6]\n")
	out := filepath.Join(t.TempDir(), "merged.json")
	r := wsbench(t, 60*time.Second, "run", file, "--workers", "3", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Connections  opened 6 ") || !strings.Contains(r.stderr, "3 workers, seed") {
		t.Errorf("output:\n%s%s", r.stdout, r.stderr)
	}
	var res struct {
		Scenario struct{ Segment string } `json:"scenario"`
		Expects  struct{ Matched int }    `json:"expects"`
	}
	readResult(t, out, &res)
	if res.Scenario.Segment != "" || res.Expects.Matched != 6 {
		t.Errorf("merged result: %+v", res)
	}
	if r := wsbench(t, 5*time.Second, "run", file, "--workers", "2", "--segment", "1/2"); r.code != 2 {
		t.Errorf("--workers with --segment: exit %d", r.code)
	}
}

// TestWorkersSplitTheArrivals: with --workers an open model's arrivals are
// shared out, and the merged result counts every one of them.
func TestWorkersSplitTheArrivals(t *testing.T) {
	file := writeScenario(t, "name: open-workers\ntarget: embedded/json\nclients: {arrival_rate: 15/s, duration: 2s, max: 60}\nsteps: [connect, {send: {text: '{\"id\":\"{{.VU}}\"}', expect: {json_field: id}}}, close]\nthresholds: [arrivals.missed == 0]\n")
	out := filepath.Join(t.TempDir(), "merged.json")
	r := wsbench(t, 60*time.Second, "run", file, "--workers", "3", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "Arrivals: 30 started, 0 missed (max 60 alive)") {
		t.Errorf("summary lacks the merged arrivals:\n%s", r.stdout)
	}
	var res struct {
		Clients struct {
			PeakTarget int `json:"peak_target"`
			Arrivals   struct{ Started int64 }
		} `json:"clients"`
		Expects struct{ Matched int } `json:"expects"`
	}
	readResult(t, out, &res)
	if res.Clients.Arrivals.Started != 30 || res.Expects.Matched != 30 || res.Clients.PeakTarget != 60 {
		t.Errorf("merged result: %+v", res)
	}
}
