package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// warnings lists what makes figures in s less trustworthy, and why.
func warnings(in Input, s *Summary) []string {
	var w []string
	sc := in.Scenario
	snap := in.Snapshot
	if in.Load.SaturatedSeconds > 0 {
		w = append(w, fmt.Sprintf("the load generator used over %.0f%% of its %d CPU cores for %d s: latencies measured then include wsbench's own delays; use fewer clients per process or more workers",
			metrics.SaturationThreshold*100, in.Load.Cores, in.Load.SaturatedSeconds))
	}
	if a := s.Clients.Arrivals; a != nil {
		if a.Missed > 0 {
			w = append(w, fmt.Sprintf("%d of %d arrivals did not start because clients.max (%d) clients were alive: the server got fewer clients than the arrival rate planned; raise max, or shorten what each client does",
				a.Missed, a.Started+a.Missed, s.Scenario.Max))
		}
		if a.Late > 0 {
			w = append(w, fmt.Sprintf("the generator fell behind its arrival schedule: %d of %d arrivals started more than %s late (p99 %s, worst %s behind), so the arrival rate was lower than planned then; wsbench itself was the bottleneck: use fewer clients per process or more workers",
				a.Late, a.Started, LateArrival, FormatMicros(a.BehindP99US), FormatMicros(a.BehindMaxUS)))
		}
	}
	if lag := s.Latency[metrics.TimerLag.Name()]; lag.P99US > LateTimer.Microseconds() {
		w = append(w, fmt.Sprintf("wsbench was short of CPU: its timers ran late (p99 %s, worst %s behind), so every latency it measured includes up to that much of its own delay, and paced sends, heartbeats and arrivals ran late; use fewer clients per process or more workers",
			FormatMicros(lag.P99US), FormatMicros(lag.MaxUS)))
	}
	if paced, behind := snap.Counters[metrics.SendsPaced], snap.Counters[metrics.SendsBehind]; behind > 0 && behind*100 >= paced {
		why := "they waited for slow replies: the server's delay, which rtt counts from the intended send times"
		if s.Latency[metrics.TimerLag.Name()].P99US > LateTimer.Microseconds() {
			why = "wsbench was short of CPU (its timers ran late)"
		}
		w = append(w, fmt.Sprintf("%d of %d paced sends left more than one interval behind their intended time, so the server got less than the planned send rate; the clients fell behind because %s",
			behind, paced, why))
	}
	if sc.Target == scenario.Embedded || strings.HasPrefix(sc.Target, scenario.Embedded+"/") {
		w = append(w, "the embedded test server runs inside this process and shares its CPU; for figures about a real server, point target at it")
	}
	if sc.Client.TLS.InsecureSkipVerify && strings.HasPrefix(sc.Target, "wss://") {
		w = append(w, "TLS certificate verification was off (client.tls.insecure_skip_verify)")
	}
	if snap.Clamped > 0 {
		w = append(w, fmt.Sprintf("%d latency samples exceeded one hour and were recorded as one hour", snap.Clamped))
	}
	if s.Connections.Opened == 0 && s.Connections.Failed > 0 {
		w = append(w, "no connection opened: see the connect failures for why")
	}
	if n := s.Expects.TimedOut; n > 0 {
		hists := "rtt histogram"
		if in.Scenario.Protocol == scenario.ProtocolSocketIO {
			hists = "rtt and ack histograms"
		}
		w = append(w, fmt.Sprintf("%d awaited replies timed out; their round trips are not in the %s", n, hists))
	}
	if w1 := unexpectedWarning(s, sc); w1 != "" {
		w = append(w, w1)
	}
	if d := s.Drops; d != nil {
		if d.Cluster != nil {
			w = append(w, clusterText(d.Cluster))
		}
		for _, st := range d.Storms {
			w = append(w, stormText(st))
		}
	}
	return w
}

// unexpectedWarning says how many received messages no step waited for,
// and under which name most of them came; "" when there were none. When
// the steps wait for an event that never came under a name close to one
// that did, it names both: the classic typo.
func unexpectedWarning(s *Summary, sc *scenario.Scenario) string {
	n := s.Messages.Unmatched
	if n == 0 {
		return ""
	}
	text := fmt.Sprintf("%d received messages were not waited for by any step (messages.unmatched)", n)
	top, _, _ := topUnexpected(s.Unexpected, 1)
	if len(top) == 0 {
		return text // a result written before names were counted
	}
	text += fmt.Sprintf(", %d of them %s", top[0].count, unexpectedName(top[0].name))
	if top[0].name != metrics.OtherNames && !strings.HasPrefix(top[0].name, "(") {
		text += ": if no step is meant to wait for it, the client and server may disagree on an event name"
	}
	if sc != nil {
		names := slices.Collect(maps.Keys(s.Unexpected))
		slices.Sort(names)
		for _, want := range sc.AwaitedEvents() {
			if _, came := s.Unexpected[want]; came {
				continue
			}
			if got := scenario.Suggest(want, names); got != "" {
				text += fmt.Sprintf("; the steps wait for %q, and %d messages came as %q: a typo?", want, s.Unexpected[got], got)
			}
		}
	}
	return text
}
