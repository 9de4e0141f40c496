package runner

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/client"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

// Options configure Run. A zero field means the documented default.
type Options struct {
	// Progress, when set, is called once a second with the second that
	// just ended, from the runner's goroutine; it must return quickly.
	Progress func(metrics.Progress)
	// Dialer replaces the dialer built from the scenario (tests).
	Dialer transport.Dialer
	// Shards is the number of recorder shards; default four per CPU.
	Shards int
	// Tick is how often the population is adjusted; default 10ms.
	Tick time.Duration
	// Embedded receives the embedded test server once it listens (tests
	// use it to inject faults); nil otherwise.
	Embedded func(*Embedded)
	// Segment runs one part of the population (see Segment); zero runs all.
	Segment Segment
	// Abort, when set, is called once a second with the run so far and
	// its elapsed time; a non-empty answer (why) stops the run early,
	// gracefully, with end reason EndAborted.
	Abort func(snap *metrics.Snapshot, elapsed time.Duration) string
	// Trace, when set, receives the connection events of the client slots
	// it samples (trace.Writer.Sampled); Run begins it and closes it once
	// every client has ended (not when it returns a setup error: close it
	// too, closing twice is harmless). nil traces nothing.
	Trace *trace.Writer
	// Recorder, when set, is called with the run's recorder before any
	// client starts, for a live reader such as a metrics endpoint.
	Recorder func(*metrics.Recorder)
}

// End reasons.
const (
	EndCompleted   = "completed"
	EndInterrupted = "interrupted"
	EndAborted     = "aborted"
)

// Result is what a run produced.
type Result struct {
	Scenario *scenario.Scenario
	// URL is the resolved target (the embedded server's address for
	// target embedded).
	URL string
	// EndReason says why the run ended: EndCompleted or EndInterrupted.
	EndReason string
	// Planned is the run length the scenario asked for.
	Planned time.Duration
	// Seed is the seed the run used: the scenario's, or one picked from
	// the clock when it has none, so a run can be repeated.
	Seed int64
	// Aborted is Options.Abort's answer when it stopped the run.
	Aborted  string
	Snapshot *metrics.Snapshot
	Load     metrics.LoadStats
	// Trace says what the trace holds (events written, dropped, whether
	// it was truncated); nil without Options.Trace.
	Trace *trace.Stats
}

