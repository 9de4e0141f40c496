package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/wsbench/wsbench/metrics"
)

// latencyRows orders and labels the latency table.
// Rows marked optional show only when they have samples.
var latencyRows = []struct {
	hist     metrics.Hist
	label    string
	optional bool
}{
	{metrics.Connect, "connect", false},
	{metrics.Handshake, "  engine.io handshake", true},
	{metrics.NamespaceConnect, "  namespace connect", true},
	{metrics.Upgrade, "  upgrade to websocket", true},
	{metrics.RTT, "round trip", false},
	{metrics.RTTUncorrected, "  uncorrected", true},
	{metrics.Ack, "ack", true},
	{metrics.Delivery, "delivery", true},
	{metrics.Recover, "time to recover", false},
	{metrics.Queued, "time queued", false},
	{metrics.Heartbeat, "heartbeat rtt", true},
}

// WriteTable writes the human summary of s: what ran, latencies, what
// happened to connections and messages, what wsbench itself cost, and
// warnings.
func WriteTable(w io.Writer, s *Summary) error {
	ew := &errWriter{w: w}
	sc := &s.Scenario
	target := sc.URL
	if sc.Target != sc.URL {
		target = fmt.Sprintf("%s (%s)", sc.URL, sc.Target)
	}
	ew.printf("\nwsbench · %s · %s · %s\n", sc.Name, target, sc.Protocol)
	ew.printf("Ran %s of %s: %s. Clients: target up to %d, %d connected at peak, %d started, %d finished their steps.\n",
		fmtSeconds(s.DurationSeconds), fmtSeconds(s.PlannedSeconds), s.EndReason,
		s.Clients.PeakTarget, s.Clients.PeakConnected, s.Clients.Started, s.Clients.Finished)
	if a := s.Clients.Arrivals; a != nil {
		ew.printf("Arrivals: %s started, %s missed (max %d alive); behind schedule p99 %s, worst %s, %s more than %s late.\n",
			fmtCount(a.Started), fmtCount(a.Missed), sc.Max, FormatMicros(a.BehindP99US), FormatMicros(a.BehindMaxUS), fmtCount(a.Late), LateArrival)
	}
	ew.printf("\n")

	rows := [][]string{}
	for _, r := range latencyRows {
		l := s.Latency[r.hist.Name()]
		if l.Count == 0 && (r.optional || (r.hist == metrics.RTT && sc.Protocol == "socketio")) {
			continue
		}
		if l.Count == 0 {
			rows = append(rows, []string{r.label, "0", "-", "-", "-", "-", "-", "-", "-"})
			continue
		}
		rows = append(rows, []string{r.label, fmtCount(l.Count), FormatMicros(l.MinUS), FormatMicros(l.P50US),
			FormatMicros(l.P90US), FormatMicros(l.P95US), FormatMicros(l.P99US), FormatMicros(l.P999US), FormatMicros(l.MaxUS)})
	}
	ew.table([]string{"latency", "count", "min", "p50", "p90", "p95", "p99", "p99.9", "max"}, rows, 1, 2, 3, 4, 5, 6, 7, 8)

	c := &s.Connections
	ew.printf("\nConnections  opened %s · failed %s · dropped %s · closed by clients %s · availability %s\n",
		fmtCount(c.Opened), fmtCount(c.Failed), fmtCount(c.Dropped), fmtCount(c.Closed), fmtPercent(s.Availability))
	ew.printf("Reconnect    attempts %s · succeeded %s · gave up %s\n",
		fmtCount(s.Reconnect.Attempts), fmtCount(s.Reconnect.Successes), fmtCount(s.Reconnect.GiveUps))
	m := &s.Messages
	rate := func(n int64) string {
		if s.DurationSeconds <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f/s", float64(n)/s.DurationSeconds)
	}
	ew.printf("Messages     sent %s (%s, %s) · received %s (%s, %s) · unmatched %s · rejected %s\n",
		fmtCount(m.Sent), rate(m.Sent), fmtBytes(m.BytesSent), fmtCount(m.Received), rate(m.Received), fmtBytes(m.BytesReceived),
		fmtCount(m.Unmatched), fmtCount(m.Rejected))
	e := &s.Expects
	ew.printf("Expects      matched %s · timed out %s · cancelled at stop %s · message not sent %s\n",
		fmtCount(e.Matched), fmtCount(e.TimedOut), fmtCount(e.Cancelled), fmtCount(e.Unsent))
	q := &s.Queue
	ew.printf("Queue        %s · queued %s · flushed %s · dropped %s · unsent at stop %s\n",
		sc.Queue, fmtCount(q.Queued), fmtCount(q.Flushed), fmtCount(q.Dropped), fmtCount(q.Unsent))
	if sc.SocketIO != nil {
		ew.printf("Heartbeat    %s · pongs sent %s · ping timeouts %s\n", sc.Heartbeat, fmtCount(s.Heartbeat.Sent), fmtCount(s.Heartbeat.Missed))
		ew.printf("Socket.IO    path %s · namespaces %s · transports %s", sc.SocketIO.Path,
			strings.Join(sc.SocketIO.Namespaces, ", "), strings.Join(sc.SocketIO.Transports, " then "))
		if u := s.Upgrades; u != nil {
			ew.printf(" · upgraded %s · upgrade failed %s", fmtCount(u.Succeeded), fmtCount(u.Failed))
		}
		ew.printf("\n")
	} else {
		ew.printf("Heartbeat    %s · sent %s · missed %s\n", sc.Heartbeat, fmtCount(s.Heartbeat.Sent), fmtCount(s.Heartbeat.Missed))
	}
	if d := s.Deliveries; d != nil {
		ew.printf("Deliveries   %s · received %s · lost %s · duplicated %s · out of order %s\n", sc.Delivery,
			fmtCount(d.Received), fmtCount(d.Lost), fmtCount(d.Duplicated), fmtCount(d.OutOfOrder))
	}
	for _, l := range mobileLines(&s.Figures) {
		ew.printf("%-13s%s\n", l[0], l[1])
	}

	if len(c.DropCauses) > 0 {
		ew.printf("\n")
		ew.table([]string{"drops by cause", "count", "meaning"}, causeRows(c.DropCauses, c.Examples), 1)
	}
	if d := s.Drops; d != nil {
		l := d.Lifetime
		ew.printf("Age at drop  p50 %s · p90 %s · min %s · max %s\n", FormatMicros(l.P50US), FormatMicros(l.P90US),
			FormatMicros(l.MinUS), FormatMicros(l.MaxUS))
	}
	if len(c.CloseCodes) > 0 {
		ew.printf("\n")
		ew.table([]string{"close code", "count", "meaning"}, codeRows(c.CloseCodes), 1)
	}
	if len(c.FailCauses) > 0 {
		ew.printf("\n")
		ew.table([]string{"connect failures", "count", "meaning"}, causeRows(c.FailCauses, c.Examples), 1)
	}
	if len(c.HTTPStatuses) > 0 {
		ew.printf("\n")
		ew.table([]string{"http status", "count", "meaning"}, codeRows(c.HTTPStatuses), 1)
	}
	writeUnexpectedTable(ew, s.Unexpected)
	if len(s.Profiles) > 0 {
		ew.printf("\n")
		header, rows := profileTable(s)
		right := make([]int, len(header)-1)
		for i := range right {
			right[i] = i + 1
		}
		ew.table(header, rows, right...)
	}

	if len(s.Thresholds) > 0 {
		ew.printf("\n")
		ew.table([]string{"threshold", "result", "actual"}, thresholdRows(s.Thresholds), 2)
		if n := Failed(s.Thresholds); n > 0 {
			ew.printf("%d of %d thresholds FAILED\n", n, len(s.Thresholds))
		} else {
			ew.printf("all %d thresholds passed\n", len(s.Thresholds))
		}
	}

	lg := &s.LoadGenerator
	timers := ""
	if tl := s.Latency[metrics.TimerLag.Name()]; tl.Count > 0 {
		timers = fmt.Sprintf(" · timers late p99 %s, worst %s", FormatMicros(tl.P99US), FormatMicros(tl.MaxUS))
	}
	ew.printf("\nLoad generator  CPU %s average, %s peak of %d cores · max RSS %s · %d goroutines at most%s\n",
		fmtPercent(lg.AvgCPU), fmtPercent(lg.PeakCPU), lg.Cores, fmtBytes(lg.MaxRSSBytes), lg.Goroutines, timers)
	if len(s.Warnings) > 0 {
		ew.printf("\nWarnings\n")
		for _, warn := range s.Warnings {
			ew.printf("  ! %s\n", warn)
		}
	}
	return ew.err
}

