package testserver

import (
	"bytes"
	"strings"
	"testing"
)

func TestSIOWebSocketHandshakeConnectEcho(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "&user=ann")
	if o := w.open; len(o.Upgrades) != 0 || o.PingInterval != 25000 || o.PingTimeout != 20000 || o.MaxPayload != 1000000 {
		t.Fatalf("handshake = %+v, want no upgrades and the defaults", o)
	}

	w.send("40")
	ack := w.read()
	welcome := w.read()
	id := checkConnected(t, ack, welcome, "/")
	if id == w.open.SID {
		t.Fatal("socket id = engine sid; the reference server draws them apart")
	}
	mustJSON(t, strings.TrimPrefix(welcome, "42"),
		`["welcome",{"id":"`+id+`","nsp":"/","query":{"EIO":"4","transport":"websocket","user":"ann"},"auth":{}}]`)

	w.send(`420["echo","a",1,{"b":[true,null]}]`)
	w.expect(`430["a",1,{"b":[true,null]}]`)
	w.send(`421["echo"]`)
	w.expect(`431[]`)
	w.send(`42["echo","no ack wanted"]`)
	w.send(`42["echo-event","x",{"y":2}]`)
	w.expect(`42["echo","x",{"y":2}]`)

	// A second namespace over the same engine connection, with auth.
	w.send(`40/chat,{"token":"t"}`)
	chatID := checkConnected(t, w.read(), w.read(), "/chat")
	if chatID == id {
		t.Fatal("two sockets share an id")
	}
	w.send(`42/chat,7["echo","y"]`)
	w.expect(`43/chat,7["y"]`)
}

func TestSIOWelcomeCarriesAuth(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.send(`40/chat,{"token":"t","n":1}`)
	w.read()
	welcome := w.read()
	i := strings.Index(welcome, `"auth":`)
	if i < 0 {
		t.Fatalf("welcome = %q", welcome)
	}
	mustJSON(t, strings.TrimSuffix(welcome[i+len(`"auth":`):], "}]"), `{"token":"t","n":1}`)
}

func TestSIOBinaryEchoAndXor(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")

	w.send(`451-3["echo",{"_placeholder":true,"num":0},"text"]`)
	w.sendBinary([]byte{1, 2, 3})
	w.expect(`461-3[{"_placeholder":true,"num":0},"text"]`)
	if got := w.readBinary(); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Fatalf("echoed attachment = %v", got)
	}

	w.send(`452-4["xor",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`)
	w.sendBinary([]byte{0x00, 0xff, 0x0f})
	w.sendBinary([]byte{9})
	w.expect(`461-4[{"_placeholder":true,"num":0}]`)
	if got := w.readBinary(); !bytes.Equal(got, []byte{0xff, 0x00, 0xf0}) {
		t.Fatalf("xor = %v", got)
	}

	// As Node's Buffer.from: a string is its UTF-8 bytes.
	w.send(`425["xor","AB"]`)
	w.expect(`461-5[{"_placeholder":true,"num":0}]`)
	if got := w.readBinary(); !bytes.Equal(got, []byte{'A' ^ 0xff, 'B' ^ 0xff}) {
		t.Fatalf("xor of a string = %v", got)
	}

	// A binary event fanned out keeps its attachment.
	w.send(`451-["echo-event",{"_placeholder":true,"num":0}]`)
	w.sendBinary([]byte("bin"))
	w.expect(`451-["echo",{"_placeholder":true,"num":0}]`)
	if got := w.readBinary(); string(got) != "bin" {
		t.Fatalf("attachment = %q", got)
	}
}

func TestSIOAdminNeedsToken(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.send("40/admin,")
	w.expect(`44/admin,{"message":"not authorized","data":{"code":401}}`)
	w.send(`40/admin,{"token":"wrong"}`)
	w.expect(`44/admin,{"message":"not authorized","data":{"code":401}}`)

	w.connect("/admin", `{"token":"secret"}`)
	w.send(`42/admin,1["echo","ok"]`)
	w.expect(`43/admin,1["ok"]`)
	if st := sioStats(s); st.ConnectErrors["not authorized"] != 2 || st.ConnectsTotal["/admin"] != 1 || st.Connections["/admin"] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSIOUnknownNamespace(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.send("40/nope,")
	w.expect(`44/nope,{"message":"Invalid namespace"}`)
	// The engine connection stays up for the namespaces that exist.
	w.connect("/", "")
	w.send(`421["echo",1]`)
	w.expect(`431[1]`)
}

func TestSIOAsk(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/chat", "")
	w.send(`42/chat,["ask","q",1]`)
	w.expect(`42/chat,0["question","q",1]`)
	w.send(`43/chat,0["yes","ignored"]`)
	w.expect(`42/chat,["answered","yes"]`)
	w.send(`42/chat,["ask"]`)
	w.expect(`42/chat,1["question"]`)
	w.send(`43/chat,1[]`)
	w.expect(`42/chat,["answered",null]`)
}

func TestSIOPush(t *testing.T) {
	s := startSIO(t, Config{})
	w := dialSIO(t, s, "")
	w.connect("/", "")
	w.send(`42["push",3,5]`)
	for i := range 3 {
		got := w.read()
		want := `42["tick",{"i":` + string(rune('0'+i)) + `,"sentAt":`
		if !strings.HasPrefix(got, want) {
			t.Fatalf("tick %d = %q", i, got)
		}
	}
	w.send(`421["echo","after"]`)
	w.expect(`431["after"]`) // and no fourth tick before it
	w.send(`42["push",0,5]`)
	w.send(`42["push","x"]`)
	w.send(`422["echo","none"]`)
	w.expect(`432["none"]`)
}
