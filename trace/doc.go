// Package trace is the per-connection event log of `wsbench run --trace`:
// one JSON object per line, for finding out why connections dropped.
//
// It owns the Event value that clients emit (one per connection event,
// never one per message), the Writer that encodes events on a goroutine
// of its own into a file bounded in size, the deterministic choice of the
// client slots a run traces (Sampled), and the redaction of secrets in
// URLs and error texts (RedactURL, RedactText).
//
// It must not block a client: Writer.Emit hands the event to a bounded
// channel and counts it as dropped when the channel is full. It imports
// nothing of wsbench's, so client and runner can both use it.
//
// Start with Event in trace.go, then Writer in writer.go; the line format
// is in encode.go and documented, with every event and field, in
// docs/trace.md.
package trace
