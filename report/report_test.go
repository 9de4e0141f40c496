package report

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wsbench/wsbench/internal/schematest"
	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/scenario"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture builds the same summary every time: a run with latencies, drops
// by several causes, a refused handshake and a saturated second.
func fixture(t *testing.T) *Summary {
	t.Helper()
	sc, err := scenario.Parse("chat.yaml", []byte(`
name: chat-echo
target: ws://example.test:8080/ws?token=abc&room=1
clients:
  stages:
    - {duration: 5s, target: 200}
    - {duration: 5s, target: 200}
client:
  headers: {Authorization: "Bearer s3cret"}
steps:
  - connect
  - send: {text: '{"id":"{{.Seq}}"}', expect: {json_field: id}}
thresholds:
  - rtt.p99 < 50ms
  - rtt.p50 > 15ms
  - drops.rate < 1%
  - {expr: errors.count == 0, abort_on_fail: true}
  - messages.received.rate >= 100/s
  - heartbeat.p99 < 1s
`), scenario.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	rec := metrics.NewRecorder(start, 2)
	sh := rec.Shard(0)
	for i := 1; i <= 1000; i++ {
		sh.Observe(metrics.RTT, time.Duration(i)*20*time.Microsecond)
		sh.Inc(metrics.MsgsSent)
		sh.Inc(metrics.MsgsReceived)
		sh.Inc(metrics.ExpectMatched)
	}
	for i := 1; i <= 200; i++ {
		sh.Observe(metrics.Connect, time.Duration(i)*10*time.Microsecond)
		sh.Inc(metrics.ConnOpened)
	}
	sh.Add(metrics.BytesSent, 20480)
	sh.Add(metrics.BytesReceived, 20480)
	sh.Add(metrics.TimeOpen, int64(99*time.Second))
	sh.Add(metrics.TimeReconnecting, int64(time.Second))
	sh.Drop(metrics.CauseServerClose, 1001, "connection closed with code 1001 (going away)")
	sh.Drop(metrics.CauseServerClose, 4000, "connection closed with code 4000")
	sh.Drop(metrics.CauseReset, 1006, "read: connection reset by peer")
	sh.Observe(metrics.Recover, 250*time.Millisecond)
	for _, age := range []time.Duration{59500 * time.Millisecond, 60 * time.Second, 60200 * time.Millisecond} {
		sh.Observe(metrics.Lifetime, age)
	}
	sh.Fail(metrics.CauseHandshakeStatus, 503, "handshake refused: HTTP 503 Service Unavailable")
	sh.Inc(metrics.ReconnectAttempts)
	sh.Inc(metrics.ReconnectSuccesses)
	sh.Inc(metrics.ExpectTimedOut)
	rec.SetTarget(200)
	rec.Tick(start.Add(time.Second))
	snap := rec.Snapshot(start.Add(10 * time.Second))
	s, err := Build(Input{
		Scenario: sc, URL: sc.Target, EndReason: "completed", Planned: 10 * time.Second, Snapshot: snap,
		Load:    metrics.LoadStats{CPUSeconds: 3, Cores: 2, AvgCPU: 0.15, PeakCPU: 0.95, SaturatedSeconds: 1, MaxRSSBytes: 50 << 20, Goroutines: 410},
		Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./report -update to accept):\n%s", name, got)
	}
}

func TestTableGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.txt", b.Bytes())
}

func TestJSONRoundTrip(t *testing.T) {
	s := fixture(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "result.json", b.Bytes())
	back, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the summary:\n got %+v\nwant %+v", back, s)
	}
	h, err := hdr.Decode([]byte(back.Histograms["rtt"]))
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 1000 || h.ValueAtQuantile(99) != back.Latency["rtt"].P99US {
		t.Fatalf("decoded rtt histogram: %d samples, p99 %d; summary p99 %d", h.TotalCount(), h.ValueAtQuantile(99), back.Latency["rtt"].P99US)
	}
}

func TestReadJSONRejectsOtherSchemaVersions(t *testing.T) {
	_, err := ReadJSON(bytes.NewBufferString(`{"schema_version": 2}`))
	if err == nil || err.Error() != "result has schema version 2; this wsbench reads version 1" {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	s := fixture(t)
	var b bytes.Buffer
	WriteJSON(&b, s)
	WriteTable(&b, s)
	for _, secret := range []string{"s3cret", "token=abc"} {
		if bytes.Contains(b.Bytes(), []byte(secret)) {
			t.Errorf("output contains %q", secret)
		}
	}
	if s.Scenario.Headers["Authorization"] != Redacted || s.Scenario.URL != "ws://example.test:8080/ws?room=1&token=xxxxx" {
		t.Errorf("headers %v, url %s", s.Scenario.Headers, s.Scenario.URL)
	}
}

func TestFormatMicros(t *testing.T) {
	for us, want := range map[int64]string{
		0: "0µs", 850: "850µs", 1250: "1.25ms", 12_345: "12.3ms", 450_000: "450ms", 2_500_000: "2.50s",
		65_000_000: "65.0s", 3_600_000_000: "1h0m0s",
	} {
		if got := FormatMicros(us); got != want {
			t.Errorf("FormatMicros(%d) = %q, want %q", us, got, want)
		}
	}
}

func TestCloseCodeMeaning(t *testing.T) {
	for code, want := range map[int]string{
		1000: "normal closure", 1006: "abnormal closure", 1011: "internal error", 4000: "application-defined",
		3500: "registered for libraries", 2000: "reserved by RFC 6455", 999: "outside the valid range",
	} {
		if got := CloseCodeMeaning(code); !bytes.HasPrefix([]byte(got), []byte(want)) {
			t.Errorf("CloseCodeMeaning(%d) = %q, want prefix %q", code, got, want)
		}
	}
}

func TestJUnitAndMarkdown(t *testing.T) {
	s := fixture(t)
	var j, m bytes.Buffer
	if err := WriteJUnit(&j, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "junit.xml", j.Bytes())
	if err := WriteMarkdown(&m, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.md", m.Bytes())
	// The document is well-formed JUnit: one suite, a run case and one
	// case per threshold, failures counted.
	var doc junitSuites
	if err := xml.Unmarshal(j.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if len(doc.Suites) != 1 || doc.Tests != 1+len(s.Thresholds) || doc.Failures != Failed(s.Thresholds) {
		t.Fatalf("junit: %d suites, %d tests, %d failures", len(doc.Suites), doc.Tests, doc.Failures)
	}
}

func TestResultMatchesItsSchema(t *testing.T) {
	s := fixture(t)
	var b bytes.Buffer
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	schematest.Validate(t, "result.schema.json", b.Bytes())
	// The schema rejects what the code would never write.
	sch := schematest.Compile(t, "result.schema.json")
	for _, bad := range []string{
		strings.Replace(b.String(), `"end_reason": "completed"`, `"end_reason": "done"`, 1),
		strings.Replace(b.String(), `"schema_version": 1`, `"schema_version": 2`, 1),
		strings.Replace(b.String(), `"availability":`, `"surprise": 1, "availability":`, 1),
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("schema accepts an invalid document")
		}
	}
}
