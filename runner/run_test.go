package runner

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/testserver"
)

// TestClientsFinishingAreReplaced: clients that finish their steps leave
// and fresh ones take their places; the ramp never exceeds its target.
func TestClientsFinishingAreReplaced(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
clients:
  stages:
    - {duration: 500ms, target: 10}
    - {duration: 1s, target: 10}
steps:
  - connect
  - send: {text: '{"id":"{{.VU}}-{{.Iter}}"}', expect: {json_field: id, timeout: 1s}}
  - sleep: 100ms
  - close
`, srv.URL("/json"), Options{})
	c := &res.Snapshot.Counters
	if c[metrics.ClientsStarted] < 50 || c[metrics.ClientsFinished] < c[metrics.ClientsStarted]-10 {
		t.Fatalf("started %d finished %d; want ≥50 iterations, all but the last finished", c[metrics.ClientsStarted], c[metrics.ClientsFinished])
	}
	if c[metrics.ExpectMatched] < c[metrics.ClientsFinished] || c[metrics.ConnClosed] != c[metrics.ConnOpened] {
		t.Fatalf("matched %d for %d finished; closed %d of %d opened", c[metrics.ExpectMatched], c[metrics.ClientsFinished],
			c[metrics.ConnClosed], c[metrics.ConnOpened])
	}
	for _, p := range res.Snapshot.Series {
		if p.Connected > 10 || p.Alive > 10 {
			t.Fatalf("second %.0f: %d connected, %d alive, over the target of 10", p.T, p.Connected, p.Alive)
		}
	}
	if last := res.Snapshot.Series[len(res.Snapshot.Series)-1]; last.Alive != 0 || last.Connected != 0 {
		t.Fatalf("after the run %d clients alive, %d connected", last.Alive, last.Connected)
	}
}

// TestInterruptIsGraceful: cancelling the context ends the run early;
// awaited replies still arrive and every connection closes normally.
func TestInterruptIsGraceful(t *testing.T) {
	srv := startServer(t)
	srv.SetDelay(300*time.Millisecond, 300*time.Millisecond)
	sc, err := scenario.Parse("t.yaml", []byte(strings.ReplaceAll(`
target: TARGET
duration: 1m
clients: {count: 5}
steps:
  - connect
  - loop:
      steps:
        - send: {text: '{"id":"{{.Seq}}"}', expect: {json_field: id, timeout: 5s}}
`, "TARGET", srv.URL("/json"))), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	start := time.Now()
	res, err := Run(ctx, sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.EndReason != EndInterrupted {
		t.Fatalf("end reason %q", res.EndReason)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("an interrupted run took %v", d)
	}
	c := &res.Snapshot.Counters
	if c[metrics.ExpectCancelled] != 0 || c[metrics.ExpectTimedOut] != 0 || c[metrics.ExpectMatched] < 10 {
		t.Fatalf("matched %d cancelled %d timed out %d: in-flight replies must complete", c[metrics.ExpectMatched],
			c[metrics.ExpectCancelled], c[metrics.ExpectTimedOut])
	}
	if c[metrics.ConnClosed] != 5 || c[metrics.ConnDropped] != 0 {
		t.Fatalf("closed %d dropped %d, want 5 normal closes", c[metrics.ConnClosed], c[metrics.ConnDropped])
	}
}

// TestGracefulStopIsBounded: a reply that never comes is cancelled (and
// counted) once graceful_stop has passed.
func TestGracefulStopIsBounded(t *testing.T) {
	srv := startServer(t)
	start := time.Now()
	res := runYAML(t, `
target: TARGET
duration: 300ms
graceful_stop: 200ms
clients: {count: 3}
steps:
  - connect
  - expect: {regex: never, timeout: 1m}
`, srv.URL("/echo"), Options{})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("run took %v; graceful_stop should bound it", d)
	}
	if got := res.Snapshot.Counters[metrics.ExpectCancelled]; got != 3 {
		t.Fatalf("cancelled expects = %d, want 3", got)
	}
}

// TestTLS: a wss target verifies against ca_file; without it the
// connect fails with a TLS cause.
func TestTLS(t *testing.T) {
	inner := testserver.New(testserver.Config{})
	defer inner.Close()
	ts := httptest.NewUnstartedServer(inner.Handler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	ts.StartTLS()
	defer ts.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	url := "wss://" + strings.TrimPrefix(ts.URL, "https://") + "/echo"
	const body = `
target: TARGET
duration: 300ms
clients: {count: 2}
client:
  reconnect: {enabled: false}
%s
steps:
  - connect
  - send: {text: hi, expect: {regex: hi, timeout: 1s}}
`
	scenarioFile := filepath.Join(dir, "tls.yaml")
	for _, tt := range []struct {
		name, tls string
		opened    int64
		tlsFails  bool
	}{
		{"trusted ca_file", "  tls: {ca_file: ca.pem}", 2, false},
		{"unknown authority", "", 0, true},
		{"verification off", "  tls: {insecure_skip_verify: true}", 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			yaml := strings.ReplaceAll(strings.Replace(body, "%s", tt.tls, 1), "TARGET", url)
			if err := os.WriteFile(scenarioFile, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			sc, err := scenario.Load(scenarioFile, scenario.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Snapshot
			if s.Counters[metrics.ConnOpened] < tt.opened || (tt.opened == 0 && s.Counters[metrics.ConnOpened] != 0) {
				t.Fatalf("opened %d, want %d", s.Counters[metrics.ConnOpened], tt.opened)
			}
			if tt.tlsFails && (s.Causes[metrics.CauseTLS] == 0 || !strings.Contains(s.Examples[metrics.CauseTLS], "certificate")) {
				t.Fatalf("tls failures %d, example %q", s.Causes[metrics.CauseTLS], s.Examples[metrics.CauseTLS])
			}
		})
	}
}

// TestRefusedHandshakeIsRetried: upgrades refused with 503 count as
// connect failures with that status, and clients get in afterwards.
func TestRefusedHandshakeIsRetried(t *testing.T) {
	srv := startServer(t)
	srv.RefuseFor(http.StatusServiceUnavailable, 400*time.Millisecond)
	res := runYAML(t, `
target: TARGET
duration: 1200ms
clients: {count: 4}
client:
  reconnect: {initial_delay: 100ms, max_delay: 200ms}
steps:
  - connect
  - sleep: 1m
`, srv.URL("/echo"), Options{})
	s := res.Snapshot
	if s.Statuses[503] < 4 || s.Causes[metrics.CauseHandshakeStatus] != s.Statuses[503] {
		t.Fatalf("503s %d, handshake_status %d", s.Statuses[503], s.Causes[metrics.CauseHandshakeStatus])
	}
	if s.Counters[metrics.ConnOpened] != 4 || s.Counters[metrics.ReconnectSuccesses] != 4 {
		t.Fatalf("opened %d, reconnect successes %d; want 4 and 4", s.Counters[metrics.ConnOpened], s.Counters[metrics.ReconnectSuccesses])
	}
	if s.Hists[metrics.Recover].TotalCount() != 0 {
		t.Fatal("a failed first connect is not a drop; time to recover must stay empty")
	}
}

// TestEmbeddedServerBlock: target embedded starts the test server with
// the scenario's faults.
func TestEmbeddedServerBlock(t *testing.T) {
	var got *Embedded
	res := runYAML(t, `
target: embedded/json
duration: 1s
clients: {count: 3}
server:
  close: {every: 300ms, fraction: 1, code: 4001}
client:
  reconnect: {initial_delay: 20ms}
steps:
  - connect
  - sleep: 1m
`, "", Options{Embedded: func(e *Embedded) { got = e }})
	if got == nil || !strings.HasSuffix(res.URL, "/json") || !strings.HasPrefix(res.URL, "ws://127.0.0.1:") {
		t.Fatalf("embedded server %v at %q", got, res.URL)
	}
	if n := res.Snapshot.CloseCodes[4001]; n < 6 {
		t.Fatalf("close code 4001 counted %d times, want ≥6 (3 clients, every 300ms)", n)
	}
}

// TestMessageTooBig: a reply larger than max_message_size drops the
// connection with cause message_too_big and code 1009.
func TestMessageTooBig(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
duration: 500ms
clients: {count: 1}
client:
  max_message_size: 1KiB
  reconnect: {enabled: false}
steps:
  - connect
  - send: {binary: '{{.Random 2048}}'}
  - sleep: 1m
`, srv.URL("/echo"), Options{})
	s := res.Snapshot
	// Each client drops once; a failed client is replaced after initial_delay.
	if n := s.Causes[metrics.CauseTooBig]; n < 1 || s.CloseCodes[1009] != n || s.Counters[metrics.ConnDropped] != n {
		t.Fatalf("message_too_big %d, 1009 %d", s.Causes[metrics.CauseTooBig], s.CloseCodes[1009])
	}
}

// TestBinaryPayloads: binary templates and base64 payloads go out as
// binary frames with exact sizes and are matched by regex.
func TestBinaryPayloads(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
duration: 1s
clients: {count: 1}
steps:
  - connect
  - send: {binary: 'B{{.Random 1000}}', expect: {regex: '^B', timeout: 1s}}
  - send: {base64: 'AAECAw==', expect: {regex: '^\x00\x01\x02\x03$', timeout: 1s}}
  - sleep: 1m
`, srv.URL("/echo"), Options{})
	c := &res.Snapshot.Counters
	if c[metrics.ExpectMatched] != 2 || c[metrics.BytesSent] != 1005 || c[metrics.BytesReceived] != 1005 {
		t.Fatalf("matched %d, bytes sent %d received %d; want 2, 1005, 1005", c[metrics.ExpectMatched], c[metrics.BytesSent], c[metrics.BytesReceived])
	}
}
