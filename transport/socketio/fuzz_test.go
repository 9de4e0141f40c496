package socketio

import (
	"errors"
	"testing"

	"github.com/wsbench/wsbench/transport"
)

// FuzzReadMessage feeds arbitrary long-polling payloads through the whole
// read path (payload splitting, Engine.IO handling, Socket.IO parsing,
// attachment collection) without a network: whatever the server sends, a
// read returns a packet or an error, never panics, and a packet it
// returns parses.
func FuzzReadMessage(f *testing.F) {
	for _, s := range []string{
		`42["welcome",{}]` + "\x1e2\x1e6\x1e" + `43/chat,1["ok"]`,
		`451-["up",{"_placeholder":true,"num":0}]` + "\x1e2\x1ebAQID",
		`462-/x,3[{},{}]` + "\x1ebAA==\x1ebAQ==",
		"41/chat,", "1", `40{"sid":"x"}`, `44{"message":"no"}`, "0{}", "5", "b!!", "\x1e", "4", "9",
		`451-["up"]` + "\x1e" + `42["x"]`, `4999999-["x"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		l := newPolllink(nil, "", nil, nil, 0, 1<<20)
		l.body = payload
		l.closeErr = &transport.CloseError{Code: 1000}
		l.ending.Store(true) // at the payload's end, report a close instead of polling
		close(l.ended)
		c := &Conn{link: l, ignorePings: true}
		var buf []byte
		for range len(payload) + 2 {
			_, data, err := c.ReadMessage(buf)
			if err != nil {
				var ce *transport.CloseError
				var de *DisconnectError
				if !errors.Is(err, ErrParse) && !errors.As(err, &ce) && !errors.As(err, &de) && !errors.Is(err, transport.ErrMessageTooBig) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			p, perr := Parse(data)
			if perr != nil || (p.Type != Event && p.Type != Ack && p.Type != BinaryEvent && p.Type != BinaryAck) {
				t.Fatalf("returned %q (%v)", data, perr)
			}
			if len(c.Attachments()) != p.Attachments {
				t.Fatalf("%q with %d attachments", data, len(c.Attachments()))
			}
			buf = data[:0]
		}
		t.Fatal("reads never ended")
	})
}
