// Package report turns a run's metrics.Snapshot into a Summary and writes
// it out: the terminal table, the versioned JSON result, JUnit XML and a
// Markdown summary. Every output is an encoder over the same finished
// Summary. It also evaluates thresholds on a snapshot (threshold.go),
// rebuilds a snapshot from a saved result (snapshot.go) and compares two
// results (compare.go).
//
// It must not import runner or client, and never measures anything itself.
// Start with Build in summary.go; table.go, json.go, junit.go and
// markdown.go are the encoders; meanings.go explains close codes, HTTP
// statuses and drop causes.
package report
