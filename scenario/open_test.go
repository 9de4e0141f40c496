package scenario

import (
	"strings"
	"testing"
	"time"
)

func TestOpenModel(t *testing.T) {
	s, err := Parse("open.yaml", []byte("target: embedded\nclients: {arrival_rate: 600/m, duration: 1m, max: 50}\nsteps: [connect]\n"), Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Clients.Open() || s.Clients.PerSecond != 10 || s.RunDuration() != time.Minute || s.MaxClients() != 50 {
		t.Errorf("open %v, %v/s, run %s, max %d; want true, 10/s, 1m, 50", s.Clients.Open(), s.Clients.PerSecond, s.RunDuration(), s.MaxClients())
	}

	s, err = Parse("ramp.yaml", []byte(`target: embedded
clients:
  arrival_rate: 5/s
  max: 100
  stages:
    - {duration: 10s, arrival_rate: 50/s}
    - {duration: 20s, arrival_rate: 0/s}
steps: [connect]
`), Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Clients.Stages
	if s.Clients.PerSecond != 5 || st[0].PerSecond != 50 || st[1].PerSecond != 0 || s.RunDuration() != 30*time.Second {
		t.Errorf("rates %v, %v, %v; run %s", s.Clients.PerSecond, st[0].PerSecond, st[1].PerSecond, s.RunDuration())
	}

	s, err = Parse("open.yaml", []byte("target: embedded\nclients: {arrival_rate: 10/s, duration: 1m, max: 50}\nsteps: [connect]\n"), Overrides{LookupEnv: noEnv, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.RunDuration() != 5*time.Second {
		t.Errorf("--duration 5s gave a run of %s", s.RunDuration())
	}
	s, err = Parse("open.yaml", []byte("target: embedded\nclients: {arrival_rate: 10/s, duration: 1m, max: 50}\nsteps: [connect]\n"), Overrides{LookupEnv: noEnv, Clients: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Clients.Open() || s.Clients.Count != 3 || s.RunDuration() != time.Minute {
		t.Errorf("--clients 3 gave open %v, count %d, run %s; want a closed count of 3 for 1m", s.Clients.Open(), s.Clients.Count, s.RunDuration())
	}
}

func TestBadOpenModel(t *testing.T) {
	tests := []struct{ name, clients, extra, want string }{
		{"no max", "{arrival_rate: 10/s, duration: 1m}", "",
			"clients.max: the open model needs max, the most clients alive at once"},
		{"no duration", "{arrival_rate: 10/s, max: 5}", "",
			"clients.duration: a constant arrival_rate needs duration, how long clients arrive, like duration: 1m"},
		{"top-level duration", "{arrival_rate: 10/s, max: 5}", "duration: 1m\n",
			"duration: with arrival_rate the run lasts clients.duration (or the stages); remove the top-level duration"},
		{"count too", "{arrival_rate: 10/s, duration: 1m, max: 5, count: 3}", "",
			"clients.count: count is the closed model; with arrival_rate, max caps the clients alive at once"},
		{"bad rate", "{arrival_rate: 10/h, duration: 1m, max: 5}", "",
			`clients.arrival_rate: write a rate like 100/s or 600/m; got "10/h"`},
		{"zero constant rate", "{arrival_rate: 0/s, duration: 1m, max: 5}", "",
			"clients.arrival_rate: a constant arrival rate must be more than 0, like 100/s"},
		{"all stages zero", "{max: 5, stages: [{duration: 5s, arrival_rate: 0/s}]}", "",
			"clients: every arrival rate is 0, so no client would start"},
		{"target in an open stage", "{max: 5, stages: [{duration: 5s, arrival_rate: 5/s}, {duration: 5s, target: 3}]}", "",
			"clients.stages[1]: missing arrival_rate: the rate this stage ramps to, like arrival_rate: 100/s"},
		{"stages and duration", "{max: 5, duration: 1m, stages: [{duration: 5s, arrival_rate: 5/s}]}", "",
			"clients.duration: the stages set how long clients arrive; remove duration"},
		{"max without a rate", "{count: 5, max: 5}", "duration: 1m\n",
			"clients.max: clients.max belongs to the open model: add arrival_rate (like arrival_rate: 100/s), or remove max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := "target: embedded\nclients: " + tt.clients + "\n" + tt.extra + "steps: [connect]\n"
			_, err := Parse("bad.yaml", []byte(y), Overrides{LookupEnv: noEnv})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
		})
	}
}

func TestParsePerSecond(t *testing.T) {
	for in, want := range map[string]float64{"10/s": 10, "600/m": 10, "30/min": 0.5, "0/s": 0, " 2.5 / s ": 2.5} {
		got, err := ParsePerSecond(in)
		if err != nil || got != want {
			t.Errorf("ParsePerSecond(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "10", "-1/s", "x/s", "10/h", "Inf/s", "NaN/s"} {
		if _, err := ParsePerSecond(in); err == nil {
			t.Errorf("ParsePerSecond(%q) gave no error", in)
		}
	}
}

func TestPopulation(t *testing.T) {
	for yaml, want := range map[string]string{
		"clients: {count: 10}\nduration: 1m\n":                                                                "up to 10 clients for 1m0s",
		"clients: {arrival_rate: 500/s, duration: 1m, max: 20000}\n":                                          "clients arriving at 500/s for 1m0s, at most 20000 alive",
		"clients: {max: 9, stages: [{duration: 5s, arrival_rate: 5/s}, {duration: 5s, arrival_rate: 2/s}]}\n": "clients arriving at up to 5/s for 10s, at most 9 alive",
	} {
		s, err := Parse("p.yaml", []byte("target: embedded\n"+yaml+"steps: [connect]\n"), Overrides{LookupEnv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Population(); got != want {
			t.Errorf("%q: Population() = %q, want %q", yaml, got, want)
		}
	}
}

func TestTotalRate(t *testing.T) {
	s, err := Parse("t.yaml", []byte("target: embedded\nclients: {count: 50}\nduration: 1m\nsteps:\n  - connect\n  - send: {text: hi, total_rate: 1000/s}\n"), Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if iv := s.Steps[1].Send.Interval; iv != 50*time.Millisecond {
		t.Errorf("1000/s over 50 clients: interval %s, want 50ms", iv)
	}
	_, err = Parse("t.yaml", []byte("target: embedded\nclients: {count: 50}\nduration: 1m\nsteps:\n  - connect\n  - send: {text: hi, total_rate: 1000/s, rate: 1/s}\n"), Overrides{LookupEnv: noEnv})
	if err == nil || !strings.Contains(err.Error(), "write rate (per client) or total_rate (for all clients together), not both") {
		t.Errorf("rate and total_rate: %v", err)
	}
}
