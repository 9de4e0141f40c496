package client

import (
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// recorder records into the run's shard and, for a client of a profile
// (clients.profiles), into the profile's shard too, so a mixed population
// is reported whole and per profile. Without a profile it costs one nil
// check per record.
type recorder struct {
	s, p *metrics.Shard
}

func (r recorder) Inc(c metrics.Counter) {
	r.s.Inc(c)
	if r.p != nil {
		r.p.Inc(c)
	}
}

func (r recorder) Add(c metrics.Counter, n int64) {
	r.s.Add(c, n)
	if r.p != nil {
		r.p.Add(c, n)
	}
}

func (r recorder) Gauge(g metrics.Gauge, delta int64) {
	r.s.Gauge(g, delta)
	if r.p != nil {
		r.p.Gauge(g, delta)
	}
}

func (r recorder) Observe(h metrics.Hist, d time.Duration) {
	r.s.Observe(h, d)
	if r.p != nil {
		r.p.Observe(h, d)
	}
}

func (r recorder) Drop(cause metrics.Cause, code int, detail string) {
	r.s.Drop(cause, code, detail)
	if r.p != nil {
		r.p.Drop(cause, code, detail)
	}
}

func (r recorder) Fail(cause metrics.Cause, status int, detail string) {
	r.s.Fail(cause, status, detail)
	if r.p != nil {
		r.p.Fail(cause, status, detail)
	}
}

func (r recorder) Unmatched(name []byte) {
	r.s.Unmatched(name)
	if r.p != nil {
		r.p.Unmatched(name)
	}
}
