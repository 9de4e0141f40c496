// Package report turns a run's metrics.Snapshot into a Summary and writes
// it out: the terminal table, the versioned JSON result, JUnit XML, a
// Markdown summary, a self-contained HTML page and the per-second series
// as CSV. Every output is an encoder over the same finished
// Summary. It also evaluates thresholds on a snapshot (threshold.go),
// rebuilds a snapshot from a saved result (snapshot.go) and compares two
// results (compare.go).
//
// It must not import runner or client, and never measures anything itself.
// Start with Build in summary.go (figures.go computes the figures of the
// run and of each client profile, profiles.go keeps the profiles);
// table.go, json.go, junit.go, markdown.go, html.go and csv.go are the
// encoders (the HTML page's charts are drawn in svg.go from the
// arithmetic in svg_scale.go);
// meanings.go explains close codes, HTTP statuses and drop causes;
// mobile.go words the mobile-client, unexpected-message and profile
// parts that the table and the page share.
package report
