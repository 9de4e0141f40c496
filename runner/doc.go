// Package runner executes a scenario: it resolves the target (starting the
// embedded test server for target embedded), keeps the population at its
// target over time, samples the recorder once a second for live progress
// and the time series, and stops gracefully. With Options.Trace it hands
// the trace writer to the client slots the writer samples.
//
// It owns populations and timing, not client behaviour (package client)
// nor rendering (package report). Start with Run in runner.go; the
// population schedule is a pure function in population.go.
package runner
