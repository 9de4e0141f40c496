package trace

import (
	"math"
	"time"
)

// Version is the trace format's version, written in the trace_start line.
const Version = 1

// Kind names an event.
type Kind uint8

// Event kinds. docs/trace.md lists the fields each one carries.
const (
	// ClientStart: a client (one iteration of a slot) starts its steps.
	ClientStart Kind = iota
	// ClientEnd: the client's steps ended; OK says whether they completed.
	ClientEnd
	// State: the connection state changed From -> To after Dur in From.
	State
	// DialFailed: connection attempt Attempt failed after Dur with
	// Cause, Status (handshake_status only) and Err.
	DialFailed
	// Open: connection attempt Attempt opened after Dur; Socket.IO adds
	// SID, Transport and Upgraded.
	Open
	// Drop: an open connection ended without the client asking: Cause,
	// Code, Reason, Err, its lifetime Dur and Idle since the last message
	// received (negative when none was).
	Drop
	// Close: the client closed the connection with Code and Reason.
	Close
	// Backoff: the client waits Dur before reconnect attempt Attempt.
	Backoff
	// HeartbeatMiss: no heartbeat reply within Dur (0 for Socket.IO, whose
	// server pings).
	HeartbeatMiss
	// QueueOverflow: the offline queue (Max messages, Policy) was full; N
	// messages were dropped so far while this connection was down. Emitted
	// at the 1st, 2nd, 4th, 8th... drop of an outage (policy block: at the
	// first send that waits, N 0), so a long outage writes a few lines.
	QueueOverflow
	// Flush: N queued messages were written on the new connection in Dur;
	// Left stayed queued (the flush ended early).
	Flush
	// GiveUp: reconnecting stopped after Attempt attempts (reconnect off
	// or max_attempts reached); the client is failed.
	GiveUp
	// Offline: the client's network went away for Dur, Mode silent or
	// reset (client.network or an offline step).
	Offline
	// Online: the network came back.
	Online
	// Background: the app went to the background for Dur; OK says whether
	// that closes the connection.
	Background
	// Foreground: the app came back.
	Foreground
	// Noticed: a silent network loss was noticed Dur after it began, by
	// Mode "client" (its heartbeat) or "server" (it closed the connection).
	Noticed
	numKinds
)

var kindNames = [numKinds]string{"client_start", "client_end", "state", "dial_failed", "open",
	"drop", "close", "backoff", "heartbeat_miss", "queue_overflow", "flush", "give_up",
	"offline", "online", "background", "foreground", "noticed"}

// String is the kind's name in the event field.
func (k Kind) String() string {
	if k >= numKinds {
		return "unknown"
	}
	return kindNames[k]
}

// Event is one per-connection event of one client. It is a small value
// passed by copy; which fields are set depends on Kind (see the Kind
// constants). String fields hold constant names or one error text: a
// client builds an Event without formatting anything.
type Event struct {
	At   time.Time
	Kind Kind
	// VU is the client slot, Iter the slot's iteration, Conn the client's
	// connection attempt number (1-based; 0 before the first dial).
	VU, Iter, Conn int

	From, To string        // State
	Dur      time.Duration // see Kind
	Idle     time.Duration // Drop
	Attempt  int           // DialFailed, Open, Backoff, GiveUp
	Code     int           // Drop, Close: close code
	Status   int           // DialFailed: HTTP status of a refused handshake
	N, Left  int           // QueueOverflow, Flush
	Max      int           // QueueOverflow: the queue's bound
	OK       bool          // ClientEnd: the steps completed
	Cause    string        // DialFailed, Drop: a metrics cause name
	Reason   string        // Drop, Close: the close frame's reason
	Err      string        // DialFailed, Drop: error text, redacted when written
	Policy   string        // QueueOverflow
	Mode     string        // Offline, Noticed

	// Socket.IO, Open only.
	SID, Transport string
	Upgraded       bool
}

// Sink takes a client's events. Emit must never block and must be safe
// for concurrent use; Writer is the Sink of `wsbench run --trace`.
type Sink interface {
	Emit(Event)
}

// Run describes a traced run, for the trace_start line and the ms field.
type Run struct {
	// Start is the run's start; every line's ms counts from it.
	Start    time.Time
	Seed     uint64
	Scenario string
	// URL is the target; it is redacted when written.
	URL      string
	Protocol string
}

// Sampled reports whether client slot is traced in a run with seed when
// share (0 to 1) of the slots are: a hash of slot and seed, so the same
// seed traces the same slots, and different seeds different ones.
func Sampled(slot int, seed uint64, share float64) bool {
	if share >= 1 {
		return true
	}
	if share <= 0 {
		return false
	}
	x := splitmix64(seed ^ splitmix64(uint64(slot)))
	return float64(x>>11)/(1<<53) < share
}

// splitmix64 is SplitMix64's finalizer: a fast, well-mixed hash of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}
