package testserver

import (
	"bytes"
	"testing"
)

// FuzzSIOPackets feeds a session packets as a client could send them,
// one per line ("B:" marks a binary message): whatever comes, the server
// must not panic, and Close must still end everything.
func FuzzSIOPackets(f *testing.F) {
	for _, seed := range []string{
		"40\n420[\"echo\",1]",
		"40/chat,{\"token\":\"secret\"}\n42/chat,[\"broadcast\",{\"a\":[1,2]}]",
		"40/admin,{\"token\":\"secret\"}\n42/admin,3[\"join\",\"r\"]\n42/admin,[\"to-room\",\"r\",1]",
		"40\n451-2[\"xor\",{\"_placeholder\":true,\"num\":0}]\nB:\x00\x01",
		"40\n452-[\"echo\",{\"_placeholder\":true,\"num\":1}]\nB:a\nB:b",
		"40\n42[\"push\",3,0]\n42[\"ask\",1]\n430[\"x\"]",
		"40\n42[\"kick\"]\n420[\"echo\"]",
		"40\n41\n40\n3\n6\n5\n1",
		"4\n42\n42[\n45-\n451-\n4511-[\"a\"]\n43\n43x[1]",
		"40\n42[\"echo\\\"\",\"\\u0000\"]\n42[\"x\\",
		"B:\x00\n2\n9\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(Config{SocketIO: SocketIO{Enabled: true}})
		defer s.Close()
		x := s.sio
		e := x.newSession(trPolling, "EIO=4&transport=polling")
		if !x.register(e, externalGen) {
			t.Fatal("register refused")
		}
		e.start()
		for pkt := range bytes.SplitSeq(data, []byte{'\n'}) {
			b, binary := bytes.CutPrefix(pkt, []byte("B:"))
			if !e.receive(b, binary) {
				break
			}
		}
		// What the session would send is a valid polling payload.
		e.mu.Lock()
		if n := len(e.out); n > 0 {
			e.payloadLocked(n, e.created)
		}
		e.mu.Unlock()
	})
}
