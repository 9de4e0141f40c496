package cmd

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/report"
)

type compareFlags struct {
	maxRegression string
	metrics       []string
	minSamples    int
}

func newCompareCmd() *cobra.Command {
	var f compareFlags
	c := &cobra.Command{
		Use:   "compare BASELINE.json CURRENT.json",
		Short: "Compare two saved results and fail on a regression",
		Long: `Compare two results written by 'wsbench run --out' metric by metric and
say, for each, whether the current run got worse than the baseline.
Percentiles come from the stored HdrHistograms, not from the rounded
latency table.

By default it compares p50, p95 and p99 of every latency histogram with
samples, the message rates, drops.rate, errors.count,
reconnect.success_rate, expects.timeout_rate and queue.dropped; --metric
compares and gates only the metrics you name. A metric regresses when it
moves in its worse direction (higher for latencies and errors, lower for
rates and success rates) by more than --max-regression of the baseline,
or at all from a zero baseline. Not gated, only listed: metrics without
data in a run, and latency percentiles from fewer than --min-samples
samples. Runs of different scenarios, targets or client counts, and
interrupted or aborted runs, get a warning. See docs/compare.md.

Exit codes: 0 no regression; 2 usage error (bad flag, missing or unreadable
result file); 99 a metric regressed.`,
		Example: `  # Save a baseline, then gate a later run against it
  wsbench run scenarios/quickstart.yaml --out baseline.json
  wsbench run scenarios/quickstart.yaml --out current.json
  wsbench compare baseline.json current.json

  # Gate only the round-trip p99 and the error count, allowing 20%
  wsbench compare baseline.json current.json --metric rtt.p99 --metric errors.count --max-regression 20%`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return compareResults(cmd, args[0], args[1], f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.maxRegression, "max-regression", "10%", "how much worse than the baseline a metric may get, as a percentage of it")
	fl.StringArrayVar(&f.metrics, "metric", nil, "a threshold metric to compare and gate instead of the default set, e.g. rtt.p99; repeatable")
	fl.IntVar(&f.minSamples, "min-samples", report.DefaultMinSamples, "samples both runs need for a latency percentile to be gated")
	return c
}

func compareResults(cmd *cobra.Command, basePath, curPath string, f compareFlags) error {
	tol, err := parsePercent(f.maxRegression)
	if err != nil {
		return usageErr(fmt.Errorf("--max-regression %q: %v", f.maxRegression, err))
	}
	if f.minSamples < 1 {
		return usageErr(fmt.Errorf("--min-samples %d: must be 1 or more", f.minSamples))
	}
	if err := report.CheckMetricNames(f.metrics); err != nil {
		return usageErr(fmt.Errorf("--metric: %w", err))
	}
	base, err := readResult(basePath)
	if err != nil {
		return err
	}
	cur, err := readResult(curPath)
	if err != nil {
		return err
	}
	c, err := report.Compare(base, cur, report.CompareOptions{MaxRegression: tol, Metrics: f.metrics, MinSamples: f.minSamples})
	if err != nil {
		return usageErr(err)
	}
	if err := report.WriteComparison(cmd.OutOrStdout(), c); err != nil {
		return runErr(fmt.Errorf("write comparison: %w", err))
	}
	if reg := c.Regressions(); len(reg) > 0 {
		return thresholdErr(fmt.Errorf("%d metric(s) regressed against %s", len(reg), basePath))
	}
	return nil
}

// parsePercent reads "10%" as 0.1; a bare number is refused, so 0.1 is
// never read as 0.1%.
func parsePercent(s string) (float64, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	if !ok {
		return 0, fmt.Errorf("write a percentage like 10%%")
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(num)+"e-2", 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return 0, fmt.Errorf("write a percentage of 0%% or more, like 10%%")
	}
	return x, nil
}

// readResult opens and decodes a result file; every failure is a usage
// error naming the file.
func readResult(path string) (*report.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr(err)
	}
	defer f.Close()
	s, err := report.ReadJSON(f)
	if err != nil {
		return nil, usageErr(fmt.Errorf("%s: %w (write one with wsbench run --out)", path, err))
	}
	return s, nil
}
