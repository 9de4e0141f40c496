package report

import (
	"fmt"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// SchemaVersion is the version of the result JSON (docs/result.md). It
// changes when a field changes meaning or is removed; added fields keep it.
const SchemaVersion = 1

// Input is what Build needs from a run.
type Input struct {
	Scenario  *scenario.Scenario
	URL       string
	EndReason string
	Planned   time.Duration
	Seed      int64
	// Aborted names the threshold whose abort_on_fail stopped the run.
	Aborted  string
	Snapshot *metrics.Snapshot
	Load     metrics.LoadStats
	Version  string
	// SegmentIndex of SegmentOf is the part of the run this process ran
	// (wsbench run --segment); zero for the whole run.
	SegmentIndex, SegmentOf int
}

// Summary is a finished run, ready for every encoder: the table, the JSON
// result and, later, JUnit and HTML. Latencies are in microseconds.
type Summary struct {
	SchemaVersion int          `json:"schema_version"`
	Tool          string       `json:"tool"`
	Version       string       `json:"version"`
	Scenario      ScenarioInfo `json:"scenario"`
	Start         time.Time    `json:"start"`
	End           time.Time    `json:"end"`
	// DurationSeconds is how long the run lasted; PlannedSeconds how long
	// the scenario asked for.
	DurationSeconds float64 `json:"duration_seconds"`
	PlannedSeconds  float64 `json:"planned_seconds"`
	// EndReason is "completed", "interrupted" or "aborted" (a threshold
	// with abort_on_fail failed).
	EndReason string `json:"end_reason"`

	Clients Clients `json:"clients"`
	// Figures are what the whole run's clients measured.
	Figures
	// Profiles are each client profile's own figures when the scenario
	// mixes profiles (clients.profiles), in the scenario's order; the
	// figures above are the whole run's.
	Profiles      []ProfileSummary  `json:"profiles,omitempty"`
	Series        []metrics.Point   `json:"series"`
	LoadGenerator metrics.LoadStats `json:"load_generator"`
	// Thresholds are the run's pass/fail conditions and how each came
	// out; any failed one makes wsbench exit with 99.
	Thresholds []ThresholdResult `json:"thresholds"`
	// Warnings say when a figure should not be trusted, and why.
	Warnings []string `json:"warnings"`
}

// ScenarioInfo repeats the options the run actually used; header values
// are redacted.
type ScenarioInfo struct {
	Name     string `json:"name"`
	File     string `json:"file,omitempty"`
	Target   string `json:"target"`
	URL      string `json:"url"`
	Protocol string `json:"protocol"`
	// Count or Stages, as given; in the open model ArrivalRate (a
	// constant rate, or the rate the first stage ramps from) and Max.
	Count               int         `json:"count,omitempty"`
	Stages              []StageInfo `json:"stages,omitempty"`
	ArrivalRate         string      `json:"arrival_rate,omitempty"`
	Max                 int         `json:"max,omitempty"`
	GracefulStopSeconds float64     `json:"graceful_stop_seconds"`
	// Seed is the seed the run used; put it in the scenario to repeat
	// the run's payloads and jitter.
	Seed               int64             `json:"seed"`
	Headers            map[string]string `json:"headers,omitempty"`
	Subprotocols       []string          `json:"subprotocols,omitempty"`
	Reconnect          string            `json:"reconnect"`
	Heartbeat          string            `json:"heartbeat"`
	Queue              string            `json:"queue"`
	Compression        bool              `json:"compression"`
	InsecureSkipVerify bool              `json:"insecure_skip_verify,omitempty"`
	MaxMessageSize     int64             `json:"max_message_size"`
	SocketIO           *SocketIOInfo     `json:"socketio,omitempty"`
	// Delivery names the tracked fields (client.delivery), when set.
	Delivery string `json:"delivery,omitempty"`
	// Segment is "i/N" when this result is one part of a run
	// (wsbench run --segment); merge the parts with wsbench merge.
	Segment string `json:"segment,omitempty"`
}

// SocketIOInfo repeats the socketio block; the auth payload is never shown.
type SocketIOInfo struct {
	Path       string   `json:"path"`
	Namespaces []string `json:"namespaces"`
	Transports []string `json:"transports"`
	// Auth says whether an auth payload was sent.
	Auth bool `json:"auth"`
}

// Upgrades counts Socket.IO polling to WebSocket upgrades.
type Upgrades struct {
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
}

// Deliveries counts tracked messages per receiver (client.delivery).
type Deliveries struct {
	Received   int64 `json:"received"`
	Lost       int64 `json:"lost"`
	Duplicated int64 `json:"duplicated"`
	OutOfOrder int64 `json:"out_of_order"`
}

// StageInfo is one ramp stage: to a client target (closed model) or to
// an arrival rate (open model).
type StageInfo struct {
	DurationSeconds float64 `json:"duration_seconds"`
	Target          int     `json:"target"`
	ArrivalRate     string  `json:"arrival_rate,omitempty"`
}

// Clients describes the population.
type Clients struct {
	// PeakTarget is the highest target; PeakConnected the most open
	// connections seen at a once-a-second sample.
	PeakTarget    int   `json:"peak_target"`
	PeakConnected int64 `json:"peak_connected"`
	Started       int64 `json:"started"`
	Finished      int64 `json:"finished"`
	// Arrivals is set for the open model (clients.arrival_rate).
	Arrivals *Arrivals `json:"arrivals,omitempty"`
}

// LateArrival is how far behind its intended time an open-model arrival
// may start before it counts as late: the generator fell behind.
const LateArrival = 100 * time.Millisecond

// LateTimer is the timer_lag p99 above which the report warns that
// wsbench was short of CPU: a few milliseconds are normal scheduling and
// collector noise; more shows in every latency it measures.
const LateTimer = 10 * time.Millisecond

// Arrivals says how well an open-model run kept its arrival schedule.
type Arrivals struct {
	// Started counts arrivals that started a client; Missed those that
	// did not because clients.max clients were alive.
	Started int64 `json:"started"`
	Missed  int64 `json:"missed"`
	// Late counts started arrivals more than LateArrival behind schedule.
	Late int64 `json:"late"`
	// BehindP99US and BehindMaxUS are how far behind schedule arrivals
	// started (the arrival_lag histogram), in microseconds.
	BehindP99US int64 `json:"behind_p99_us"`
	BehindMaxUS int64 `json:"behind_max_us"`
}

// Latency is a histogram's distribution in microseconds.
type Latency struct {
	Count  int64   `json:"count"`
	MinUS  int64   `json:"min_us"`
	MeanUS float64 `json:"mean_us"`
	P50US  int64   `json:"p50_us"`
	P90US  int64   `json:"p90_us"`
	P95US  int64   `json:"p95_us"`
	P99US  int64   `json:"p99_us"`
	P999US int64   `json:"p99_9_us"`
	MaxUS  int64   `json:"max_us"`
}

// Connections counts connection outcomes and why they failed or dropped.
type Connections struct {
	Opened int64 `json:"opened"`
	Failed int64 `json:"failed"`
	// Dropped counts open connections that ended without the client asking.
	Dropped int64 `json:"dropped"`
	// Closed counts connections the clients closed themselves.
	Closed       int64             `json:"closed"`
	DropCauses   []CauseCount      `json:"drop_causes"`
	FailCauses   []CauseCount      `json:"fail_causes"`
	CloseCodes   []CodeCount       `json:"close_codes"`
	HTTPStatuses []CodeCount       `json:"http_statuses"`
	Examples     map[string]string `json:"examples,omitempty"`
}

// CauseCount is how often one cause happened.
type CauseCount struct {
	Cause string `json:"cause"`
	Count int64  `json:"count"`
	// Meaning says in plain words what the cause is.
	Meaning string `json:"meaning"`
}

// CodeCount is how often a close code or HTTP status was seen.
type CodeCount struct {
	Code    int    `json:"code"`
	Count   int64  `json:"count"`
	Meaning string `json:"meaning"`
}

// Reconnect counts reconnect attempts after drops and failed connects.
type Reconnect struct {
	Attempts  int64 `json:"attempts"`
	Successes int64 `json:"successes"`
	GiveUps   int64 `json:"give_ups"`
}

// Messages counts data messages and their bytes.
type Messages struct {
	Sent          int64 `json:"sent"`
	Received      int64 `json:"received"`
	BytesSent     int64 `json:"bytes_sent"`
	BytesReceived int64 `json:"bytes_received"`
	// Unmatched counts received messages no expect or heartbeat waited for.
	Unmatched int64 `json:"unmatched"`
	// Rejected counts sends by clients that were closed or had given up.
	Rejected int64 `json:"rejected"`
}

// Expects counts awaited replies by outcome.
type Expects struct {
	Matched   int64 `json:"matched"`
	TimedOut  int64 `json:"timed_out"`
	Cancelled int64 `json:"cancelled"`
	// Unsent counts expects whose message was dropped before sending.
	Unsent int64 `json:"unsent"`
}

// Queue counts the offline queue.
type Queue struct {
	Queued  int64 `json:"queued"`
	Flushed int64 `json:"flushed"`
	Dropped int64 `json:"dropped"`
	// Unsent counts messages still queued when their client stopped.
	Unsent int64 `json:"unsent"`
}

// HeartbeatStats counts heartbeats.
type HeartbeatStats struct {
	Sent   int64 `json:"sent"`
	Missed int64 `json:"missed"`
}

// Build turns a run's input into a Summary.
func Build(in Input) (*Summary, error) {
	snap := in.Snapshot
	c := &snap.Counters
	sc := in.Scenario
	upgrades := sc.Protocol == scenario.ProtocolSocketIO && len(sc.SocketIO.Transports) > 1
	figs, err := figuresOf(snap, upgrades, tracksDeliveries(sc))
	if err != nil {
		return nil, err
	}
	s := &Summary{
		SchemaVersion:   SchemaVersion,
		Tool:            "wsbench",
		Version:         in.Version,
		Scenario:        scenarioInfo(sc, in.URL, in.Seed),
		Start:           snap.Start.UTC(),
		End:             snap.End.UTC(),
		DurationSeconds: snap.Duration().Seconds(),
		PlannedSeconds:  in.Planned.Seconds(),
		EndReason:       in.EndReason,
		Clients: Clients{
			PeakTarget:    segmentShare(sc.MaxClients(), in.SegmentIndex, in.SegmentOf),
			PeakConnected: snap.PeakConnected,
			Started:       c[metrics.ClientsStarted],
			Finished:      c[metrics.ClientsFinished],
		},
		Figures:       figs,
		Series:        snap.Series,
		LoadGenerator: in.Load,
		Warnings:      []string{},
	}
	if sc.Clients.Open() {
		lag := snap.Hists[metrics.ArrivalLag]
		s.Clients.Arrivals = &Arrivals{
			Started: lag.TotalCount(), Missed: c[metrics.ArrivalsMissed],
			Late:        countAbove(lag, LateArrival.Microseconds()),
			BehindP99US: lag.ValueAtQuantile(99), BehindMaxUS: lag.Max(),
		}
	}
	for _, p := range snap.Profiles {
		ps, err := profileSummary(p, upgrades, profileTracksDeliveries(sc, p.Name))
		if err != nil {
			return nil, err
		}
		s.Profiles = append(s.Profiles, ps)
	}
	if in.SegmentOf > 1 {
		s.Scenario.Segment = fmt.Sprintf("%d/%d", in.SegmentIndex, in.SegmentOf)
	}
	s.Drops = analyseDrops(snap.Hists[metrics.Lifetime], snap.Series)
	s.Thresholds = Evaluate(sc.Thresholds, snap)
	for i := range s.Thresholds {
		if s.Thresholds[i].Expr == in.Aborted {
			s.Thresholds[i].Aborted = true
		}
	}
	s.Warnings = append([]string{}, warnings(in, s)...) // [] rather than null when there are none
	return s, nil
}

// countAbove counts the samples of h above v (to h's precision).
func countAbove(h *hdr.Histogram, v int64) int64 {
	var n int64
	for _, b := range h.Distribution() {
		if b.From > v {
			n += b.Count
		}
	}
	return n
}

func latencyOf(h *hdr.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	return Latency{
		Count:  h.TotalCount(),
		MinUS:  h.Min(),
		MeanUS: h.Mean(),
		P50US:  h.ValueAtQuantile(50),
		P90US:  h.ValueAtQuantile(90),
		P95US:  h.ValueAtQuantile(95),
		P99US:  h.ValueAtQuantile(99),
		P999US: h.ValueAtQuantile(99.9),
		MaxUS:  h.Max(),
	}
}

func sortCauses(cs []CauseCount) {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Count > cs[j].Count })
}

func codeCounts(m map[int]int64, meaning func(int) string) []CodeCount {
	out := make([]CodeCount, 0, len(m))
	for code, n := range m {
		out = append(out, CodeCount{Code: code, Count: n, Meaning: meaning(code)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// segmentShare is how many of total global client slots segment i of n
// runs (slots i, i+n, ...), as the runner assigns them.
func segmentShare(total, i, n int) int {
	if n <= 1 {
		return total
	}
	if total < i {
		return 0
	}
	return (total-i)/n + 1
}
