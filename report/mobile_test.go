package report

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wsbench/wsbench/internal/schematest"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

// emptySnap returns a snapshot of a 10 s run with nothing recorded yet.
func emptySnap() *metrics.Snapshot {
	s := &metrics.Snapshot{Start: runStart, End: runStart.Add(10 * time.Second), CloseCodes: map[int]int64{}, Statuses: map[int]int64{}}
	for h := range s.Hists {
		s.Hists[h] = metrics.NewHistogram()
	}
	return s
}

// observe records n samples of h: from, from+step, ...
func observe(s *metrics.Snapshot, h metrics.Hist, n int, from, step time.Duration) {
	for i := range n {
		_ = s.Hists[h].RecordValue(int64((from + time.Duration(i)*step) / time.Microsecond))
	}
}

// unmatched counts n unexpected messages under name, as Shard.Unmatched does.
func unmatched(s *metrics.Snapshot, name string, n int64) {
	if s.Unexpected == nil {
		s.Unexpected = map[string]int64{}
	}
	s.Unexpected[name] += n
	s.Counters[metrics.MsgsUnmatched] += n
}

// phones records what 7 phones did in a made-up 10 s Socket.IO run: their
// network went away 12 times (9 resets, 3 silent), they went to the
// background 3 times, sent 50 messages while away, resumed and recovered
// their sessions; and they got messages no step waited for under 15 names.
// Everything adds, so recording two sets of clients into one snapshot
// gives the whole run's.
func phones(s *metrics.Snapshot) {
	c := &s.Counters
	c[metrics.ClientsStarted] += 7
	c[metrics.ConnOpened] += 19
	c[metrics.ConnDropped] += 12
	s.Causes[metrics.CauseNetworkOffline] += 9
	s.Causes[metrics.CausePingTimeout] += 3
	s.Examples[metrics.CauseNetworkOffline] = "network offline (client.network, mode reset)"
	observe(s, metrics.Lifetime, 12, 4*time.Second, 500*time.Millisecond)
	c[metrics.ReconnectAttempts] += 12
	c[metrics.ReconnectSuccesses] += 12
	observe(s, metrics.Recover, 12, 150*time.Millisecond, 20*time.Millisecond)
	c[metrics.TimeOpen] += int64(600 * time.Second)
	c[metrics.TimeReconnecting] += int64(60 * time.Second)
	c[metrics.OfflinePeriods] += 12
	c[metrics.BackgroundPeriods] += 3
	c[metrics.TimeOffline] += int64(40 * time.Second)
	c[metrics.TimeBackground] += int64(9 * time.Second)
	c[metrics.OfflineSent] += 50
	c[metrics.OfflineFlushed] += 40
	c[metrics.OfflineDropped] += 6
	c[metrics.OfflineUnsent] += 4
	c[metrics.QueueQueued] += 50
	c[metrics.QueueFlushed] += 40
	c[metrics.QueueDropped] += 6
	c[metrics.QueueUnsent] += 4
	observe(s, metrics.Queued, 40, 300*time.Millisecond, 50*time.Millisecond)
	c[metrics.OfflineDiscarded] += 5
	c[metrics.NoticedByClient] += 2
	observe(s, metrics.NoticeClient, 2, 3*time.Second, time.Second)
	c[metrics.NoticedByServer] += 1
	observe(s, metrics.NoticeServer, 1, 45*time.Second, 0)
	observe(s, metrics.ResumeOpen, 12, 200*time.Millisecond, 100*time.Millisecond)
	observe(s, metrics.ResumeFlushed, 12, 250*time.Millisecond, 100*time.Millisecond)
	c[metrics.RecoveryAttempts] += 12
	c[metrics.RecoveryRecovered] += 10
	c[metrics.DeliveriesReplayed] += 25
	c[metrics.DeliveriesReceived] += 400
	c[metrics.DeliveriesLost] += 3
	observe(s, metrics.Delivery, 400, 5*time.Millisecond, 100*time.Microsecond)
	c[metrics.MsgsSent] += 500
	c[metrics.MsgsReceived] += 900
	c[metrics.ExpectMatched] += 500
	observe(s, metrics.Ack, 500, 2*time.Millisecond, 20*time.Microsecond)
	unmatched(s, "chat:typing", 300)
	unmatched(s, "presence", 40)
	unmatched(s, "(ack)", 3)
	for i := range 12 {
		unmatched(s, fmt.Sprintf("room:%02d", i), 1)
	}
	s.PeakConnected += 7
}

