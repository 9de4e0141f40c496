package cmd

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

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

// sizeRE and sizeUnits are the scenario file's size syntax (package
// scenario keeps its parser private).
var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?) ?(B|KB|MB|GB|KiB|MiB|GiB)$`)

var sizeUnits = map[string]float64{
	"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
}

// parseSize reads a byte count: a whole number, or a number with a unit
// (KB, MB and GB are powers of 1000, KiB, MiB and GiB powers of 1024).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if x, err := strconv.ParseInt(s, 10, 64); err == nil && x >= 0 {
		return x, nil
	}
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf(`write a size like "100MiB", "1GB" or 65536 (units: B, KB, MB, GB, KiB, MiB, GiB)`)
	}
	x, _ := strconv.ParseFloat(m[1], 64)
	x *= sizeUnits[m[2]]
	if x != math.Trunc(x) || x > 1<<53 {
		return 0, fmt.Errorf("not a whole number of bytes up to 8PiB")
	}
	return int64(x), nil
}
