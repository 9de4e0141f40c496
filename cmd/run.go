package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/metrics/prom"
	"github.com/wsbench/wsbench/report"
	"github.com/wsbench/wsbench/runner"
	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
)

type runFlags struct {
	clients  int
	duration time.Duration
	target   string
	seed     int64
	out      string
	quiet    bool
	every    time.Duration
	// thresholds are --threshold values, added to the file's.
	thresholds  []string
	segment     string
	workers     int
	junit       string
	html        string
	csv         string
	summary     string
	summaryFile string
	trace       traceFlags
	metricsAddr string
}

func newRunCmd() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run SCENARIO.yaml",
		Short: "Run a scenario and print a summary",
		Long: `Run a scenario: start its virtual clients, show live progress once a
second, and print a summary when the run ends. The scenario file is checked
before any connection opens; every problem is listed with file:line:col.

The first Ctrl-C (or SIGTERM) stops gracefully: clients finish awaited
replies, close normally, and the summary and the --out, --junit, --html
and --csv files are still written.
A second Ctrl-C exits at once.

--trace FILE writes a per-connection event log, one JSON object per line
(dial failures, opens, drops with cause and close code, backoff delays,
state changes...; never one line per message), for finding out why
connections drop. --trace-sample traces a share of the clients, chosen
from the seed; --trace-max-size bounds the file. URL secrets are
redacted and header values never written. Format: docs/trace.md.`,
		Example: `  # Against the embedded test server, no setup needed
  wsbench run scenarios/quickstart.yaml

  # Against your server, with 500 clients for 2 minutes, result saved
  wsbench run scenarios/chat.yaml --target ws://localhost:8080/ws --clients 500 --duration 2m --out result.json

  # A Socket.IO server: start on polling, upgrade, broadcast in /chat
  wsbench run scenarios/socketio-chat.yaml --target http://localhost:3000

  # A CI gate: exit 99 when a threshold fails; JUnit and a Markdown step summary
  wsbench run scenarios/ci-gate.yaml --threshold "rtt.p99 < 50ms" --junit junit.xml --summary-file "$GITHUB_STEP_SUMMARY"

  # A self-contained HTML report (charts, percentiles, drops by cause) and the per-second series as CSV
  wsbench run scenarios/quickstart.yaml --html report.html --csv series.csv

  # Why do connections drop? Trace 10% of the clients, then list drops by cause and close code
  wsbench run scenarios/quickstart.yaml --trace trace.jsonl --trace-sample 10%
  jq -r 'select(.event=="drop") | "\(.cause) \(.code)"' trace.jsonl | sort | uniq -c`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenario(cmd, args[0], f)
		},
	}
	fl := c.Flags()
	fl.IntVar(&f.clients, "clients", 0, "run this many clients for the whole run, replacing the file's clients block")
	fl.DurationVar(&f.duration, "duration", 0, "run length with --clients or a count population (e.g. 30s, 5m)")
	fl.StringVar(&f.target, "target", "", "URL to load (ws://, wss://; for Socket.IO http://, https://) or embedded, replacing the file's target")
	fl.Int64Var(&f.seed, "seed", 0, "seed for random payloads, sleeps, jitter and offline and background schedules (the summary JSON records the one used)")
	fl.StringVar(&f.out, "out", "", "write the result as JSON to this file (docs/result.md)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no live progress; only the summary")
	fl.DurationVar(&f.every, "progress-every", 0, "progress interval (default 1s on a terminal, 5s otherwise)")
	fl.StringVar(&f.segment, "segment", "", `run only part I of N of the clients ("2/4": global client slots 2, 6, 10, ...), for a run split over processes or machines; merge the parts' --out files with wsbench merge; give every part the same --seed`)
	fl.IntVar(&f.workers, "workers", 1, "run the clients in N child processes of this binary (segments 1/N ... N/N) and merge their results; for populations past one process's open files")
	fl.StringVar(&f.junit, "junit", "", "write a JUnit XML report to this file: a test case per threshold, plus one for the run")
	fl.StringVar(&f.html, "html", "", "write a self-contained HTML report to this file: charts over time, latency by percentile, drops by cause (docs/report.md)")
	fl.StringVar(&f.csv, "csv", "", "write the per-second series as CSV to this file, one row per second (docs/report.md)")
	fl.StringVar(&f.summary, "summary", "text", "the summary on stdout: text or markdown")
	fl.StringVar(&f.summaryFile, "summary-file", "", "append a Markdown summary to this file (e.g. $GITHUB_STEP_SUMMARY)")
	fl.StringVar(&f.trace.path, "trace", "", "write a per-connection event log to this file, one JSON object per line (docs/trace.md)")
	fl.StringVar(&f.trace.sample, "trace-sample", "100%", "with --trace: the share of clients traced, chosen from the seed, e.g. 1%")
	fl.StringVar(&f.trace.maxSize, "trace-max-size", "100MiB", "with --trace: the trace file's size bound (KiB, MiB, GiB...); tracing stops there")
	fl.StringVar(&f.metricsAddr, "metrics-addr", "", "serve live metrics for Prometheus at http://ADDR/metrics during the run, e.g. 127.0.0.1:9464 (docs/observability.md); with --workers, worker I listens on the port + I-1")
	fl.StringArrayVar(&f.thresholds, "threshold", nil, `a pass/fail condition added to the file's thresholds, e.g. "rtt.p99 < 50ms"; repeatable; a failed one exits with 99`)
	return c
}

