package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes s as a Markdown summary fit for a pull request
// comment or a GitHub step summary: the verdict first, then thresholds,
// latencies, connections and messages, drop causes and warnings.
func WriteMarkdown(w io.Writer, s *Summary) error {
	ew := &errWriter{w: w}
	sc := &s.Scenario
	failed := Failed(s.Thresholds)
	verdict := "✅ passed"
	switch {
	case s.EndReason == "interrupted":
		verdict = "⚠️ interrupted"
	case s.Connections.Opened == 0:
		verdict = "❌ no connection opened"
	case failed > 0:
		verdict = fmt.Sprintf("❌ %d of %d thresholds failed", failed, len(s.Thresholds))
	case len(s.Thresholds) == 0:
		verdict = "completed (no thresholds)"
	}
	ew.printf("### wsbench · %s · %s\n\n", mdText(sc.Name), verdict)
	ew.printf("`%s` · %s · ran %s of %s (%s) · up to %d clients, %d connected at peak\n\n",
		sc.URL, sc.Protocol, fmtSeconds(s.DurationSeconds), fmtSeconds(s.PlannedSeconds), s.EndReason,
		s.Clients.PeakTarget, s.Clients.PeakConnected)

	if len(s.Thresholds) > 0 {
		ew.printf("| threshold | result | actual |\n| --- | --- | --- |\n")
		for _, r := range s.Thresholds {
			res := "✅ pass"
			if !r.Passed {
				res = "❌ fail"
			}
			if r.Aborted {
				res += " (aborted the run)"
			}
			ew.printf("| `%s` | %s | %s |\n", r.Expr, res, r.Actual)
		}
		ew.printf("\n")
	}

	ew.printf("| latency | count | p50 | p95 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range latencyRows {
		l := s.Latency[r.hist.Name()]
		if l.Count == 0 {
			continue
		}
		ew.printf("| %s | %s | %s | %s | %s | %s |\n", strings.TrimSpace(r.label), fmtCount(l.Count),
			FormatMicros(l.P50US), FormatMicros(l.P95US), FormatMicros(l.P99US), FormatMicros(l.MaxUS))
	}
	c := &s.Connections
	ew.printf("\n- **Connections** opened %s · failed %s · dropped %s · availability %s · reconnects %s of %s\n",
		fmtCount(c.Opened), fmtCount(c.Failed), fmtCount(c.Dropped), fmtPercent(s.Availability),
		fmtCount(s.Reconnect.Successes), fmtCount(s.Reconnect.Attempts))
	m := &s.Messages
	ew.printf("- **Messages** sent %s · received %s · expects matched %s, timed out %s · queue dropped %s\n",
		fmtCount(m.Sent), fmtCount(m.Received), fmtCount(s.Expects.Matched), fmtCount(s.Expects.TimedOut), fmtCount(s.Queue.Dropped))
	if d := s.Deliveries; d != nil {
		ew.printf("- **Deliveries** received %s · lost %s · duplicated %s · out of order %s\n",
			fmtCount(d.Received), fmtCount(d.Lost), fmtCount(d.Duplicated), fmtCount(d.OutOfOrder))
	}
	causes := append(append([]CauseCount(nil), c.DropCauses...), c.FailCauses...)
	if len(causes) > 0 {
		ew.printf("\n| drops and connect failures | count | meaning |\n| --- | ---: | --- |\n")
		for _, cc := range causes {
			ew.printf("| %s | %s | %s |\n", strings.ReplaceAll(cc.Cause, "_", " "), fmtCount(cc.Count), mdText(cc.Meaning))
		}
	}
	if len(s.Warnings) > 0 {
		ew.printf("\n")
		for _, warn := range s.Warnings {
			ew.printf("> ⚠️ %s\n", mdText(warn))
		}
	}
	return ew.err
}

// mdText keeps text from breaking a Markdown table row.
func mdText(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
