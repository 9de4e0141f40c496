package client

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
	"github.com/wsbench/wsbench/transport"
)

// State is where a virtual client's connection is.
type State uint8

// States. A client starts Closed; the connect step moves it to Connecting.
// Offline and Background are the times a client is away (client.network,
// client.background and the offline and background steps): it does not
// connect, and its sends wait in the offline queue.
const (
	Closed State = iota
	Connecting
	Open
	Reconnecting
	Failed
	Offline
	Background
)

var stateNames = [...]string{"closed", "connecting", "open", "reconnecting", "failed", "offline", "background"}

// String names the state as the docs and reports do.
func (s State) String() string { return stateNames[s] }

// Options configure one VU. Slot, URL, Dialer, Scenario and Shard are required.
type Options struct {
	// Slot is the client number, 1-based, unique in the run.
	Slot int
	// Iter is how many times this slot ran the steps before.
	Iter int
	// Seq is the slot's last sequence number so far; sequence numbers continue
	// across iterations.
	Seq      uint64
	URL      string
	Dialer   transport.Dialer
	Scenario *scenario.Scenario
	Shard    *metrics.Shard
	// Client is the client block the VU runs with: its profile's
	// (clients.profiles); nil means the scenario's.
	Client *scenario.Client
	// ProfileShard, when set, records everything Shard does a second
	// time, for the profile's own report.
	ProfileShard *metrics.Shard
	// Clock defaults to the real clock.
	Clock Clock
	// Rand drives payloads and sleeps; LifeRand drives backoff jitter.
	// Both default to sources seeded from Seed and Slot.
	Rand, LifeRand *rand.Rand
	Seed           uint64
	// Trace, when set, receives the client's connection events (package
	// trace); nil traces nothing and costs nothing.
	Trace trace.Sink
}

// closeWait is how long a client closing normally waits for the server's
// close reply before it drops the connection.
const closeWait = 2 * time.Second

// VU is one virtual client. Start runs its steps; its connection is
// served by a lifecycle of its own, on a goroutine while it dials or
// reconnects and in the transport's poller while an open connection
// waits for data. A VU runs once.
//
// Its size is per idle client, so what is seldom needed is allocated on
// first use (the step timer, the reply token, the inbox's storage) or
// read from the scenario rather than copied.
type VU struct {
	dialer  transport.Dialer
	url     string
	sc      *scenario.Scenario
	cfg     *scenario.Client
	rec     recorder
	clock   Clock
	vars    scenario.Vars
	lrng    *rand.Rand
	sendBuf []byte
	timer   *time.Timer // for short sleeps and awaits; nil until one

	hard context.Context // cancelled when the VU must stop at once
	stop <-chan struct{} // closed when the VU should stop gracefully
	done func(completed bool)

	// The step interpreter's place, and how a parked one is woken.
	frames []frame
	parked atomic.Bool
	// sio marks protocol socketio: messages are Socket.IO packets.
	sio       bool
	parkTimer *time.Timer
	unwatch   func() bool // stop watching stop

	// mu guards the fields below and serialises writes to conn.
	mu         sync.Mutex
	state      State
	closing    bool
	stateSince time.Time
	conn       transport.Conn
	life       *life
	queue      queue
	space      chan struct{} // signalled when a blocked sender may retry; nil unless overflow is block
	// failed is closed when the client gives up: its steps end now. The
	// step goroutine makes it when it first waits (failedCh).
	failed chan struct{}

	pending atomic.Pointer[pending]
	inbox   inbox
	// expectDone carries the reply token (tryPending); made by the step
	// goroutine before its first wait is stored (expect).
	expectDone chan struct{}
	// aborted marks a connection the client aborted itself, and why.
	aborted atomic.Pointer[abortMark]
	hb      heartbeat
	rbuf    []byte // owned by the lifecycle goroutine

	ackSeq int64  // last emit ack id; owned by the step goroutine
	ackBuf []byte // answers to the server's ack requests; guarded by mu
	// paced is each paced send's next intended time; owned by the steps.
	paced map[*scenario.Send]pace
	// deliv tracks deliveries (client.delivery); owned by the reader.
	deliv *deliveries

	// The trace (trace.go); tr is nil when the client is not traced.
	tr       trace.Sink
	connN    atomic.Int32 // connection attempts so far: the trace's conn
	ovf      int32        // queue overflows this outage; guarded by mu
	stateAt  time.Time    // when state was entered; guarded by mu
	lastRecv time.Time    // the last message's arrival; owned by the reader

	// aw is the away state (away.go); nil until the client first goes
	// offline or to the background, or has a schedule to. Guarded by mu.
	aw *away
	// silent marks the connection muted by a silent network loss; the
	// reader and the heartbeat read it without the lock.
	silent atomic.Pointer[silentMark]
	// sess is the open connection's session; guarded by mu.
	sess *session
}

