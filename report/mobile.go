package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/wsbench/wsbench/metrics"
)

// What the summary says about simulated mobile clients (client.network,
// client.background, offline and background steps, Socket.IO recovery),
// unexpected messages and client profiles, shared by the terminal table
// and the HTML page.

// mobileLines are the lines about away periods, messages sent while away,
// silent network losses, resume times and Socket.IO recovery, as label
// and text, each only when one of its figures is above zero.
func mobileLines(f *Figures) [][2]string {
	n := func(k metrics.Counter) int64 { return f.Counters[k.Name()] }
	var out [][2]string

	clientTime := n(metrics.TimeConnecting) + n(metrics.TimeOpen) + n(metrics.TimeReconnecting) + n(metrics.TimeOffline) + n(metrics.TimeBackground)
	share := func(ns int64) string {
		if clientTime <= 0 {
			return ""
		}
		return " (" + fmtPercent(float64(ns)/float64(clientTime)) + " of client time)"
	}
	var away []string
	if p, t := n(metrics.OfflinePeriods), n(metrics.TimeOffline); p > 0 || t > 0 {
		away = append(away, fmt.Sprintf("offline %s times%s", fmtCount(p), share(t)))
	}
	if p, t := n(metrics.BackgroundPeriods), n(metrics.TimeBackground); p > 0 || t > 0 {
		away = append(away, fmt.Sprintf("in the background %s times%s", fmtCount(p), share(t)))
	}
	if len(away) > 0 {
		out = append(out, [2]string{"Away", strings.Join(away, " · ")})
	}

	sent, flushed, dropped, unsent := n(metrics.OfflineSent), n(metrics.OfflineFlushed), n(metrics.OfflineDropped), n(metrics.OfflineUnsent)
	if sent > 0 || flushed > 0 || dropped > 0 || unsent > 0 {
		text := fmt.Sprintf("sent %s · flushed %s · dropped by the queue %s · unsent at stop %s",
			fmtCount(sent), fmtCount(flushed), fmtCount(dropped), fmtCount(unsent))
		// The fates add up to what was sent once every queue is empty;
		// a remainder (messages still queued when the snapshot was taken,
		// or a miscount) is shown rather than left for the reader to find.
		if rest := sent - flushed - dropped - unsent; rest != 0 {
			text += " · unaccounted " + fmtCount(rest)
		}
		out = append(out, [2]string{"While away", text})
	}

	byClient, byServer, discarded := n(metrics.NoticedByClient), n(metrics.NoticedByServer), n(metrics.OfflineDiscarded)
	if byClient > 0 || byServer > 0 || discarded > 0 {
		text := fmt.Sprintf("noticed by the client's heartbeat %s%s · by the server %s%s · messages discarded unseen %s",
			fmtCount(byClient), p50p99(f.Latency[metrics.NoticeClient.Name()], " (", ")"),
			fmtCount(byServer), p50p99(f.Latency[metrics.NoticeServer.Name()], " (", ")"), fmtCount(discarded))
		out = append(out, [2]string{"Silent loss", text})
	}

	open, flush := f.Latency[metrics.ResumeOpen.Name()], f.Latency[metrics.ResumeFlushed.Name()]
	var resume []string
	if open.Count > 0 {
		resume = append(resume, "network back → open"+p50p99(open, " ", ""))
	}
	if flush.Count > 0 {
		prefix := "network back → queue empty"
		if len(resume) > 0 {
			prefix = "→ queue empty"
		}
		resume = append(resume, prefix+p50p99(flush, " ", ""))
	}
	if len(resume) > 0 {
		out = append(out, [2]string{"Resume", strings.Join(resume, " · ")})
	}

	attempts, recovered, replayed := n(metrics.RecoveryAttempts), n(metrics.RecoveryRecovered), n(metrics.DeliveriesReplayed)
	if attempts > 0 || recovered > 0 || replayed > 0 {
		text := fmt.Sprintf("attempts %s · recovered %s", fmtCount(attempts), fmtCount(recovered))
		if attempts > 0 {
			text += " (" + fmtPercent(float64(recovered)/float64(attempts)) + ")"
		}
		if f.Deliveries != nil || replayed > 0 {
			text += fmt.Sprintf(" · deliveries replayed %s · lost %s", fmtCount(replayed), fmtCount(n(metrics.DeliveriesLost)))
		}
		out = append(out, [2]string{"Recovery", text})
	}
	return out
}

// p50p99 writes "p50 X, p99 Y" between before and after, or nothing when
// l has no samples.
func p50p99(l Latency, before, after string) string {
	if l.Count == 0 {
		return ""
	}
	return before + "p50 " + FormatMicros(l.P50US) + ", p99 " + FormatMicros(l.P99US) + after
}

// maxUnexpectedRows is how many names the unexpected-messages tables list.
const maxUnexpectedRows = 10

