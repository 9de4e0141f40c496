// Package client is one virtual client: the connection state machine
// (connecting, open, reconnecting, closed, failed), reconnect with
// exponential backoff, heartbeat, the offline queue and the step
// interpreter that runs a scenario's steps.
//
// A VU uses two goroutines: the one that calls Run executes the steps, and
// a lifecycle goroutine dials, reads and reconnects. It records into a
// metrics.Shard and never formats text or computes statistics. It must not
// know about populations or other clients: that is the runner's job.
//
// Start with VU in vu.go, then lifecycle.go (dial, read, reconnect),
// send.go (write path and queue) and steps.go. Pure policies live in their
// own files: backoff.go, queue.go, jsonfield.go, classify.go. A traced
// client (Options.Trace) also emits one trace.Event per connection event,
// never per message; trace.go holds the helpers.
package client
