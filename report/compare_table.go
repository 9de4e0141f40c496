package report

import (
	"fmt"
	"io"
	"strings"
)

// WriteComparison writes c as a table, its warnings and a one-line
// verdict.
func WriteComparison(w io.Writer, c *Comparison) error {
	ew := &errWriter{w: w}
	tol := fmtTolerance(c.MaxRegression)
	ew.printf("\nwsbench compare · a regression is a metric more than %s worse than the baseline, or worse at all from 0\n", tol)
	for _, r := range []struct {
		label string
		info  RunInfo
	}{{"baseline", c.Baseline}, {"current ", c.Current}} {
		ew.printf("  %s  %s · %s · up to %d clients · %s, %s · started %s\n", r.label, r.info.Scenario, r.info.Target,
			r.info.PeakTarget, fmtSeconds(r.info.DurationSeconds), r.info.EndReason, r.info.Start)
	}
	ew.printf("\n")
	rows := make([][]string, 0, len(c.Metrics))
	for i := range c.Metrics {
		rows = append(rows, compareRow(&c.Metrics[i], c.MinSamples))
	}
	ew.table([]string{"metric", "baseline", "current", "change", "verdict"}, rows, 1, 2, 3)
	if len(c.Warnings) > 0 {
		ew.printf("\nWarnings\n")
		for _, warn := range c.Warnings {
			ew.printf("  ! %s\n", warn)
		}
	}
	ew.printf("\n%s\n", VerdictLine(c))
	return ew.err
}

// VerdictLine sums c up in one line.
func VerdictLine(c *Comparison) string {
	tol := fmtTolerance(c.MaxRegression)
	var reg []string
	ungated := 0
	for _, m := range c.Metrics {
		switch m.Verdict {
		case Regressed:
			reg = append(reg, m.Metric)
		case NoData, TooFewSamples, NotRanked:
			ungated++
		}
	}
	gated := len(c.Metrics) - ungated
	if len(reg) > 0 {
		return fmt.Sprintf("REGRESSION: %d of %d gated metrics regressed (more than %s worse, or worse from 0): %s", len(reg), gated, tol, strings.Join(reg, ", "))
	}
	s := fmt.Sprintf("no regression: %d gated metrics within %s or better", gated, tol)
	if ungated > 0 {
		s += fmt.Sprintf("; %d not gated", ungated)
	}
	return s
}

func compareRow(m *MetricChange, minSamples int) []string {
	value := func(v float64, ok bool) string {
		if !ok {
			return "no data"
		}
		return formatValue(m.Kind, v)
	}
	row := []string{m.Metric, value(m.Baseline, m.BaseOK), value(m.Current, m.CurrentOK), "-", ""}
	if rel, ok := m.Change(); ok {
		row[3] = fmtChange(rel)
	} else if m.BaseOK && m.CurrentOK {
		row[3] = "0%"
		if m.Current != 0 {
			row[3] = "from 0"
		}
	}
	switch m.Verdict {
	case Within:
		row[4] = "ok"
	case Better:
		row[4] = "better"
	case Regressed:
		row[4] = "REGRESSED"
		if m.Baseline == 0 {
			row[4] = fmt.Sprintf("REGRESSED: %s → %s", row[1], row[2])
		}
	case NoData:
		row[4] = "no data, not gated"
	case TooFewSamples:
		row[4] = fmt.Sprintf("%d samples (< %d), not gated", m.Samples, minSamples)
	case NotRanked:
		row[4] = "no worse direction, not gated"
	}
	return row
}

// fmtChange writes a relative change as a signed percentage, or as a
// factor from twice the baseline on: "+12.5%", "-40.0%", "×3.2".
func fmtChange(rel float64) string {
	switch {
	case rel == 0:
		return "0%"
	case rel >= 1 && rel < 99:
		return fmt.Sprintf("×%.1f", rel+1)
	case rel >= 99:
		return fmt.Sprintf("×%.0f", rel+1)
	}
	return fmt.Sprintf("%+.1f%%", rel*100)
}

// fmtTolerance writes a ratio as the percentage the flag takes.
func fmtTolerance(r float64) string {
	s := fmt.Sprintf("%.2f", r*100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}
