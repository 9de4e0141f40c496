package socketio

import "testing"

var (
	eventPkt = []byte(`2/chat,17["echo",{"n":12345,"text":"a short event, as most are"}]`)
	ackPkt   = []byte(`3/chat,17[{"ok":true,"n":12345}]`)
)

func parseEvent() {
	p, err := Parse(eventPkt)
	if err != nil || p.Type != Event || p.ID != 17 || !p.In("/chat") {
		panic("parse event")
	}
	if name, err := EventName(p.Data); err != nil || string(name) != "echo" {
		panic("event name")
	}
}

func parseAck() {
	p, err := Parse(ackPkt)
	if err != nil || p.Type != Ack || p.ID != 17 || !p.In("/chat") {
		panic("parse ack")
	}
}

func encodeEvent(dst []byte) []byte {
	b := AppendHeader(dst[:0], Event, 0, "/chat", 17)
	b = append(b, '[')
	b = AppendString(b, "echo")
	b = append(b, `,{"n":12345,"text":"a short event, as most are"}`...)
	return append(b, ']')
}

func encodeAck(dst []byte) []byte {
	b := AppendHeader(dst[:0], Ack, 0, "/chat", 17)
	return append(b, `[{"ok":true,"n":12345}]`...)
}

func BenchmarkParseEvent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		parseEvent()
	}
}

func BenchmarkParseAck(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		parseAck()
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = encodeEvent(buf)
	}
}

func BenchmarkEncodeAck(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = encodeAck(buf)
	}
}

// TestCodecAllocatesNothing guards the packet codec: decoding and encoding
// an event and an ack into a buffer with room allocate nothing.
func TestCodecAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 128)
	if string(encodeEvent(buf)) != string(eventPkt) || string(encodeAck(buf)) != string(ackPkt) {
		t.Fatalf("encoded %s / %s", encodeEvent(buf), encodeAck(buf))
	}
	for name, f := range map[string]func(){
		"parse event":  parseEvent,
		"parse ack":    parseAck,
		"encode event": func() { buf = encodeEvent(buf) },
		"encode ack":   func() { buf = encodeAck(buf) },
	} {
		if a := testing.AllocsPerRun(1000, f); a != 0 {
			t.Errorf("%s allocates %v times", name, a)
		}
	}
}
