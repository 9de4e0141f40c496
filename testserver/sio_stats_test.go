package testserver

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSIOStatsEndpoint(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.connect("/chat", "")
	w.send(`421["echo"]`)
	w.expect(`431[]`)
	w.send(`42/chat,2["echo"]`)
	w.expect(`43/chat,2[]`)
	w.send(`42["no-such-handler",1]`)
	w.send("41/chat,")
	p := openPolling(t, s)
	p.post("40/nope,")
	p.expect(`44/nope,{"message":"Invalid namespace"}`)

	eventually(t, "events counted", func() bool { return sioStats(s).Events["no-such-handler"] == 1 })
	_, body := httpGet(t, "http://"+s.Addr()+"/stats")
	var st struct {
		SocketIO json.RawMessage `json:"socketio"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("/stats: %v: %s", err, body)
	}
	var got SocketIOStats
	if err := json.Unmarshal(st.SocketIO, &got); err != nil {
		t.Fatalf("socketio: %v: %s", err, st.SocketIO)
	}
	want := SocketIOStats{
		EngineClients: 2,
		Transports:    map[string]int64{"websocket": 1, "polling": 1},
		Handshakes:    2,
		Connections:   map[string]int64{"/": 1, "/chat": 0, "/admin": 0},
		ConnectsTotal: map[string]int64{"/": 1, "/chat": 1, "/admin": 0},
		ConnectErrors: map[string]int64{"Invalid namespace": 1},
		Disconnects:   map[string]int64{"client namespace disconnect": 1},
		EngineCloses:  map[string]int64{},
		Events:        map[string]int64{"echo": 2, "no-such-handler": 1},
	}
	// Packet counts depend on timing no more than this test does, but
	// are checked loosely: they are not the point here.
	if got.PacketsIn < 7 || got.PacketsOut < 8 {
		t.Fatalf("packets in %d out %d", got.PacketsIn, got.PacketsOut)
	}
	got.PacketsIn, got.PacketsOut = 0, 0
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("socketio stats\ngot  %s\nwant %s", gb, wb)
	}
	for _, key := range []string{`"engine_clients"`, `"transports"`, `"connects_total"`, `"disconnects"`, `"events"`, `"upgrades"`} {
		if !strings.Contains(string(st.SocketIO), key) {
			t.Errorf("/stats socketio lacks %s", key)
		}
	}
}

func TestStatsWithoutSocketIO(t *testing.T) {
	s := startServer(t, Config{})
	if _, body := httpGet(t, "http://"+s.Addr()+"/stats"); strings.Contains(body, "socketio") {
		t.Fatalf("/stats = %s, want no socketio", body)
	}
	// And the path is not served.
	resp, _ := httpGet(t, "http://"+s.Addr()+"/socket.io/?EIO=4&transport=polling")
	if resp.StatusCode != 404 {
		t.Fatalf("Socket.IO path without Socket.IO: %s", resp.Status)
	}
}

func TestCountMapBoundsKeys(t *testing.T) {
	var c countMap
	c.m = map[string]*atomic.Int64{}
	c.limit = 2
	for _, k := range []string{"a", "b", "c", "d", "a"} {
		c.add(k)
	}
	got := c.snapshot()
	if len(got) != 3 || got["a"] != 2 || got["b"] != 1 || got["(other)"] != 2 {
		t.Fatalf("counts = %v", got)
	}
}
