package runner

import (
	"strings"
	"testing"

	"github.com/wsbench/wsbench/scenario"
)

func TestCheckLimits(t *testing.T) {
	load := func(yaml string) *scenario.Scenario {
		t.Helper()
		sc, err := scenario.Parse("t.yaml", []byte(yaml), scenario.Overrides{})
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	ws := func(target string, n string) *scenario.Scenario {
		return load("target: " + target + "\nduration: 1s\nclients: {count: " + n + "}\nsteps: [connect]\n")
	}
	machine := osLimits{openFiles: 20000, ports: 28232, portLo: 32768, portHi: 60999}
	for _, c := range []struct {
		name string
		sc   *scenario.Scenario
		want string // "" fits
	}{
		{"fits", ws("ws://10.0.0.1/ws", "19000"), ""},
		{"embedded server doubles the files", ws("embedded", "10000"), "10000 clients need about 20064 open files, but this process may hold at most 20000"},
		{"too many files", ws("ws://10.0.0.1/ws", "25000"), "raise it (ulimit -Hn"},
		{"unknown limits skip the check", nil, ""},
		{"polling needs two per client", load("target: http://10.0.0.1\nprotocol: socketio\nsocketio: {transports: [polling]}\nduration: 1s\nclients: {count: 15000}\nsteps: [connect]\n"),
			"about 30064 open files"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := machine
			sc := c.sc
			if sc == nil {
				sc, l = ws("embedded", "1000000"), osLimits{}
			}
			err := checkLimits(sc, Segment{}, l)
			if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	// A segment needs files for its share only; ports are the machine's.
	if err := checkLimits(ws("ws://10.0.0.1/ws", "25000"), Segment{2, 4}, machine); err != nil {
		t.Errorf("segment 2/4 of 25000 clients (6250 here): %v", err)
	}
	err := checkLimits(ws("ws://10.0.0.1/ws", "30000"), Segment{}, osLimits{openFiles: 1 << 20, ports: 28232, portLo: 32768, portHi: 60999})
	if err == nil || !strings.Contains(err.Error(), "30000 connections to one server address from 1 source address(es) need 30000 ephemeral ports each, but this machine has 28232 (net.ipv4.ip_local_port_range 32768-60999)") {
		t.Fatalf("port check: %v", err)
	}
	spread := load("target: ws://127.0.0.1:9/ws\nduration: 1s\nclients: {count: 30000}\nclient: {source_addresses: [auto]}\nsteps: [connect]\n")
	if err := checkLimits(spread, Segment{}, osLimits{openFiles: 1 << 20, ports: 28232}); err != nil {
		t.Fatalf("30000 clients over auto source addresses: %v", err)
	}
}
