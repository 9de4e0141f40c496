package testserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
)

func TestSeqStatsObserve(t *testing.T) {
	cases := []struct {
		name string
		seqs []int64
		want SeqStats
	}{
		{"in order", []int64{1, 2, 3}, SeqStats{Received: 3, InOrder: 3, Last: 3}},
		{"first seq 5 counts 4 gaps", []int64{5}, SeqStats{Received: 1, Gaps: 4, Last: 5}},
		{"gap then in order", []int64{1, 4, 5}, SeqStats{Received: 3, InOrder: 2, Gaps: 2, Last: 5}},
		{"duplicate", []int64{1, 2, 2, 3}, SeqStats{Received: 4, InOrder: 3, Backwards: 1, Last: 3}},
		{"late arrival after a gap", []int64{1, 3, 2, 4}, SeqStats{Received: 4, InOrder: 2, Gaps: 1, Backwards: 1, Last: 4}},
		{"zero and negative are backwards", []int64{0, -3}, SeqStats{Received: 2, Backwards: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var st SeqStats
			for _, s := range tc.seqs {
				st.observe(s)
			}
			if st != tc.want {
				t.Fatalf("after %v: %+v, want %+v", tc.seqs, st, tc.want)
			}
		})
	}
}

func TestSeqAndClientParsing(t *testing.T) {
	seqs := []struct {
		raw  string
		want int64
		ok   bool
	}{
		{`7`, 7, true}, {`-2`, -2, true}, {`3.0`, 3, true}, {`1e2`, 100, true},
		{`3.5`, 0, false}, {`"3"`, 0, false}, {`null`, 0, false}, {``, 0, false},
	}
	for _, tc := range seqs {
		if got, ok := seqOf(json.RawMessage(tc.raw)); got != tc.want || ok != tc.ok {
			t.Errorf("seqOf(%s) = %d, %v; want %d, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
	clients := []struct {
		raw, want string
		ok        bool
	}{
		{`"vu-1"`, "vu-1", true}, {`"a\"b"`, `a"b`, true}, {`12`, "12", true}, {`-1.5`, "-1.5", true},
		{`true`, "", false}, {`{"x":1}`, "", false}, {`null`, "", false}, {``, "", false},
	}
	for _, tc := range clients {
		if got, ok := clientKey(json.RawMessage(tc.raw)); got != tc.want || ok != tc.ok {
			t.Errorf("clientKey(%s) = %q, %v; want %q, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSequenceCheckingOverTheWire(t *testing.T) {
	s := startServer(t, Config{})
	echo := dial(t, s.URL("/echo"))
	js := dial(t, s.URL("/json"))
	send := func(c *websocket.Conn, msg string) {
		t.Helper()
		writeText(t, c, msg)
		readText(t, c) // the reply comes after the message was checked
	}
	for _, seq := range []int{1, 2, 3, 5, 4, 4, 6} {
		send(echo, fmt.Sprintf(`{"client":"vu-1","seq":%d,"payload":"x"}`, seq))
	}
	send(js, `{"id":1,"client":7,"seq":5}`) // a number client key; first seq 5
	send(js, `{"id":2,"client":7,"seq":6}`)
	send(echo, `{"client":"no-seq"}`)
	send(echo, `{"seq":1}`)
	send(echo, `["client","seq"]`)
	send(echo, `{"client":"vu-1","seq":"7"}`) // a string seq is not numeric
	// Binary messages are not checked.
	if err := echo.WriteMessage(websocket.BinaryMessage, []byte(`{"client":"bin","seq":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := echo.ReadMessage(); err != nil {
		t.Fatal(err)
	}

	got := s.Stats().Clients
	want := map[string]SeqStats{
		"vu-1": {Received: 7, InOrder: 4, Gaps: 1, Backwards: 2, Last: 6},
		"7":    {Received: 2, InOrder: 1, Gaps: 4, Last: 6},
	}
	if len(got) != len(want) {
		t.Fatalf("clients = %+v, want %+v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("clients[%q] = %+v, want %+v", k, got[k], w)
		}
	}
}

func FuzzJSONReply(f *testing.F) {
	for _, seed := range []string{`{"id":1}`, `{"id":"x","seq":2,"client":3}`, `{"id":[1,{"a":null}]}`, `{`, `x`, ` {"id":1e400}`} {
		f.Add([]byte(seed))
	}
	s := New(Config{})
	defer s.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &conn{s: s}
		reply := c.jsonReply(websocket.TextMessage, data)
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(reply))
		d.UseNumber() // an id like 1e400 is echoed as written
		if err := d.Decode(&v); err != nil {
			t.Fatalf("reply to %q is not a JSON object: %s", data, reply)
		}
		if v["type"] != "reply" && v["type"] != "error" {
			t.Fatalf("reply to %q has type %v", data, v["type"])
		}
	})
}
