package trace

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultMaxBytes = 100 << 20 // 100MiB
	DefaultBuffer   = 8192      // events
	// MinMaxBytes is the smallest MaxBytes worth a trace: the start line
	// and the final line fit with room to spare.
	MinMaxBytes = 4 << 10
)

// finalRoom is kept free below MaxBytes for the last line (trace_end or
// trace_truncated), which is at most about 150 bytes.
const finalRoom = 256

// Options configure a Writer. A zero field means the documented default,
// except Share.
type Options struct {
	// Share is the share of client slots traced, 0 to 1 (see Sampled).
	// 0 traces no slot: the file holds only its first and last lines.
	// --trace-sample defaults to 100%.
	Share float64
	// MaxBytes bounds the file's size, default DefaultMaxBytes. When the
	// next line would not fit, a trace_truncated line ends the trace and
	// later events are counted as skipped.
	MaxBytes int64
	// Buffer is how many events may wait for the writer, default
	// DefaultBuffer; an event that finds it full is dropped and counted.
	Buffer int
}

// Stats say what a trace holds. They are final once Close returned.
type Stats struct {
	// Events is the number of client event lines written.
	Events int64
	// Dropped counts events lost because the writer fell behind (the
	// buffer was full); Skipped those emitted after the trace was
	// truncated or failed.
	Dropped, Skipped int64
	// Bytes is the file's size; MaxBytes its bound.
	Bytes, MaxBytes int64
	// Truncated reports that the size bound ended the trace early.
	Truncated bool
	// Err is the first write error; tracing stopped there.
	Err error
}

// Writer writes a run's trace, one JSON line per event, from a goroutine
// of its own through a buffered writer. Emit never blocks, so a slow disk
// costs dropped events, never a stalled client. Its methods are safe for
// concurrent use. Call Begin once before the clients start, and Close
// (which waits for the goroutine and flushes) at the end.
type Writer struct {
	o     Options
	ch    chan Event
	begin chan Run
	quit  chan struct{}
	done  chan struct{}

	beginOnce, closeOnce sync.Once
	seed                 atomic.Uint64
	stopped              atomic.Bool // truncated, failed or closed: Emit discards
	dropped, skipped     atomic.Int64

	// Owned by the goroutine until done is closed.
	bw    *bufio.Writer
	start time.Time
	l     line
	stats Stats
}

var _ Sink = (*Writer)(nil)

// New returns a Writer to w and starts its goroutine; it writes nothing
// before Begin. The caller keeps w and closes it after Close.
func New(w io.Writer, o Options) *Writer {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	o.Share = min(max(o.Share, 0), 1)
	tw := &Writer{
		o:     o,
		ch:    make(chan Event, o.Buffer),
		begin: make(chan Run, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		bw:    bufio.NewWriterSize(w, 64<<10),
	}
	tw.stats.MaxBytes = o.MaxBytes
	go tw.loop()
	return tw
}

// Begin starts the trace with the trace_start line; the run's start is
// the origin of every ms field and its seed chooses the sampled slots.
// Only the first call counts.
func (w *Writer) Begin(r Run) {
	w.beginOnce.Do(func() {
		w.seed.Store(r.Seed)
		w.begin <- r
	})
}

// Sampled reports whether client slot is traced: call it after Begin.
func (w *Writer) Sampled(slot int) bool {
	return Sampled(slot, w.seed.Load(), w.o.Share)
}

// Emit queues e for writing, or counts it as dropped when the writer is
// behind. It never blocks.
func (w *Writer) Emit(e Event) {
	if w.stopped.Load() {
		w.skipped.Add(1)
		return
	}
	select {
	case w.ch <- e:
	default:
		w.dropped.Add(1)
	}
}

// Close writes what is queued and the trace_end line, flushes, and waits
// for the writer's goroutine. It returns the first write error. Closing
// twice is harmless.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		close(w.quit)
		<-w.done
	})
	return w.stats.Err
}

// Stats returns what the trace holds; call it after Close.
func (w *Writer) Stats() Stats {
	s := w.stats
	s.Dropped, s.Skipped = w.dropped.Load(), w.skipped.Load()
	return s
}

func (w *Writer) loop() {
	defer close(w.done)
	var r Run
	select {
	case r = <-w.begin:
	case <-w.quit:
		select {
		case r = <-w.begin: // begun just before Close: still write it all
		default:
			w.stopped.Store(true)
			return
		}
	}
	w.start = r.Start
	w.header(r)
	for {
		select {
		case e := <-w.ch:
			w.event(&e)
			if len(w.ch) == 0 {
				w.flush() // idle: let `tail -f` see it
			}
		case <-w.quit:
			w.stopped.Store(true)
			for len(w.ch) > 0 { // only this goroutine receives
				e := <-w.ch
				w.event(&e)
			}
			w.end()
			return
		}
	}
}

func (w *Writer) header(r Run) {
	l := &w.l
	l.begin(r.Start, r.Start)
	l.str("event", "trace_start")
	l.int("version", Version)
	l.str("scenario", r.Scenario)
	l.str("url", RedactURL(r.URL))
	l.str("protocol", r.Protocol)
	l.int("seed", int64(r.Seed))
	l.key("sample_pct")
	l.b = strconv.AppendFloat(l.b, math.Round(w.o.Share*1e8)/1e6, 'f', -1, 64)
	l.int("max_bytes", w.o.MaxBytes)
	w.line(l.end(), r.Start)
	w.flush()
}

// event writes e's line, or truncates the trace when it does not fit.
func (w *Writer) event(e *Event) {
	if w.stats.Truncated || w.stats.Err != nil {
		w.skipped.Add(1)
		return
	}
	if w.line(w.l.event(e, w.start), e.At) {
		w.stats.Events++
	} else {
		w.skipped.Add(1)
	}
}

// line writes b when it fits below the bound, and otherwise ends the
// trace with a trace_truncated line, timed at, instead.
func (w *Writer) line(b []byte, at time.Time) bool {
	if w.stats.Bytes+int64(len(b)) > w.o.MaxBytes-finalRoom {
		w.stats.Truncated = true
		w.stopped.Store(true)
		l := &w.l
		l.begin(at, w.start)
		l.str("event", "trace_truncated")
		l.int("events", w.stats.Events)
		l.int("max_bytes", w.o.MaxBytes)
		w.write(l.end())
		w.flush()
		return false
	}
	w.write(b)
	return w.stats.Err == nil
}

// end writes the trace_end line unless the trace was truncated.
func (w *Writer) end() {
	if !w.stats.Truncated && w.stats.Err == nil {
		l := &w.l
		now := time.Now()
		l.begin(now, w.start)
		l.str("event", "trace_end")
		l.int("events", w.stats.Events)
		l.int("dropped", w.dropped.Load())
		w.write(l.end())
	}
	w.flush()
}

func (w *Writer) write(b []byte) {
	if w.stats.Err != nil {
		return
	}
	n, err := w.bw.Write(b)
	w.stats.Bytes += int64(n)
	w.fail(err)
}

func (w *Writer) flush() {
	if w.stats.Err == nil {
		w.fail(w.bw.Flush())
	}
}

func (w *Writer) fail(err error) {
	if err != nil && w.stats.Err == nil {
		w.stats.Err = err
		w.stopped.Store(true)
	}
}
