package testserver

import "time"

// faultKind names one kind of scheduled fault.
type faultKind uint8

const (
	kindClose faultKind = iota
	kindReset
	kindRefuse
	kindRestart
)

func (k faultKind) String() string {
	return [...]string{"close", "reset", "refuse", "restart"}[k]
}

// series is one periodic fault: it fires at first, first+every,
// first+2*every, ... after Start; every == 0 fires once.
type series struct {
	kind  faultKind
	first time.Duration
	every time.Duration
}

// planFaults turns Faults into the series to run; an empty plan needs no
// schedule goroutine. It is pure policy.
func planFaults(f Faults) []series {
	var plan []series
	if f.Close.Every > 0 {
		plan = append(plan, series{kindClose, f.Close.Every, f.Close.Every})
	}
	if f.Reset.Every > 0 {
		plan = append(plan, series{kindReset, f.Reset.Every, f.Reset.Every})
	}
	if f.Refuse.Status != 0 && f.Refuse.For > 0 {
		plan = append(plan, series{kindRefuse, max0(f.Refuse.After), max0(f.Refuse.Every)})
	}
	switch r := f.Restart; {
	case r.After > 0:
		plan = append(plan, series{kindRestart, r.After, max0(r.Every)})
	case r.Every > 0:
		plan = append(plan, series{kindRestart, r.Every, r.Every})
	}
	return plan
}

// due is the time of firing n of s, after Start.
func (s series) due(n int) time.Duration {
	return s.first + time.Duration(n)*s.every
}

// nextAfter returns the index of the first firing after n that is due
// after elapsed, skipping those missed while an earlier fault (a restart)
// ran late; ok is false when s has no more firings.
func (s series) nextAfter(n int, elapsed time.Duration) (next int, ok bool) {
	if s.every <= 0 {
		return 0, false
	}
	next = n + 1
	if missed := elapsed - s.due(next); missed >= 0 {
		next += int(missed/s.every) + 1
	}
	return next, true
}

// runSchedule fires the plan's faults at their times after start, one at
// a time, until Close. It owns one s.wg count.
func (s *Server) runSchedule(start time.Time, plan []series) {
	defer s.wg.Done()
	next := make([]int, len(plan)) // next firing index per series
	live := make([]bool, len(plan))
	for i := range live {
		live[i] = true
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		i := -1
		for j, sr := range plan {
			if live[j] && (i < 0 || sr.due(next[j]) < plan[i].due(next[i])) {
				i = j
			}
		}
		if i < 0 {
			return
		}
		timer.Reset(time.Until(start.Add(plan[i].due(next[i]))))
		select {
		case <-timer.C:
		case <-s.done:
			return
		}
		s.fire(plan[i].kind)
		next[i], live[i] = plan[i].nextAfter(next[i], time.Since(start))
	}
}

// fire triggers one scheduled fault as configured.
func (s *Server) fire(k faultKind) {
	f := s.cfg.Faults
	switch k {
	case kindClose:
		s.CloseFraction(f.Close.Fraction, f.Close.Code, f.Close.Reason)
	case kindReset:
		s.ResetFraction(f.Reset.Fraction)
	case kindRefuse:
		s.RefuseFor(f.Refuse.Status, f.Refuse.For)
	case kindRestart:
		if err := s.Restart(f.Restart.Down); err != nil && err != ErrClosed {
			s.logf("testserver: scheduled restart: %v", err)
		}
	}
}
