package runner

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// schedule is the open model's arrival timeline: the rate changes linearly
// within each piece, so the arrivals due by time t are the integral of the
// rate, and arrival k (from 0) is due when that integral reaches k. The
// first arrival is due at once.
type schedule struct {
	pieces []piece
}

// piece is one stretch of the schedule: the rate moves from r0 to r1 (per
// second) over d, starting at start, after n0 arrivals; n arrive in it.
type piece struct {
	start, d time.Duration
	r0, r1   float64
	n0, n    float64
}

func newSchedule(c scenario.Clients) schedule {
	var s schedule
	var at time.Duration
	var n0 float64
	add := func(d time.Duration, r0, r1 float64) {
		n := (r0 + r1) / 2 * d.Seconds()
		s.pieces = append(s.pieces, piece{start: at, d: d, r0: r0, r1: r1, n0: n0, n: n})
		at += d
		n0 += n
	}
	if len(c.Stages) == 0 {
		add(c.Duration.D(), c.PerSecond, c.PerSecond)
		return s
	}
	prev := c.PerSecond
	for _, st := range c.Stages {
		add(st.Duration.D(), prev, st.PerSecond)
		prev = st.PerSecond
	}
	return s
}

// at is when arrival k (from 0) is due; false when it falls after the
// schedule's end.
func (s schedule) at(k int) (time.Duration, bool) {
	m := float64(k)
	for _, p := range s.pieces {
		if m >= p.n0+p.n {
			continue
		}
		// Solve r0*t + (r1-r0)/(2d)*t^2 = m-n0 for t in [0, d]. The
		// form 2c/(b+sqrt(b^2+4ac)) is stable for ramps up, ramps down
		// and a constant rate (a = 0) alike.
		a := (p.r1 - p.r0) / (2 * p.d.Seconds())
		b := p.r0
		c := m - p.n0
		den := b + math.Sqrt(max(0, b*b+4*a*c))
		if den <= 0 {
			return p.start, true // c is 0: due at the piece's start
		}
		t := time.Duration(2 * c / den * float64(time.Second))
		return p.start + min(t, p.d), true
	}
	return 0, false
}

// total is how many arrivals the schedule has.
func (s schedule) total() int {
	n := 0
	if len(s.pieces) > 0 {
		last := s.pieces[len(s.pieces)-1]
		n = int(math.Ceil(last.n0 + last.n - 1e-9))
	}
	return n
}

// open is the state of an open-model population.
type open struct {
	sched schedule
	max   int64        // this segment's share of clients.max
	alive atomic.Int64 // clients started and not yet ended
	// stop is every open client's slot context: cancelled, it stops them
	// all gracefully, so a client needs no context of its own.
	stop   context.Context
	cancel context.CancelFunc
}

// arrive starts clients on the schedule until it ends or done closes. Each
// arrival waits for its intended time; an arrival whose time has passed
// (the generator fell behind) starts at once and records how late it is.
// Arrival k is global client slot k+1, so {{.VU}} numbers arrivals and a
// segment takes its share of them as it does of a closed population.
func (r *run) arrive(start time.Time, done <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for k := 0; ; k++ {
		at, ok := r.open.sched.at(k)
		if !ok {
			return
		}
		id := k + 1
		if !r.segment.owns(id) {
			continue
		}
		due := start.Add(at)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-done:
				return
			case <-timer.C:
			}
		} else {
			select {
			case <-done:
				return
			default:
			}
		}
		r.startArrival(id, time.Since(due))
	}
}

// startArrival starts one open-model client in slot id, unless clients.max
// are alive: then the arrival is missed.
func (r *run) startArrival(id int, late time.Duration) {
	sh := r.rec.Shard(id)
	if r.open.alive.Load() >= r.open.max {
		sh.Inc(metrics.ArrivalsMissed)
		return
	}
	r.open.alive.Add(1)
	sh.Observe(metrics.ArrivalLag, max(late, 0))
	s := &slot{id: id, shard: sh, stop: r.open.stop, open: true}
	if r.trace != nil && r.trace.Sampled(id) {
		s.trace = r.trace
	}
	r.wg.Add(1)
	r.startClient(s)
}
