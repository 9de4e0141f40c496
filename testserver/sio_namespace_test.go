package testserver

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestSIOBroadcastReachesTheNamespace(t *testing.T) {
	s := startSIO(t, Config{})
	var chat []*sioWS
	for range 3 {
		w := dialSIO(t, s, "")
		w.connect("/chat", "")
		chat = append(chat, w)
	}
	main := dialSIO(t, s, "")
	main.connect("/", "")

	chat[0].send(`42/chat,5["broadcast",1,"two",{"three":3}]`)
	for i, w := range chat {
		w.expect(`42/chat,["broadcast",1,"two",{"three":3}]`)
		if i == 0 {
			w.expect(`43/chat,5[]`)
		}
	}
	// Nothing for the main namespace: its next packet is its own ack.
	main.send(`421["echo"]`)
	main.expect(`431[]`)

	// Binary broadcasts keep their attachments.
	chat[1].send(`451-/chat,["broadcast",{"_placeholder":true,"num":0}]`)
	chat[1].sendBinary([]byte{7})
	for _, w := range chat {
		w.expect(`451-/chat,["broadcast",{"_placeholder":true,"num":0}]`)
		if b := w.readBinary(); len(b) != 1 || b[0] != 7 {
			t.Fatalf("attachment = %v", b)
		}
	}
}

func TestSIORooms(t *testing.T) {
	s := startSIO(t, Config{})
	a, b, c := dialSIO(t, s, ""), dialSIO(t, s, ""), dialSIO(t, s, "")
	idA := a.connect("/", "")
	b.connect("/", "")
	c.connect("/", "")
	a.send(`421["join","r"]`)
	a.expect(`431[]`)
	b.send(`42["join","r"]`) // no ack asked, none sent
	b.send(`428["echo"]`)
	b.expect(`438[]`) // so the join is done

	c.send(`422["to-room","r","x",2]`)
	c.expect(`432[]`)
	a.expect(`42["broadcast","x",2]`)
	b.expect(`42["broadcast","x",2]`)

	// Every socket is alone in the room named by its id.
	c.send(`42["to-room","` + idA + `","only a"]`)
	a.expect(`42["broadcast","only a"]`)
	for _, w := range []*sioWS{b, c} {
		w.send(`429["echo"]`)
		w.expect(`439[]`) // nothing else came first
	}

	// Rooms are per namespace.
	c.send(`40/chat,`)
	c.read()
	c.read()
	c.send(`42/chat,["to-room","r","chat"]`)
	a.send(`423["echo"]`)
	a.expect(`433[]`)
}

func TestSIOKickDisconnectsEveryNamespace(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.connect("/chat", "")
	w.send(`42/chat,["kick"]`)
	w.expect(`41`)
	w.expect(`41/chat,`)
	if err := w.readErr(); !websocket.IsCloseError(err, websocket.CloseNoStatusReceived) {
		t.Fatalf("after the DISCONNECTs: %v, want a close frame", err)
	}
	eventually(t, "session gone", func() bool { return sioStats(s).EngineClients == 0 })
	st := sioStats(s)
	if st.Disconnects["server namespace disconnect"] != 2 || st.EngineCloses["forced close"] != 1 || st.Connections["/chat"] != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIOKickOverPolling(t *testing.T) {
	s := startSIO(t, Config{})
	p := openPolling(t, s)
	p.post("40")
	p.get()
	p.post(`42["kick"]`)
	p.expect("41")
	p.expect("1") // alone, as the reference server sends it
	if status, body := p.get(); status != 400 || !strings.Contains(body, "Session ID unknown") {
		t.Fatalf("GET after the kick = %d %q", status, body)
	}
}

func TestSIOClientNamespaceDisconnect(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.connect("/chat", "")
	w.send("41/chat,")
	eventually(t, "socket gone", func() bool { return sioStats(s).Connections["/chat"] == 0 })
	// The engine and the other namespace stay.
	w.send(`421["echo"]`)
	w.expect(`431[]`)
	if st := sioStats(s); st.Disconnects["client namespace disconnect"] != 1 || st.EngineClients != 1 {
		t.Fatalf("stats = %+v", st)
	}
}
