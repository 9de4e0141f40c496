package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInitWritesRunnableStarters(t *testing.T) {
	for name, flags := range map[string][]string{
		"websocket": nil,
		"socketio":  {"--socketio"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "s.yaml")
			r := wsbench(t, 10*time.Second, append(append([]string{"init"}, flags...), path)...)
			if r.code != 0 {
				t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("starters", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != string(want) {
				t.Fatalf("init wrote something else than starters/%s.yaml:\n%s", name, data)
			}
			if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=wsbench.schema.json\n") {
				t.Errorf("the starter does not name the schema on its first line:\n%s", data)
			}
			// The schema it names is written beside it, and is this binary's.
			sch, err := os.ReadFile(filepath.Join(filepath.Dir(path), "wsbench.schema.json"))
			if err != nil {
				t.Fatalf("init wrote no schema beside the starter: %v", err)
			}
			if s := wsbench(t, 10*time.Second, "schema"); s.code != 0 || s.stdout != string(sch) {
				t.Errorf("the schema init wrote differs from wsbench schema's")
			}
			if r := wsbench(t, 10*time.Second, "validate", path); r.code != 0 {
				t.Fatalf("validate: exit %d\n%s", r.code, r.stderr)
			}
			r = wsbench(t, 30*time.Second, "run", path, "--duration", "2s", "--clients", "2", "-q")
			if r.code != 0 {
				t.Fatalf("run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "thresholds passed") {
				t.Errorf("the starter's thresholds did not all pass:\n%s", r.stdout)
			}

			// An existing file is kept, unless --force.
			if err := os.WriteFile(path, []byte("mine\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			r = wsbench(t, 10*time.Second, append(append([]string{"init"}, flags...), path)...)
			if r.code != 2 || !strings.Contains(r.stderr, "--force") {
				t.Fatalf("init over an existing file: exit %d, want 2 and a hint at --force\n%s", r.code, r.stderr)
			}
			if data, _ := os.ReadFile(path); string(data) != "mine\n" {
				t.Fatalf("init changed the existing file:\n%s", data)
			}
			r = wsbench(t, 10*time.Second, append(append([]string{"init", "--force"}, flags...), path)...)
			if data, _ := os.ReadFile(path); r.code != 0 || string(data) != string(want) {
				t.Fatalf("init --force: exit %d, file:\n%s", r.code, data)
			}
		})
	}
}

func TestInitDefaultFileAndStdout(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("starters", "websocket.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := wsbench(t, 10*time.Second, "init", "-")
	if r.code != 0 || r.stdout != string(want) {
		t.Fatalf("init -: exit %d, stdout:\n%s", r.code, r.stdout)
	}
	t.Chdir(t.TempDir())
	if r := wsbench(t, 10*time.Second, "init"); r.code != 0 {
		t.Fatalf("init: exit %d\n%s", r.code, r.stderr)
	}
	if data, err := os.ReadFile("scenario.yaml"); err != nil || string(data) != string(want) {
		t.Fatalf("scenario.yaml: %v\n%s", err, data)
	}
	if r := wsbench(t, 10*time.Second, "init", "a.yaml", "b.yaml"); r.code != 2 {
		t.Errorf("init with two files: exit %d, want 2", r.code)
	}
}