// desktops records 3 desktop clients on a steady network.
func desktops(s *metrics.Snapshot) {
	c := &s.Counters
	c[metrics.ClientsStarted] += 3
	c[metrics.ConnOpened] += 3
	c[metrics.TimeOpen] += int64(300 * time.Second)
	c[metrics.MsgsSent] += 300
	c[metrics.MsgsReceived] += 600
	c[metrics.ExpectMatched] += 300
	observe(s, metrics.Ack, 300, time.Millisecond, 10*time.Microsecond)
	c[metrics.DeliveriesReceived] += 300
	observe(s, metrics.Delivery, 300, 3*time.Millisecond, 100*time.Microsecond)
	unmatched(s, "presence", 20)
	s.PeakConnected += 3
}

// mobileScenario is a Socket.IO scenario with two client profiles, both
// tracking deliveries. The profiles are set here rather than decoded, so
// the report is tested on its own.
func mobileScenario(t testing.TB) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse("mobile.yaml", []byte(`
name: mobile
target: http://example.test:3000
protocol: socketio
duration: 10s
clients: {count: 10}
client:
  queue: {max: 100, overflow: drop-oldest}
  delivery: {sender: from, seq: seq, sent_at: sent_at}
steps:
  - connect
  - emit: {event: echo, args: ["ping"], ack: {timeout: 5s}}
`), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	sc.Clients.Profiles = []scenario.Profile{{Name: "phone", Weight: 70}, {Name: "desktop", Weight: 30}}
	for i := range sc.Clients.Profiles {
		sc.Clients.Profiles[i].Client = sc.Client
	}
	return sc
}

// mobileSnapshot is the whole run's snapshot, with each profile's own.
func mobileSnapshot() *metrics.Snapshot {
	total := emptySnap()
	phones(total)
	desktops(total)
	for sec := 1; sec <= 10; sec++ {
		total.Series = append(total.Series, metrics.Point{T: float64(sec), Target: 10, Alive: 10,
			Connected: int64(10 - sec%3), Sent: 80, Received: 150, Opened: int64(sec % 3), Drops: int64(sec % 3), Reconnects: int64(sec % 3),
			AckCount: 80, AckP50: 2500, AckP95: 4000, AckP99: 6000})
	}
	p, d := emptySnap(), emptySnap()
	phones(p)
	desktops(d)
	total.Profiles = []metrics.Profile{{Name: "phone", Weight: 70, Snap: p}, {Name: "desktop", Weight: 30, Snap: d}}
	return total
}