// New returns a VU for o.
func New(o Options) *VU {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(o.Seed, uint64(o.Slot)<<32|uint64(o.Iter)))
	}
	if o.LifeRand == nil {
		o.LifeRand = rand.New(rand.NewPCG(^o.Seed, uint64(o.Slot)<<32|uint64(o.Iter)))
	}
	cfg := o.Client
	if cfg == nil {
		cfg = &o.Scenario.Client
	}
	v := &VU{
		dialer: o.Dialer,
		url:    o.URL,
		sc:     o.Scenario,
		cfg:    cfg,
		rec:    recorder{o.Shard, o.ProfileShard},
		clock:  o.Clock,
		lrng:   o.LifeRand,
		vars:   scenario.Vars{VU: o.Slot, Iter: o.Iter, Seq: o.Seq, Rand: o.Rand},
		tr:     o.Trace,
	}
	if cfg.Queue.Overflow == scenario.OverflowBlock {
		v.space = make(chan struct{}, 1) // only a blocked sender waits on it
	}
	v.hb.vu = v
	v.sio = o.Scenario.Protocol == scenario.ProtocolSocketIO
	if cfg.Delivery != nil {
		v.deliv = newDeliveries(cfg.Delivery)
	}
	if cfg.Network != nil || cfg.Background != nil {
		// Only a client with a schedule keeps the seed its draws need.
		v.aw = &away{seed: o.Seed}
	}
	return v
}

// policy is the reconnect backoff.
func (v *VU) policy() Backoff {
	r := &v.cfg.Reconnect
	return Backoff{Initial: r.InitialDelay.D(), Max: r.MaxDelay.D(), Multiplier: r.Multiplier, Jitter: r.Jitter}
}

// expect stores p as the wait the reader completes, making the reply
// token's channel first when this is the VU's first wait.
func (v *VU) expect(p *pending) {
	if v.expectDone == nil {
		v.expectDone = make(chan struct{}, 1)
	}
	v.pending.Store(p)
}

// failedCh returns a channel closed when the client gives up.
func (v *VU) failedCh() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.state == Failed {
		return closedCh
	}
	if v.failed == nil {
		v.failed = make(chan struct{})
	}
	return v.failed
}

// stepTimer returns the step goroutine's timer, set to fire after d.
func (v *VU) stepTimer(d time.Duration) *time.Timer {
	if v.timer == nil {
		v.timer = time.NewTimer(d)
	} else {
		v.timer.Reset(d)
	}
	return v.timer
}

// Seq returns the last sequence number the VU used; pass it to the next
// iteration's Options.Seq.
func (v *VU) Seq() uint64 { return v.vars.Seq }

// State returns the connection state.
func (v *VU) State() State {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.state
}