// writeUnexpectedTable lists the names of unexpected messages, most
// first, and what a big count usually means.
func writeUnexpectedTable(ew *errWriter, m map[string]int64) {
	if len(m) == 0 {
		return
	}
	top, moreNames, moreMsgs := topUnexpected(m, maxUnexpectedRows)
	rows := make([][]string, len(top))
	for i, nc := range top {
		rows[i] = []string{shownName(nc.name), fmtCount(nc.count)}
	}
	ew.printf("\n")
	ew.table([]string{"unexpected message", "count"}, rows, 1)
	if moreNames > 0 {
		ew.printf("%s\n", moreNamesText(moreNames, moreMsgs))
	}
	ew.printf("%s\n", unexpectedHint)
}

func causeRows(cs []CauseCount, examples map[string]string) [][]string {
	rows := make([][]string, 0, len(cs))
	for _, cc := range cs {
		meaning := cc.Meaning
		if ex := examples[cc.Cause]; ex != "" {
			meaning += "; e.g. " + clip(ex, 100)
		}
		rows = append(rows, []string{strings.ReplaceAll(cc.Cause, "_", " "), fmtCount(cc.Count), meaning})
	}
	return rows
}

func codeRows(cs []CodeCount) [][]string {
	rows := make([][]string, 0, len(cs))
	for _, cc := range cs {
		rows = append(rows, []string{fmt.Sprint(cc.Code), fmtCount(cc.Count), cc.Meaning})
	}
	return rows
}

// errWriter keeps the first write error so rendering code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// table renders a borderless table; the columns listed in right (numbers)
// are right-aligned, the others left-aligned.
func (e *errWriter) table(header []string, rows [][]string, right ...int) {
	if e.err != nil {
		return
	}
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignLeft
	}
	for _, i := range right {
		align[i] = tw.AlignRight
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Lines: tw.LinesNone, Separators: tw.SeparatorsNone},
		})),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
	)
	upper := make([]string, len(header))
	for i, h := range header {
		upper[i] = strings.ToUpper(h)
	}
	t.Header(upper)
	if err := t.Bulk(rows); err != nil {
		e.err = err
		return
	}
	if e.err = t.Render(); e.err != nil {
		return
	}
	// The renderer pads the last column; trailing blanks only clutter logs.
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			e.printf("%s", strings.TrimRight(line, " \n")+"\n")
		}
	}
}

func thresholdRows(rs []ThresholdResult) [][]string {
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		res := "pass"
		if !r.Passed {
			res = "FAIL"
		}
		if r.Aborted {
			res = "FAIL, aborted the run"
		}
		rows = append(rows, []string{r.Expr, res, r.Actual})
	}
	return rows
}