// mobileRun is the summary of mobileSnapshot.
func mobileRun(t testing.TB) *Summary {
	t.Helper()
	sc := mobileScenario(t)
	s, err := Build(Input{Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: 10 * time.Second,
		Snapshot: mobileSnapshot(), Version: "test", Load: metrics.LoadStats{CPUSeconds: 1, Cores: 2, AvgCPU: 0.05, PeakCPU: 0.1, MaxRSSBytes: 40 << 20, Goroutines: 90}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMobileTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, mobileRun(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary_mobile.txt", b.Bytes())
}

// TestMobileLinesAddUp: the fates of messages sent while away add up to
// what was sent, as printed; a remainder is printed, not hidden.
func TestMobileLinesAddUp(t *testing.T) {
	fates := regexp.MustCompile(`sent ([\d,]+) · flushed ([\d,]+) · dropped by the queue ([\d,]+) · unsent at stop ([\d,]+)(?: · unaccounted (-?[\d,]+))?$`)
	num := func(s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name                           string
		sent, flushed, dropped, unsent int64
		rest                           int64
	}{
		{"every message accounted for", 1250, 1000, 200, 50, 0},
		{"some still queued at the snapshot", 120, 100, 5, 5, 10},
		{"counted twice", 10, 8, 3, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Figures{Counters: map[string]int64{
				metrics.OfflineSent.Name(): tc.sent, metrics.OfflineFlushed.Name(): tc.flushed,
				metrics.OfflineDropped.Name(): tc.dropped, metrics.OfflineUnsent.Name(): tc.unsent,
			}}
			lines := mobileLines(&f)
			if len(lines) != 1 || lines[0][0] != "While away" {
				t.Fatalf("lines %q, want one While away line", lines)
			}
			m := fates.FindStringSubmatch(lines[0][1])
			if m == nil {
				t.Fatalf("line %q does not read as sent · flushed · dropped · unsent", lines[0][1])
			}
			sent, parts, rest := num(m[1]), num(m[2])+num(m[3])+num(m[4]), num(m[5])
			if sent != tc.sent || rest != tc.rest || parts+rest != sent {
				t.Errorf("%q: sent %d = %d + unaccounted %d, want %d with unaccounted %d", lines[0][1], sent, parts, rest, tc.sent, tc.rest)
			}
		})
	}
	// The mobile run's line, as printed, adds up too.
	var b bytes.Buffer
	if err := WriteTable(&b, mobileRun(t)); err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^While away +(.*)$`).FindStringSubmatch(b.String())
	if line == nil {
		t.Fatalf("no While away line in\n%s", b.String())
	}
	m := fates.FindStringSubmatch(line[1])
	if m == nil || m[5] != "" || num(m[2])+num(m[3])+num(m[4]) != num(m[1]) {
		t.Errorf("While away %q does not add up", line[1])
	}
}

func TestMobileLinesOnlyWhatHappened(t *testing.T) {
	if lines := mobileLines(&fixture(t).Figures); len(lines) != 0 {
		t.Errorf("a run without mobile clients has lines %q", lines)
	}
	f := Figures{
		Counters: map[string]int64{metrics.NoticedByServer.Name(): 2, metrics.TimeOpen.Name(): 10},
		Latency:  map[string]Latency{metrics.NoticeServer.Name(): {Count: 2, P50US: 30_000_000, P99US: 45_000_000}},
	}
	lines := mobileLines(&f)
	want := [][2]string{{"Silent loss", "noticed by the client's heartbeat 0 · by the server 2 (p50 30.0s, p99 45.0s) · messages discarded unseen 0"}}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("lines\n got %q\nwant %q", lines, want)
	}
	f = Figures{Latency: map[string]Latency{metrics.ResumeFlushed.Name(): {Count: 1, P50US: 1500, P99US: 1500}}}
	if lines := mobileLines(&f); len(lines) != 1 || lines[0][1] != "network back → queue empty p50 1.50ms, p99 1.50ms" {
		t.Errorf("resume without open samples: %q", lines)
	}
}

func TestTopUnexpected(t *testing.T) {
	m := map[string]int64{"b": 5, "a": 5, "c": 9, "d": 1, "e": 2}
	top, names, msgs := topUnexpected(m, 3)
	want := []nameCount{{"c", 9}, {"a", 5}, {"b", 5}}
	if !reflect.DeepEqual(top, want) || names != 2 || msgs != 3 {
		t.Errorf("top %v, %d more names with %d messages; want %v, 2, 3", top, names, msgs, want)
	}
	if top, names, _ := topUnexpected(m, 10); len(top) != 5 || names != 0 {
		t.Errorf("uncut: %v, %d more", top, names)
	}
	if got := moreNamesText(1, 7); got != "and 1 more name (7 messages)" {
		t.Errorf("moreNamesText(1, 7) = %q", got)
	}
}

func TestShownName(t *testing.T) {
	long := strings.Repeat("é", 70)
	for name, want := range map[string]string{
		"chat:typing":      "chat:typing",
		"":                 `""`,
		"evil\x1b[2Jname":  `"evil\x1b[2Jname"`,
		"two\nlines":       `"two\nlines"`,
		"with spaces, ünï": "with spaces, ünï",
		long:               strings.Repeat("é", 60) + "…",
	} {
		if got := shownName(name); got != want {
			t.Errorf("shownName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestUnexpectedWarning(t *testing.T) {
	for _, tc := range []struct {
		name       string
		unmatched  int64
		unexpected map[string]int64
		want       string // "" for no warning
	}{
		{"none", 0, nil, ""},
		{"a named event", 12, map[string]int64{"chat:typing": 10, "(ack)": 2},
			`12 received messages were not waited for by any step (messages.unmatched), 10 of them under "chat:typing": if no step is meant to wait for it, the client and server may disagree on an event name`},
		{"late acks", 3, map[string]int64{"(ack)": 3},
			"3 received messages were not waited for by any step (messages.unmatched), 3 of them late acks (acknowledgements that came after their emit timed out)"},
		{"names past the cap", 500, map[string]int64{metrics.OtherNames: 400, "x": 100},
			"500 received messages were not waited for by any step (messages.unmatched), 400 of them under names beyond the first 100, counted together"},
		{"a result without names", 4, nil, "4 received messages were not waited for by any step (messages.unmatched)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Summary{Figures: Figures{Messages: Messages{Unmatched: tc.unmatched}, Unexpected: tc.unexpected}}
			if got := unexpectedWarning(s, nil); got != tc.want {
				t.Errorf("warning\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	if w := strings.Join(mobileRun(t).Warnings, "\n"); !strings.Contains(w, `375 received messages were not waited for by any step (messages.unmatched), 300 of them under "chat:typing"`) {
		t.Errorf("the mobile run's warnings lack the unexpected messages:\n%s", w)
	}
}

func TestProfilesInTheSummary(t *testing.T) {
	s := mobileRun(t)
	if len(s.Profiles) != 2 || s.Profiles[0].Name != "phone" || s.Profiles[1].Name != "desktop" || s.Profiles[0].Weight != 70 {
		t.Fatalf("profiles %+v", s.Profiles)
	}
	ph, dt := &s.Profiles[0], &s.Profiles[1]
	if ph.Clients != (ProfileClients{PeakConnected: 7, Started: 7}) || dt.Clients != (ProfileClients{PeakConnected: 3, Started: 3}) {
		t.Errorf("clients %+v, %+v", ph.Clients, dt.Clients)
	}
	// Each profile's figures are its own, and add up to the run's.
	for name, total := range s.Counters {
		if got := ph.Counters[name] + dt.Counters[name]; got != total {
			t.Errorf("counter %s: profiles add up to %d, the run has %d", name, got, total)
		}
	}
	if ph.Latency["ack"].Count != 500 || dt.Latency["ack"].Count != 300 || s.Latency["ack"].Count != 800 {
		t.Errorf("ack counts %d + %d, run %d", ph.Latency["ack"].Count, dt.Latency["ack"].Count, s.Latency["ack"].Count)
	}
	if ph.Unexpected["presence"] != 40 || dt.Unexpected["presence"] != 20 || s.Unexpected["presence"] != 60 {
		t.Errorf("presence %d + %d, run %d", ph.Unexpected["presence"], dt.Unexpected["presence"], s.Unexpected["presence"])
	}
	if ph.Deliveries == nil || ph.Deliveries.Lost != 3 || dt.Deliveries == nil || ph.Drops != nil {
		t.Errorf("phone deliveries %+v drops %+v, desktop deliveries %+v", ph.Deliveries, ph.Drops, dt.Deliveries)
	}
	if len(ph.Connections.DropCauses) != 2 || ph.Connections.DropCauses[0].Cause != "network_offline" ||
		ph.Connections.DropCauses[0].Meaning == "" || len(dt.Connections.DropCauses) != 0 {
		t.Errorf("drop causes %+v, %+v", ph.Connections.DropCauses, dt.Connections.DropCauses)
	}
	if a := ph.Availability; a != 600.0/660 || dt.Availability != 1 {
		t.Errorf("availability %v, %v", a, dt.Availability)
	}
}

// TestProfilesSurviveTheFile: the result with profiles and unexpected
// names matches its schema, reads back equal, and SnapshotOf gives each
// profile's snapshot as it was recorded.
func TestProfilesSurviveTheFile(t *testing.T) {
	s := mobileRun(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, "result.schema.json", b.Bytes())
	back := roundTrip(t, s)
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the summary:\n got %+v\nwant %+v", back.Profiles, s.Profiles)
	}
	snap, err := SnapshotOf(back)
	if err != nil {
		t.Fatal(err)
	}
	live := mobileSnapshot()
	if !reflect.DeepEqual(snap.Unexpected, live.Unexpected) {
		t.Errorf("unexpected %v, want %v", snap.Unexpected, live.Unexpected)
	}
	if len(snap.Profiles) != len(live.Profiles) {
		t.Fatalf("%d profiles, want %d", len(snap.Profiles), len(live.Profiles))
	}
	for i, p := range snap.Profiles {
		want := live.Profiles[i]
		if p.Name != want.Name || p.Weight != want.Weight || p.Snap.Counters != want.Snap.Counters || p.Snap.Causes != want.Snap.Causes ||
			p.Snap.Examples != want.Snap.Examples || p.Snap.PeakConnected != want.Snap.PeakConnected ||
			!reflect.DeepEqual(p.Snap.Unexpected, want.Snap.Unexpected) || p.Snap.Duration() != live.Duration() {
			t.Errorf("profile %d rebuilt as %+v, want %+v", i, p.Snap, want.Snap)
		}
		for h := range metrics.NumHists {
			if !p.Snap.Hists[h].Equals(want.Snap.Hists[h]) {
				t.Errorf("profile %s: histogram %s differs", p.Name, h.Name())
			}
		}
	}
	bad := s.Histograms["ack"]
	back.Profiles[1].Histograms["ack"] = "HISTFAAAAnotbase64!"
	if _, err := SnapshotOf(back); err == nil || !strings.Contains(err.Error(), `profile "desktop": histogram "ack"`) {
		t.Errorf("err = %v, want one naming the profile and histogram", err)
	}
	back.Profiles[1].Histograms["ack"] = bad
}

// TestResultSchemaProfilesAndUnexpected: the schema rejects what the code
// never writes in the new blocks.
func TestResultSchemaProfilesAndUnexpected(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, mobileRun(t)); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	sch := schematest.Compile(t, "result.schema.json")
	for name, bad := range map[string]string{
		"a count that is not a number": strings.Replace(doc, `"chat:typing": 300`, `"chat:typing": "300"`, 1),
		"a zero count":                 strings.Replace(doc, `"chat:typing": 300`, `"chat:typing": 0`, 1),
		"a profile without a name":     strings.Replace(doc, `"name": "desktop",`, ``, 1),
		"a profile with a series":      strings.Replace(doc, `"name": "desktop",`, `"name": "desktop", "series": [],`, 1),
		"a profile without counters": regexp.MustCompile(`(?s)("name": "desktop".*?)"counters": \{.*?\},`).
			ReplaceAllString(doc, "$1"),
		"an empty profile list": regexp.MustCompile(`(?s)"profiles": \[.*?\n  \],`).ReplaceAllString(doc, `"profiles": [],`),
	} {
		if bad == doc {
			t.Errorf("%s: the edit did not apply", name)
			continue
		}
		if err := validateString(sch, bad); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

func TestHTMLMobileGolden(t *testing.T) {
	s := mobileRun(t)
	page := renderHTML(t, s)
	golden(t, "html_mobile.html", page)
	for _, want := range []string{
		`<section id="mobile">`, "<th>while away</th><td>sent 50 · flushed 40 · dropped by the queue 6 · unsent at stop 4</td>",
		`<section id="unexpected">`, "<code>chat:typing</code>", "and 5 more names (5 messages).",
		`<section id="profiles">`, "<td>phone (70.0%)</td>", `<th class="num">ack p99</th>`,
		`data-chart="spectrum-resume_open"`, `data-chart="spectrum-resume_flushed"`,
		`data-chart="spectrum-notice_client"`, `data-chart="spectrum-notice_server"`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if saved := renderHTML(t, roundTrip(t, s)); !bytes.Equal(page, saved) {
		t.Error("the page from the saved result differs from the page of the run")
	}
	// A run without them has none of the new sections or charts.
	plain := string(renderHTML(t, fixture(t)))
	for _, absent := range []string{`id="mobile"`, `id="unexpected"`, `id="profiles"`, "spectrum-resume", "spectrum-notice"} {
		if strings.Contains(plain, absent) {
			t.Errorf("a run without mobile clients has %q", absent)
		}
	}
}

// validateString validates the JSON document doc against sch.
func validateString(sch *jsonschema.Schema, doc string) error {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}
