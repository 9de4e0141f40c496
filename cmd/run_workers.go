package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/report"
	"github.com/wsbench/wsbench/scenario"
)

// runWorkers runs the scenario as f.workers child processes of this
// binary, each one --segment of the population, and merges their results
// (as wsbench merge does) into one summary. Every worker gets the same
// seed, so payloads and jitter are those of a one-process run with that
// seed. A first Ctrl-C is passed on to the workers, which stop gracefully
// and still write their parts.
func runWorkers(ctx context.Context, cmd *cobra.Command, path string, sc *scenario.Scenario, f runFlags) (*report.Summary, error) {
	stderr := cmd.ErrOrStderr()
	if f.segment != "" || f.trace.path != "" {
		return nil, usageErr(errors.New("--workers splits the run itself: it does not go with --segment or --trace"))
	}
	metricsHost, metricsPort, err := workerMetricsAddr(f.metricsAddr)
	if err != nil {
		return nil, usageErr(err)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, runErr(fmt.Errorf("find this binary to start workers: %w", err))
	}
	dir, err := os.MkdirTemp("", "wsbench-workers")
	if err != nil {
		return nil, runErr(err)
	}
	defer os.RemoveAll(dir)
	seed := sc.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	common := []string{"run", path, "-q", "--seed", strconv.FormatInt(seed, 10)}
	if f.clients > 0 {
		common = append(common, "--clients", strconv.Itoa(f.clients))
	}
	if f.duration > 0 {
		common = append(common, "--duration", f.duration.String())
	}
	if f.target != "" {
		common = append(common, "--target", f.target)
	}
	for _, t := range f.thresholds {
		common = append(common, "--threshold", t)
	}
	fmt.Fprintf(stderr, "wsbench: %d workers, seed %d\n", f.workers, seed)
	if metricsPort > 0 {
		fmt.Fprintf(stderr, "wsbench: metrics of workers 1 to %d at http://%s/metrics to http://%s/metrics\n", f.workers,
			net.JoinHostPort(metricsHost, strconv.Itoa(metricsPort)), net.JoinHostPort(metricsHost, strconv.Itoa(metricsPort+f.workers-1)))
	}

	type worker struct {
		cmd  *exec.Cmd
		out  string
		logs bytes.Buffer
	}
	ws := make([]*worker, f.workers)
	for i := range ws {
		w := &worker{out: filepath.Join(dir, fmt.Sprintf("part-%d.json", i+1))}
		args := append(append([]string(nil), common...), "--segment", fmt.Sprintf("%d/%d", i+1, f.workers), "--out", w.out)
		if metricsPort > 0 {
			args = append(args, "--metrics-addr", net.JoinHostPort(metricsHost, strconv.Itoa(metricsPort+i)))
		}
		w.cmd = exec.Command(exe, args...)
		w.cmd.Stdout = io.Discard // each part's summary; the merged one follows
		w.cmd.Stderr = &w.logs
		w.cmd.SysProcAttr = workerAttr()
		if err := w.cmd.Start(); err != nil {
			for _, started := range ws[:i] {
				_ = started.cmd.Process.Kill()
				_ = started.cmd.Wait()
			}
			return nil, runErr(fmt.Errorf("start worker %d: %w", i+1, err))
		}
		ws[i] = w
	}
	// Pass a graceful stop on to every worker.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			for _, w := range ws {
				_ = w.cmd.Process.Signal(os.Interrupt)
			}
		case <-done:
		}
	}()

	var parts []*report.Summary
	var names []string
	host := metrics.ThisHost()
	if host == "" {
		host = "localhost" // unnamed, but one machine all the same
	}
	for i, w := range ws {
		err := w.cmd.Wait()
		code := w.cmd.ProcessState.ExitCode()
		// 99 is a threshold failing on the part: the merged result decides.
		if err != nil && code != ExitThreshold {
			if _, statErr := os.Stat(w.out); statErr != nil || code != ExitRunFailed {
				return nil, runErr(fmt.Errorf("worker %d of %d failed (exit %d):\n%s", i+1, f.workers, code, w.logs.String()))
			}
		}
		fh, err := os.Open(w.out)
		if err != nil {
			return nil, runErr(fmt.Errorf("worker %d wrote no result:\n%s", i+1, w.logs.String()))
		}
		part, err := report.ReadJSON(fh)
		fh.Close()
		if err != nil {
			return nil, runErr(fmt.Errorf("worker %d: %w", i+1, err))
		}
		// The workers share this machine's cores: say so, so the merge
		// counts them once (a result names its host itself only from a
		// wsbench that records it).
		if part.LoadGenerator.Host == "" {
			part.LoadGenerator.Host = host
		}
		parts = append(parts, part)
		names = append(names, fmt.Sprintf("worker %d", i+1))
	}
	sum, err := report.Merge(parts, report.MergeOptions{Names: names})
	if err != nil {
		return nil, runErr(fmt.Errorf("merge the workers' results: %w", err))
	}
	return sum, nil
}

// workerMetricsAddr splits --metrics-addr for workers, who listen on
// consecutive ports from it: a scrape configuration can then list them.
// Port 0 (any free port) would leave them unknown, so it is refused.
// Without the flag it returns port 0.
func workerMetricsAddr(addr string) (string, int, error) {
	if addr == "" {
		return "", 0, nil
	}
	host, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("--metrics-addr %q with --workers needs a fixed port, like 127.0.0.1:9464: worker I listens on the port + I-1", addr)
	}
	return host, port, nil
}
