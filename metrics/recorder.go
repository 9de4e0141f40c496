package metrics

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: 1 µs to 1 hour at 3 significant digits (0.1%).
// Larger values are recorded as one hour and counted in Snapshot.Clamped.
const (
	lowestValue  = 1
	highestValue = int64(time.Hour / time.Microsecond)
	sigFigs      = 3
)

// NewHistogram returns an empty histogram with wsbench's geometry, so that
// histograms from any run or segment merge exactly.
func NewHistogram() *hdr.Histogram { return hdr.New(lowestValue, highestValue, sigFigs) }

// Recorder collects everything a run measures. Clients record through a
// Shard; the runner calls Tick once a second and Snapshot at the end.
// All methods are safe for concurrent use.
type Recorder struct {
	shards []Shard
	start  time.Time
	target atomic.Int64

	// Rare events (drops, failures) with their detail maps.
	emu        sync.Mutex
	causes     [NumCauses]int64
	closeCodes map[int]int64
	statuses   map[int]int64
	examples   [NumCauses]string

	// Sampler state, owned by Tick and Snapshot.
	smu      sync.Mutex
	interval [NumHists]*hdr.Histogram
	total    [NumHists]*hdr.Histogram
	last     [NumCounters]int64
	lastTick time.Time
	series   []Point
	peak     atomic.Int64 // most connections open at once, seen by SamplePeak or Tick
}

// Shard is the recording handle of a group of clients. Histograms are
// guarded by a per-shard mutex that only clients of the same shard and the
// once-a-second sampler take; counters are atomic. Safe for concurrent use.
type Shard struct {
	mu      sync.Mutex
	hists   [NumHists]*hdr.Histogram // each allocated on first use
	clamped int64
	// unexpected counts unmatched messages by name; guarded by mu, nil
	// until the first. Pointers, so counting a known name does not
	// allocate a key.
	unexpected map[string]*int64
	counters   [NumCounters]atomic.Int64
	gauges     [NumGauges]atomic.Int64
	rec        *Recorder
	_          [64]byte // keep shards on separate cache lines
}

// NewRecorder returns a Recorder whose clock starts at start. shards <= 0
// picks four per CPU.
func NewRecorder(start time.Time, shards int) *Recorder {
	if shards <= 0 {
		shards = 4 * runtime.GOMAXPROCS(0)
	}
	r := &Recorder{
		shards:     make([]Shard, shards),
		start:      start,
		lastTick:   start,
		closeCodes: map[int]int64{},
		statuses:   map[int]int64{},
	}
	for i := range r.shards {
		r.shards[i].rec = r
	}
	for h := range r.interval {
		r.interval[h] = NewHistogram()
		r.total[h] = NewHistogram()
	}
	return r
}

// SamplePeak notes the number of open connections now; the runner calls
// it on every population tick so short runs and short peaks still show.
func (r *Recorder) SamplePeak() {
	var n int64
	for i := range r.shards {
		n += r.shards[i].gauges[Connected].Load()
	}
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// Shard returns the shard for client number i.
func (r *Recorder) Shard(i int) *Shard { return &r.shards[uint(i)%uint(len(r.shards))] }

// SetTarget records the number of clients the population aims for now.
func (r *Recorder) SetTarget(n int) { r.target.Store(int64(n)) }

// Observe records one latency sample. It does not allocate.
func (s *Shard) Observe(h Hist, d time.Duration) {
	v := int64(d / time.Microsecond)
	if v < lowestValue {
		v = lowestValue
	}
	s.mu.Lock()
	if v > highestValue {
		v = highestValue
		s.clamped++
	}
	if s.hists[h] == nil {
		// On first use: a run fills only some of the histograms, and each
		// one is 184 KiB that the collector would count as live heap.
		s.hists[h] = NewHistogram()
	}
	_ = s.hists[h].RecordValue(v) // in range by construction
	s.mu.Unlock()
}

// Add adds n to counter c.
func (s *Shard) Add(c Counter, n int64) { s.counters[c].Add(n) }

// Inc adds one to counter c.
func (s *Shard) Inc(c Counter) { s.counters[c].Add(1) }

// Gauge moves gauge g by delta.
func (s *Shard) Gauge(g Gauge, delta int64) { s.gauges[g].Add(delta) }

// Drop records an open connection ending for cause; code is the close code
// (1006 when there was no close frame). detail is an example message kept
// per cause for the report.
func (s *Shard) Drop(cause Cause, code int, detail string) {
	s.Inc(ConnDropped)
	r := s.rec
	r.emu.Lock()
	r.causes[cause]++
	if code != 0 {
		r.closeCodes[code]++
	}
	if r.examples[cause] == "" {
		r.examples[cause] = detail
	}
	r.emu.Unlock()
}

// MaxUnexpectedNames bounds the distinct names Unmatched keeps per shard;
// further names are counted under OtherNames, so a server that puts ids in
// its event names cannot grow the recorder without bound.
const MaxUnexpectedNames = 100

// OtherNames is the name unmatched messages are counted under once
// MaxUnexpectedNames names are kept.
const OtherNames = "(other names)"

// Unmatched counts one message no step waited for (messages.unmatched),
// under name: a Socket.IO event's name, or what names a WebSocket message.
// A name seen before costs no allocation.
func (s *Shard) Unmatched(name []byte) {
	s.Inc(MsgsUnmatched)
	s.mu.Lock()
	n := s.unexpected[string(name)]
	if n == nil {
		if s.unexpected == nil {
			s.unexpected = map[string]*int64{}
		}
		key := string(name)
		if len(s.unexpected) >= MaxUnexpectedNames {
			key = OtherNames
		}
		if n = s.unexpected[key]; n == nil {
			n = new(int64)
			s.unexpected[key] = n
		}
	}
	*n++
	s.mu.Unlock()
}

// Fail records a connection attempt that did not open; status is the HTTP
// status for CauseHandshakeStatus, else 0.
func (s *Shard) Fail(cause Cause, status int, detail string) {
	s.Inc(ConnFailed)
	r := s.rec
	r.emu.Lock()
	r.causes[cause]++
	if status != 0 {
		r.statuses[status]++
	}
	if r.examples[cause] == "" {
		r.examples[cause] = detail
	}
	r.emu.Unlock()
}

func (r *Recorder) counters() (c [NumCounters]int64, g [NumGauges]int64) {
	for i := range r.shards {
		s := &r.shards[i]
		for k := range c {
			c[k] += s.counters[k].Load()
		}
		for k := range g {
			g[k] += s.gauges[k].Load()
		}
	}
	return c, g
}

// collect moves every shard's samples into r.interval. Callers hold smu.
func (r *Recorder) collect() {
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		for h, sh := range s.hists {
			if sh != nil && sh.TotalCount() > 0 {
				r.interval[h].Merge(sh)
				sh.Reset()
			}
		}
		s.mu.Unlock()
	}
}
