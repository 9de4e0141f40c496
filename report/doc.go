// Package report turns a run's metrics.Snapshot into a Summary and writes
// it out: the terminal table and the versioned JSON result. Every output
// is an encoder over the same finished Summary.
//
// It must not import runner or client, and never measures anything itself.
// Start with Build in summary.go; table.go and json.go are the encoders;
// meanings.go explains close codes, HTTP statuses and drop causes.
package report
