package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// pointKeys returns metrics.Point's JSON keys in the order encoding/json
// writes them: the series as the result document has it. Every field is
// set, so that omitempty ones are written too.
func pointKeys(t *testing.T) []string {
	t.Helper()
	var full metrics.Point
	v := reflect.ValueOf(&full).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Int64:
			f.SetInt(1)
		case reflect.Float64:
			f.SetFloat(1)
		}
	}
	data, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var keys []string
	dec.Token() // {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip any
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestCSVMatchesSeries checks the header against the series' fields and
// every row against its series entry, value by value.
func TestCSVMatchesSeries(t *testing.T) {
	s := syntheticRun(t, 75)
	var b bytes.Buffer
	if err := WriteCSV(&b, s); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := append([]string{"time"}, pointKeys(t)...)
	if !reflect.DeepEqual(rows[0], wantHeader) || !reflect.DeepEqual(CSVColumns(), wantHeader) {
		t.Fatalf("header %q, want %q", rows[0], wantHeader)
	}
	if len(rows)-1 != len(s.Series) || len(s.Series) != 75 {
		t.Fatalf("%d rows, want one per series entry (%d)", len(rows)-1, len(s.Series))
	}
	for i, p := range s.Series {
		row := rows[i+1]
		var fields map[string]any
		data, _ := json.Marshal(p)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil {
			t.Fatal(err)
		}
		for j, name := range wantHeader[1:] {
			want := "0" // omitted from the result when empty
			if n, ok := fields[name].(json.Number); ok {
				want = n.String()
			}
			if got := row[j+1]; got != want {
				t.Errorf("row %d %s = %q, want %q (as in the result)", i+1, name, got, want)
			}
		}
		at, err := time.Parse(time.RFC3339Nano, row[0])
		if err != nil {
			t.Fatalf("row %d time %q: %v", i+1, row[0], err)
		}
		if d := at.Sub(s.Start).Seconds() - p.T; d > 0.001 || d < -0.001 {
			t.Errorf("row %d time %s is not start + t (%v)", i+1, row[0], p.T)
		}
	}
	if rows[12][0] != "2026-11-30T12:00:12.000Z" {
		t.Errorf("row 12 time %q", rows[12][0])
	}
}

func TestCSVEmptySeries(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, &Summary{}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "\n"); got != 1 {
		t.Errorf("%d lines for an empty series, want the header only", got)
	}
}

// TestCSVColumnsDocumented checks that docs/report.md documents every
// column, so a field added to the series gets a line there.
func TestCSVColumnsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/report.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range CSVColumns() {
		if !strings.Contains(string(doc), "`"+c+"`") {
			t.Errorf("docs/report.md does not document CSV column %q", c)
		}
	}
}

// TestSeriesLatencies checks the grouping that gives each histogram in
// the series its latency chart.
func TestSeriesLatencies(t *testing.T) {
	g := seriesLatencies()
	if len(g) == 0 || g[0].hist != "rtt" || g[0].count == nil || g[0].count.name != "rtt_count" {
		t.Fatalf("groups %+v", g)
	}
	if !reflect.DeepEqual(g[0].percentiles, []string{"p50", "p95", "p99"}) {
		t.Errorf("rtt percentiles %q", g[0].percentiles)
	}
	p := metrics.Point{RTTP95: 1234}
	if v := g[0].columns[1].value(&p); v != 1234 || g[0].columns[1].text(&p) != strconv.Itoa(1234) {
		t.Errorf("rtt_p95_us reads %v", v)
	}
}
