package scenario

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestChatExample(t *testing.T) {
	s, err := Load("../scenarios/chat.yaml", Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "chat-echo" || s.Target != Embedded || s.Protocol != ProtocolWebSocket {
		t.Errorf("name, target, protocol = %q, %q, %q", s.Name, s.Target, s.Protocol)
	}
	wantStages := []Stage{
		{Duration: Duration(5 * time.Second), Target: 200},
		{Duration: Duration(20 * time.Second), Target: 200},
		{Duration: Duration(5 * time.Second), Target: 0},
	}
	if !reflect.DeepEqual(s.Clients.Stages, wantStages) || s.Clients.Count != 0 {
		t.Errorf("clients = %+v, want stages %+v", s.Clients, wantStages)
	}
	if got := s.RunDuration(); got != 30*time.Second {
		t.Errorf("RunDuration = %s, want 30s", got)
	}
	if got := s.MaxClients(); got != 200 {
		t.Errorf("MaxClients = %d, want 200", got)
	}

	c := s.Client
	if !reflect.DeepEqual(c.Headers, map[string]string{"Authorization": "Bearer dev"}) {
		t.Errorf("headers = %v", c.Headers)
	}
	if !reflect.DeepEqual(c.Subprotocols, []string{"chat.v1"}) {
		t.Errorf("subprotocols = %v", c.Subprotocols)
	}
	wantRec := Reconnect{
		InitialDelay: Duration(200 * time.Millisecond), MaxDelay: Duration(5 * time.Second),
		Multiplier: 2, Jitter: 0.2, MaxAttempts: 0,
	}
	if !reflect.DeepEqual(c.Reconnect, wantRec) || !c.Reconnect.On() {
		t.Errorf("reconnect = %+v, want %+v (on)", c.Reconnect, wantRec)
	}
	wantHB := Heartbeat{Mode: HeartbeatPing, Interval: Duration(5 * time.Second), Timeout: Duration(3 * time.Second)}
	if !reflect.DeepEqual(c.Heartbeat, wantHB) {
		t.Errorf("heartbeat = %+v, want %+v", c.Heartbeat, wantHB)
	}
	if c.Queue != (Queue{Max: 500, Overflow: OverflowDropOldest}) {
		t.Errorf("queue = %+v", c.Queue)
	}
	// Not in the file: defaults.
	if c.HandshakeTimeout.D() != DefaultHandshakeTimeout || c.WriteTimeout.D() != DefaultWriteTimeout ||
		c.MaxMessageSize != DefaultMaxMessageSize || s.GracefulStop.D() != DefaultGracefulStop {
		t.Errorf("defaults not applied: %+v, graceful_stop %s", c, s.GracefulStop)
	}

	// The step tree: connect, loop(50){send+expect, sleep}, close.
	if got := kinds(s.Steps); got != "connect loop close" {
		t.Fatalf("steps = %s", got)
	}
	if s.Steps[0].Pos != (Pos{Line: 17, Col: 5}) || s.Steps[1].Pos != (Pos{Line: 18, Col: 5}) {
		t.Errorf("step positions = %+v, %+v", s.Steps[0].Pos, s.Steps[1].Pos)
	}
	loop := s.Steps[1].Loop
	if loop.Count != 50 || loop.Duration != 0 || kinds(loop.Steps) != "send sleep" {
		t.Fatalf("loop = count %d, duration %s, steps %s", loop.Count, loop.Duration, kinds(loop.Steps))
	}
	send := loop.Steps[0].Send
	if send.Text == nil || send.Binary != nil || send.Base64 != "" {
		t.Fatalf("send = %+v", send)
	}
	if want := `{"type":"chat","id":"{{.Seq}}","vu":{{.VU}},"body":"{{.Random 64}}"}`; send.Text.Source != want {
		t.Errorf("send text = %s", send.Text.Source)
	}
	if e := send.Expect; e == nil || e.JSONField != "id" || e.Timeout.D() != 5*time.Second || e.Regex != "" {
		t.Errorf("expect = %+v", e)
	}
	if sl := loop.Steps[1].Sleep; sl.Min.D() != 200*time.Millisecond || sl.Max.D() != 800*time.Millisecond {
		t.Errorf("sleep = %+v", sl)
	}
	if cl := s.Steps[2].Close; cl == nil || cl.Code != 1000 || cl.Reason != "" {
		t.Errorf("close = %+v", cl)
	}
}

func TestChatExampleTokenFromEnvironment(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "Bearer dev"},
		{map[string]string{"TOKEN": ""}, "Bearer dev"},
		{map[string]string{"TOKEN": "s3cret"}, "Bearer s3cret"},
	} {
		s, err := Load("../scenarios/chat.yaml", Overrides{LookupEnv: env(tt.env)})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Client.Headers["Authorization"]; got != tt.want {
			t.Errorf("env %v: Authorization = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func kinds(steps []Step) string {
	k := make([]string, len(steps))
	for i, s := range steps {
		k[i] = string(s.Kind)
	}
	return strings.Join(k, " ")
}

// TestScenarioFiles loads every example: each must be valid as it is.
func TestScenarioFiles(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d scenario files, want at least 5: %v", len(files), files)
	}
	for _, f := range files {
		s, err := Load(f, Overrides{LookupEnv: noEnv})
		if err != nil {
			t.Errorf("%s:\n%v", f, err)
			continue
		}
		if !s.IsEmbedded() || s.RunDuration() <= 0 || s.MaxClients() <= 0 {
			t.Errorf("%s: embedded %v, run %s, clients %d", f, s.IsEmbedded(), s.RunDuration(), s.MaxClients())
		}
	}
}

func TestDefaults(t *testing.T) {
	s, err := Parse("dir/minimal.yml", []byte("target: ws://127.0.0.1:1/x\nclients: {count: 1}\nduration: 1s\nsteps: [connect, {expect: {regex: hi}}, close]\n"), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	want := Scenario{
		File: "dir/minimal.yml", Name: "minimal", Target: "ws://127.0.0.1:1/x", Protocol: DefaultProtocol,
		Duration: Duration(time.Second), GracefulStop: Duration(DefaultGracefulStop),
		Clients: Clients{Count: 1},
		Client: Client{
			Reconnect: Reconnect{
				InitialDelay: Duration(DefaultReconnectInitialDelay), MaxDelay: Duration(DefaultReconnectMaxDelay),
				Multiplier: DefaultReconnectMultiplier, Jitter: DefaultReconnectJitter, MaxAttempts: DefaultReconnectMaxAttempts,
			},
			Heartbeat:        Heartbeat{Mode: DefaultHeartbeatMode, Interval: Duration(DefaultHeartbeatInterval), Timeout: Duration(DefaultHeartbeatTimeout)},
			Queue:            Queue{Max: DefaultQueueMax, Overflow: DefaultQueueOverflow},
			MaxMessageSize:   DefaultMaxMessageSize,
			HandshakeTimeout: Duration(DefaultHandshakeTimeout),
			WriteTimeout:     Duration(DefaultWriteTimeout),
		},
	}
	steps := s.Steps
	s.Steps = nil
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("got  %+v\nwant %+v", *s, want)
	}
	if e := steps[1].Expect; e.Timeout.D() != DefaultExpectTimeout || e.RE == nil || !e.RE.MatchString("oh hi") {
		t.Errorf("expect = %+v", e)
	}
	if c := steps[2].Close; c.Code != DefaultCloseCode {
		t.Errorf("close = %+v", c)
	}
	if s.Client.Reconnect.On() != true {
		t.Error("reconnect is off by default")
	}
}

// Written zero values are kept (and checked), not replaced by defaults.
func TestZeroValuesAreNotDefaults(t *testing.T) {
	s, err := Parse("z.yaml", []byte(valid+"graceful_stop: 0\nclient:\n  reconnect: {enabled: false, jitter: 0}\n  queue: {max: 0}\n"), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client
	if s.GracefulStop != 0 || c.Reconnect.Jitter != 0 || c.Queue.Max != 0 || c.Reconnect.On() {
		t.Errorf("graceful_stop %s, jitter %g, queue.max %d, reconnect on %v", s.GracefulStop, c.Reconnect.Jitter, c.Queue.Max, c.Reconnect.On())
	}
}

func TestOverrides(t *testing.T) {
	noTarget := []byte("clients:\n  stages: [{duration: 10s, target: 5}, {duration: 5s, target: 0}]\nsteps: [connect]\n")
	_, err := Parse("o.yaml", noTarget, Overrides{})
	if err == nil || !strings.Contains(err.Error(), "missing target") {
		t.Fatalf("without --target: %v", err)
	}

	tests := []struct {
		name       string
		file       []byte
		o          Overrides
		wantTarget string
		wantCount  int
		wantRun    time.Duration
	}{
		{"target only", noTarget, Overrides{Target: "ws://127.0.0.1:8080/ws"}, "ws://127.0.0.1:8080/ws", 0, 15 * time.Second},
		{"clients keeps the stages' length", noTarget, Overrides{Target: "embedded", Clients: 7}, "embedded", 7, 15 * time.Second},
		{"clients and duration", noTarget, Overrides{Target: "embedded/json", Clients: 7, Duration: time.Minute}, "embedded/json", 7, time.Minute},
		{"clients keeps the file's duration", []byte(valid), Overrides{Clients: 3}, "embedded", 3, 10 * time.Second},
		{"duration replaces the file's", []byte(valid), Overrides{Duration: 2 * time.Second}, "embedded", 5, 2 * time.Second},
		{"target replaces the file's", []byte(valid), Overrides{Target: "wss://example.com/ws"}, "wss://example.com/ws", 5, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("o.yaml", tt.file, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if s.Target != tt.wantTarget || s.Clients.Count != tt.wantCount || s.RunDuration() != tt.wantRun {
				t.Errorf("target %q, count %d, run %s; want %q, %d, %s", s.Target, s.Clients.Count, s.RunDuration(), tt.wantTarget, tt.wantCount, tt.wantRun)
			}
			if tt.wantCount > 0 && (len(s.Clients.Stages) != 0 || s.MaxClients() != tt.wantCount) {
				t.Errorf("stages %v, MaxClients %d", s.Clients.Stages, s.MaxClients())
			}
		})
	}
}

func TestBadOverrides(t *testing.T) {
	stages := []byte("target: embedded\nclients:\n  stages: [{duration: 10s, target: 5}]\nsteps: [connect]\n")
	tests := []struct {
		name string
		file []byte
		o    Overrides
		want string
	}{
		{"bad target names the flag", []byte(valid), Overrides{Target: "http://127.0.0.1/ws"},
			`o.yaml: target: target "http://127.0.0.1/ws" uses http://; write ws://127.0.0.1/ws (WebSocket URLs start with ws:// or wss://) (set by --target)`},
		{"duration with stages", stages, Overrides{Duration: time.Minute},
			`o.yaml: duration: --duration sets the length of a clients.count or constant arrival_rate run, but this file ramps with clients.stages; add --clients N to replace them`},
		{"negative clients", []byte(valid), Overrides{Clients: -1},
			`o.yaml: clients: --clients must be more than 0, got -1`},
		{"server block with a --target URL", []byte(valid + "server: {ignore_pings: true}\n"), Overrides{Target: "ws://127.0.0.1:1/"},
			`o.yaml:5:9: server: configures the embedded test server; remove it or set target: embedded`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("o.yaml", tt.file, tt.o)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", Overrides{})
	var ps Problems
	if err == nil || errors.As(err, &ps) {
		t.Errorf("err = %v (%T), want a plain file error", err, err)
	}
}

func TestSeedOverride(t *testing.T) {
	src := []byte("target: embedded\nseed: 7\nduration: 1s\nclients: {count: 1}\nsteps: [connect]\n")
	for _, tt := range []struct{ flag, want int64 }{{0, 7}, {42, 42}} {
		sc, err := Parse("s.yaml", src, Overrides{Seed: tt.flag})
		if err != nil {
			t.Fatal(err)
		}
		if sc.Seed != tt.want {
			t.Errorf("--seed %d: seed = %d, want %d", tt.flag, sc.Seed, tt.want)
		}
	}
}
