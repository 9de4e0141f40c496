package client

import (
	"math"
	"time"
)

// Backoff is the reconnect delay policy. It is a pure function of the
// attempt number and a random draw, so it is tested exactly.
type Backoff struct {
	Initial, Max time.Duration
	Multiplier   float64
	// Jitter spreads each delay uniformly over ±Jitter of itself.
	Jitter float64
}

// Delay returns the wait before reconnect attempt n (0-based; n resets to 0
// after every successful open): min(Initial*Multiplier^n, Max), scaled by
// 1 + Jitter*(2r-1) for r uniform in [0,1), then capped at Max again.
func (b Backoff) Delay(n int, r float64) time.Duration {
	d := float64(b.Initial) * math.Pow(b.Multiplier, float64(n))
	if d > float64(b.Max) || math.IsInf(d, 0) {
		d = float64(b.Max)
	}
	d *= 1 + b.Jitter*(2*r-1)
	if d > float64(b.Max) {
		d = float64(b.Max)
	}
	return time.Duration(d)
}
