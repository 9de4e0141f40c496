package client

import (
	"context"
	"time"
)

// Clock is the time source of the lifecycle, injectable so reconnect
// schedules are tested exactly instead of slept.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, and reports whether the
	// whole time passed.
	Sleep(ctx context.Context, d time.Duration) bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
