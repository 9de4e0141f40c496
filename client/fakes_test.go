package client

import (
	"context"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

// fakeClock advances only when the lifecycle sleeps, so every measured
// interval is exactly the sum of the sleeps in it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return true
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// fakeDialer answers dials from a script: an error, or a connection.
type fakeDialer struct {
	mu     sync.Mutex
	script []any // error or *fakeConn; the last entry repeats
	dials  int
}

func (d *fakeDialer) Dial(ctx context.Context, url string) (transport.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := min(d.dials, len(d.script)-1)
	d.dials++
	switch v := d.script[i].(type) {
	case error:
		return nil, v
	case transport.Conn:
		return v, nil
	}
	panic("bad script entry")
}

// fakeConn is an open connection whose reads the test drives.
type fakeConn struct {
	in     chan []byte
	end    chan error
	once   sync.Once
	mu     sync.Mutex
	writes [][]byte
	pong   func()
}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan []byte, 16), end: make(chan error, 1)}
}

func (c *fakeConn) finish(err error) { c.once.Do(func() { c.end <- err }) }

func (c *fakeConn) ReadMessage(buf []byte) (transport.MessageType, []byte, error) {
	select {
	case m := <-c.in:
		return transport.Text, append(buf[:0], m...), nil
	case err := <-c.end:
		c.end <- err // later reads see the same end
		return 0, nil, err
	}
}

func (c *fakeConn) WriteMessage(t transport.MessageType, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, append([]byte(nil), data...))
	return nil
}

func (c *fakeConn) Writes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.writes))
	for i, w := range c.writes {
		out[i] = string(w)
	}
	return out
}

func (c *fakeConn) Ping([]byte) error       { return nil }
func (c *fakeConn) SetPongHandler(f func()) { c.pong = f }
func (c *fakeConn) Info() transport.Info    { return transport.Info{} }
func (c *fakeConn) Abort() error            { c.finish(net.ErrClosed); return nil }
func (c *fakeConn) Close(code int, r string) error {
	c.finish(&transport.CloseError{Code: code, Reason: r}) // the peer echoes the close
	return nil
}

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

// constSource makes every Float64 draw return 0.5 (no jitter).
type constSource uint64

func (s constSource) Uint64() uint64 { return uint64(s) }

const halfDraw = constSource(1 << 52) // math/rand/v2 draws Float64 from the low 53 bits

// loadScenario parses a test scenario, failing the test on problems.
func loadScenario(t *testing.T, yaml string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("test.yaml", []byte(yaml), scenario.Overrides{})
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

// newTestVU returns a VU over d with a fake clock, recording into a fresh
// recorder.
func newTestVU(t *testing.T, sc *scenario.Scenario, d transport.Dialer, clock Clock, life rand.Source) (*VU, *metrics.Recorder) {
	t.Helper()
	rec := metrics.NewRecorder(time.Now(), 1)
	o := Options{Slot: 1, URL: "ws://fake", Dialer: d, Scenario: sc, Shard: rec.Shard(0), Clock: clock}
	if life != nil {
		o.LifeRand = rand.New(life)
	}
	return New(o), rec
}

func counters(rec *metrics.Recorder) *metrics.Snapshot { return rec.Snapshot(time.Now()) }
