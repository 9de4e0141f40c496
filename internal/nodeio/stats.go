package nodeio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// httpTimeout bounds one GET to the server's /stats or /kick-all.
const httpTimeout = 5 * time.Second

// httpClient talks to the loopback server only: no proxy, no idle
// connections left behind for the leak check.
var httpClient = &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// Stats is the server's GET /stats: counters since the process started
// (Restart starts them again). Namespaces are "/", "/chat" and "/admin".
type Stats struct {
	// Connections is the number of sockets connected now, by namespace.
	Connections map[string]int `json:"connections"`
	// ConnectsTotal is the number of sockets ever connected, by namespace.
	ConnectsTotal map[string]int `json:"connects_total"`
	// Disconnects counts server-side "disconnect" reasons, such as
	// "client namespace disconnect", "server namespace disconnect",
	// "transport close" and "ping timeout".
	Disconnects map[string]int `json:"disconnects"`
	// Events counts events received from clients by name, all namespaces
	// together; acks are not events.
	Events map[string]int `json:"events"`
	// EngineClients is the number of Engine.IO connections open now.
	EngineClients int `json:"engine_clients"`
	// Transports is the number of open Engine.IO connections by their
	// current transport, "websocket" or "polling".
	Transports map[string]int `json:"transports"`
	// Upgrades is the number of Engine.IO connections ever upgraded from
	// polling to websocket.
	Upgrades int `json:"upgrades"`
	// Recovered is the number of sockets that connected with their state
	// recovered (socket.recovered; needs [Options].Recovery), all
	// namespaces together.
	Recovered int `json:"recovered"`
	// BroadcastSeq is the seq of the last "tick" broadcast
	// ([Options].BroadcastEvery), 0 before the first.
	BroadcastSeq int64 `json:"broadcast_seq"`
}

// Stats returns the server's counters now, or ends the test on error.
func (s *Server) Stats(tb testing.TB) Stats {
	tb.Helper()
	st, err := s.stats()
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return st
}

// WaitStats polls Stats every 20 ms until cond holds and returns the stats
// that satisfied it. After timeout it ends the test, showing the last stats.
// Disconnects in particular reach the counters a moment after the client
// sees them.
func (s *Server) WaitStats(tb testing.TB, timeout time.Duration, cond func(Stats) bool) Stats {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := s.stats()
		if err != nil {
			tb.Fatalf("%v", err)
		}
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(st)
			tb.Fatalf("node server stats did not reach the expected state within %v; last: %s", timeout, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// KickAll disconnects every socket in every namespace from the server side
// (clients see "io server disconnect") and returns how many there were.
func (s *Server) KickAll(tb testing.TB) int {
	tb.Helper()
	var body struct {
		Kicked int `json:"kicked"`
	}
	if err := s.getJSON("/kick-all", &body); err != nil {
		tb.Fatalf("%v", err)
	}
	return body.Kicked
}

func (s *Server) stats() (Stats, error) {
	var st Stats
	err := s.getJSON("/stats", &st)
	return st, err
}

// getJSON GETs path and decodes the JSON body into v, refusing unknown
// fields so that server.js and this package cannot drift apart silently.
func (s *Server) getJSON(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), httpTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	dec := json.NewDecoder(resp.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return nil
}