// Run executes sc until its duration ends or ctx is cancelled (a graceful
// stop: clients get sc.GracefulStop to finish awaited replies and close
// normally, then are stopped at once). Setup problems are returned as
// errors; everything that goes wrong during the run is in the Result.
func Run(ctx context.Context, sc *scenario.Scenario, o Options) (*Result, error) {
	if o.Tick <= 0 {
		o.Tick = 10 * time.Millisecond
	}
	if err := checkLimits(sc, o.Segment, machineLimits()); err != nil {
		return nil, err
	}
	url, srv, err := resolveTarget(sc)
	if err != nil {
		return nil, err
	}
	if srv != nil {
		defer srv.Close()
		if o.Embedded != nil {
			o.Embedded(srv)
		}
	}
	dialer := o.Dialer
	if dialer == nil {
		if dialer, err = newDialer(sc, &sc.Client); err != nil {
			return nil, err
		}
	}

	start := time.Now()
	profiles, err := newProfiles(sc, o.Dialer, start, o.Shards)
	if err != nil {
		return nil, err
	}
	r := &run{
		sc:       sc,
		url:      url,
		dialer:   dialer,
		rec:      metrics.NewRecorder(start, o.Shards),
		seed:     uint64(sc.Seed),
		profiles: profiles,
		segment:  o.Segment,
	}
	if r.seed == 0 {
		r.seed = uint64(start.UnixNano())
	}
	if o.Recorder != nil {
		o.Recorder(r.rec)
	}
	if o.Trace != nil {
		r.trace = o.Trace
		o.Trace.Begin(trace.Run{Start: start, Seed: r.seed, Scenario: sc.Name, URL: url, Protocol: sc.Protocol})
	}
	hard, cancelHard := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHard()
	r.hard = hard

	if sc.Clients.Open() {
		r.open = &open{sched: newSchedule(sc.Clients), max: int64(o.Segment.share(sc.Clients.Max))}
		r.open.stop, r.open.cancel = context.WithCancel(hard)
	}

	load := startLoadMeter(start)
	reason := r.drive(ctx, start, o, load)
	if reason == EndCompleted && r.open == nil {
		r.rec.SetTarget(o.Segment.share(target(sc.Clients, sc.RunDuration())))
	}

	// Graceful stop: every client finishes its awaited reply and closes.
	for _, s := range r.active {
		s.cancel()
	}
	r.active = nil
	if r.open != nil {
		r.open.cancel()
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	grace := time.NewTimer(sc.GracefulStop.D())
	select {
	case <-done:
	case <-grace.C:
		cancelHard()
		<-done
	}
	grace.Stop()
	// Polling clients keep pooled HTTP connections; release them with the run.
	if c, ok := dialer.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}

	end := time.Now()
	snap := r.rec.Snapshot(end)
	snap.Profiles = r.profileSnapshots(end)
	load.sample(end)
	var ts *trace.Stats
	if o.Trace != nil {
		_ = o.Trace.Close() // the error is in the stats
		st := o.Trace.Stats()
		ts = &st
	}
	return &Result{
		Scenario:  sc,
		URL:       url,
		EndReason: reason,
		Planned:   sc.RunDuration(),
		Seed:      int64(r.seed),
		Aborted:   r.aborted,
		Snapshot:  snap,
		Load:      load.stats(),
		Trace:     ts,
	}, nil
}

// run is the state of one Run.
type run struct {
	sc     *scenario.Scenario
	url    string
	dialer transport.Dialer
	rec    *metrics.Recorder
	// profiles are the population's kinds of client; nil without
	// clients.profiles.
	profiles []profile
	seed     uint64
	hard     context.Context
	trace    *trace.Writer // nil when not tracing

	segment Segment
	wg      sync.WaitGroup
	active  []*slot // running slots of a closed population, oldest first
	open    *open   // the open population; nil for a closed one
	nextID  int
	aborted string
}

// slot is one place in the population, running client iterations one after
// another until it is stopped. It holds no goroutine: each client runs on
// its own, and the next one starts from the previous one's end.
type slot struct {
	id     int
	stop   context.Context    // done when the slot should stop gracefully
	cancel context.CancelFunc // nil for an open-model slot (open.cancel stops it)
	open   bool               // an open-model arrival: one client, then the slot ends
	shard  *metrics.Shard
	iter   int
	seq    uint64 // sequence numbers continue across iterations
	once   sync.Once
	trace  trace.Sink // nil when the slot is not traced
}

// drive keeps the population at its target until the run ends and returns
// why it ended.
func (r *run) drive(ctx context.Context, start time.Time, o Options, load *loadMeter) string {
	total := r.sc.RunDuration()
	end := time.NewTimer(total)
	defer end.Stop()
	tick := time.NewTicker(o.Tick)
	defer tick.Stop()
	second := time.NewTicker(time.Second)
	defer second.Stop()

	probed := make(chan struct{})
	stopProbe := make(chan struct{})
	go func() { probeTimers(r.rec.Shard(0), stopProbe); close(probed) }()
	defer func() { close(stopProbe); <-probed }()
	if r.open != nil {
		done := make(chan struct{})
		arrived := make(chan struct{})
		go func() { r.arrive(start, done); close(arrived) }()
		// Every wg.Add happens before Run waits for the clients.
		defer func() { close(done); <-arrived }()
	} else {
		r.adjust(o.Segment.share(target(r.sc.Clients, 0)))
	}
	for {
		select {
		case <-ctx.Done():
			return EndInterrupted
		case <-end.C:
			return EndCompleted
		case now := <-tick.C:
			if r.open != nil {
				r.rec.SetTarget(int(r.open.alive.Load()))
			} else {
				r.adjust(o.Segment.share(target(r.sc.Clients, min(now.Sub(start), total))))
			}
			r.rec.SamplePeak()
		case <-second.C:
			// The time of the sample, not the tick's: a loop that runs
			// late receives a tick that fired seconds ago, and would label
			// levels read now with that time (and divide CPU time used
			// since by too short a wall time: peak_cpu of 1243%).
			now := time.Now()
			p := r.rec.Tick(now)
			load.sample(now)
			if o.Progress != nil {
				o.Progress(p)
			}
			if o.Abort != nil {
				if why := o.Abort(r.rec.Snapshot(now), now.Sub(start)); why != "" {
					r.aborted = why
					return EndAborted
				}
			}
		}
	}
}

