package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
)

// The --trace flags of run: their values and checks.

type traceFlags struct {
	path    string
	sample  string // a percentage, "100%" by default
	maxSize string // a size, "100MiB" by default
}

// options checks the --trace flags and turns them into the writer's
// options; changed says which flags were given.
func (f traceFlags) options(changed func(string) bool) (trace.Options, error) {
	if f.path == "" {
		for _, n := range []string{"trace-sample", "trace-max-size"} {
			if changed(n) {
				return trace.Options{}, fmt.Errorf("--%s needs --trace FILE", n)
			}
		}
		return trace.Options{}, nil
	}
	share, err := parsePercent(f.sample)
	if err == nil && share > 1 {
		err = errors.New("write a percentage from 0% to 100%, e.g. 10% or 0.5%")
	}
	if err != nil {
		return trace.Options{}, fmt.Errorf("--trace-sample %q: %w", f.sample, err)
	}
	size, err := parseSize(f.maxSize)
	if err != nil {
		return trace.Options{}, fmt.Errorf("--trace-max-size %q: %w", f.maxSize, err)
	}
	if size < trace.MinMaxBytes {
		return trace.Options{}, fmt.Errorf("--trace-max-size %q: write at least 4KiB", f.maxSize)
	}
	return trace.Options{Share: share, MaxBytes: size}, nil
}

// traceReport is the line run prints about a finished trace.
func traceReport(path string, st *trace.Stats, maxSize string) string {
	s := fmt.Sprintf("wsbench: trace: %d events written to %s", st.Events, path)
	if st.Truncated {
		s += fmt.Sprintf(" (truncated at %s; %d later events not written)", maxSize, st.Skipped)
	}
	if st.Dropped > 0 {
		s += fmt.Sprintf("; %d events dropped because the trace writer fell behind", st.Dropped)
	}
	return s
}

// parseSize reads a byte count as scenario files write sizes.
func parseSize(s string) (int64, error) {
	x, err := scenario.ParseSize(strings.TrimSpace(s))
	return int64(x), err
}
