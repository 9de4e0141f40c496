package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// WriteHTML writes s as one self-contained HTML page (docs/report.md): the
// run's header, options, thresholds and warnings; charts over time from
// the per-second series; latency by percentile, the ages of dropped
// connections and drops by cause and close code from the histograms;
// mobile clients, unexpected messages and client profiles when the run
// had them. The
// charts are inline SVG drawn here, with tooltips in <title> elements, so
// the page needs no script, font or network and prints as it shows.
//
// The page is a function of s alone, with maps read in sorted order and no
// clock, so a run's page and the one `wsbench report` makes from its saved
// result are byte for byte the same. A histogram that does not decode is
// an error.
func WriteHTML(w io.Writer, s *Summary) error {
	snap, err := SnapshotOf(s)
	if err != nil {
		return err
	}
	var b strings.Builder
	sc := &s.Scenario
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	b.WriteString("<title>wsbench · " + esc(sc.Name) + " · " + esc(s.Start.UTC().Format("2006-01-02 15:04 MST")) + "</title>\n")
	b.WriteString("<style>" + htmlCSS + "</style>\n</head>\n<body>\n<main>\n")

	writeHeader(&b, s)
	writeThresholds(&b, s)
	writeWarnings(&b, s)

	b.WriteString("<section id=\"over-time\">\n<h2>Over time</h2>\n")
	plots, notes := timePlots(s)
	for _, p := range plots {
		p.write(&b)
	}
	writeNotes(&b, notes)
	b.WriteString("</section>\n")

	b.WriteString("<section id=\"latency\">\n<h2>Latency</h2>\n")
	writeLatencyTable(&b, s)
	spectra, empty := spectrumPlots(snap, sc.Protocol)
	b.WriteString(`<div class="grid">` + "\n")
	for _, p := range spectra {
		p.write(&b)
	}
	b.WriteString("</div>\n")
	if len(empty) > 0 {
		writeNotes(&b, []string{"No samples, so no chart: " + strings.Join(empty, ", ") + "."})
	}
	b.WriteString("</section>\n")

	b.WriteString("<section id=\"drops\">\n<h2>Drops and failures</h2>\n")
	writeConnections(&b, s)
	b.WriteString(`<div class="grid">` + "\n")
	lifetime := lifetimePlot(s, snap.Hists[metrics.Lifetime])
	if lifetime != nil {
		lifetime.write(&b)
	}
	causeCharts(&b, s)
	b.WriteString("</div>\n")
	if lifetime == nil && len(s.Connections.FailCauses) == 0 {
		writeNotes(&b, []string{"No connection dropped and no connection attempt failed."})
	}
	b.WriteString("</section>\n")

	writeMobile(&b, s)
	writeUnexpected(&b, s)
	writeProfiles(&b, s)
	writeOptions(&b, s)
	b.WriteString("<footer>wsbench " + esc(s.Version) + " · result schema " + fmt.Sprint(s.SchemaVersion) +
		" · times in UTC · hover a chart for exact values</footer>\n</main>\n</body>\n</html>\n")
	_, err = io.WriteString(w, b.String())
	return err
}

// endReasons explains end_reason in words.
var endReasons = map[string]string{
	"completed":   "completed: the planned time ran out",
	"interrupted": "interrupted by Ctrl-C or SIGTERM; the figures cover the part that ran",
	"aborted":     "aborted: a threshold with abort_on_fail failed",
}