// adjust starts or gracefully stops slots to reach want; the newest slots
// stop first.
func (r *run) adjust(want int) {
	r.rec.SetTarget(want)
	for len(r.active) < want {
		r.nextID++
		id := r.segment.slot(r.nextID)
		s := &slot{id: id, shard: r.rec.Shard(id)}
		if r.trace != nil && r.trace.Sampled(s.id) {
			s.trace = r.trace
		}
		s.stop, s.cancel = context.WithCancel(r.hard)
		r.active = append(r.active, s)
		r.wg.Add(1)
		r.startClient(s)
	}
	for len(r.active) > want {
		last := len(r.active) - 1
		r.active[last].cancel()
		r.active[last] = nil
		r.active = r.active[:last]
	}
}

// startClient starts the slot's next client, unless the slot was stopped.
// When the client ends, the next one starts: a client that finishes its
// steps leaves and a fresh one takes its place. A client that failed
// (never connected, or gave up reconnecting) is replaced after
// reconnect.initial_delay, so a refusing server is not hit in a tight loop.
func (r *run) startClient(s *slot) {
	if s.stop.Err() != nil {
		r.endSlot(s)
		return
	}
	cfg, dialer, psh := r.clientOf(s.id)
	vu := client.New(client.Options{
		Slot:         s.id,
		Iter:         s.iter,
		Seq:          s.seq,
		URL:          r.url,
		Dialer:       dialer,
		Scenario:     r.sc,
		Client:       cfg,
		Shard:        s.shard,
		ProfileShard: psh,
		Seed:         r.seed,
		Trace:        s.trace,
	})
	vu.Start(r.hard, s.stop, func(bool) {
		s.seq = vu.Seq()
		s.iter++
		if s.open {
			r.endSlot(s) // an arrival runs the steps once and leaves
			return
		}
		if vu.State() != client.Failed {
			r.startClient(s)
			return
		}
		// Wait without a goroutine: whichever of the pause and the stop
		// comes first wins the slot.
		var fired atomic.Bool
		var unwatch func() bool
		pause := time.AfterFunc(time.Hour, func() {
			if fired.CompareAndSwap(false, true) {
				unwatch()
				r.startClient(s)
			}
		})
		pause.Stop()
		unwatch = context.AfterFunc(s.stop, func() {
			if fired.CompareAndSwap(false, true) {
				pause.Stop()
				r.endSlot(s)
			}
		})
		if cfg == nil {
			cfg = &r.sc.Client
		}
		pause.Reset(cfg.Reconnect.InitialDelay.D())
	})
}

// endSlot marks the slot finished for the graceful stop's wait.
func (r *run) endSlot(s *slot) {
	s.once.Do(func() {
		if s.open {
			r.open.alive.Add(-1)
		} else {
			s.cancel()
		}
		r.wg.Done()
	})
}

// String describes a result in one line, for logs.
func (res *Result) String() string {
	return fmt.Sprintf("%s against %s: %s after %s", res.Scenario.Name, res.URL, res.EndReason, res.Snapshot.Duration().Round(time.Millisecond))
}
