package scenario

import (
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, doc string) *Scenario {
	t.Helper()
	s, err := Parse("away.yaml", []byte(doc), Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return s
}

func sec(x float64) Duration { return Duration(x * float64(time.Second)) }

func TestNetworkForms(t *testing.T) {
	tests := []struct {
		name, network string
		want          Network
	}{
		{"scalars", "{offline_every: 2m, offline_for: 10s}",
			Network{Every{sec(120)}, Sleep{sec(10), sec(10)}, NetworkSilent}},
		{"mappings", "{offline_every: {mean: 30s}, offline_for: {min: 1s, max: 3s}, mode: reset}",
			Network{Every{sec(30)}, Sleep{sec(1), sec(3)}, NetworkReset}},
		{"fixed as a mapping", "{offline_every: 1m, offline_for: {duration: 2s}, mode: silent}",
			Network{Every{sec(60)}, Sleep{sec(2), sec(2)}, NetworkSilent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parse(t, valid+"client:\n  queue: {max: 0}\n  network: "+tt.network+"\n")
			if n := s.Client.Network; n == nil || *n != tt.want {
				t.Errorf("network = %+v, want %+v", n, tt.want)
			}
		})
	}
}

func TestBackgroundForms(t *testing.T) {
	s := parse(t, valid+"client:\n  background: {every: {mean: 5m}, for: {min: 5s, max: 2m}}\n")
	b := s.Client.Background
	if b == nil || b.Every.Mean != sec(300) || b.For != (Sleep{sec(5), sec(120)}) || b.Close != nil || !b.Closes() {
		t.Errorf("background = %+v, want every 5m, for 5s-2m, closing by default", b)
	}
	s = parse(t, valid+"client:\n  background: {every: 1m, for: 30s, close: false}\n")
	if b := s.Client.Background; b.Every.Mean != sec(60) || b.For != (Sleep{sec(30), sec(30)}) || b.Closes() {
		t.Errorf("background = %+v, want every 1m, for 30s, staying open", b)
	}
}

func TestAwaySteps(t *testing.T) {
	steps := `steps:
  - offline: 5s
  - connect
  - offline: {for: {min: 2s, max: 5s}, mode: reset}
  - loop:
      count: 1
      steps:
        - offline: {for: 1s}
        - background: 10s
  - background: {for: {duration: 3s}, close: false}
  - background: {for: 1s, close: true}
`
	base := "target: embedded\nclients: {count: 1}\nduration: 1s\n"
	tests := []struct {
		name, client string
		// modes of the offline steps, closes of the background steps, in order
		modes  []string
		closes []bool
	}{
		{"without a client block", "", []string{"silent", "reset", "silent"}, []bool{true, false, true}},
		{"from the client block", "client:\n  network: {offline_every: 1m, offline_for: 1s, mode: reset}\n  background: {every: 1m, for: 1s, close: false}\n",
			[]string{"reset", "reset", "reset"}, []bool{false, false, true}},
		{"block defaults", "client:\n  network: {offline_every: 1m, offline_for: 1s}\n  background: {every: 1m, for: 1s}\n",
			[]string{"silent", "reset", "silent"}, []bool{true, false, true}},
		// Profiles do not change the steps: the base block decides.
		{"profiles ignored", "clients:\n  count: 1\n  profiles:\n    - {name: a, weight: 1, client: {network: {offline_every: 1m, offline_for: 1s, mode: reset}}}\n",
			[]string{"silent", "reset", "silent"}, []bool{true, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := base + tt.client + steps
			if strings.HasPrefix(tt.client, "clients:") {
				doc = "target: embedded\nduration: 1s\n" + tt.client + steps
			}
			s := parse(t, doc)
			var modes []string
			var closes []bool
			var fors []Sleep
			walkSteps(s.Steps, "steps", func(st *Step, _ string) {
				switch st.Kind {
				case StepOffline:
					if st.Away.Close != nil {
						t.Errorf("offline step has close %v", *st.Away.Close)
					}
					modes = append(modes, st.Away.Mode)
				case StepBackground:
					if st.Away.Close == nil || st.Away.Mode != "" {
						t.Fatalf("background step = %+v, want close filled and no mode", st.Away)
					}
					closes = append(closes, *st.Away.Close)
				default:
					return
				}
				fors = append(fors, st.Away.For)
			})
			if strings.Join(modes, " ") != strings.Join(tt.modes, " ") {
				t.Errorf("offline modes = %v, want %v", modes, tt.modes)
			}
			if len(closes) != len(tt.closes) {
				t.Fatalf("background closes = %v, want %v", closes, tt.closes)
			}
			for i := range closes {
				if closes[i] != tt.closes[i] {
					t.Errorf("background closes = %v, want %v", closes, tt.closes)
					break
				}
			}
			wantFors := []Sleep{{sec(5), sec(5)}, {sec(2), sec(5)}, {sec(1), sec(1)}, {sec(10), sec(10)}, {sec(3), sec(3)}, {sec(1), sec(1)}}
			if len(fors) != len(wantFors) {
				t.Fatalf("for = %v, want %v", fors, wantFors)
			}
			for i := range fors {
				if fors[i] != wantFors[i] {
					t.Errorf("step %d: for = %v, want %v", i, fors[i], wantFors[i])
				}
			}
		})
	}
}

func TestAwayCombinationsAllowed(t *testing.T) {
	for name, doc := range map[string]string{
		// Sends while away are dropped and counted.
		"no queue":                 valid + "client:\n  queue: {max: 0}\n  network: {offline_every: 1m, offline_for: 1s}\n  background: {every: 1m, for: 1s}\n",
		"open model with profiles": "target: embedded\nclients:\n  arrival_rate: 10/s\n  duration: 10s\n  max: 100\n  profiles:\n    - {name: a, weight: 1}\n    - {name: b, weight: 2, client: {background: {every: 1m, for: 5s}}}\nsteps: [connect, {background: 1s}]\n",
		"recovery":                 "target: embedded\nprotocol: socketio\nclients: {count: 1}\nduration: 1s\nsocketio: {recovery: false}\nsteps: [connect, {offline: 1s}]\n",
	} {
		t.Run(name, func(t *testing.T) { parse(t, doc) })
	}
	s := parse(t, "target: embedded\nprotocol: socketio\nclients: {count: 1}\nduration: 1s\nsocketio: {recovery: false}\nsteps: [connect]\n")
	if s.SocketIO.Recovers() {
		t.Error("recovery: false recovers")
	}
	if s := parse(t, "target: embedded\nprotocol: socketio\n"+valid[len("target: embedded\n"):]); !s.SocketIO.Recovers() {
		t.Error("recovery is off by default")
	}
}

func TestAwayProblems(t *testing.T) {
	tests := []problemCase{
		{
			name: "network without its times",
			yaml: valid + "client:\n  network: {mode: reset}\n",
			want: "bad.yaml:6:12: client.network.offline_every: missing offline_every: the mean time between offline periods, like offline_every: 2m\n" +
				"bad.yaml:6:12: client.network.offline_for: missing offline_for: how long each offline period lasts, like offline_for: 10s or {min: 1s, max: 30s}",
		},
		{
			name: "zero times",
			yaml: valid + "client:\n  network: {offline_every: 0, offline_for: 0s}\n  background: {every: {mean: 0s}, for: {min: 0s, max: 1s}}\n",
			want: "bad.yaml:6:28: client.network.offline_every: must be more than 0, like 2m\n" +
				"bad.yaml:6:44: client.network.offline_for: must be more than 0: an away period of 0 is none\n" +
				"bad.yaml:7:23: client.background.every: must be more than 0, like 5m\n" +
				"bad.yaml:7:46: client.background.for.min: must be more than 0: an away period of 0 is none",
		},
		{
			name: "min more than max",
			yaml: valid + "client:\n  network: {offline_every: 1m, offline_for: {min: 3s, max: 1s}}\n",
			want: "bad.yaml:6:45: client.network.offline_for: min 3s is more than max 1s",
		},
		{
			name: "mode typo",
			yaml: valid + "client:\n  network: {offline_every: 1m, offline_for: 1s, mode: silnet}\n",
			want: `bad.yaml:6:55: client.network.mode: unknown mode "silnet" (did you mean "silent"?); valid: silent, reset`,
		},
		{
			name: "every as a list",
			yaml: valid + "client:\n  network: {offline_every: [1m], offline_for: 1s}\n",
			want: `bad.yaml:6:28: client.network.offline_every: expected a duration like "2m" or {mean: 2m}; got a list`,
		},
		{
			name: "every key typo",
			yaml: valid + "client:\n  background: {every: {maen: 1m}, for: 1s}\n",
			want: `bad.yaml:6:24: client.background.every: unknown key "maen" (did you mean "mean"?)`,
		},
		{
			name: "background without for",
			yaml: valid + "client:\n  background: {every: 1m, close: maybe}\n",
			want: "bad.yaml:6:15: client.background.for: missing for: how long the app stays in the background, like for: 30s or {min: 5s, max: 2m}\n" +
				`bad.yaml:6:34: client.background.close: expected true or false, got "maybe"`,
		},
		{
			name: "step times",
			yaml: valid[:strings.Index(valid, "steps:")] + "steps:\n  - offline: 0\n  - background: {for: {min: 0s, max: 1s}}\n  - offline: {mode: reset}\n",
			want: "bad.yaml:5:14: steps[0].offline.for: must be more than 0: an away period of 0 is none\n" +
				"bad.yaml:6:29: steps[1].background.for.min: must be more than 0: an away period of 0 is none\n" +
				"bad.yaml:7:14: steps[2].offline.for: missing for: how long the network is gone, like {for: 5s}",
		},
		{
			name: "keys of the other step",
			yaml: valid[:strings.Index(valid, "steps:")] + "steps:\n  - offline: {for: 1s, close: true}\n  - background: {for: 1s, mode: reset}\n",
			want: "bad.yaml:5:24: steps[0].offline.close: close is the background step's; an offline network does not close the connection, it goes silent or is reset: write mode: silent or mode: reset\n" +
				"bad.yaml:6:27: steps[1].background.mode: mode is the offline step's (how the network goes: silent or reset); going to the background closes the connection or not: write close: true or close: false",
		},
		{
			name: "step mode typo and times without for",
			yaml: valid[:strings.Index(valid, "steps:")] + "steps:\n  - offline: {for: 1s, mode: rest}\n  - offline: {min: 1s, max: 2s}\n  - background: {for: 1s, clsoe: false}\n",
			want: `bad.yaml:5:30: steps[0].offline.mode: unknown mode "rest" (did you mean "reset"?); valid: silent, reset` + "\n" +
				"bad.yaml:6:15: steps[1].offline: write the time under for: - offline: {for: {min: 2s, max: 10s}}\n" +
				`bad.yaml:7:27: steps[2].background: unknown key "clsoe" (did you mean "close"?)`,
		},
		{
			name: "step without a value, or a list",
			yaml: valid[:strings.Index(valid, "steps:")] + "steps:\n  - offline:\n  - background: [1s]\n",
			want: "bad.yaml:5:5: steps[0]: offline needs a value, e.g. - offline: 5s or - offline: {for: {min: 2s, max: 10s}, mode: reset}\n" +
				"bad.yaml:6:17: steps[1].background: expected - background: 30s or - background: {for: 30s, close: false}; got a list",
		},
		{
			name: "recovery without socketio",
			yaml: valid + "socketio: {recovery: false}\n",
			want: "bad.yaml:5:11: socketio: the socketio block needs protocol: socketio",
		},
	}
	checkProblems(t, tests)
}

// problemCase is a file Parse must refuse, and the whole error it gives.
type problemCase struct{ name, yaml, want string }

// checkProblems parses each case's file and compares the error.
func checkProblems(t *testing.T, tests []problemCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.yaml), Overrides{LookupEnv: noEnv})
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.yaml)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