// nameCount is how many unexpected messages came under one name.
type nameCount struct {
	name  string
	count int64
}

// topUnexpected returns the names of m by count, most first (ties by
// name, so the order never depends on the map), at most n of them, and
// how many names and messages the rest hold.
func topUnexpected(m map[string]int64, n int) (top []nameCount, moreNames int, moreMsgs int64) {
	all := make([]nameCount, 0, len(m))
	for name, c := range m {
		all = append(all, nameCount{name, c})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].name < all[j].name
	})
	if len(all) <= n {
		return all, 0, 0
	}
	for _, nc := range all[n:] {
		moreMsgs += nc.count
	}
	return all[:n], len(all) - n, moreMsgs
}

// moreNamesText is the line under a cut unexpected-messages table.
func moreNamesText(names int, msgs int64) string {
	noun := "names"
	if names == 1 {
		noun = "name"
	}
	return fmt.Sprintf("and %s more %s (%s messages)", fmtCount(int64(names)), noun, fmtCount(msgs))
}

// maxNameRunes is how much of an unexpected message's name the tables
// show: names come from the server and may be anything.
const maxNameRunes = 60

// shownName makes a name from the server safe to print: quoted, with
// escapes, when it holds control characters (a terminal would obey them)
// or is empty; cut after maxNameRunes characters.
func shownName(name string) string {
	if name == "" || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		name = strconv.Quote(name)
	}
	if r := []rune(name); len(r) > maxNameRunes {
		name = string(r[:maxNameRunes]) + "…"
	}
	return name
}

// unexpectedHint says what a big count under one name usually means.
const unexpectedHint = "A large count under a name no step waits for often means the client and server disagree on an event name."

// unexpectedName says in a sentence which messages came under name:
// `under "chat:typing"`, or what a placeholder name stands for.
func unexpectedName(name string) string {
	switch name {
	case "(ack)":
		return "late acks (acknowledgements that came after their emit timed out)"
	case "(text)":
		return "text messages with no \"type\" or \"event\" field"
	case "(binary)":
		return "binary messages"
	case metrics.OtherNames:
		return fmt.Sprintf("under names beyond the first %d, counted together", metrics.MaxUnexpectedNames)
	}
	if r := []rune(name); len(r) > maxNameRunes {
		name = string(r[:maxNameRunes]) + "…"
	}
	return fmt.Sprintf("under %q", name)
}

// profileTable is the per-profile table: a header and one row per
// profile. The round-trip columns are ack's in a run that timed acks and
// no round trips; the deliveries-lost, offline and background columns
// show only when some profile has them.
func profileTable(s *Summary) (header []string, rows [][]string) {
	lat, latName := metrics.RTT, "rtt"
	if s.Latency[metrics.RTT.Name()].Count == 0 && s.Latency[metrics.Ack.Name()].Count > 0 {
		lat, latName = metrics.Ack, "ack"
	}
	var lost, offline, background bool
	for _, p := range s.Profiles {
		lost = lost || p.Deliveries != nil
		offline = offline || p.Counters[metrics.OfflinePeriods.Name()] > 0
		background = background || p.Counters[metrics.BackgroundPeriods.Name()] > 0
	}
	header = []string{"profile", "clients", "opened", "drops", "reconnects", "availability", latName + " p50", latName + " p99"}
	if lost {
		header = append(header, "lost")
	}
	if offline {
		header = append(header, "offline")
	}
	if background {
		header = append(header, "background")
	}
	for i := range s.Profiles {
		p := &s.Profiles[i]
		label := p.Name
		if sh := profileShare(s.Profiles, i); sh > 0 {
			label += " (" + fmtPercent(sh) + ")"
		}
		avail := "-"
		if p.Counters[metrics.TimeConnecting.Name()]+p.Counters[metrics.TimeOpen.Name()]+p.Counters[metrics.TimeReconnecting.Name()] > 0 {
			avail = fmtPercent(p.Availability)
		}
		p50, p99 := "-", "-"
		if l := p.Latency[lat.Name()]; l.Count > 0 {
			p50, p99 = FormatMicros(l.P50US), FormatMicros(l.P99US)
		}
		row := []string{label, fmtCount(p.Clients.Started), fmtCount(p.Connections.Opened), fmtCount(p.Connections.Dropped),
			fmtCount(p.Reconnect.Successes), avail, p50, p99}
		if lost {
			if d := p.Deliveries; d != nil {
				row = append(row, fmtCount(d.Lost))
			} else {
				row = append(row, "-")
			}
		}
		if offline {
			row = append(row, fmtCount(p.Counters[metrics.OfflinePeriods.Name()]))
		}
		if background {
			row = append(row, fmtCount(p.Counters[metrics.BackgroundPeriods.Name()]))
		}
		rows = append(rows, row)
	}
	return header, rows
}
