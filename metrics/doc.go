// Package metrics records what virtual clients measure, on the hot path,
// in fixed memory: latency HdrHistograms and counters, sharded so that
// clients on different CPUs do not contend, plus the per-second series the
// runner samples and a mergeable Snapshot at the end.
//
// It must not format text, compute report tables or know about scenarios;
// recording a sample must not allocate. Start with Recorder and Shard in
// recorder.go; names.go lists every metric; snapshot.go is the result.
package metrics
