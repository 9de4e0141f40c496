package nodeio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// benchSlack is how long RunClientBench allows beyond dur for connecting,
// closing and node's start-up, when ctx has no earlier deadline.
const benchSlack = time.Minute

// BenchResult is the JSON line printed by interop/socketio/client-bench.js.
// The counts and CPU times cover the measuring window only, which opens once
// every client has connected or failed.
type BenchResult struct {
	// Clients is the number of clients asked for.
	Clients int `json:"clients"`
	// Acks is the number of echo acks received in the window; each client
	// keeps one echo in flight.
	Acks int64 `json:"acks"`
	// Seconds is the measured window.
	Seconds float64 `json:"seconds"`
	// AcksPerSec is Acks / Seconds (0 when nothing was measured).
	AcksPerSec float64 `json:"acks_per_sec"`
	// CPUUserMicros and CPUSystemMicros are node's CPU time in the window,
	// in microseconds.
	CPUUserMicros   int64 `json:"cpu_user_us"`
	CPUSystemMicros int64 `json:"cpu_system_us"`
	// RSSBytes is node's resident set size at the end of the window.
	RSSBytes int64 `json:"rss_bytes"`
	// ConnectFailures is the number of clients that never connected.
	ConnectFailures int `json:"connect_failures"`
	// Disconnects is the number of clients lost during the window.
	Disconnects int `json:"disconnects"`
	// PayloadBytes is the length of the echoed string.
	PayloadBytes int `json:"payload_bytes"`
	// Transports are the socket.io-client transports used.
	Transports []string `json:"transports"`
}

// RunClientBench drives the Socket.IO server at url ("http://127.0.0.1:PORT")
// with clients official socket.io-client clients over websocket for dur, each
// echoing a 32-byte string with one ack in flight, and returns what
// client-bench.js measured. Clients that fail to connect or drop are counted
// in the result, not returned as an error. The run ends when ctx does, or
// dur plus a minute after it started.
func RunClientBench(ctx context.Context, url string, clients int, dur time.Duration) (BenchResult, error) {
	var problems []string
	if clients < 1 {
		problems = append(problems, fmt.Sprintf("clients is %d, want 1 or more", clients))
	}
	if dur <= 0 {
		problems = append(problems, fmt.Sprintf("dur is %v, want more than 0", dur))
	}
	if len(problems) > 0 {
		return BenchResult{}, fmt.Errorf("node client bench: %s", strings.Join(problems, "; "))
	}
	dir, err := peerDir()
	if err != nil {
		return BenchResult{}, err
	}

	ctx, cancel := context.WithTimeout(ctx, dur+benchSlack)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "client-bench.js"),
		"--url", url,
		"--clients", strconv.Itoa(clients),
		"--duration", strconv.FormatFloat(dur.Seconds(), 'f', -1, 64),
		"--transports", "websocket")
	cmd.Dir = dir
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = killGrace
	if err := cmd.Run(); err != nil {
		return BenchResult{}, fmt.Errorf("node client-bench.js: %w; stderr: %s", err, tail(stderr.String()))
	}
	return parseBenchResult(stdout.Bytes())
}

// parseBenchResult decodes the last non-empty line of client-bench.js's
// stdout, refusing unknown fields.
func parseBenchResult(out []byte) (BenchResult, error) {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return BenchResult{}, errors.New("node client-bench.js printed no result")
	}
	var r BenchResult
	dec := json.NewDecoder(strings.NewReader(last))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return BenchResult{}, fmt.Errorf("node client-bench.js result %q: %w", tail(last), err)
	}
	return r, nil
}

// tail returns the last 2 KiB of s, for error messages.
func tail(s string) string {
	const n = 2048
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
