package cmd

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/report"
)

// progress prints live progress: one line rewritten in place on a
// terminal, plain lines otherwise. Rates are averaged over the time since
// the previous line; counts of drops, reconnects and errors are run totals.
type progress struct {
	w       io.Writer
	tty     bool
	total   time.Duration
	every   time.Duration
	lastT   float64
	sent    int64 // since the previous line
	recv    int64
	printed bool
}

func newProgress(w io.Writer, total, every time.Duration) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	if every <= 0 {
		every = time.Second
		if !tty {
			every = 5 * time.Second
		}
	}
	return &progress{w: w, tty: tty, total: total, every: every}
}

func (p *progress) point(pt metrics.Progress) {
	p.sent += pt.Sent
	p.recv += pt.Received
	span := pt.T - p.lastT
	if p.printed && span < p.every.Seconds()-0.05 {
		return // the first second is always shown, then one line per interval
	}
	rtt := "-"
	if pt.RTTCount > 0 {
		rtt = report.FormatMicros(pt.RTTP99)
	}
	runRTT := "-"
	if pt.TotalRTTP99 > 0 {
		runRTT = report.FormatMicros(pt.TotalRTTP99)
	}
	line := fmt.Sprintf("[%5s/%s] clients %d/%d · msgs/s out %.0f in %.0f · rtt p99 %s last second, %s run · drops %d · reconnects %d · errors %d",
		time.Duration(pt.T*float64(time.Second)).Round(time.Second), p.total,
		pt.Connected, pt.Target, float64(p.sent)/span, float64(p.recv)/span, rtt, runRTT,
		pt.TotalDrops, pt.TotalReconnects, pt.TotalErrors)
	p.lastT, p.sent, p.recv = pt.T, 0, 0
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.printed = true
}

// done ends the in-place line.
func (p *progress) done() {
	if p.tty && p.printed {
		fmt.Fprintln(p.w)
	}
}
