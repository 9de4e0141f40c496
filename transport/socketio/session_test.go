package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/internal/streamtest"
)

func TestLastStringArg(t *testing.T) {
	cases := []struct {
		name, data, want string // want "" for none
	}{
		{"offset", `["tick",1,"abc"]`, `"abc"`},
		{"spaces", "[\"tick\" , 1 ,\n \"abc\" ] ", `"abc"`},
		{"escaped quote", `["tick","a\"b"]`, `"a\"b"`},
		{"escaped backslash at the end", `["tick","a\\"]`, `"a\\"`},
		{"backslash then quote", `["tick","\\\"x"]`, `"\\\"x"`},
		{"a string holding a bracket and comma", `["tick","x\",[\"y"]`, `"x\",[\"y"`},
		{"empty string", `["tick",""]`, `""`},
		{"name only", `["tick"]`, ""},
		{"number last", `["tick","x",1]`, ""},
		{"object last", `["tick",{"k":"v"}]`, ""},
		{"array last", `["tick",["a","b"]]`, ""},
		{"not an array", `{"a":"b"}`, ""},
		{"empty", ``, ""},
		{"unterminated", `"x"]`, ""},
		{"garbage before", `["tick"x"y"]`, ""},
	}
	for _, tc := range cases {
		got, ok := lastStringArg([]byte(tc.data))
		if ok != (tc.want != "") || string(got) != tc.want {
			t.Errorf("%s: lastStringArg(%s) = %s, %v; want %s", tc.name, tc.data, got, ok, tc.want)
		}
	}
}

