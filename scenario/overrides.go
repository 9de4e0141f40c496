package scenario

import "fmt"

// applyOverrides puts the command-line values in place of the file's,
// before defaults and validation, and remembers which flag set what so a
// problem with such a value names the flag instead of a file position.
func (d *decoder) applyOverrides(s *Scenario, o Overrides) {
	if o.Target != "" {
		s.Target = o.Target
		d.origin["target"] = "--target"
	}
	if o.Seed != 0 {
		s.Seed = o.Seed
	}
	for _, expr := range o.Thresholds {
		t, err := ParseThreshold(expr)
		if err != nil {
			d.flagProblem("thresholds", "--threshold: %v", err)
			continue
		}
		s.Thresholds = append(s.Thresholds, t)
	}
	if o.Clients < 0 {
		d.flagProblem("clients", "--clients must be more than 0, got %d", o.Clients)
	}
	if o.Duration < 0 {
		d.flagProblem("duration", "--duration must be more than 0, got %s", o.Duration)
	}
	switch {
	case o.Clients > 0:
		dur := s.Duration
		if o.Duration > 0 {
			dur = Duration(o.Duration)
			d.origin["duration"] = "--duration"
		} else if dur == 0 {
			dur = s.Clients.Duration // an open model's
			for _, st := range s.Clients.Stages {
				dur += st.Duration
			}
		}
		s.Clients = Clients{Count: o.Clients, Profiles: s.Clients.Profiles} // the mix stays
		s.Duration = dur
		d.origin["clients"] = "--clients"
		d.origin["clients.count"] = "--clients"
		for _, k := range []string{"clients.stages", "clients.arrival_rate", "clients.duration", "clients.max"} {
			delete(d.set, k)
		}
		delete(d.set, "duration") // the file's duration, if any, is now the count's
	case o.Duration > 0 && len(s.Clients.Stages) > 0:
		d.flagProblem("duration", "--duration sets the length of a clients.count or constant arrival_rate run, but this file ramps with clients.stages; add --clients N to replace them")
	case o.Duration > 0 && s.Clients.Open():
		s.Clients.Duration = Duration(o.Duration)
		d.origin["clients.duration"] = "--duration"
		d.set["clients.duration"] = true
	case o.Duration > 0:
		s.Duration = Duration(o.Duration)
		d.origin["duration"] = "--duration"
	}
}

// flagProblem records a problem with a command-line value.
func (d *decoder) flagProblem(path, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...)})
	d.bad[path] = true
}
