package report

import (
	"encoding/csv"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsbench/wsbench/metrics"
)

// seriesColumn is one field of metrics.Point, named as the result's
// series names it (its JSON name). The CSV and the charts read the series
// through these, so a field added to metrics.Point appears in both
// without a change here.
type seriesColumn struct {
	name  string
	index int
	float bool
}

// seriesColumns lists metrics.Point's fields in declaration order.
var seriesColumns = sync.OnceValue(func() []seriesColumn {
	t := reflect.TypeFor[metrics.Point]()
	var cols []seriesColumn
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		k := f.Type.Kind()
		cols = append(cols, seriesColumn{name: name, index: i, float: k == reflect.Float32 || k == reflect.Float64})
	}
	return cols
})

// value returns the column's value in p.
func (c seriesColumn) value(p *metrics.Point) float64 {
	v := reflect.ValueOf(p).Elem().Field(c.index)
	if c.float {
		return v.Float()
	}
	return float64(v.Int())
}

// text formats the column's value in p exactly: integers as integers,
// seconds with every digit the result holds.
func (c seriesColumn) text(p *metrics.Point) string {
	v := reflect.ValueOf(p).Elem().Field(c.index)
	if c.float {
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	}
	return strconv.FormatInt(v.Int(), 10)
}

// CSVTimeColumn is the first column of the CSV: when the interval ended,
// as an RFC 3339 UTC timestamp with milliseconds, for lining the series up
// with a server's own graphs.
const CSVTimeColumn = "time"

// CSVColumns returns the header row WriteCSV writes: CSVTimeColumn, then
// every field of the result's series under its JSON name (docs/report.md).
func CSVColumns() []string {
	cols := []string{CSVTimeColumn}
	for _, c := range seriesColumns() {
		cols = append(cols, c.name)
	}
	return cols
}

// WriteCSV writes s's per-second series as CSV: a header row
// (CSVColumns), then one row per series entry, oldest first.
func WriteCSV(w io.Writer, s *Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns()); err != nil {
		return err
	}
	cols := seriesColumns()
	row := make([]string, len(cols)+1)
	for i := range s.Series {
		p := &s.Series[i]
		at := s.Start.Add(time.Duration(p.T * float64(time.Second))).UTC()
		row[0] = at.Format("2006-01-02T15:04:05.000Z07:00")
		for j, c := range cols {
			row[j+1] = c.text(p)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// latencyColumn matches a per-interval latency percentile of the series,
// such as rtt_p99_us: group rtt, percentile 99.
var latencyColumn = regexp.MustCompile(`^([a-z_]+)_p([0-9]+)_us$`)

// seriesLatency is the per-interval percentiles of one histogram in the
// series, e.g. rtt: rtt_p50_us, rtt_p95_us, rtt_p99_us, and its sample
// count column (rtt_count) when the series has one.
type seriesLatency struct {
	hist        string
	count       *seriesColumn
	percentiles []string
	columns     []seriesColumn
}

// seriesLatencies groups the series' latency columns by histogram, in
// column order, so that percentiles added to the series (say ack_p99_us)
// get their own chart with no change to the chart code.
func seriesLatencies() []seriesLatency {
	var out []seriesLatency
	cols := seriesColumns()
	for _, c := range cols {
		m := latencyColumn.FindStringSubmatch(c.name)
		if m == nil {
			continue
		}
		i := len(out) - 1
		if i < 0 || out[i].hist != m[1] {
			out = append(out, seriesLatency{hist: m[1]})
			i++
			for j := range cols {
				if cols[j].name == m[1]+"_count" {
					out[i].count = &cols[j]
				}
			}
		}
		out[i].percentiles = append(out[i].percentiles, "p"+m[2])
		out[i].columns = append(out[i].columns, c)
	}
	return out
}
