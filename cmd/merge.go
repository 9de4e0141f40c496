package cmd

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/report"
)

type mergeFlags struct {
	out   string
	force bool
}

func newMergeCmd() *cobra.Command {
	var f mergeFlags
	c := &cobra.Command{
		Use:   "merge RESULT.json RESULT.json...",
		Short: "Merge the results of processes or machines that ran segments of one run",
		Long: `Merge results written by 'wsbench run --out' on several processes or
machines that ran segments of the same run at the same time into one
result, exactly: latency histograms are merged from the stored
HdrHistograms, counters, causes, close codes, HTTP statuses and the
per-second series (on each run's own second) are summed, and percentiles,
rates, availability and thresholds are computed again from the merged
figures. Thresholds are the union of the results' thresholds. Client
profiles (clients.profiles) and unexpected-message names merge by name.

The results must have the same scenario name, protocol, target and
client profiles; --force merges them anyway, with a warning. Start the segments together:
the series adds second N of each run. See docs/merge.md.

Exit codes: 0 merged, every threshold passed; 2 usage error (bad or
unreadable result file, results of different runs); 99 a threshold failed
on the merged result.`,
		Example: `  # Two processes run the same scenario at the same time, then merge
  wsbench run scenarios/quickstart.yaml --out a.json &
  wsbench run scenarios/quickstart.yaml --out b.json; wait
  wsbench merge a.json b.json --out merged.json`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return mergeResults(cmd, args, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.out, "out", "", "write the merged result as JSON to this file (docs/result.md)")
	fl.BoolVar(&f.force, "force", false, "merge results whose scenario name, protocol, target or profiles differ")
	return c
}

func mergeResults(cmd *cobra.Command, paths []string, f mergeFlags) error {
	results := make([]*report.Summary, len(paths))
	for i, p := range paths {
		r, err := readResult(p)
		if err != nil {
			return err
		}
		results[i] = r
	}
	m, err := report.Merge(results, report.MergeOptions{Force: f.force, Names: paths})
	if errors.Is(err, report.ErrDifferentRuns) {
		return usageErr(fmt.Errorf("%w; --force merges them anyway", err))
	}
	if err != nil {
		return usageErr(err)
	}
	if err := report.WriteTable(cmd.OutOrStdout(), m); err != nil {
		return runErr(fmt.Errorf("write summary: %w", err))
	}
	// The output is opened only now, after every input was read: --out
	// may name one of them.
	if f.out != "" {
		fh, err := os.OpenFile(f.out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return usageErr(fmt.Errorf("--out: %w", err))
		}
		defer fh.Close()
		if err := report.WriteJSON(fh, m); err != nil {
			return runErr(fmt.Errorf("write %s: %w", f.out, err))
		}
		if err := fh.Close(); err != nil {
			return runErr(fmt.Errorf("write %s: %w", f.out, err))
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "wsbench: merged result written to %s\n", f.out)
	}
	if n := report.Failed(m.Thresholds); n > 0 {
		return thresholdErr(fmt.Errorf("%d of %d thresholds failed on the merged result", n, len(m.Thresholds)))
	}
	return nil
}
