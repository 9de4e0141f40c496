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

// Segment is one part of a run split over processes or machines: Index
// of Of (1-based). Segment i runs the global client slots i, i+Of,
// i+2*Of, ..., so slot numbers ({{.VU}}) stay unique across segments and
// the segments' results merge into the whole run (wsbench merge). The
// zero value is the whole run.
type Segment struct{ Index, Of int }

// share is how many of the first total global slots belong to g.
func (g Segment) share(total int) int {
	if g.Of <= 1 {
		return total
	}
	if total < g.Index {
		return 0
	}
	return (total-g.Index)/g.Of + 1
}

// owns reports whether global slot id (1-based) belongs to g.
func (g Segment) owns(id int) bool {
	return g.Of <= 1 || (id-1)%g.Of == g.Index-1
}

// slot is the global slot number of g's n-th slot (1-based).
func (g Segment) slot(n int) int {
	if g.Of <= 1 {
		return n
	}
	return (n-1)*g.Of + g.Index
}
