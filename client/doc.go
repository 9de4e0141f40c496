// Package client is one virtual client: the connection state machine
// (connecting, open, reconnecting, closed, failed), reconnect with
// exponential backoff, heartbeat, the offline queue and the step
// interpreter that runs a scenario's steps.
//
// A VU's steps run on a goroutine of its own, which exits while a long
// sleep parks it; its lifecycle dials, reads and reconnects on another,
// which exits while an open connection waits for data in the transport's
// poller (transport.Poller), so an idle client holds no goroutine at all.
// It records into a
// metrics.Shard and never formats text or computes statistics. It must not
// know about populations or other clients: that is the runner's job.
//
// Start with VU in vu.go, then lifecycle.go (dial, read, reconnect),
// send.go (write path and queue) and steps.go. Pure policies live in their
// own files: backoff.go, queue.go, jsonfield.go, classify.go. A traced
// client (Options.Trace) also emits one trace.Event per connection event,
// never per message; trace.go holds the helpers.
package client
