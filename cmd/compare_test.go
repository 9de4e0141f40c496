package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// compareRun is a short echo run; slow adds a 20 ms reply delay on the
// embedded server, so every round trip gets about 20 ms worse.
const compareRun = `
name: compare
target: embedded/json
duration: 2s
clients: {count: 5}
%s
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', expect: {json_field: id, timeout: 2s}}
        - sleep: 20ms
`

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	fast, slow := filepath.Join(dir, "fast.json"), filepath.Join(dir, "slow.json")
	t.Run("runs", func(t *testing.T) {
		for _, run := range []struct{ out, server string }{{fast, ""}, {slow, "server: {delay: 20ms}"}} {
			t.Run(filepath.Base(run.out), func(t *testing.T) {
				t.Parallel()
				body := strings.Replace(compareRun, "%s", run.server, 1)
				if r := wsbench(t, 30*time.Second, "run", writeScenario(t, body), "-q", "--out", run.out); r.code != 0 {
					t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
			})
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	notJSON := filepath.Join(dir, "not.json")
	otherSchema := filepath.Join(dir, "v9.json")
	os.WriteFile(notJSON, []byte("rtt: 5ms\n"), 0o600)
	os.WriteFile(otherSchema, []byte(`{"schema_version": 9}`), 0o600)

	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"slower is a regression", []string{fast, slow}, 99,
			[]string{"rtt.p99", "REGRESSED", "REGRESSION:", "regressed against " + fast, "samples (< 100), not gated"}},
		{"faster is not", []string{slow, fast}, 0, []string{"rtt.p99", "better", "no regression"}},
		{"only the listed metrics", []string{fast, slow, "--metric", "errors.count", "--metric", "drops.rate"}, 0,
			[]string{"errors.count", "no regression: 2 gated metrics"}},
		{"a wide tolerance", []string{fast, slow, "--metric", "rtt.p50", "--max-regression", "100000%"}, 0, []string{"no regression"}},
		{"unknown metric", []string{fast, slow, "--metric", "rtt.p98"}, 2, []string{`unknown metric "rtt.p98"`, "p99.9", "messages.received"}},
		{"tolerance without %", []string{fast, slow, "--max-regression", "0.1"}, 2, []string{"write a percentage like 10%"}},
		{"negative tolerance", []string{fast, slow, "--max-regression", "-5%"}, 2, []string{"0% or more"}},
		{"missing file", []string{fast, filepath.Join(dir, "nope.json")}, 2, []string{"nope.json", "no such file"}},
		{"not a result", []string{notJSON, fast}, 2, []string{"not.json", "read result"}},
		{"other schema", []string{fast, otherSchema}, 2, []string{"schema version 9"}},
		{"one file", []string{fast}, 2, []string{"accepts 2 arg(s)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := wsbench(t, 10*time.Second, append([]string{"compare"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.wants {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", w, r.stdout, r.stderr)
				}
			}
		})
	}
}
