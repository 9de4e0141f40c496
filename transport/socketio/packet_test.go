package socketio

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, in    string
		typ         PacketType
		att         int
		nsp         string
		id          int64
		data, event string
		wantErr     bool
	}{
		{name: "connect main", in: "0", typ: Connect, nsp: "/", id: -1},
		{name: "connect ns with auth", in: `0/admin,{"token":"x"}`, typ: Connect, nsp: "/admin", id: -1, data: `{"token":"x"}`},
		{name: "connect ack", in: `0{"sid":"abc"}`, typ: Connect, nsp: "/", id: -1, data: `{"sid":"abc"}`},
		{name: "disconnect ns without comma", in: "1/chat", typ: Disconnect, nsp: "/chat", id: -1},
		{name: "disconnect ns", in: "1/chat,", typ: Disconnect, nsp: "/chat", id: -1},
		{name: "event", in: `2["hello",1]`, typ: Event, nsp: "/", id: -1, data: `["hello",1]`, event: "hello"},
		{name: "event ns id", in: `2/chat,12["msg",{"a":1}]`, typ: Event, nsp: "/chat", id: 12, data: `["msg",{"a":1}]`, event: "msg"},
		{name: "escaped event name", in: `2["a\"b"]`, typ: Event, nsp: "/", id: -1, data: `["a\"b"]`, event: `a"b`},
		{name: "ack", in: `3/chat,7["ok"]`, typ: Ack, nsp: "/chat", id: 7, data: `["ok"]`},
		{name: "connect error", in: `4/admin,{"message":"not authorized","data":{"code":401}}`, typ: ConnectErrorPacket, nsp: "/admin", id: -1, data: `{"message":"not authorized","data":{"code":401}}`},
		{name: "binary event", in: `51-["up",{"_placeholder":true,"num":0}]`, typ: BinaryEvent, att: 1, nsp: "/", id: -1, data: `["up",{"_placeholder":true,"num":0}]`, event: "up"},
		{name: "binary ack ns", in: `62-/x,3[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, typ: BinaryAck, att: 2, nsp: "/x", id: 3, data: `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`},
		{name: "empty", in: "", wantErr: true},
		{name: "unknown type", in: "7", wantErr: true},
		{name: "event not array", in: `2{"a":1}`, wantErr: true},
		{name: "event without name", in: `2[1,2]`, wantErr: true},
		{name: "unterminated name", in: `2["abc`, wantErr: true},
		{name: "ack without id", in: `3["x"]`, wantErr: true},
		{name: "binary without count", in: `5["x"]`, wantErr: true},
		{name: "connect error empty", in: `4`, wantErr: true},
		{name: "huge id", in: `3999999999999999999999["x"]`, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse([]byte(c.in))
			if c.wantErr {
				if !errors.Is(err, ErrParse) {
					t.Fatalf("Parse(%q) error = %v, want ErrParse", c.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if p.Type != c.typ || p.Attachments != c.att || p.NamespaceName() != c.nsp || p.ID != c.id || string(p.Data) != c.data {
				t.Errorf("Parse(%q) = %v %d %q %d %q, want %v %d %q %d %q", c.in,
					p.Type, p.Attachments, p.NamespaceName(), p.ID, p.Data, c.typ, c.att, c.nsp, c.id, c.data)
			}
			if !p.In(c.nsp) {
				t.Errorf("In(%q) = false", c.nsp)
			}
			if c.event != "" {
				name, err := EventName(p.Data)
				if err != nil || string(name) != c.event {
					t.Errorf("EventName = %q, %v; want %q", name, err, c.event)
				}
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	in := []byte(`2/chat,12["msg",{"a":1}]`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Parse(in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Parse allocates %v times per packet", allocs)
	}
}

func TestAppendHeader(t *testing.T) {
	cases := []struct {
		t    PacketType
		att  int
		nsp  string
		id   int64
		want string
	}{
		{Connect, 0, "/", -1, "0"},
		{Connect, 0, "/admin", -1, "0/admin,"},
		{Event, 0, "", 5, "25"},
		{Event, 0, "/chat", 12, "2/chat,12"},
		{BinaryEvent, 2, "/", -1, "52-"},
		{BinaryAck, 1, "/x", 3, "61-/x,3"},
		{Disconnect, 0, "/chat", -1, "1/chat,"},
	}
	for _, c := range cases {
		if got := string(AppendHeader(nil, c.t, c.att, c.nsp, c.id)); got != c.want {
			t.Errorf("AppendHeader(%v,%d,%q,%d) = %q, want %q", c.t, c.att, c.nsp, c.id, got, c.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "tab\tnl\ncr\r", "\x00\x01\x1f", "héllo ✓", "bad\xffutf8", "\u2028"} {
		enc := AppendString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Errorf("AppendString(%q) = %s: not JSON: %v", s, enc, err)
			continue
		}
		want := s
		if s == "bad\xffutf8" {
			want = "bad\ufffdutf8"
		}
		if got != want {
			t.Errorf("AppendString(%q) decodes to %q", s, got)
		}
	}
}

func TestConnectErrorPayload(t *testing.T) {
	msg, data := ConnectErrorPayload([]byte(`{"message":"not authorized","data":{"code":401}}`))
	if msg != "not authorized" || string(data) != `{"code":401}` {
		t.Errorf("got %q %s", msg, data)
	}
	if msg, _ := ConnectErrorPayload([]byte(`"weird"`)); msg != `"weird"` {
		t.Errorf("unstructured payload gave %q", msg)
	}
}

func TestParseOpen(t *testing.T) {
	h, err := ParseOpen([]byte(`0{"sid":"s1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	if err != nil || h.SID != "s1" || h.PingDeadline().Seconds() != 45 || len(h.Upgrades) != 1 {
		t.Fatalf("ParseOpen = %+v, %v", h, err)
	}
	for _, bad := range []string{"", "4hello", "0{", `0{"sid":"x"}`} {
		if _, err := ParseOpen([]byte(bad)); !errors.Is(err, ErrParse) {
			t.Errorf("ParseOpen(%q) error = %v", bad, err)
		}
	}
}

func TestSplitPayload(t *testing.T) {
	in := []byte("4hello\x1e2\x1ebAQID\x1e40")
	var got []string
	var bins []bool
	err := SplitPayload(in, func(pkt []byte, binary bool) error {
		got = append(got, string(pkt))
		bins = append(bins, binary)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4hello", "2", "\x01\x02\x03", "40"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] || bins[i] != (i == 2) {
			t.Errorf("packet %d = %q binary=%v", i, got[i], bins[i])
		}
	}
	if string(AppendPayloadBinary(nil, []byte{1, 2, 3})) != "bAQID" {
		t.Error("AppendPayloadBinary")
	}
	for _, bad := range []string{"4a\x1e\x1e4b", "b!!!"} {
		if err := SplitPayload([]byte(bad), func([]byte, bool) error { return nil }); !errors.Is(err, ErrParse) {
			t.Errorf("SplitPayload(%q) error = %v", bad, err)
		}
	}
}

// FuzzParse checks that no input panics Parse, and that a packet it
// accepts survives re-encoding.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", `0/admin,{"t":1}`, "1/chat", `2/chat,12["m",1]`, `3/a,7["ok"]`, `4{"message":"no"}`,
		`51-["up",{"_placeholder":true,"num":0}]`, `62-/x,3[{}]`, `2["a\"b"]`, "5-", "2/", "3/,1[", "09999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("error does not wrap ErrParse: %v", err)
			}
			return
		}
		nsp := p.NamespaceName()
		if len(p.Namespace) > 0 && nsp == "/" {
			nsp = "/"
		}
		enc := AppendHeader(nil, p.Type, p.Attachments, nsp, p.ID)
		enc = append(enc, p.Data...)
		q, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-encoded %q as %q which does not parse: %v", b, enc, err)
		}
		if q.Type != p.Type || q.Attachments != p.Attachments || q.ID != p.ID || string(q.Data) != string(p.Data) || q.NamespaceName() != nsp {
			t.Fatalf("round trip %q -> %q changed the packet: %+v vs %+v", b, enc, p, q)
		}
	})
}

// FuzzSplitPayload checks that no polling payload panics the splitter.
func FuzzSplitPayload(f *testing.F) {
	f.Add([]byte("4hello\x1e2\x1ebAQID"))
	f.Add([]byte("b"))
	f.Add([]byte("\x1e"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = SplitPayload(b, func(pkt []byte, binary bool) error {
			if len(pkt) == 0 && !binary {
				t.Fatal("empty text packet passed on")
			}
			if binary {
				return nil
			}
			_, _ = Parse(pkt[1:])
			return nil
		})
	})
}
