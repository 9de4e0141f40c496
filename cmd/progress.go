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
// terminal, plain lines otherwise.
type progress struct {
	w       io.Writer
	tty     bool
	total   time.Duration
	every   time.Duration
	last    float64
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
	return &progress{w: w, tty: tty, total: total, every: every, last: -1e9}
}

func (p *progress) point(pt metrics.Progress) {
	if pt.T-p.last < p.every.Seconds()-0.05 {
		return
	}
	p.last = pt.T
	rtt := "-"
	if pt.RTTCount > 0 {
		rtt = report.FormatMicros(pt.RTTP99)
	}
	line := fmt.Sprintf("[%5s/%s] clients %d/%d · msgs/s out %d in %d · rtt p99 %s (run %s) · drops %d · reconnects %d · errors %d",
		time.Duration(pt.T*float64(time.Second)).Round(time.Second), p.total,
		pt.Connected, pt.Target, pt.Sent, pt.Received, rtt, report.FormatMicros(pt.TotalRTTP99),
		pt.Drops, pt.TotalReconnects, pt.TotalErrors)
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
