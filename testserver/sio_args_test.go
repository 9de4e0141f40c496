package testserver

import (
	"bytes"
	"testing"
	"time"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

func TestEventArgs(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"no args", `["echo"]`, ""},
		{"no args, spaces", `["echo" ] `, ""},
		{"one", `["echo",1]`, "1"},
		{"several", `["echo", "a" ,{"b":[1,2]} ]`, `"a" ,{"b":[1,2]}`},
		{"escaped name", `["e\"c,ho",true]`, "true"},
		{"escaped backslash", `["e\\",null]`, "null"},
		{"not an event", `{"a":1}`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := eventArgs([]byte(tc.data)); string(got) != tc.want {
				t.Fatalf("eventArgs(%s) = %q, want %q", tc.data, got, tc.want)
			}
		})
	}
}

func TestBytesArg(t *testing.T) {
	atts := [][]byte{{1, 2}, {3}}
	cases := []struct {
		name, args string
		want       []byte
	}{
		{"attachment", `{"_placeholder":true,"num":1}`, []byte{3}},
		{"attachment out of range", `{"_placeholder":true,"num":2}`, nil},
		{"string", `"hé"`, []byte("hé")},
		{"numbers modulo 256", `[1,255,256,-1,"x"]`, []byte{1, 255, 0, 255, 0}},
		{"number", `5`, nil},
		{"none", ``, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := bytesArg(splitArgs([]byte(tc.args)), 0, atts); !bytes.Equal(got, tc.want) {
				t.Fatalf("bytesArg(%s) = %v, want %v", tc.args, got, tc.want)
			}
		})
	}
}

func TestRoomKey(t *testing.T) {
	cases := map[string]string{`"r"`: "r", `"a\"b"`: `a"b`, `7`: "7", `{"x":1}`: `{"x":1}`, ``: "undefined"}
	for args, want := range cases {
		if got := roomKey(splitArgs([]byte(args)), 0); got != want {
			t.Errorf("roomKey(%s) = %q, want %q", args, got, want)
		}
	}
}

func TestQueryJSON(t *testing.T) {
	cases := map[string]string{
		"":                                  `{}`,
		"EIO=4&transport=websocket":         `{"EIO":"4","transport":"websocket"}`,
		"a=1&b=2&a=3":                       `{"a":"3","b":"2"}`,
		"x=%C3%A9+y&flag&bad=%zz&&q=%22%5C": `{"x":"é y","flag":"","bad":"%zz","q":"\"\\"}`,
	}
	for raw, want := range cases {
		if got := queryJSON(raw); string(got) != want {
			t.Errorf("queryJSON(%q) = %s, want %s", raw, got, want)
		}
	}
}

func TestSocketIODefaultsAndPath(t *testing.T) {
	c := SocketIO{}.withDefaults()
	if c.Path != "/socket.io/" || c.PingInterval != 25*time.Second || c.PingTimeout != 20*time.Second || c.MaxPayload != 1e6 {
		t.Fatalf("defaults = %+v", c)
	}
	c = SocketIO{Path: "io"}.withDefaults()
	for path, want := range map[string]bool{"/io/": true, "/io": true, "/io/x": true, "/iox": false, "/": false, "/socket.io/": false} {
		if got := c.matches(path); got != want {
			t.Errorf("Path io matches(%q) = %v, want %v", path, got, want)
		}
	}
	for d, want := range map[time.Duration]int64{0: 1, time.Microsecond: 1, 50 * time.Millisecond: 50, 1500 * time.Microsecond: 2} {
		if got := millis(d); got != want {
			t.Errorf("millis(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestPayloadValid(t *testing.T) {
	cases := map[string]bool{
		`0`:                  true,
		`0{"token":"x"}`:     true,
		`0[1]`:               false,
		`0/chat,"x"`:         false,
		`1`:                  true,
		`1/chat,`:            true,
		`1{}`:                false,
		`2["ev",1]`:          true,
		`2["ev",1`:           false,
		`2["connect"]`:       false,
		`2["connect_error"]`: false,
		`31[]`:               true,
		`31[x]`:              false,
		`4{"message":"x"}`:   true,
		`4"x"`:               true,
		`41`:                 false,
		`51-["ev",{}]`:       true,
		`61-1[{}]`:           true,
	}
	for pkt, want := range cases {
		p, err := sio.Parse([]byte(pkt))
		if got := err == nil && payloadValid(p); got != want {
			t.Errorf("%s: valid = %v (parse error %v), want %v", pkt, got, err, want)
		}
	}
}
