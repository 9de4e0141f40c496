package metrics

// Hist names a latency histogram. Values are recorded in microseconds.
type Hist uint8

// Histograms.
const (
	// Connect is dial start to handshake complete (TCP, TLS, upgrade).
	Connect Hist = iota
	// RTT is a message's send (its original send when it was queued) to
	// its matching reply.
	RTT
	// Recover is a drop to the connection being open again.
	Recover
	// Queued is the time a message spent in the offline queue.
	Queued
	// Heartbeat is a ping (or application ping) to its pong (or reply).
	Heartbeat
	// Ack is a Socket.IO emit (its original emit when it was queued) to
	// its acknowledgement.
	Ack
	// Delivery is a tracked message's send, by the sender's clock, to its
	// arrival at a receiver (see client.delivery).
	Delivery
	// Handshake is the Engine.IO handshake: dial start to the open packet.
	Handshake
	// NamespaceConnect is the open packet to the last namespace's CONNECT ack.
	NamespaceConnect
	// Upgrade is a polling to WebSocket upgrade: probe start to the switch.
	Upgrade
	// Lifetime is how long a connection that dropped had been open.
	Lifetime
	// RTTUncorrected is a paced send's round trip from its actual send,
	// beside RTT, which paced sends record from their intended send time.
	RTTUncorrected
	// ArrivalLag is how late an open-model arrival started against its
	// intended time on the arrival schedule: the generator falling behind.
	ArrivalLag
	// TimerLag is how late a probe timer wsbench sets every 50 ms ran
	// (fired and got a CPU): the delay every client's timers and reads
	// suffer on top of the network. High when wsbench is short of CPU.
	TimerLag
	// ResumeOpen is the network coming back (or the app coming back to
	// the foreground) to the connection being open again.
	ResumeOpen
	// ResumeFlushed is the network coming back (or the app coming back to
	// the foreground) to the offline queue being empty on an open
	// connection.
	ResumeFlushed
	// NoticeClient is a silent network loss (client.network mode silent)
	// to the client's own heartbeat noticing the connection is dead.
	NoticeClient
	// NoticeServer is a silent network loss to the server closing the
	// connection: how long the server kept a connection to a client that
	// was gone.
	NoticeServer
	NumHists
)

var histNames = [NumHists]string{"connect", "rtt", "recover", "queued", "heartbeat",
	"ack", "delivery", "handshake", "namespace_connect", "upgrade", "lifetime", "rtt_uncorrected", "arrival_lag", "timer_lag",
	"resume_open", "resume_flushed", "notice_client", "notice_server"}

// Name is the histogram's name in results and thresholds.
func (h Hist) Name() string { return histNames[h] }

// Counter names a monotonic count.
type Counter uint8

// Counters.
const (
	ConnOpened Counter = iota
	ConnFailed
	ConnDropped
	ConnClosed
	ReconnectAttempts
	ReconnectSuccesses
	ReconnectGiveUps
	MsgsSent
	MsgsReceived
	BytesSent
	BytesReceived
	MsgsUnmatched
	ExpectMatched
	ExpectTimedOut
	ExpectCancelled
	ExpectUnsent
	QueueQueued
	QueueFlushed
	QueueDropped
	QueueUnsent
	HeartbeatSent
	HeartbeatMissed
	SendsRejected
	// SendsPaced counts paced sends (send.rate or total_rate); SendsBehind
	// those that left more than one interval after their intended time.
	SendsPaced
	SendsBehind
	ClientsStarted
	ClientsFinished
	// ArrivalsMissed counts open-model arrivals that did not start because
	// clients.max clients were alive.
	ArrivalsMissed
	// Socket.IO upgrades from polling to WebSocket.
	UpgradesSucceeded
	UpgradesFailed
	// Tracked deliveries (client.delivery), counted per receiver.
	DeliveriesReceived
	DeliveriesLost
	DeliveriesDuplicated
	DeliveriesOutOfOrder
	// Time in each connection state, in nanoseconds, for availability.
	TimeConnecting
	TimeOpen
	TimeReconnecting
	// Away periods: the network offline (client.network, offline steps)
	// and the app in the background (client.background, background steps).
	OfflinePeriods
	BackgroundPeriods
	// Messages the client sent while away (offline or in the background),
	// and what became of them: written after the reconnect, dropped by the
	// queue's overflow policy, still queued when the client ended.
	OfflineSent
	OfflineFlushed
	OfflineDropped
	OfflineUnsent
	// OfflineDiscarded counts messages that arrived on a connection whose
	// network had silently gone: the client never saw them.
	OfflineDiscarded
	// Who noticed a silent network loss while the client was offline: the
	// client's heartbeat, or the server (it closed the connection).
	NoticedByClient
	NoticedByServer
	// Socket.IO connection state recovery: reconnects that asked to resume
	// the session, and those the server resumed.
	RecoveryAttempts
	RecoveryRecovered
	// DeliveriesReplayed counts tracked deliveries sent while the receiver
	// was not connected that reached it after it reconnected (a Socket.IO
	// server's recovery replays them).
	DeliveriesReplayed
	// Time away, in nanoseconds.
	TimeOffline
	TimeBackground
	// OfflineDrops counts the drops the client's own simulated network
	// caused (cause network_offline), so the per-second series can tell
	// them from the server's.
	OfflineDrops
	NumCounters
)

