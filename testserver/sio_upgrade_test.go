package testserver

import (
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
)

func TestSIOUpgradeFromPolling(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()
	pending := p.getAsync()
	waitingGET(t, s, p.sid)

	c := dial(t, s.URL("/socket.io/")+"?EIO=4&transport=websocket&sid="+p.sid)
	w := &sioWS{t: t, c: c}
	w.send("2probe")
	w.expect("3probe")
	// The waiting GET ends with a noop, so that the client can upgrade.
	if r := waitPoll(t, pending); r.err != nil || r.body != "6" {
		t.Fatalf("waiting GET = %+v, want a noop", r)
	}

	// Something for the client while it switches: it must come over the
	// WebSocket once the upgrade completes.
	other := dialSIO(t, s, "")
	other.connect("/", "")
	other.send(`42["broadcast","while upgrading"]`)
	other.expect(`42["broadcast","while upgrading"]`)

	w.send("5")
	w.expect(`42["broadcast","while upgrading"]`)
	w.send(`421["echo","over ws"]`)
	w.expect(`431["over ws"]`)

	// The polling transport is gone.
	status, body := p.get()
	if status != http.StatusBadRequest || body != `{"code":3,"message":"Bad request"}` {
		t.Fatalf("GET after the upgrade = %d %q", status, body)
	}
	st := sioStats(s)
	if st.Upgrades != 1 || st.Transports["websocket"] != 2 || st.Transports["polling"] != 0 || st.EngineClients != 2 {
		t.Fatalf("stats = %+v", st)
	}

	// A second upgrade of the same session is closed at once.
	c2, _, err := rawDial(t, s.URL("/socket.io/")+"?EIO=4&transport=websocket&sid="+p.sid)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
		t.Fatalf("second upgrade read = %v, want a close frame", err)
	}
	w.send(`422["echo","still here"]`)
	w.expect(`432["still here"]`)
}

func TestSIOFailedProbeKeepsPolling(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()

	c := dial(t, s.URL("/socket.io/")+"?EIO=4&transport=websocket&sid="+p.sid)
	writeText(t, c, `42["echo","not a probe"]`)
	if err := readErr(t, c); err == nil {
		t.Fatal("probe still open")
	}
	eventually(t, "probe dropped", func() bool {
		e := s.sio.lookup(p.sid)
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.probe == nil
	})
	p.post(`421["echo","polling"]`)
	p.expect(`431["polling"]`)
	if st := sioStats(s); st.Upgrades != 0 || st.Transports["polling"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}
