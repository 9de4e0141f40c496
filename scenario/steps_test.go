package scenario

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

func parseSteps(t *testing.T, steps string) []Step {
	t.Helper()
	s, err := Parse("steps.yaml", []byte("target: embedded\nclients: {count: 1}\nduration: 1s\nsteps:\n"+steps), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Steps
}

func TestStepForms(t *testing.T) {
	steps := parseSteps(t, `
  - connect
  - send: hello {{.VU}}
  - send: {binary: '{{.Random 16}}'}
  - send: {base64: AAEC, expect: {regex: '^\x00', timeout: 2s}}
  - sleep: 1s
  - sleep: {duration: 2s}
  - sleep: {min: 1s, max: 3s}
  - expect: {regex: welcome}
  - loop: {duration: 1m, steps: [{send: x}]}
  - loop: {steps: [{sleep: 0}]}
  - close: {code: 4000, reason: bye}
  - close
  - connect:
`)
	if got := kinds(steps); got != "connect send send send sleep sleep sleep expect loop loop close close connect" {
		t.Fatalf("kinds = %s", got)
	}
	v := &Vars{VU: 3, Seq: 1, Rand: rand.New(rand.NewPCG(1, 1))}
	if s := steps[1].Send; s.Text == nil || s.Text.Binary() || string(s.Text.Append(nil, v)) != "hello 3" {
		t.Errorf("send shorthand = %+v", s)
	}
	if s := steps[2].Send; s.Binary == nil || !s.Binary.Binary() || len(s.Binary.Append(nil, v)) != 16 || s.Text != nil {
		t.Errorf("binary send = %+v", s)
	}
	if s := steps[3].Send; !bytes.Equal(s.Raw, []byte{0, 1, 2}) || s.Expect.RE == nil || !s.Expect.RE.Match(s.Raw) || s.Expect.Timeout.D() != 2*time.Second {
		t.Errorf("base64 send = %+v, expect %+v", s, s.Expect)
	}
	sleeps := []Sleep{*steps[4].Sleep, *steps[5].Sleep, *steps[6].Sleep}
	want := []Sleep{
		{Duration(time.Second), Duration(time.Second)},
		{Duration(2 * time.Second), Duration(2 * time.Second)},
		{Duration(time.Second), Duration(3 * time.Second)},
	}
	for i := range want {
		if sleeps[i] != want[i] {
			t.Errorf("sleep %d = %+v, want %+v", i, sleeps[i], want[i])
		}
	}
	if e := steps[7].Expect; e.Regex != "welcome" || e.RE == nil || e.Timeout.D() != DefaultExpectTimeout {
		t.Errorf("expect = %+v", e)
	}
	if l := steps[8].Loop; l.Count != 0 || l.Duration.D() != time.Minute || kinds(l.Steps) != "send" {
		t.Errorf("loop = %+v", l)
	}
	if l := steps[9].Loop; l.Count != 0 || l.Duration != 0 {
		t.Errorf("endless loop = %+v", l)
	}
	if c := steps[10].Close; *c != (Close{Code: 4000, Reason: "bye"}) {
		t.Errorf("close = %+v", c)
	}
	if c := steps[11].Close; *c != (Close{Code: DefaultCloseCode}) {
		t.Errorf("bare close = %+v", c)
	}
	if steps[2].Pos != (Pos{Line: 8, Col: 5}) {
		t.Errorf("steps[2].Pos = %+v", steps[2].Pos)
	}
}

func TestServerBlock(t *testing.T) {
	y := valid + `server:
  delay: {min: 10ms, max: 50ms}
  close: {every: 4s, fraction: 0.05}
  reset: {every: 10s, fraction: 0.01}
  refuse: {status: 503, for: 2s, after: 5s, every: 20s}
  restart: {down: 1s, after: 30s}
  ignore_pings: true
`
	s, err := Parse("server.yaml", []byte(y), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	sv := s.Server
	if *sv.Delay != (Sleep{Duration(10 * time.Millisecond), Duration(50 * time.Millisecond)}) {
		t.Errorf("delay = %+v", sv.Delay)
	}
	if *sv.Close != (ServerClose{Every: Duration(4 * time.Second), Fraction: 0.05, Code: DefaultServerCloseCode}) {
		t.Errorf("close = %+v", sv.Close)
	}
	if *sv.Refuse != (ServerRefuse{Status: 503, For: Duration(2 * time.Second), After: Duration(5 * time.Second), Every: Duration(20 * time.Second)}) {
		t.Errorf("refuse = %+v", sv.Refuse)
	}
	if *sv.Restart != (Restart{Down: Duration(time.Second), After: Duration(30 * time.Second)}) || !sv.IgnorePings || sv.Reset.Fraction != 0.01 {
		t.Errorf("restart = %+v, ignore_pings %v, reset %+v", sv.Restart, sv.IgnorePings, sv.Reset)
	}
}

func TestServerProblems(t *testing.T) {
	y := valid + `server:
  delay: {min: 50ms}
  close: {every: 0s, fraction: 0.5, code: 1005}
  refuse: {status: 200, for: 5s, every: 5s}
  restart: {down: 0s}
`
	_, err := Parse("server.yaml", []byte(y), Overrides{})
	want := `server.yaml:6:10: server.delay: write both min and max (or duration: 1s for a fixed time)
server.yaml:7:18: server.close.every: must be more than 0, e.g. 10s
server.yaml:7:43: server.close.code: code 1005 cannot be sent in a close frame; use 1000-1003, 1007-1014 or 3000-4999
server.yaml:8:20: server.refuse.status: must be an HTTP error status from 400 to 599, e.g. 503; got 200
server.yaml:8:41: server.refuse.every: every 5s must be longer than for 5s, or the server never accepts again
server.yaml:9:12: server.restart: set after (one restart), every (repeated) or both, e.g. every: 30s
server.yaml:9:19: server.restart.down: must be more than 0: how long the listener stays down, e.g. 2s`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func TestEmbeddedEndpoint(t *testing.T) {
	for _, tt := range []struct{ target, want string }{
		{"embedded", "echo"}, {"embedded/json", "json"}, {"embedded/broadcast", "broadcast"}, {"ws://h/x", ""},
	} {
		s := &Scenario{Target: tt.target}
		if got := s.EmbeddedEndpoint(); got != tt.want || s.IsEmbedded() != (tt.want != "") {
			t.Errorf("%s: endpoint %q, embedded %v", tt.target, got, s.IsEmbedded())
		}
	}
}
