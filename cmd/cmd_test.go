package cmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/internal/proctest"
	"github.com/wsbench/wsbench/internal/schematest"
)

// bin is the wsbench binary built once for these tests: exit codes and
// signals are only real in a real process.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wsbench-cmd")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "wsbench")
	build := exec.Command("go", "build", "-o", bin, "..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build wsbench: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// wsbench runs the binary with args and a time limit.
func wsbench(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(limit, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const shortRun = `
name: short
target: embedded/json
duration: 2s
clients: {count: 5}
client:
  headers: {Authorization: "Bearer ${WSBENCH_TEST_TOKEN:-secret-token}"}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.VU}}-{{.Seq}}"}', expect: {json_field: id, timeout: 2s}}
        - sleep: 50ms
`

func TestRunWritesSummaryAndResult(t *testing.T) {
	out := filepath.Join(t.TempDir(), "result.json")
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, shortRun), "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"wsbench · short", "LATENCY", "round trip", "Connections  opened 5", "Expects      matched"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "clients 5/5") {
		t.Errorf("no progress line on stderr:\n%s", r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("secret-token")) {
		t.Fatal("the result file contains the Authorization header value")
	}
	schematest.Validate(t, "result.schema.json", data)
	var res struct {
		SchemaVersion int    `json:"schema_version"`
		EndReason     string `json:"end_reason"`
		Latency       map[string]struct {
			Count int64 `json:"count"`
			P50US int64 `json:"p50_us"`
		} `json:"latency"`
		Histograms map[string]string `json:"histograms"`
		Series     []json.RawMessage `json:"series"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.SchemaVersion != 1 || res.EndReason != "completed" || len(res.Series) < 2 {
		t.Fatalf("schema %d, end %q, %d series points", res.SchemaVersion, res.EndReason, len(res.Series))
	}
	h, err := hdr.Decode([]byte(res.Histograms["rtt"]))
	if err != nil {
		t.Fatalf("decode rtt histogram: %v", err)
	}
	if rtt := res.Latency["rtt"]; h.TotalCount() != rtt.Count || rtt.Count < 50 || h.ValueAtQuantile(50) != rtt.P50US {
		t.Fatalf("histogram has %d samples, p50 %d; summary says %d, p50 %d", h.TotalCount(), h.ValueAtQuantile(50), rtt.Count, rtt.P50US)
	}
}

func TestFlagsOverrideTheFile(t *testing.T) {
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, shortRun), "--clients", "3", "--duration", "1s", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "target up to 3") || !strings.Contains(r.stdout, "of 1s") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stderr, "clients 3/3") {
		t.Fatalf("--quiet still printed progress:\n%s", r.stderr)
	}
}

func TestExitCodes(t *testing.T) {
	bad := writeScenario(t, "target: embedded\nclinets: {count: 2}\nsteps: [connect]\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad scenario", []string{"run", bad}, 2, `s.yaml:2:1: unknown key "clinets" (did you mean "clients"?)`},
		{"validate bad", []string{"validate", bad}, 2, `did you mean "clients"`},
		{"missing file", []string{"run", "/nonexistent/x.yaml"}, 2, "no such file"},
		{"unknown flag", []string{"run", "--bogus"}, 2, "unknown flag"},
		{"unknown command", []string{"rnu"}, 2, "unknown command"},
		{"nothing listens", []string{"run", writeScenario(t, shortRun), "--target", "ws://127.0.0.1:1/", "--duration", "1s", "-q"}, 1,
			"no connection to ws://127.0.0.1:1/ opened"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := wsbench(t, 30*time.Second, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr+r.stdout, tt.want) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s\nwant %q", r.code, tt.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
	r := wsbench(t, 10*time.Second, "validate", filepath.Join("..", "scenarios", "chat.yaml"))
	if r.code != 0 || !strings.Contains(r.stdout, `ok: "chat-echo", up to 200 clients for 30s`) {
		t.Fatalf("validate chat.yaml: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// start runs the binary in the background and returns it with its
// stdout and stderr buffers.
func start(t *testing.T, args ...string) (*exec.Cmd, *proctest.SyncBuffer, *proctest.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, errb := &proctest.SyncBuffer{}, &proctest.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, out, errb
}

func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		cmd.Process.Kill()
		t.Fatalf("still running after %v", limit)
		return -1
	}
}

func TestFirstSignalStopsGracefully(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	out := filepath.Join(t.TempDir(), "r.json")
	long := strings.Replace(shortRun, "duration: 2s", "duration: 1m", 1)
	cmd, stdout, stderr := start(t, "run", writeScenario(t, long), "--out", out, "--progress-every", "1s")
	waitFor(t, func() bool { return strings.Contains(stderr.String(), "clients 5/5") })
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, 10*time.Second); code != 1 {
		t.Fatalf("exit %d after one SIGINT, want 1 (interrupted)\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "interrupted") || !strings.Contains(stderr.String(), "stopping gracefully") {
		t.Fatalf("summary or notice missing\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.Contains(data, []byte(`"end_reason": "interrupted"`)) {
		t.Fatalf("result after interrupt: %v\n%s", err, data)
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals")
	}
	// The awaited reply never comes and graceful_stop is long, so only
	// the second signal can end this quickly.
	stuck := writeScenario(t, `
target: embedded
duration: 1m
graceful_stop: 1m
clients: {count: 2}
steps:
  - connect
  - expect: {regex: never, timeout: 1m}
`)
	cmd, _, stderr := start(t, "run", stuck, "--progress-every", "1s")
	waitFor(t, func() bool { return strings.Contains(stderr.String(), "clients 2/2") })
	cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, func() bool { return strings.Contains(stderr.String(), "stopping gracefully") })
	cmd.Process.Signal(syscall.SIGINT)
	start := time.Now()
	if code := waitExit(t, cmd, 5*time.Second); code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("second signal took %v to exit", d)
	}
}

func TestServe(t *testing.T) {
	cmd, stdout, _ := start(t, "serve", "--addr", "127.0.0.1:0", "--delay", "5ms")
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	var addr string
	waitFor(t, func() bool {
		m := re.FindStringSubmatch(stdout.String())
		if m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte(`{"id":7}`))
	_, msg, err := c.ReadMessage()
	if err != nil || !strings.Contains(string(msg), `"id":7`) {
		t.Fatalf("json reply %q %v", msg, err)
	}
	c.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd, 5*time.Second); code != 0 {
		t.Fatalf("serve exit %d after SIGTERM", code)
	}
	if !strings.Contains(stdout.String(), "final stats") {
		t.Fatalf("no final stats:\n%s", stdout.String())
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--delay", "fast"}, "like 10ms-50ms"},
		{[]string{"--close-every", "1s", "--close-code", "1005"}, "1000-1003, 1007-1014 or 3000-4999"},
		{[]string{"--restart-every", "1s", "--restart-down", "2s"}, "longer than --restart-down"},
		{[]string{"--refuse-for", "2s"}, "need --refuse-status"},
		{[]string{"--refuse-status", "503", "--refuse-for", "2s", "--refuse-every", "1s"}, "longer than --refuse-for"},
		{[]string{"--socketio", "--ping-interval", "0s"}, "--ping-interval and --ping-timeout must be positive"},
		{[]string{"--socketio", "--socketio-path", "io"}, "must start with /"},
	} {
		r := wsbench(t, 5*time.Second, append([]string{"serve"}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: exit %d: %s", tt.args, r.code, r.stderr)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOutIsCheckedBeforeTheRun(t *testing.T) {
	start := time.Now()
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, shortRun), "--out", "/nonexistent-dir/r.json", "-q")
	if r.code != 2 || !strings.Contains(r.stderr, "--out") || time.Since(start) > 5*time.Second {
		t.Fatalf("exit %d after %v: %s", r.code, time.Since(start), r.stderr)
	}
}

func TestServeSocketIOAndRunAgainstIt(t *testing.T) {
	cmd, stdout, _ := start(t, "serve", "--addr", "127.0.0.1:0", "--socketio", "--ping-interval", "500ms", "--ping-timeout", "500ms")
	re := regexp.MustCompile(`Socket.IO: target (http://127\.0\.0\.1:\d+)`)
	var target string
	waitFor(t, func() bool {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			target = m[1]
		}
		return target != ""
	})
	out := filepath.Join(t.TempDir(), "result.json")
	r := wsbench(t, 30*time.Second, "run", "../scenarios/socketio-chat.yaml", "--target", target,
		"--clients", "5", "--duration", "2s", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"upgrade to websocket", "engine.io handshake", "ack ", "delivery ", "upgraded 5", "Deliveries", "lost 0"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	var res struct {
		Upgrades   struct{ Succeeded int } `json:"upgrades"`
		Deliveries struct{ Received int }  `json:"deliveries"`
		Heartbeat  struct{ Sent int }      `json:"heartbeat"`
	}
	readResult(t, out, &res)
	if res.Upgrades.Succeeded != 5 || res.Deliveries.Received < 5*5 || res.Heartbeat.Sent < 5*3 {
		t.Errorf("result: upgrades %d, deliveries %d, pongs %d", res.Upgrades.Succeeded, res.Deliveries.Received, res.Heartbeat.Sent)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd, 5*time.Second); code != 0 {
		t.Fatalf("serve exit %d after SIGTERM", code)
	}
}

// TestNoThirdPartySocketIOClient guards the decision in docs/socketio.md:
// the zishang520 client traps SIGINT/SIGTERM in init(), so the binary
// must not link it.
func TestNoThirdPartySocketIOClient(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, banned := range []string{"socket.io-client-go", "socket.io/clients/"} {
		if bytes.Contains(mod, []byte(banned)) {
			t.Errorf("go.mod requires %s; wsbench has its own client (transport/socketio)", banned)
		}
	}
}

func TestThresholdExitCodes(t *testing.T) {
	file := writeScenario(t, `
target: embedded
duration: 2s
clients: {count: 5}
server: {close: {every: 500ms, fraction: 1}}
client: {reconnect: {initial_delay: 50ms}}
steps:
  - connect
  - loop: {steps: [{send: {text: '{"id":"{{.Seq}}"}', expect: {json_field: id}}}, {sleep: 20ms}]}
thresholds:
  - rtt.p99 < 5s
`)
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"pass", nil, 0, []string{"all 1 thresholds passed"}},
		{"fail", []string{"--threshold", "drops.rate < 1%", "--threshold", "messages.received.rate > 1000000/s"}, 99,
			[]string{"drops.rate < 1%", "FAIL", "2 of 3 thresholds FAILED"}},
		{"bad threshold", []string{"--threshold", "rtt.p99 < 50"}, 2, []string{"rtt.p99 is a latency"}},
		{"unknown metric", []string{"--threshold", "latency.p99 < 50ms"}, 2, []string{`unknown metric "latency.p99"`}},
		{"unreachable target", []string{"--target", "ws://127.0.0.1:1/x", "--threshold", "errors.count == 0"}, 1, []string{"no connection"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := file
			if tc.name == "unreachable target" { // no embedded server block
				f = writeScenario(t, "target: embedded\nduration: 1s\nclients: {count: 1}\nclient: {reconnect: {max_attempts: 1, initial_delay: 50ms}}\nsteps: [connect]\n")
			}
			r := wsbench(t, 30*time.Second, append([]string{"run", f, "-q"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.wants {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, r.stdout, r.stderr)
				}
			}
		})
	}
}

func TestAbortOnFailStopsTheRunEarly(t *testing.T) {
	file := writeScenario(t, `
target: embedded
duration: 30s
clients: {count: 10}
server: {close: {every: 1s, fraction: 0.5}}
client: {reconnect: {initial_delay: 50ms}}
steps: [connect, {sleep: 1h}]
thresholds:
  - {expr: connections.dropped == 0, abort_on_fail: true, delay: 500ms}
`)
	out := filepath.Join(t.TempDir(), "r.json")
	start := time.Now()
	r := wsbench(t, 30*time.Second, "run", file, "-q", "--out", out)
	if r.code != 99 {
		t.Fatalf("exit %d, want 99\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("an aborted 30 s run took %s", d)
	}
	var res struct {
		EndReason  string `json:"end_reason"`
		Thresholds []struct {
			Passed  bool `json:"passed"`
			Aborted bool `json:"aborted"`
		} `json:"thresholds"`
	}
	readResult(t, out, &res)
	if res.EndReason != "aborted" || len(res.Thresholds) != 1 || res.Thresholds[0].Passed || !res.Thresholds[0].Aborted {
		t.Errorf("result: end %q, thresholds %+v", res.EndReason, res.Thresholds)
	}
	if !strings.Contains(r.stderr, `threshold "connections.dropped == 0" failed (abort_on_fail)`) {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestJUnitAndMarkdownOutputs(t *testing.T) {
	dir := t.TempDir()
	junit, md := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "summary.md")
	if err := os.WriteFile(md, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, shortRun), "-q", "--summary", "markdown",
		"--junit", junit, "--summary-file", md, "--threshold", "rtt.p99 < 1h", "--threshold", "rtt.p99 < 1us")
	if r.code != 99 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "### wsbench · short · ❌ 1 of 2 thresholds failed") {
		t.Errorf("--summary markdown printed:\n%s", r.stdout)
	}
	data, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "earlier step\n### wsbench") || !strings.Contains(string(data), "| `rtt.p99 < 1us` | ❌ fail |") {
		t.Errorf("--summary-file did not append the Markdown summary:\n%s", data)
	}
	x, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`tests="3" failures="1"`, `<testcase name="rtt.p99 &lt; 1us"`, `message="rtt.p99 is `, `limit &lt; 1us"`} {
		if !strings.Contains(string(x), want) {
			t.Errorf("junit.xml lacks %q:\n%s", want, x)
		}
	}
	if r := wsbench(t, 5*time.Second, "run", writeScenario(t, shortRun), "--summary", "html"); r.code != 2 {
		t.Errorf("--summary html: exit %d", r.code)
	}
}

func TestEveryShippedScenarioValidates(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("scenarios: %v %v", files, err)
	}
	r := wsbench(t, 10*time.Second, append([]string{"validate"}, files...)...)
	if r.code != 0 {
		t.Fatalf("validate exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestRunRefusesWhatDoesNotFit(t *testing.T) {
	r := wsbench(t, 10*time.Second, "run", writeScenario(t, "target: embedded\nduration: 1s\nclients: {count: 1000000}\nsteps: [connect]\n"), "-q")
	if r.code != 1 || !strings.Contains(r.stderr, "1000000 clients need about 2000064 open files") {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
}

func TestServeWorkersShareThePort(t *testing.T) {
	cmd, stdout, _ := start(t, "serve", "--addr", "127.0.0.1:0", "--workers", "3")
	addrRE := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	pidRE := regexp.MustCompile(`worker \d pid (\d+) shares the port`)
	var addr string
	var pids []int
	waitFor(t, func() bool {
		if m := addrRE.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
		}
		pids = pids[:0]
		for _, m := range pidRE.FindAllStringSubmatch(stdout.String(), -1) {
			var p int
			fmt.Sscan(m[1], &p)
			pids = append(pids, p)
		}
		return addr != "" && len(pids) == 2
	})
	time.Sleep(300 * time.Millisecond) // let the workers bind
	for i := range 30 {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/echo", nil)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		msg := fmt.Sprintf("m%d", i)
		c.WriteMessage(websocket.TextMessage, []byte(msg))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, got, err := c.ReadMessage(); err != nil || string(got) != msg {
			t.Fatalf("echo %d: %q %v", i, got, err)
		}
		c.Close()
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd, 10*time.Second); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	for _, p := range pids {
		if err := syscall.Kill(p, 0); err == nil {
			t.Errorf("worker pid %d still runs after serve stopped", p)
		}
	}
}

// TestOpenModelFromTheCommandLine: a constant arrival rate runs from the
// command line; the summary and the result say how the schedule was kept.
func TestOpenModelFromTheCommandLine(t *testing.T) {
	out := filepath.Join(t.TempDir(), "result.json")
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, `
name: open
target: embedded/json
clients: {arrival_rate: 20/s, duration: 2s, max: 100}
steps:
  - connect
  - send: {text: '{"id":"{{.VU}}"}', expect: {json_field: id, timeout: 2s}}
  - close
thresholds: [arrivals.missed == 0]
`), "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "clients arriving at 20/s for 2s, at most 100 alive") {
		t.Errorf("stderr does not describe the arrivals:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "Arrivals: 40 started, 0 missed (max 100 alive)") {
		t.Errorf("summary lacks the Arrivals line:\n%s", r.stdout)
	}
	var res struct {
		Clients struct {
			Started  int64 `json:"started"`
			Arrivals struct {
				Started, Missed int64
			} `json:"arrivals"`
		} `json:"clients"`
		Scenario struct {
			ArrivalRate string `json:"arrival_rate"`
		} `json:"scenario"`
	}
	readResult(t, out, &res)
	if res.Clients.Started != 40 || res.Clients.Arrivals.Started != 40 || res.Scenario.ArrivalRate != "20/s" {
		t.Fatalf("result: %+v", res)
	}
}

// TestRunWritesHTMLAndCSV checks run --html and --csv end to end, and
// that wsbench report makes the same page from the run's --out file.
func TestRunWritesHTMLAndCSV(t *testing.T) {
	dir := t.TempDir()
	out, page, series, again := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html"), filepath.Join(dir, "s.csv"), filepath.Join(dir, "again.html")
	r := wsbench(t, 30*time.Second, "run", writeScenario(t, shortRun), "-q", "--out", out, "--html", page, "--csv", series)
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"HTML report written to " + page, "CSV series written to " + series} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if r := wsbench(t, 10*time.Second, "report", out, "--html", again); r.code != 0 {
		t.Fatalf("report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a, errA := os.ReadFile(page)
	b, errB := os.ReadFile(again)
	if errA != nil || errB != nil || len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("run --html (%d bytes, %v) and report --html (%d bytes, %v) differ", len(a), errA, len(b), errB)
	}
	csvData, err := os.ReadFile(series)
	if err != nil || !strings.HasPrefix(string(csvData), "time,t,target,connected,") {
		t.Fatalf("CSV %v:\n%.300s", err, csvData)
	}
}

// readResult reads a result file, checks it against docs/result.schema.json
// and decodes it into v.
func readResult(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, "result.schema.json", data)
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}