var counterNames = [NumCounters]string{
	"connections.opened", "connections.failed", "connections.dropped", "connections.closed",
	"reconnect.attempts", "reconnect.successes", "reconnect.give_ups",
	"messages.sent", "messages.received", "bytes.sent", "bytes.received", "messages.unmatched",
	"expects.matched", "expects.timed_out", "expects.cancelled", "expects.unsent",
	"queue.queued", "queue.flushed", "queue.dropped", "queue.unsent",
	"heartbeat.sent", "heartbeat.missed",
	"sends.rejected", "sends.paced", "sends.behind",
	"clients.started", "clients.finished", "arrivals.missed",
	"upgrades.succeeded", "upgrades.failed",
	"deliveries.received", "deliveries.lost", "deliveries.duplicated", "deliveries.out_of_order",
	"time.connecting_ns", "time.open_ns", "time.reconnecting_ns",
	"offline.periods", "background.periods",
	"offline.sent", "offline.flushed", "offline.dropped", "offline.unsent", "offline.discarded",
	"offline.noticed_by_client", "offline.noticed_by_server",
	"recovery.attempts", "recovery.recovered",
	"deliveries.replayed",
	"time.offline_ns", "time.background_ns",
	"offline.drops",
}

// Name is the counter's name in results and thresholds.
func (c Counter) Name() string { return counterNames[c] }

// Gauge names a current level (it goes up and down).
type Gauge uint8

// Gauges.
const (
	// Connected counts clients whose connection is open.
	Connected Gauge = iota
	// Alive counts clients running their steps.
	Alive
	// QueueDepth counts messages waiting in offline queues.
	QueueDepth
	NumGauges
)

var gaugeNames = [NumGauges]string{"clients.connected", "clients.alive", "queue.depth"}

// Name is the gauge's name in results.
func (g Gauge) Name() string { return gaugeNames[g] }

// Cause is why a connection attempt failed or an open connection dropped.
type Cause uint8

// Drop causes (an open connection ended without the client asking).
const (
	// CauseServerClose: the server sent a close frame (see close codes).
	CauseServerClose Cause = iota
	// CauseAbnormal: the connection ended without a close frame (1006).
	CauseAbnormal
	// CauseReset: the TCP connection was reset.
	CauseReset
	// CauseHeartbeat: no pong or reply within the heartbeat timeout.
	CauseHeartbeat
	// CauseReadError: another error while reading.
	CauseReadError
	// CauseWriteError: a write failed or timed out.
	CauseWriteError
	// CauseTooBig: a message exceeded max_message_size (closed with 1009).
	CauseTooBig
	// CauseNetworkOffline: the client's own network went away (simulated:
	// client.network or an offline step).
	CauseNetworkOffline
	// Socket.IO disconnect reasons, named as Socket.IO names them.

	// CauseIOServerDisconnect: the server disconnected the socket (a kick).
	CauseIOServerDisconnect
	// CausePingTimeout: no Engine.IO ping within pingInterval + pingTimeout.
	CausePingTimeout
	// CauseTransportClose: the connection was closed (by the server or a proxy).
	CauseTransportClose
	// CauseTransportError: the connection failed (reset, read or write error).
	CauseTransportError
	// CauseParseError: the server sent a packet that breaks the protocol.
	CauseParseError

	// Connect failures (the connection never opened).

	// CauseHandshakeStatus: the server answered the upgrade with an HTTP status.
	CauseHandshakeStatus
	// CauseRefused: TCP connection refused.
	CauseRefused
	// CauseDNS: the host name did not resolve.
	CauseDNS
	// CauseTLS: the TLS handshake failed.
	CauseTLS
	// CauseTimeout: the handshake did not finish within handshake_timeout.
	CauseTimeout
	// CauseDialError: another connect error.
	CauseDialError
	// CauseConnectError: a Socket.IO namespace refused the connection
	// (CONNECT_ERROR, e.g. an auth middleware), with the server's message.
	CauseConnectError
	NumCauses
)

var causeNames = [NumCauses]string{
	"server_close", "abnormal_close", "tcp_reset", "heartbeat_timeout", "read_error", "write_error", "message_too_big", "network_offline",
	"io_server_disconnect", "ping_timeout", "transport_close", "transport_error", "parse_error",
	"handshake_status", "connection_refused", "dns", "tls", "timeout", "dial_error", "connect_error",
}

// Name is the cause's name in results.
func (c Cause) Name() string { return causeNames[c] }

// IsDrop reports whether c ends an open connection (as opposed to a
// connect failure).
func (c Cause) IsDrop() bool { return c < CauseHandshakeStatus }
