package runner

import (
	"context"
	"errors"
	"math"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/transport"
)

func openClients(t *testing.T, yaml string) scenario.Clients {
	t.Helper()
	sc, err := scenario.Parse("open.yaml", []byte("target: embedded\nclients: "+yaml+"\nsteps: [connect]\n"), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	return sc.Clients
}

func TestScheduleConstantRate(t *testing.T) {
	s := newSchedule(openClients(t, "{arrival_rate: 10/s, duration: 1s, max: 5}"))
	if s.total() != 10 {
		t.Fatalf("total %d, want 10", s.total())
	}
	for k := range 10 {
		at, ok := s.at(k)
		if want := time.Duration(k) * 100 * time.Millisecond; !ok || absDur(at-want) > time.Microsecond {
			t.Errorf("arrival %d at %s (%v), want %s", k, at, ok, want)
		}
	}
	if at, ok := s.at(10); ok {
		t.Errorf("arrival 10 at %s, want none: the schedule has 10", at)
	}
}

func TestScheduleRamps(t *testing.T) {
	// 0 -> 100/s over 10 s: N(t) = 5 t^2 (500 in all), so arrival k is due
	// at sqrt(k/5); then 100/s -> 0 over 10 s: N = 500 + 100 u - 5 u^2.
	s := newSchedule(openClients(t, "{max: 5, stages: [{duration: 10s, arrival_rate: 100/s}, {duration: 10s, arrival_rate: 0/s}]}"))
	if s.total() != 1000 {
		t.Fatalf("total %d, want 1000", s.total())
	}
	for _, k := range []int{0, 1, 5, 125, 499} {
		at, _ := s.at(k)
		if want := math.Sqrt(float64(k) / 5); math.Abs(at.Seconds()-want) > 1e-6 {
			t.Errorf("ramp up: arrival %d at %s, want %.6fs", k, at, want)
		}
	}
	for _, k := range []int{500, 600, 875, 999} {
		at, _ := s.at(k)
		u := (100 - math.Sqrt(100*100-4*5*float64(k-500))) / 10
		if math.Abs(at.Seconds()-(10+u)) > 1e-6 {
			t.Errorf("ramp down: arrival %d at %s, want %.6fs", k, at, 10+u)
		}
	}
	prev := time.Duration(-1)
	for k := range s.total() {
		at, ok := s.at(k)
		if !ok || at < prev || at > 20*time.Second {
			t.Fatalf("arrival %d at %s (%v) after %s: the schedule must be in order and within 20s", k, at, ok, prev)
		}
		prev = at
	}
}

// TestOpenModelRuns: clients arrive on schedule, each runs the steps once
// and leaves; the server sees every one.
func TestOpenModelRuns(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
clients: {arrival_rate: 40/s, duration: 1s, max: 100}
steps:
  - connect
  - send: {text: '{"id":"{{.VU}}"}', expect: {json_field: id, timeout: 2s}}
  - close
`, srv.URL("/json"), Options{})
	c := &res.Snapshot.Counters
	if c[metrics.ClientsStarted] != 40 || c[metrics.ClientsFinished] != 40 || c[metrics.ArrivalsMissed] != 0 {
		t.Fatalf("started %d, finished %d, missed %d; want 40, 40, 0", c[metrics.ClientsStarted], c[metrics.ClientsFinished], c[metrics.ArrivalsMissed])
	}
	if got := srv.Stats().Accepted; got != 40 || c[metrics.ExpectMatched] != 40 {
		t.Fatalf("server accepted %d connections, %d replies matched; want 40 each", got, c[metrics.ExpectMatched])
	}
	lag := res.Snapshot.Hists[metrics.ArrivalLag]
	if lag.TotalCount() != 40 || lag.ValueAtQuantile(50) > 20_000 {
		t.Fatalf("arrival lag: %d samples, p50 %d µs; want 40, on time", lag.TotalCount(), lag.ValueAtQuantile(50))
	}
	// Arrivals are spread over the second, not started at once.
	var opened []int64
	for _, p := range res.Snapshot.Series {
		opened = append(opened, p.Opened)
	}
	if len(opened) == 0 || opened[0] < 30 || opened[0] > 41 {
		t.Fatalf("connections opened per second %v; want the 40 within the first second", opened)
	}
}

// TestOpenModelMax: an arrival that finds max clients alive does not start
// and counts as missed.
func TestOpenModelMax(t *testing.T) {
	srv := startServer(t)
	res := runYAML(t, `
target: TARGET
clients: {arrival_rate: 20/s, duration: 1s, max: 5}
graceful_stop: 0s
steps:
  - connect
  - sleep: 5s
`, srv.URL("/echo"), Options{})
	c := &res.Snapshot.Counters
	if c[metrics.ClientsStarted] != 5 || c[metrics.ArrivalsMissed] != 15 {
		t.Fatalf("started %d, missed %d; want 5 and 15 (20 arrivals, at most 5 alive)", c[metrics.ClientsStarted], c[metrics.ArrivalsMissed])
	}
	if res.Snapshot.PeakConnected != 5 {
		t.Fatalf("peak connected %d, want 5", res.Snapshot.PeakConnected)
	}
}

// TestOpenModelSegments: segments split the arrivals between them, and
// together they start every client once with unique {{.VU}} numbers.
func TestOpenModelSegments(t *testing.T) {
	srv := startServer(t)
	started := int64(0)
	for i := 1; i <= 3; i++ {
		res := runYAML(t, `
target: TARGET
clients: {arrival_rate: 50/s, duration: 200ms, max: 30}
steps:
  - connect
  - send: {text: '{"client":"{{.VU}}","seq":1,"id":"x"}', expect: {json_field: id, timeout: 2s}}
  - close
`, srv.URL("/json"), Options{Segment: Segment{i, 3}})
		started += res.Snapshot.Counters[metrics.ClientsStarted]
	}
	var ids []int
	for key, st := range srv.Stats().Clients {
		id, err := strconv.Atoi(key)
		if err != nil || st.Received != 1 {
			t.Fatalf("client %q sent %d messages; want numbered clients that sent 1 each", key, st.Received)
		}
		ids = append(ids, id)
	}
	sort.Ints(ids)
	if started != 10 || len(ids) != 10 || ids[0] != 1 || ids[9] != 10 {
		t.Fatalf("%d started; server saw clients %v; want 10: 1..10", started, ids)
	}
}

// failDialer fails every dial at once.
type failDialer struct{}

func (failDialer) Dial(context.Context, string) (transport.Conn, error) {
	return nil, errors.New("no network in this test")
}

// TestArrivalLagShowsAGeneratorBehind: arrivals whose time has passed start
// at once and record how late they are.
func TestArrivalLagShowsAGeneratorBehind(t *testing.T) {
	sc, err := scenario.Parse("open.yaml", []byte("target: ws://127.0.0.1:1/\nclients: {arrival_rate: 10/s, duration: 2s, max: 100}\nclient: {reconnect: {enabled: false}}\nsteps: [connect]\n"), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	r := &run{sc: sc, url: sc.Target, dialer: failDialer{}, rec: metrics.NewRecorder(time.Now(), 1), hard: context.Background()}
	r.open = &open{sched: newSchedule(sc.Clients), max: 100}
	r.open.stop, r.open.cancel = context.WithCancel(context.Background())
	defer r.open.cancel()
	// The generator starts 1 s late: arrivals 0..9 are 1 s to 0.1 s behind.
	done := make(chan struct{})
	time.AfterFunc(300*time.Millisecond, func() { close(done) })
	r.arrive(time.Now().Add(-time.Second), done)
	r.wg.Wait()
	snap := r.rec.Snapshot(time.Now())
	lag := snap.Hists[metrics.ArrivalLag]
	if lag.TotalCount() < 10 || lag.Max() < 950_000 || lag.Max() > 1_100_000 {
		t.Fatalf("lag: %d samples, max %d µs; want at least 10, the worst about 1 s", lag.TotalCount(), lag.Max())
	}
	if n := snap.Counters[metrics.ClientsStarted]; n != lag.TotalCount() {
		t.Fatalf("%d clients started for %d arrivals", n, lag.TotalCount())
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
