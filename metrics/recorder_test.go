package metrics

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestTickIntervalsAndTotals(t *testing.T) {
	start := time.Unix(100, 0)
	r := NewRecorder(start, 4)
	r.SetTarget(10)
	for i := 1; i <= 100; i++ {
		r.Shard(i).Observe(RTT, time.Duration(i)*time.Millisecond)
		r.Shard(i).Inc(MsgsSent)
	}
	r.Shard(0).Gauge(Connected, 7)
	p := r.Tick(start.Add(time.Second))
	if p.Sent != 100 || p.Target != 10 || p.Connected != 7 || p.RTTCount != 100 {
		t.Fatalf("first second: %+v", p)
	}
	if p.RTTP50 < 49_900 || p.RTTP50 > 50_100 || p.RTTP99 < 98_900 || p.RTTP99 > 99_100 {
		t.Fatalf("interval percentiles p50=%d p99=%d µs, want ~50ms and ~99ms", p.RTTP50, p.RTTP99)
	}
	r.Shard(3).Observe(RTT, 500*time.Millisecond)
	p = r.Tick(start.Add(2 * time.Second))
	if p.Sent != 0 || p.RTTCount != 1 || p.RTTP50 < 499_000 || p.RTTP50 > 501_000 {
		t.Fatalf("second interval holds only its own samples: %+v", p)
	}
	s := r.Snapshot(start.Add(2 * time.Second))
	if got := s.Hists[RTT].TotalCount(); got != 101 {
		t.Fatalf("total RTT samples = %d, want 101", got)
	}
	if s.Counters[MsgsSent] != 100 || len(s.Series) != 2 || s.PeakConnected != 7 {
		t.Fatalf("snapshot: sent %d, %d points, peak %d", s.Counters[MsgsSent], len(s.Series), s.PeakConnected)
	}
}

func TestDropsAndFailures(t *testing.T) {
	r := NewRecorder(time.Now(), 2)
	r.Shard(0).Drop(CauseServerClose, 1001, "closed 1001")
	r.Shard(1).Drop(CauseServerClose, 4000, "closed 4000")
	r.Shard(1).Drop(CauseReset, 1006, "reset")
	r.Shard(0).Fail(CauseHandshakeStatus, 503, "503")
	s := r.Snapshot(time.Now())
	if s.Counters[ConnDropped] != 3 || s.Counters[ConnFailed] != 1 {
		t.Fatalf("dropped %d failed %d", s.Counters[ConnDropped], s.Counters[ConnFailed])
	}
	if s.Causes[CauseServerClose] != 2 || s.CloseCodes[1001] != 1 || s.CloseCodes[4000] != 1 || s.CloseCodes[1006] != 1 {
		t.Fatalf("causes %v codes %v", s.Causes, s.CloseCodes)
	}
	if s.Statuses[503] != 1 || s.Examples[CauseServerClose] != "closed 1001" {
		t.Fatalf("statuses %v, example %q", s.Statuses, s.Examples[CauseServerClose])
	}
}

func TestClampedSamples(t *testing.T) {
	r := NewRecorder(time.Now(), 1)
	r.Shard(0).Observe(Recover, 2*time.Hour)
	s := r.Snapshot(time.Now())
	if s.Clamped != 1 || s.Hists[Recover].Max() < highestValue*999/1000 {
		t.Fatalf("clamped %d, max %d", s.Clamped, s.Hists[Recover].Max())
	}
}

// TestConcurrentRecording runs recorders and the sampler at once under
// the race detector and checks nothing is lost.
func TestConcurrentRecording(t *testing.T) {
	r := NewRecorder(time.Now(), 4)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.Shard(g)
			for i := range 5000 {
				s.Observe(RTT, time.Duration(i)*time.Microsecond)
				s.Inc(MsgsReceived)
			}
		}()
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for {
			select {
			case <-stop:
				return
			default:
				r.Tick(time.Now())
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-ticked
	s := r.Snapshot(time.Now())
	if s.Hists[RTT].TotalCount() != 40000 || s.Counters[MsgsReceived] != 40000 {
		t.Fatalf("recorded %d samples and %d messages, want 40000 each", s.Hists[RTT].TotalCount(), s.Counters[MsgsReceived])
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	s := NewRecorder(time.Now(), 1).Shard(0)
	if n := testing.AllocsPerRun(1000, func() { s.Observe(RTT, 1234*time.Microsecond) }); n != 0 {
		t.Fatalf("Observe allocates %v times per sample", n)
	}
}

// BenchmarkObserve is the cost of recording one latency sample.
func BenchmarkObserve(b *testing.B) {
	s := NewRecorder(time.Now(), 1).Shard(0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Observe(RTT, time.Duration(i&0xffff)*time.Microsecond)
	}
}

// BenchmarkRecordReference is the floor Observe is compared with: the
// same value recorded straight into an HdrHistogram, with no lock and no
// unit conversion.
func BenchmarkRecordReference(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = h.RecordValue(int64(i & 0xffff))
	}
}

// BenchmarkObserveParallel records from every CPU into per-goroutine
// shards, as clients do.
func BenchmarkObserveParallel(b *testing.B) {
	r := NewRecorder(time.Now(), 0)
	var next sync.Mutex
	id := 0
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		s := r.Shard(id)
		id++
		next.Unlock()
		i := 0
		for pb.Next() {
			s.Observe(RTT, time.Duration(i&0xffff)*time.Microsecond)
			i++
		}
	})
}

// BenchmarkCounter is the cost of counting one message.
func BenchmarkCounter(b *testing.B) {
	s := NewRecorder(time.Now(), 1).Shard(0)
	b.ReportAllocs()
	for b.Loop() {
		s.Inc(MsgsSent)
	}
}

func TestUnmatchedByName(t *testing.T) {
	r := NewRecorder(time.Now(), 2)
	for i := range 3 {
		r.Shard(i).Unmatched([]byte("chat"))
	}
	r.Shard(0).Unmatched([]byte("typing"))
	for i := range MaxUnexpectedNames + 5 {
		r.Shard(1).Unmatched([]byte(fmt.Sprintf("n%d", i)))
	}
	snap := r.Snapshot(time.Now())
	if got := snap.Counters[MsgsUnmatched]; got != int64(4+MaxUnexpectedNames+5) {
		t.Fatalf("messages.unmatched = %d", got)
	}
	// The snapshot keeps the most frequent names and folds the rest: every
	// message is still counted once.
	var sum int64
	for _, n := range snap.Unexpected {
		sum += n
	}
	if snap.Unexpected["chat"] != 3 || len(snap.Unexpected) > MaxUnexpectedNames || sum != snap.Counters[MsgsUnmatched] {
		t.Fatalf("%d names summing to %d, chat %d", len(snap.Unexpected), sum, snap.Unexpected["chat"])
	}
	if a := testing.AllocsPerRun(100, func() { r.Shard(0).Unmatched([]byte("chat")) }); a != 0 {
		t.Fatalf("counting a known name allocates %v times", a)
	}
}

func TestFoldNames(t *testing.T) {
	m := map[string]int64{"a": 5, "b": 3, "c": 3, "d": 1, OtherNames: 2}
	got := FoldNames(m, 3)
	// a and b stay (b before c on the tie); c, d and the old other fold.
	if len(got) != 3 || got["a"] != 5 || got["b"] != 3 || got[OtherNames] != 6 {
		t.Fatalf("folded to %v", got)
	}
}