func runScenario(cmd *cobra.Command, path string, f runFlags) error {
	if f.clients < 0 || f.duration < 0 {
		return usageErr(errors.New("--clients and --duration must not be negative"))
	}
	seg, err := parseSegment(f.segment)
	if err != nil {
		return usageErr(err)
	}
	if f.workers < 1 {
		return usageErr(fmt.Errorf("--workers must be 1 or more, got %d", f.workers))
	}
	sc, err := scenario.Load(path, scenario.Overrides{Clients: f.clients, Duration: f.duration, Target: f.target, Seed: f.seed, Thresholds: f.thresholds})
	if err != nil {
		return scenarioErr(cmd.ErrOrStderr(), err)
	}
	stderr := cmd.ErrOrStderr()
	if sc.Client.TLS.InsecureSkipVerify && strings.HasPrefix(sc.Target, "wss://") {
		fmt.Fprintln(stderr, "wsbench: TLS certificate verification is OFF (client.tls.insecure_skip_verify)")
	}
	part := ""
	if seg.Of > 1 {
		part = fmt.Sprintf(" (segment %d of %d: global client slots %d, %d, ...)", seg.Index, seg.Of, seg.Index, seg.Index+seg.Of)
	}
	fmt.Fprintf(stderr, "wsbench: running %s: %s against %s%s\n",
		sc.Name, sc.Population(), report.RedactURL(sc.Target), part)

	if f.summary != "text" && f.summary != "markdown" {
		return usageErr(fmt.Errorf("--summary %q: write text or markdown", f.summary))
	}
	traceOpts, err := f.trace.options(cmd.Flags().Changed)
	if err != nil {
		return usageErr(err)
	}
	// Open the output files now: a bad path should fail before the run,
	// not after it.
	var out, junit, htmlFile, csvFile, mdFile, traceFile *os.File
	for _, o := range []struct {
		flag, path string
		file       **os.File
		flags      int
	}{
		{"--out", f.out, &out, os.O_WRONLY | os.O_CREATE | os.O_TRUNC},
		{"--junit", f.junit, &junit, os.O_WRONLY | os.O_CREATE | os.O_TRUNC},
		{"--html", f.html, &htmlFile, os.O_WRONLY | os.O_CREATE | os.O_TRUNC},
		{"--csv", f.csv, &csvFile, os.O_WRONLY | os.O_CREATE | os.O_TRUNC},
		{"--summary-file", f.summaryFile, &mdFile, os.O_WRONLY | os.O_CREATE | os.O_APPEND},
		{"--trace", f.trace.path, &traceFile, os.O_WRONLY | os.O_CREATE | os.O_TRUNC},
	} {
		if o.path == "" {
			continue
		}
		fh, err := os.OpenFile(o.path, o.flags, 0o644)
		if err != nil {
			return usageErr(fmt.Errorf("%s: %w", o.flag, err))
		}
		defer fh.Close()
		*o.file = fh
	}

	ctx, stop := gracefulSignals(stderr)
	defer stop()
	var sum *report.Summary
	var res *runner.Result
	if f.workers > 1 {
		if sum, err = runWorkers(ctx, cmd, path, sc, f); err != nil {
			return err
		}
	} else {
		attach, err := serveMetrics(stderr, sc, f.metricsAddr, seg)
		if err != nil {
			return err
		}
		if res, sum, err = runHere(ctx, stderr, sc, f, seg, traceFile, traceOpts, attach); err != nil {
			return err
		}
	}
	write := report.WriteTable
	if f.summary == "markdown" {
		write = report.WriteMarkdown
	}
	if err := write(cmd.OutOrStdout(), sum); err != nil {
		return runErr(fmt.Errorf("write summary: %w", err))
	}
	for _, o := range []struct {
		file  *os.File
		path  string
		write func(io.Writer, *report.Summary) error
		what  string
	}{
		{out, f.out, report.WriteJSON, "result"},
		{junit, f.junit, report.WriteJUnit, "JUnit report"},
		{htmlFile, f.html, report.WriteHTML, "HTML report"},
		{csvFile, f.csv, report.WriteCSV, "CSV series"},
		{mdFile, f.summaryFile, report.WriteMarkdown, "Markdown summary"},
	} {
		if o.file == nil {
			continue
		}
		if err := o.write(o.file, sum); err != nil {
			return runErr(fmt.Errorf("write %s: %w", o.path, err))
		}
		if err := o.file.Close(); err != nil {
			return runErr(fmt.Errorf("write %s: %w", o.path, err))
		}
		fmt.Fprintf(stderr, "wsbench: %s written to %s\n", o.what, o.path)
	}
	if res != nil && res.Trace != nil {
		st := res.Trace
		if st.Err == nil {
			st.Err = traceFile.Close()
		}
		if st.Err != nil {
			return runErr(fmt.Errorf("write %s: %w", f.trace.path, st.Err))
		}
		fmt.Fprintln(stderr, traceReport(f.trace.path, st, f.trace.maxSize))
	}
	ran := (time.Duration(sum.DurationSeconds * float64(time.Second))).Round(100 * time.Millisecond)
	switch {
	case sum.EndReason == runner.EndInterrupted:
		return runErr(fmt.Errorf("run interrupted after %s of %s; the summary covers that part",
			ran, time.Duration(sum.PlannedSeconds*float64(time.Second))))
	case sum.Connections.Opened == 0:
		return runErr(fmt.Errorf("no connection to %s opened; see connect failures above", sum.Scenario.URL))
	case sum.EndReason == runner.EndAborted:
		return thresholdErr(fmt.Errorf("run aborted after %s: threshold %q failed (abort_on_fail)", ran, abortedBy(sum)))
	}
	if n := report.Failed(sum.Thresholds); n > 0 {
		return thresholdErr(fmt.Errorf("%d of %d thresholds failed", n, len(sum.Thresholds)))
	}
	return nil
}