// writeHeader writes the title, what ran against what, when and why it
// ended, and the headline figures.
func writeHeader(b *strings.Builder, s *Summary) {
	sc := &s.Scenario
	verdict, cls := "passed", "ok"
	switch failed := Failed(s.Thresholds); {
	case s.EndReason == "interrupted":
		verdict, cls = "interrupted", "warn"
	case s.Connections.Opened == 0:
		verdict, cls = "no connection opened", "bad"
	case failed > 0:
		verdict, cls = fmt.Sprintf("%d of %d thresholds failed", failed, len(s.Thresholds)), "bad"
	case len(s.Thresholds) == 0:
		verdict, cls = "completed, no thresholds", "neutral"
	}
	b.WriteString("<header>\n<h1>wsbench · " + esc(sc.Name) + ` <span class="badge ` + cls + `">` + esc(verdict) + "</span></h1>\n")
	target := sc.URL
	if sc.Target != sc.URL {
		target += " (" + sc.Target + ")"
	}
	reason := endReasons[s.EndReason]
	if reason == "" {
		reason = s.EndReason
	}
	b.WriteString(`<p class="sub"><code>` + esc(target) + "</code> · " + esc(sc.Protocol) + " · ran " + fmtSeconds(s.DurationSeconds) +
		" of " + fmtSeconds(s.PlannedSeconds) + " · " + esc(reason) + "</p>\n")
	b.WriteString(`<p class="sub">` + fmtTime(s.Start) + " → " + fmtTime(s.End) + "</p>\n</header>\n")

	rtt := s.Latency[metrics.RTT.Name()]
	latName, lat := "rtt p99", rtt
	if ack := s.Latency[metrics.Ack.Name()]; rtt.Count == 0 && ack.Count > 0 {
		latName, lat = "ack p99", ack
	}
	latText := "–"
	if lat.Count > 0 {
		latText = FormatMicros(lat.P99US)
	}
	c := &s.Connections
	cards := [][2]string{
		{"clients", fmt.Sprintf("%d connected at peak of %d", s.Clients.PeakConnected, s.Clients.PeakTarget)},
		{"availability", fmtPercent(s.Availability)},
		{latName, latText},
		{"messages", fmtCount(s.Messages.Sent) + " sent · " + fmtCount(s.Messages.Received) + " received"},
		{"connections", fmtCount(c.Opened) + " opened · " + fmtCount(c.Failed) + " failed"},
		{"drops", fmtCount(c.Dropped) + " dropped · " + fmtCount(s.Reconnect.Successes) + " reconnected"},
	}
	b.WriteString(`<div class="cards">`)
	for _, cd := range cards {
		b.WriteString(`<div><small>` + esc(cd[0]) + `</small><b>` + esc(cd[1]) + `</b></div>`)
	}
	b.WriteString("</div>\n")
}

