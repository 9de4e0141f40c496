package runner

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/metrics"
)

// TestSourceAddressesSpreadConnections: clients dial from the listed
// loopback addresses in turn, as the server sees them.
func TestSourceAddressesSpreadConnections(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[host]++
		mu.Unlock()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	res := runYAML(t, `
target: TARGET
duration: 500ms
clients: {count: 6}
client: {source_addresses: [127.0.0.2, 127.0.0.3/32], heartbeat: {mode: off}}
steps: [connect, {sleep: 1s}]
`, "ws"+srv.URL[len("http"):], Options{})
	if n := res.Snapshot.Counters[metrics.ConnOpened]; n != 6 {
		t.Fatalf("opened %d", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["127.0.0.2"] != 3 || seen["127.0.0.3"] != 3 || len(seen) != 2 {
		t.Fatalf("server saw connections from %v; want 3 from each source address", seen)
	}
}