// abortCheck returns the runner's once-a-second check for the thresholds
// with abort_on_fail, or nil when there are none. A threshold aborts when,
// from its delay on, it has data and fails.
func abortCheck(ths []scenario.Threshold) func(*metrics.Snapshot, time.Duration) string {
	var abort []scenario.Threshold
	for _, t := range ths {
		if t.AbortOnFail {
			abort = append(abort, t)
		}
	}
	if len(abort) == 0 {
		return nil
	}
	return func(snap *metrics.Snapshot, elapsed time.Duration) string {
		for i := range abort {
			t := &abort[i]
			if elapsed < t.Delay.D() {
				continue
			}
			if v, ok := report.MetricValue(t.Metric, snap); ok && !t.Holds(v) {
				return t.Expr
			}
		}
		return ""
	}
}

// scenarioErr prints every problem of a bad scenario and exits with 2.
func scenarioErr(w io.Writer, err error) error {
	var probs scenario.Problems
	if errors.As(err, &probs) {
		fmt.Fprintln(w, probs.Error())
		return usageErr(fmt.Errorf("the scenario has %d problem(s); fix them and run again", len(probs)))
	}
	return usageErr(err)
}

// gracefulSignals returns a context cancelled by the first SIGINT or
// SIGTERM; a second one exits the process at once.
func gracefulSignals(w io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	notify(sigs)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(w, "\nwsbench: stopping gracefully; press Ctrl-C again to exit at once")
		cancel()
		select {
		case <-sigs:
			fmt.Fprintln(w, "wsbench: exiting at once")
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() {
		stopNotify(sigs)
		close(done)
		cancel()
	}
}

// parseSegment reads --segment "I/N" (1 <= I <= N); "" is the whole run.
func parseSegment(s string) (runner.Segment, error) {
	if s == "" {
		return runner.Segment{}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return runner.Segment{}, fmt.Errorf("--segment %q: write I/N with 1 <= I <= N, e.g. 2/4 for the second of four parts", s)
	}
	return runner.Segment{Index: i, Of: n}, nil
}

// abortedBy names the threshold that aborted the run.
func abortedBy(sum *report.Summary) string {
	for _, t := range sum.Thresholds {
		if t.Aborted {
			return t.Expr
		}
	}
	return "?"
}

// serveMetrics starts the --metrics-addr endpoint, if asked for, and
// returns what gives it the run's recorder (nil without one). The endpoint
// serves until the process exits, so a scrape at the end of the run sees
// its final totals.
func serveMetrics(stderr io.Writer, sc *scenario.Scenario, addr string, seg runner.Segment) (func(*metrics.Recorder), error) {
	if addr == "" {
		return nil, nil
	}
	labels := map[string]string{"scenario": sc.Name, "protocol": sc.Protocol}
	if seg.Of > 1 {
		labels["segment"] = fmt.Sprintf("%d/%d", seg.Index, seg.Of)
	}
	col := prom.NewCollector(labels)
	at, err := prom.Serve(context.Background(), addr, col)
	if err != nil {
		return nil, runErr(err)
	}
	fmt.Fprintf(stderr, "wsbench: metrics at http://%s/metrics\n", at)
	return col.Attach, nil
}

// runHere runs the scenario in this process.
func runHere(ctx context.Context, stderr io.Writer, sc *scenario.Scenario, f runFlags, seg runner.Segment,
	traceFile *os.File, traceOpts trace.Options, attach func(*metrics.Recorder)) (*runner.Result, *report.Summary, error) {
	tuneGC()

	prog := newProgress(stderr, sc.RunDuration(), f.every)
	opts := runner.Options{}
	if !f.quiet {
		opts.Progress = prog.point
	}
	opts.Abort = abortCheck(sc.Thresholds)
	opts.Segment = seg
	if traceFile != nil {
		opts.Trace = trace.New(traceFile, traceOpts)
		defer opts.Trace.Close() // the runner closes it; this covers a setup error
	}
	opts.Recorder = attach
	res, err := runner.Run(ctx, sc, opts)
	if err != nil {
		return nil, nil, runErr(err)
	}
	prog.done()

	sum, err := report.Build(report.Input{
		Scenario:     sc,
		URL:          res.URL,
		EndReason:    res.EndReason,
		Planned:      res.Planned,
		Seed:         res.Seed,
		Aborted:      res.Aborted,
		Snapshot:     res.Snapshot,
		SegmentIndex: seg.Index,
		SegmentOf:    seg.Of,
		Load:         res.Load,
		Version:      version(),
	})
	if err != nil {
		return nil, nil, runErr(err)
	}
	return res, sum, nil
}