// writeThresholds writes every threshold: pass or fail, limit, actual.
func writeThresholds(b *strings.Builder, s *Summary) {
	if len(s.Thresholds) == 0 {
		return
	}
	b.WriteString("<section id=\"thresholds\">\n<h2>Thresholds</h2>\n<table>\n<thead><tr><th>threshold</th><th>result</th><th class=\"num\">limit</th><th class=\"num\">actual</th></tr></thead>\n<tbody>\n")
	for _, t := range s.Thresholds {
		res, cls := "pass", "ok"
		if !t.Passed {
			res, cls = "FAIL", "bad"
		}
		if t.Aborted {
			res += ", aborted the run"
		} else if t.AbortOnFail {
			res += " (abort_on_fail)"
		}
		b.WriteString(`<tr><td><code>` + esc(t.Expr) + `</code></td><td><span class="badge ` + cls + `">` + esc(res) + `</span></td><td class="num">` +
			esc(t.Op+" "+t.Limit) + `</td><td class="num">` + esc(t.Actual) + "</td></tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
}

// writeWarnings lists the reasons to distrust some figures.
func writeWarnings(b *strings.Builder, s *Summary) {
	if len(s.Warnings) == 0 {
		return
	}
	b.WriteString("<section id=\"warnings\" class=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n")
	for _, w := range s.Warnings {
		b.WriteString("<li>" + esc(w) + "</li>\n")
	}
	b.WriteString("</ul>\n</section>\n")
}

// writeLatencyTable repeats the terminal summary's latency table.
func writeLatencyTable(b *strings.Builder, s *Summary) {
	b.WriteString("<table class=\"lat\">\n<thead><tr><th>latency</th>")
	for _, h := range []string{"count", "min", "p50", "p90", "p95", "p99", "p99.9", "max"} {
		b.WriteString(`<th class="num">` + h + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range latencyRows {
		l := s.Latency[r.hist.Name()]
		if l.Count == 0 && (r.optional || (r.hist == metrics.RTT && s.Scenario.Protocol == "socketio")) {
			continue
		}
		cells := []string{fmtCount(l.Count), "–", "–", "–", "–", "–", "–", "–"}
		if l.Count > 0 {
			cells = []string{fmtCount(l.Count), FormatMicros(l.MinUS), FormatMicros(l.P50US), FormatMicros(l.P90US),
				FormatMicros(l.P95US), FormatMicros(l.P99US), FormatMicros(l.P999US), FormatMicros(l.MaxUS)}
		}
		cls := ""
		if strings.HasPrefix(r.label, " ") {
			cls = ` class="sub"`
		}
		b.WriteString("<tr><td" + cls + ">" + esc(strings.TrimSpace(r.label)) + "</td>")
		for _, c := range cells {
			b.WriteString(`<td class="num">` + esc(c) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
}

// writeConnections writes the connection, reconnect, message, expect,
// queue and heartbeat counts in a line each, as the terminal does.
func writeConnections(b *strings.Builder, s *Summary) {
	c, r, m, e, q := &s.Connections, &s.Reconnect, &s.Messages, &s.Expects, &s.Queue
	rows := [][2]string{
		{"connections", fmt.Sprintf("opened %s · failed %s · dropped %s · closed by clients %s · availability %s",
			fmtCount(c.Opened), fmtCount(c.Failed), fmtCount(c.Dropped), fmtCount(c.Closed), fmtPercent(s.Availability))},
		{"reconnect", fmt.Sprintf("attempts %s · succeeded %s · gave up %s", fmtCount(r.Attempts), fmtCount(r.Successes), fmtCount(r.GiveUps))},
		{"messages", fmt.Sprintf("sent %s (%s) · received %s (%s) · unmatched %s · rejected %s", fmtCount(m.Sent), fmtBytes(m.BytesSent),
			fmtCount(m.Received), fmtBytes(m.BytesReceived), fmtCount(m.Unmatched), fmtCount(m.Rejected))},
		{"expects", fmt.Sprintf("matched %s · timed out %s · cancelled at stop %s · message not sent %s",
			fmtCount(e.Matched), fmtCount(e.TimedOut), fmtCount(e.Cancelled), fmtCount(e.Unsent))},
		{"queue", fmt.Sprintf("queued %s · flushed %s · dropped %s · unsent at stop %s", fmtCount(q.Queued), fmtCount(q.Flushed),
			fmtCount(q.Dropped), fmtCount(q.Unsent))},
		{"heartbeat", fmt.Sprintf("sent %s · missed %s", fmtCount(s.Heartbeat.Sent), fmtCount(s.Heartbeat.Missed))},
	}
	if u := s.Upgrades; u != nil {
		rows = append(rows, [2]string{"upgrades", fmt.Sprintf("succeeded %s · failed %s", fmtCount(u.Succeeded), fmtCount(u.Failed))})
	}
	if d := s.Deliveries; d != nil {
		rows = append(rows, [2]string{"deliveries", fmt.Sprintf("received %s · lost %s · duplicated %s · out of order %s",
			fmtCount(d.Received), fmtCount(d.Lost), fmtCount(d.Duplicated), fmtCount(d.OutOfOrder))})
	}
	writeDefs(b, "counts", rows)
}

// writeMobile writes the lines about simulated mobile clients, as the
// terminal does; nothing when the run had none.
func writeMobile(b *strings.Builder, s *Summary) {
	lines := mobileLines(&s.Figures)
	if len(lines) == 0 {
		return
	}
	rows := make([][2]string, len(lines))
	for i, l := range lines {
		rows[i] = [2]string{strings.ToLower(l[0]), l[1]}
	}
	b.WriteString("<section id=\"mobile\">\n<h2>Mobile clients</h2>\n")
	writeDefs(b, "counts", rows)
	b.WriteString("</section>\n")
}

// writeUnexpected lists the names of messages no step waited for, most
// first, with each one's share of them.
func writeUnexpected(b *strings.Builder, s *Summary) {
	if len(s.Unexpected) == 0 {
		return
	}
	var total int64
	for _, n := range s.Unexpected {
		total += n
	}
	top, moreNames, moreMsgs := topUnexpected(s.Unexpected, maxUnexpectedRows)
	b.WriteString("<section id=\"unexpected\">\n<h2>Unexpected messages</h2>\n<table>\n<thead><tr><th>name</th><th class=\"num\">count</th><th class=\"num\">share</th></tr></thead>\n<tbody>\n")
	row := func(name string, n int64) {
		b.WriteString("<tr><td><code>" + esc(name) + `</code></td><td class="num">` + fmtCount(n) + `</td><td class="num">` +
			fmtPercent(float64(n)/float64(max(total, 1))) + "</td></tr>\n")
	}
	for _, nc := range top {
		row(shownName(nc.name), nc.count)
	}
	b.WriteString("</tbody>\n</table>\n")
	notes := []string{unexpectedHint}
	if moreNames > 0 {
		notes = append([]string{moreNamesText(moreNames, moreMsgs) + "."}, notes...)
	}
	writeNotes(b, notes)
	b.WriteString("</section>\n")
}

// writeProfiles writes the per-profile table of the terminal summary.
func writeProfiles(b *strings.Builder, s *Summary) {
	if len(s.Profiles) == 0 {
		return
	}
	header, rows := profileTable(s)
	b.WriteString("<section id=\"profiles\">\n<h2>Client profiles</h2>\n<table class=\"lat\">\n<thead><tr>")
	for i, h := range header {
		cls := ""
		if i > 0 {
			cls = ` class="num"`
		}
		b.WriteString("<th" + cls + ">" + esc(h) + "</th>")
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows {
		b.WriteString("<tr>")
		for i, c := range r {
			if c == "-" {
				c = "–"
			}
			cls := ""
			if i > 0 {
				cls = ` class="num"`
			}
			b.WriteString("<td" + cls + ">" + esc(c) + "</td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	writeNotes(b, []string{"Each profile's figures count its own clients only; the rest of the page is the whole run's. The share is the profile's weight among all weights."})
	b.WriteString("</section>\n")
}

// writeOptions repeats the options the run used (already redacted in the
// result) and what the load generator cost.
func writeOptions(b *strings.Builder, s *Summary) {
	sc := &s.Scenario
	rows := [][2]string{{"scenario", sc.Name}}
	if sc.File != "" {
		rows = append(rows, [2]string{"file", sc.File})
	}
	rows = append(rows, [2]string{"target", sc.Target}, [2]string{"url", sc.URL}, [2]string{"protocol", sc.Protocol},
		[2]string{"clients", population(sc)})
	if sc.Segment != "" {
		rows = append(rows, [2]string{"segment", sc.Segment})
	}
	rows = append(rows,
		[2]string{"start", fmtTime(s.Start)}, [2]string{"end", fmtTime(s.End)},
		[2]string{"duration", fmt.Sprintf("%s of %s planned", fmtSeconds(s.DurationSeconds), fmtSeconds(s.PlannedSeconds))},
		[2]string{"end reason", s.EndReason},
		[2]string{"graceful stop", fmtSeconds(sc.GracefulStopSeconds)},
		[2]string{"seed", fmt.Sprint(sc.Seed)},
		[2]string{"reconnect", sc.Reconnect}, [2]string{"heartbeat", sc.Heartbeat}, [2]string{"queue", sc.Queue},
		[2]string{"compression", fmt.Sprint(sc.Compression)},
		[2]string{"max message size", fmtBytes(sc.MaxMessageSize)})
	if sc.InsecureSkipVerify {
		rows = append(rows, [2]string{"TLS verification", "off (insecure_skip_verify)"})
	}
	if len(sc.Headers) > 0 {
		rows = append(rows, [2]string{"headers", strings.Join(sortedKeys(sc.Headers), ", ") + " (values redacted)"})
	}
	if len(sc.Subprotocols) > 0 {
		rows = append(rows, [2]string{"subprotocols", strings.Join(sc.Subprotocols, ", ")})
	}
	if sio := sc.SocketIO; sio != nil {
		rows = append(rows, [2]string{"socket.io", fmt.Sprintf("path %s · namespaces %s · transports %s · auth %v",
			sio.Path, strings.Join(sio.Namespaces, ", "), strings.Join(sio.Transports, " then "), sio.Auth)})
	}
	if sc.Delivery != "" {
		rows = append(rows, [2]string{"delivery", sc.Delivery})
	}
	lg := &s.LoadGenerator
	load := fmt.Sprintf("CPU %s average, %s peak of %d cores · max RSS %s · %d goroutines at most",
		fmtPercent(lg.AvgCPU), fmtPercent(lg.PeakCPU), lg.Cores, fmtBytes(lg.MaxRSSBytes), lg.Goroutines)
	if lg.SaturatedSeconds > 0 {
		load += fmt.Sprintf(" · saturated for %d s", lg.SaturatedSeconds)
	}
	rows = append(rows, [2]string{"load generator", load}, [2]string{"wsbench", s.Version})
	b.WriteString("<section id=\"options\">\n<h2>Options used</h2>\n")
	writeDefs(b, "options", rows)
	b.WriteString("</section>\n")
}

// population describes the clients block: a count, the stages, or the
// open model's rate and max.
func population(sc *ScenarioInfo) string {
	var parts []string
	if sc.Count > 0 {
		parts = append(parts, fmt.Sprintf("%d clients", sc.Count))
	}
	if sc.ArrivalRate != "" {
		parts = append(parts, "arriving at "+sc.ArrivalRate)
	}
	if sc.Max > 0 {
		parts = append(parts, fmt.Sprintf("at most %d alive", sc.Max))
	}
	if len(sc.Stages) > 0 {
		var st []string
		for _, s := range sc.Stages {
			to := fmt.Sprint(s.Target)
			if s.ArrivalRate != "" {
				to = s.ArrivalRate
			}
			st = append(st, fmtSeconds(s.DurationSeconds)+" → "+to)
		}
		parts = append(parts, "stages "+strings.Join(st, ", "))
	}
	return strings.Join(parts, " · ")
}

func writeDefs(b *strings.Builder, cls string, rows [][2]string) {
	b.WriteString(`<table class="defs ` + cls + `"><tbody>` + "\n")
	for _, r := range rows {
		b.WriteString("<tr><th>" + esc(r[0]) + "</th><td>" + esc(r[1]) + "</td></tr>\n")
	}
	b.WriteString("</tbody></table>\n")
}

func writeNotes(b *strings.Builder, notes []string) {
	for _, n := range notes {
		b.WriteString(`<p class="note">` + esc(n) + "</p>\n")
	}
}

// fmtTime writes a run's start or end to the millisecond, in UTC.
func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") }