// FuzzLastStringArg checks the backward scan against encoding/json on
// every valid event array: it finds the last argument exactly when that
// is a string.
func FuzzLastStringArg(f *testing.F) {
	for _, s := range []string{`["a","b"]`, `["a"]`, `["a",1,"x\"y"]`, `["a","\\"]`, `["a",{"b":"c"}]`, `["a", "b\\\\\"" ]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := lastStringArg(data)
		if ok && !bytes.Contains(data, got) {
			t.Fatalf("%q: returned %q, not part of the input", data, got)
		}
		var elems []json.RawMessage
		if json.Unmarshal(data, &elems) != nil || len(elems) == 0 || len(elems[0]) == 0 || elems[0][0] != '"' {
			return // not an event; only the above must hold
		}
		last := bytes.TrimSpace(elems[len(elems)-1])
		want := len(elems) > 1 && last[0] == '"'
		if ok != want || (ok && !bytes.Equal(got, last)) {
			t.Fatalf("%q: got %q, %v; want %q, %v", data, got, ok, last, want)
		}
	})
}

func TestAppendResumeData(t *testing.T) {
	cases := []struct {
		name, pid, offset, auth, want string
	}{
		{"no auth", "p1", `"o1"`, ``, `{"pid":"p1","offset":"o1"}`},
		{"no offset yet", "p1", ``, ``, `{"pid":"p1"}`},
		{"auth", "p1", `"o\"1"`, `"token":"x"`, `{"pid":"p1","offset":"o\"1","token":"x"}`},
		{"pid needing escapes", `p"1`, `"o"`, `"a":1`, `{"pid":"p\"1","offset":"o","a":1}`},
	}
	for _, tc := range cases {
		got := appendResumeData(nil, tc.pid, []byte(tc.offset), []byte(tc.auth))
		if string(got) != tc.want || !json.Valid(got) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// The auth's members come last, so its own "pid" wins, as with
	// Object.assign({pid, offset}, auth).
	var v struct{ PID string }
	if err := json.Unmarshal(appendResumeData(nil, "p1", nil, []byte(`"pid":"mine"`)), &v); err != nil || v.PID != "mine" {
		t.Errorf("auth pid: %q, %v", v.PID, err)
	}
}

// TestNewDialerTrimsAuth: the auth object's members are what a resuming
// CONNECT appends, whatever the spacing, and an empty object adds none.
func TestNewDialerTrimsAuth(t *testing.T) {
	for auth, want := range map[string]string{
		` { "token" : "x" } `: `"token" : "x"`,
		`{}`:                  ``,
		"{ \n }":              ``,
	} {
		if got := string(NewDialer(Options{Auth: json.RawMessage(auth)}).authMembers); got != want {
			t.Errorf("auth %q: members %q, want %q", auth, got, want)
		}
	}
}

// TestRecoveryThroughASession: the first connection learns a pid per
// namespace and tracks each namespace's last offset; the next resumes
// with them, is told it recovered, and reads the replayed events first;
// a server that forgot the session gives a new pid.
func TestRecoveryThroughASession(t *testing.T) {
	forModes(t, fakeOptions{recovery: true}, func(t *testing.T, srv *fakeServer, o Options) {
		o.Namespaces = []string{"/", "/chat"}
		o.Auth = json.RawMessage(`{"token":"x"}`)
		d := NewDialer(o)
		t.Cleanup(d.CloseIdleConnections)
		var s Session
		dial := func() (*Conn, *fakeSession) {
			t.Helper()
			c, err := d.DialSession(context.Background(), srv.URL(), &s)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			t.Cleanup(func() { _ = c.Abort() })
			return c.(*Conn), srv.session(t)
		}

		c1, ss := dial()
		if got := ss.next(t).pkt; got != `0{"token":"x"}` {
			t.Errorf("first CONNECT %s", got)
		}
		ss.next(t)
		if d := c1.Details(); !d.RecoveryOffered || d.RecoveryAttempted || d.Recovered {
			t.Errorf("first connection: offered %v, attempted %v, recovered %v", d.RecoveryOffered, d.RecoveryAttempted, d.Recovered)
		}
		pid, chatPID := s.PID("/"), s.PID("chat")
		if pid == "" || chatPID == "" || pid == chatPID {
			t.Fatalf("pids %q and %q", pid, chatPID)
		}
		ss.send(
			frame{data: []byte(`42["tick",1,"o1"]`)},
			frame{data: []byte(`42/chat,["tick",1,"c1"]`)},
			frame{data: []byte(`421["ask","not an offset"]`)},
			frame{data: []byte(`42["count",5]`)},
			frame{data: []byte(`451-["bin",{"_placeholder":true,"num":0},"o2"]`)}, frame{bin: true, data: []byte{1}},
			frame{data: []byte(`42["tick",2,"o\"3"]`)},
			frame{data: []byte(`42["name-only"]`)},
		)
		for i, want := range []string{"o1", "o1", "o1", "o1", "o2", `o"3`, `o"3`} {
			mustRead(t, c1)
			if got := s.Offset("/"); got != want {
				t.Fatalf("after event %d the offset is %q, want %q", i, got, want)
			}
		}
		if got := s.Offset("/chat"); got != "c1" {
			t.Fatalf("/chat offset %q", got)
		}
		_ = c1.Reset()

		c2, ss := dial()
		if got, want := ss.next(t).pkt, `0{"pid":"`+pid+`","offset":"o\"3","token":"x"}`; got != want {
			t.Errorf("resuming CONNECT %s, want %s", got, want)
		}
		if got, want := ss.next(t).pkt, `0/chat,{"pid":"`+chatPID+`","offset":"c1","token":"x"}`; got != want {
			t.Errorf("resuming CONNECT %s, want %s", got, want)
		}
		if d := c2.Details(); !d.RecoveryOffered || !d.RecoveryAttempted || !d.Recovered {
			t.Errorf("second connection: offered %v, attempted %v, recovered %v", d.RecoveryOffered, d.RecoveryAttempted, d.Recovered)
		}
		for _, want := range []string{`2["replayed","r-` + pid + `"]`, `2/chat,["replayed","r-` + chatPID + `"]`} {
			if got := mustRead(t, c2); got != want {
				t.Fatalf("read %s, want the replayed %s", got, want)
			}
		}
		if s.PID("/") != pid || s.Offset("/") != "r-"+pid || s.Offset("/chat") != "r-"+chatPID {
			t.Fatalf("after the replay: pid %q, offsets %q and %q", s.PID("/"), s.Offset("/"), s.Offset("/chat"))
		}
		_ = c2.Abort()

		srv.forget()
		c3, ss := dial()
		ss.next(t)
		ss.next(t)
		if d := c3.Details(); !d.RecoveryOffered || !d.RecoveryAttempted || d.Recovered {
			t.Errorf("expired session: offered %v, attempted %v, recovered %v", d.RecoveryOffered, d.RecoveryAttempted, d.Recovered)
		}
		if p := s.PID("/"); p == "" || p == pid {
			t.Errorf("after an expired session the pid is %q, was %q", p, pid)
		}
		if got := s.Offset("/"); got != "r-"+pid {
			t.Errorf("the offset %q was not kept across a new pid", got)
		}
	})
}

// TestRecoveryOffServer: a server without recovery offers no pid, and a
// session's pid it did not answer is dropped.
func TestRecoveryOffServer(t *testing.T) {
	forModes(t, fakeOptions{}, func(t *testing.T, srv *fakeServer, o Options) {
		var s Session
		if r := s.connected("/", "old"); r == nil {
			t.Fatal("no point for a pid")
		}
		d := NewDialer(o)
		t.Cleanup(d.CloseIdleConnections)
		c, err := d.DialSession(context.Background(), srv.URL(), &s)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Abort() })
		if got := srv.session(t).next(t).pkt; got != `0{"pid":"old"}` {
			t.Errorf("CONNECT %s", got)
		}
		if d := c.(*Conn).Details(); d.RecoveryOffered || !d.RecoveryAttempted || d.Recovered {
			t.Errorf("offered %v, attempted %v, recovered %v", d.RecoveryOffered, d.RecoveryAttempted, d.Recovered)
		}
		if p := s.PID("/"); p != "" {
			t.Errorf("pid %q kept", p)
		}
		c2 := dialFake(t, srv, o)
		if d := c2.Details(); d.RecoveryOffered || d.RecoveryAttempted || d.Recovered {
			t.Errorf("plain Dial: offered %v, attempted %v, recovered %v", d.RecoveryOffered, d.RecoveryAttempted, d.Recovered)
		}
	})
}

// offsetTickEvent is tickEvent as a server with recovery on sends it: the
// offset last.
const offsetTickEvent = `2["tick",{"n":12345,"text":"a short event"},"1700000000000-42"]`

// offsetStream dials, with a session, a server that offers recovery and
// then streams offsetTickEvent.
func offsetStream(tb testing.TB) (*Conn, *Session) {
	tb.Helper()
	url := streamtest.Stream(tb, "4"+offsetTickEvent, func(c *websocket.Conn, r *http.Request) bool {
		_ = c.WriteMessage(websocket.TextMessage, []byte(`0{"sid":"s","upgrades":[],"pingInterval":600000,"pingTimeout":600000}`))
		if _, _, err := c.ReadMessage(); err != nil { // CONNECT
			return false
		}
		_ = c.WriteMessage(websocket.TextMessage, []byte(`40{"sid":"x","pid":"p"}`))
		return true
	})
	s := new(Session)
	c, err := NewDialer(Options{}).DialSession(context.Background(), url, s)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Abort() })
	return c.(*Conn), s
}

// TestReadWithSessionAllocatesNothing: tracking each event's offset keeps
// the read path free of allocations.
func TestReadWithSessionAllocatesNothing(t *testing.T) {
	c, s := offsetStream(t)
	buf := make([]byte, 0, 16)
	read := func() {
		_, data, err := c.ReadMessage(buf)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != offsetTickEvent {
			t.Fatalf("read %q", data)
		}
		buf = data[:0]
	}
	for range 100 { // grow buf and the offset's storage
		read()
	}
	if a := testing.AllocsPerRun(1000, read); a != 0 {
		t.Fatalf("ReadMessage with a session allocates %v times per event", a)
	}
	if s.PID("/") != "p" || s.Offset("/") != "1700000000000-42" {
		t.Fatalf("pid %q, offset %q", s.PID("/"), s.Offset("/"))
	}
}

func BenchmarkReadMessageWithSession(b *testing.B) {
	c, _ := offsetStream(b)
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(offsetTickEvent)))
	for b.Loop() {
		_, data, err := c.ReadMessage(buf)
		if err != nil {
			b.Fatal(err)
		}
		buf = data[:0]
	}
}

// TestSessionPointDetachesOldReaders: after a new connect, an earlier
// connection's point no longer feeds what the next dial sends.
func TestSessionPointDetachesOldReaders(t *testing.T) {
	var s Session
	old := s.connected("/", "p1")
	s.note(old, []byte(`"o1"`))
	cur := s.connected("/", "p1")
	s.note(old, []byte(`"stale"`))
	if pid, off := s.resume("/"); pid != "p1" || string(off) != `"o1"` {
		t.Fatalf("resume: %q %s", pid, off)
	}
	s.note(cur, []byte(`"o2"`))
	if got := s.Offset("/"); got != "o2" {
		t.Fatalf("offset %q", got)
	}
	s.note(cur, []byte(`"\q"`)) // not valid JSON: not sent back
	if _, off := s.resume("/"); off != nil {
		t.Fatalf("an invalid offset was kept for the CONNECT: %s", off)
	}
}
