package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/report"
)

type reportFlags struct {
	html string
	csv  string
}

func newReportCmd() *cobra.Command {
	var f reportFlags
	c := &cobra.Command{
		Use:   "report RESULT.json",
		Short: "Turn a saved result into an HTML report, a CSV series or the text summary",
		Long: `Read a result written by 'wsbench run --out' and write it again in
another form: --html FILE writes one self-contained HTML page (charts over
time, latency by percentile, drops by cause and close code; no script,
font or network needed, printable), --csv FILE the per-second series, one
row per second. Both may be given at once; "-" writes to stdout. With
neither, the text summary 'wsbench run' printed is printed again.

The page is the same, byte for byte, as the one 'wsbench run --html'
writes for that run. What the page and the CSV columns hold:
docs/report.md.

Exit codes: 0 written; 1 an output file could not be written; 2 usage
error (bad flag, missing or unreadable result file). A failed threshold
does not change the exit code here: the run already reported it.`,
		Example: `  # Save a result, then make the HTML report from it
  wsbench run scenarios/quickstart.yaml --out result.json
  wsbench report result.json --html report.html

  # The per-second series as CSV, for a spreadsheet
  wsbench report result.json --csv series.csv

  # The text summary again
  wsbench report result.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return reportResult(cmd, args[0], f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.html, "html", "", `write a self-contained HTML report to this file ("-": stdout)`)
	fl.StringVar(&f.csv, "csv", "", `write the per-second series as CSV to this file ("-": stdout)`)
	return c
}

func reportResult(cmd *cobra.Command, path string, f reportFlags) error {
	if f.html != "" && f.html == f.csv {
		return usageErr(errors.New("--html and --csv name the same file"))
	}
	s, err := readResult(path)
	if err != nil {
		return err
	}
	if f.html == "" && f.csv == "" {
		if err := report.WriteTable(cmd.OutOrStdout(), s); err != nil {
			return runErr(fmt.Errorf("write summary: %w", err))
		}
		return nil
	}
	for _, o := range []struct {
		path  string
		write func(io.Writer, *report.Summary) error
		what  string
	}{
		{f.html, report.WriteHTML, "HTML report"},
		{f.csv, report.WriteCSV, "CSV series"},
	} {
		if o.path == "" {
			continue
		}
		if err := writeOutput(cmd.OutOrStdout(), o.path, func(w io.Writer) error { return o.write(w, s) }); err != nil {
			return runErr(fmt.Errorf("write %s: %w", o.path, err))
		}
		if o.path != "-" {
			fmt.Fprintf(cmd.ErrOrStderr(), "wsbench: %s written to %s\n", o.what, o.path)
		}
	}
	return nil
}

// writeOutput writes to stdout for "-", else creates (or truncates) the
// file at path and closes it, so a full disk shows as an error.
func writeOutput(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
