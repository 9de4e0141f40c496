package report

import (
	"fmt"
	"maps"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// Figures are what a set of clients measured: the whole run's in a
// Summary, one profile's in a ProfileSummary. Latencies are in
// microseconds.
type Figures struct {
	Latency     map[string]Latency `json:"latency"`
	Connections Connections        `json:"connections"`
	Reconnect   Reconnect          `json:"reconnect"`
	Messages    Messages           `json:"messages"`
	// Unexpected breaks messages.unmatched down by name (an event name, a
	// message's "type" or "event", "(text)", "(binary)", "(ack)" or
	// metrics.OtherNames); omitted when nothing was unmatched.
	Unexpected map[string]int64 `json:"unexpected,omitempty"`
	Expects    Expects          `json:"expects"`
	Queue      Queue            `json:"queue"`
	Heartbeat  HeartbeatStats   `json:"heartbeat"`
	// Upgrades is set for Socket.IO runs that start on polling and upgrade.
	Upgrades *Upgrades `json:"upgrades,omitempty"`
	// Deliveries is set when the clients track deliveries.
	Deliveries *Deliveries `json:"deliveries,omitempty"`
	// Drops analyses the dropped connections' ages and drop storms; nil
	// when nothing dropped, and in a profile (storms need the series,
	// which profiles do not keep).
	Drops *DropAnalysis `json:"drop_analysis,omitempty"`
	// Availability is time open / (time connecting + open + reconnecting), 0..1.
	Availability float64 `json:"availability"`
	// Counters holds every counter by its metric name (docs/metrics.md).
	Counters map[string]int64 `json:"counters"`
	// Histograms holds every latency histogram in the standard HdrHistogram
	// V2 compressed encoding (base64), microsecond units, for exact merging
	// and comparison.
	Histograms map[string]string `json:"histograms"`
}

// figuresOf computes the figures of snap: the whole run's or one
// profile's. upgrades and deliveries say whether the clients could have
// counted those, so the blocks show (with zeros) exactly when they could.
func figuresOf(snap *metrics.Snapshot, upgrades, deliveries bool) (Figures, error) {
	c := &snap.Counters
	f := Figures{
		Latency:    map[string]Latency{},
		Histograms: map[string]string{},
		Counters:   map[string]int64{},
		Connections: Connections{
			Opened: c[metrics.ConnOpened], Failed: c[metrics.ConnFailed],
			Dropped: c[metrics.ConnDropped], Closed: c[metrics.ConnClosed],
			DropCauses: []CauseCount{},
			FailCauses: []CauseCount{},
		},
		Reconnect: Reconnect{c[metrics.ReconnectAttempts], c[metrics.ReconnectSuccesses], c[metrics.ReconnectGiveUps]},
		Messages: Messages{
			Sent: c[metrics.MsgsSent], Received: c[metrics.MsgsReceived],
			BytesSent: c[metrics.BytesSent], BytesReceived: c[metrics.BytesReceived],
			Unmatched: c[metrics.MsgsUnmatched], Rejected: c[metrics.SendsRejected],
		},
		Unexpected:   maps.Clone(snap.Unexpected),
		Expects:      Expects{c[metrics.ExpectMatched], c[metrics.ExpectTimedOut], c[metrics.ExpectCancelled], c[metrics.ExpectUnsent]},
		Queue:        Queue{c[metrics.QueueQueued], c[metrics.QueueFlushed], c[metrics.QueueDropped], c[metrics.QueueUnsent]},
		Heartbeat:    HeartbeatStats{c[metrics.HeartbeatSent], c[metrics.HeartbeatMissed]},
		Availability: snap.Availability(),
	}
	if len(f.Unexpected) == 0 {
		f.Unexpected = nil // omitted, and equal to what a saved result reads back
	}
	for k := range metrics.NumCounters {
		f.Counters[k.Name()] = c[k]
	}
	if upgrades {
		f.Upgrades = &Upgrades{c[metrics.UpgradesSucceeded], c[metrics.UpgradesFailed]}
	}
	if deliveries {
		f.Deliveries = &Deliveries{c[metrics.DeliveriesReceived], c[metrics.DeliveriesLost],
			c[metrics.DeliveriesDuplicated], c[metrics.DeliveriesOutOfOrder]}
	}
	for h := range metrics.NumHists {
		hist := snap.Hists[h]
		if hist == nil {
			hist = metrics.NewHistogram() // a profile snapshot may leave unused ones out
		}
		f.Latency[h.Name()] = latencyOf(hist)
		enc, err := hist.Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			return Figures{}, fmt.Errorf("encode %s histogram: %w", h.Name(), err)
		}
		f.Histograms[h.Name()] = string(enc)
	}
	for k := range metrics.NumCauses {
		n := snap.Causes[k]
		if n == 0 {
			continue
		}
		cc := CauseCount{Cause: k.Name(), Count: n, Meaning: causeMeaning[k]}
		if k.IsDrop() {
			f.Connections.DropCauses = append(f.Connections.DropCauses, cc)
		} else {
			f.Connections.FailCauses = append(f.Connections.FailCauses, cc)
		}
		if ex := snap.Examples[k]; ex != "" {
			if f.Connections.Examples == nil {
				// Nil when empty, as a saved result reads back.
				f.Connections.Examples = map[string]string{}
			}
			f.Connections.Examples[k.Name()] = ex
		}
	}
	sortCauses(f.Connections.DropCauses)
	sortCauses(f.Connections.FailCauses)
	f.Connections.CloseCodes = codeCounts(snap.CloseCodes, CloseCodeMeaning)
	f.Connections.HTTPStatuses = codeCounts(snap.Statuses, statusMeaning)
	return f, nil
}

// tracksDeliveries reports whether any client of sc tracks deliveries:
// the client block's, or one profile's.
func tracksDeliveries(sc *scenario.Scenario) bool {
	if sc.Client.Delivery != nil {
		return true
	}
	for _, p := range sc.Clients.Profiles {
		if p.Client.Delivery != nil {
			return true
		}
	}
	return false
}