// Start runs the scenario's steps until they end, stop is done (graceful:
// sleeps end, an awaited reply is still awaited, then the connection
// closes normally) or hard is done (at once), and then calls done once,
// with whether the steps completed, after the VU's goroutines have ended.
// stop must be done whenever hard is (derive it from hard): a client
// parked in a sleep is woken by stop alone. Start does not wait: the
// steps run on a goroutine of the VU's own, which exits while a long
// sleep waits, so an idle client costs no goroutine beyond its
// connection's reader.
func (v *VU) Start(hard, stop context.Context, done func(completed bool)) {
	v.hard, v.stop, v.done = hard, stop.Done(), done
	v.parkTimer = time.AfterFunc(time.Hour, v.wake)
	v.parkTimer.Stop()
	v.unwatch = context.AfterFunc(stop, v.wake)
	v.frames = append(v.frames[:0], frame{steps: v.sc.Steps})
	v.stateAt = v.clock.Now()
	if v.tr != nil {
		v.emit(trace.Event{At: v.stateAt, Kind: trace.ClientStart})
	}
	v.rec.Inc(metrics.ClientsStarted)
	v.rec.Gauge(metrics.Alive, 1)
	v.startSchedules()
	go v.exec()
}

// Run is Start, waiting for the end: it reports whether the steps
// completed. Unlike Start's, its stop need not derive from hard.
func (v *VU) Run(hard, stop context.Context) bool {
	both, cancel := context.WithCancel(hard)
	defer cancel()
	unwatch := context.AfterFunc(stop, cancel)
	defer unwatch()
	res := make(chan bool, 1)
	v.Start(hard, both, func(completed bool) { res <- completed })
	return <-res
}

// finish ends the VU after its steps: it closes the connection, counts
// what is left over and reports to Start's caller.
func (v *VU) finish(completed bool) {
	completed = completed && !v.stopping() && v.State() != Failed
	v.stopAway()
	v.closeConn(1000, "")
	if completed {
		v.rec.Inc(metrics.ClientsFinished)
	}
	if v.deliv != nil {
		v.deliv.finish(v.rec)
	}
	// Messages still kept for a standalone expect were never taken.
	v.inbox.mu.Lock()
	v.inbox.each(func(data []byte) { v.rec.Unmatched(v.msgName(data)) })
	v.inbox.mu.Unlock()
	if v.timer != nil {
		v.timer.Stop()
	}
	v.parkTimer.Stop()
	v.unwatch()
	v.rec.Gauge(metrics.Alive, -1)
	if v.tr != nil {
		v.emit(trace.Event{Kind: trace.ClientEnd, OK: completed})
	}
	v.done(completed)
}

// stopping reports whether the VU was asked to stop.
func (v *VU) stopping() bool {
	select {
	case <-v.stop:
		return true
	case <-v.hard.Done():
		return true
	default:
		return false
	}
}

// setStateLocked moves to s, accounting the time spent in the old state.
func (v *VU) setStateLocked(s State) {
	now := v.clock.Now()
	if !v.stateSince.IsZero() {
		d := int64(now.Sub(v.stateSince))
		switch v.state {
		case Connecting:
			v.rec.Add(metrics.TimeConnecting, d)
		case Open:
			v.rec.Add(metrics.TimeOpen, d)
		case Reconnecting:
			v.rec.Add(metrics.TimeReconnecting, d)
		case Offline:
			v.rec.Add(metrics.TimeOffline, d)
		case Background:
			v.rec.Add(metrics.TimeBackground, d)
		}
	}
	if v.state == Open && s != Open {
		v.rec.Gauge(metrics.Connected, -1)
	}
	if s == Open && v.state != Open {
		v.rec.Gauge(metrics.Connected, 1)
	}
	if s == Open {
		v.ovf = 0 // the outage is over
		if a := v.aw; a != nil && !a.backAt.IsZero() {
			v.rec.Observe(metrics.ResumeFlushed, now.Sub(a.backAt))
			a.backAt = time.Time{}
		}
	}
	if s != v.state {
		if v.tr != nil {
			var in time.Duration
			if !v.stateAt.IsZero() {
				in = now.Sub(v.stateAt)
			}
			v.emit(trace.Event{At: now, Kind: trace.State, From: v.state.String(), To: s.String(), Dur: in})
		}
		v.stateAt = now
	}
	v.state, v.stateSince = s, now
}

// signal wakes a sender blocked on a full queue, without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
