package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/internal/schematest"
)

// mergeRun is a short echo run whose connection count passes its
// threshold in one process and fails it when two are merged.
const mergeRun = `
name: segment
target: embedded/json
duration: 2s
clients: {count: 5}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', expect: {json_field: id, timeout: 2s}}
        - sleep: 50ms
thresholds:
  - connections.opened < 8
`

// rewriteResult copies the result at src to dst, changed by edit.
func rewriteResult(t *testing.T, src, dst string, edit func(doc map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if data, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

type opened struct {
	Connections struct {
		Opened int64 `json:"opened"`
	} `json:"connections"`
}

func readOpened(t *testing.T, path string) (int64, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r opened
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return r.Connections.Opened, data
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	t.Run("runs", func(t *testing.T) {
		for _, out := range []string{a, b} {
			t.Run(filepath.Base(out), func(t *testing.T) {
				t.Parallel()
				if r := wsbench(t, 30*time.Second, "run", writeScenario(t, mergeRun), "-q", "--out", out); r.code != 0 {
					t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
			})
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	noThresholds := func(doc map[string]any) { doc["thresholds"] = []any{} }
	a0, b0 := filepath.Join(dir, "a0.json"), filepath.Join(dir, "b0.json")
	rewriteResult(t, a, a0, noThresholds)
	rewriteResult(t, b, b0, noThresholds)
	other := filepath.Join(dir, "other.json")
	rewriteResult(t, b0, other, func(doc map[string]any) { doc["scenario"].(map[string]any)["name"] = "other" })
	v9 := filepath.Join(dir, "v9.json")
	os.WriteFile(v9, []byte(`{"schema_version": 9}`), 0o600)

	merged := filepath.Join(dir, "merged.json")
	r := wsbench(t, 10*time.Second, "merge", a, b, "--out", merged)
	if r.code != 99 || !strings.Contains(r.stderr, "1 of 1 thresholds failed on the merged result") ||
		!strings.Contains(r.stdout, "merged from 2 results") {
		t.Fatalf("merge: exit %d, want 99\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	na, _ := readOpened(t, a)
	nb, _ := readOpened(t, b)
	n, data := readOpened(t, merged)
	if n != na+nb || na == 0 {
		t.Errorf("merged connections.opened %d, want %d + %d", n, na, nb)
	}
	schematest.Validate(t, "result.schema.json", data)

	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"thresholds pass", []string{a0, b0}, 0, []string{"merged from 2 results"}},
		{"different scenarios", []string{a, other}, 2, []string{`has scenario "segment"`, `has "other"`, "--force merges them anyway"}},
		{"forced", []string{a0, other, "--force"}, 0, []string{"merged although the results differ"}},
		{"one file", []string{a}, 2, []string{"requires at least 2 arg(s)"}},
		{"missing file", []string{a, filepath.Join(dir, "nope.json")}, 2, []string{"nope.json", "no such file"}},
		{"other schema", []string{a, v9}, 2, []string{"schema version 9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := wsbench(t, 10*time.Second, append([]string{"merge"}, tc.args...)...)
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
