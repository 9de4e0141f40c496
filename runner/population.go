package runner

import (
	"time"

	"github.com/wsbench/wsbench/scenario"
)

// target is the number of clients the population should have at elapsed:
// the count, or a linear ramp between stage targets (from 0 before the
// first stage), truncated toward the previous target so a ramp never
// overshoots. After the last stage it holds the last target.
func target(c scenario.Clients, elapsed time.Duration) int {
	if len(c.Stages) == 0 {
		return c.Count
	}
	prev := 0
	var at time.Duration
	for _, s := range c.Stages {
		d := s.Duration.D()
		if elapsed < at+d {
			frac := float64(elapsed-at) / float64(d)
			return prev + int(frac*float64(s.Target-prev))
		}
		prev = s.Target
		at += d
	}
	return prev
}
