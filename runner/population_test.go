package runner

import (
	"testing"
	"time"

	"github.com/wsbench/wsbench/scenario"
)

func TestTarget(t *testing.T) {
	s := func(d time.Duration, n int) scenario.Stage {
		return scenario.Stage{Duration: scenario.Duration(d), Target: n}
	}
	ramp := scenario.Clients{Stages: []scenario.Stage{s(5*time.Second, 200), s(20*time.Second, 200), s(5*time.Second, 0)}}
	tests := []struct {
		name    string
		clients scenario.Clients
		at      time.Duration
		want    int
	}{
		{"count is constant", scenario.Clients{Count: 7}, 0, 7},
		{"count later", scenario.Clients{Count: 7}, time.Hour, 7},
		{"ramp starts at zero", ramp, 0, 0},
		{"first client after 25ms", ramp, 25 * time.Millisecond, 1},
		{"just before", ramp, 24 * time.Millisecond, 0},
		{"half way up", ramp, 2500 * time.Millisecond, 100},
		{"top of the ramp", ramp, 5 * time.Second, 200},
		{"hold", ramp, 15 * time.Second, 200},
		{"ramp down starts full", ramp, 25 * time.Second, 200},
		{"ramp down never undershoots", ramp, 25*time.Second + 24*time.Millisecond, 200},
		{"ramp down one less", ramp, 25*time.Second + 25*time.Millisecond, 199},
		{"half way down", ramp, 27500 * time.Millisecond, 100},
		{"end", ramp, 30 * time.Second, 0},
		{"after the end holds the last target", ramp, time.Minute, 0},
		{"step up", scenario.Clients{Stages: []scenario.Stage{s(time.Second, 10), s(time.Second, 30)}}, 1500 * time.Millisecond, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := target(tt.clients, tt.at); got != tt.want {
				t.Errorf("target at %v = %d, want %d", tt.at, got, tt.want)
			}
		})
	}
}
