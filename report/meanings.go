package report

import (
	"fmt"
	"net/http"

	"github.com/wsbench/wsbench/metrics"
)

// closeCodes explains the close codes of RFC 6455 section 7.4.1 and the
// IANA WebSocket Close Code Number Registry.
var closeCodes = map[int]string{
	1000: "normal closure",
	1001: "going away: the server is shutting down or the peer left",
	1002: "protocol error",
	1003: "unsupported data: a message type the endpoint cannot accept",
	1005: "no status code: a close frame without a code",
	1006: "abnormal closure: the connection ended without a close frame (lost, reset or killed)",
	1007: "invalid payload data, e.g. text that is not UTF-8",
	1008: "policy violation",
	1009: "message too big",
	1010: "mandatory extension missing from the handshake",
	1011: "internal error: the server hit an unexpected condition",
	1012: "service restart",
	1013: "try again later: the server is overloaded",
	1014: "bad gateway: a proxy got an invalid response upstream",
	1015: "TLS handshake failure",
	3000: "unauthorized (IANA registry)",
	3003: "forbidden (IANA registry)",
	3008: "timeout (IANA registry)",
}

// CloseCodeMeaning explains a WebSocket close code in plain words.
func CloseCodeMeaning(code int) string {
	if m, ok := closeCodes[code]; ok {
		return m
	}
	switch {
	case code >= 4000 && code <= 4999:
		return "application-defined (private use range 4000-4999)"
	case code >= 3000 && code <= 3999:
		return "registered for libraries and frameworks (IANA 3000-3999)"
	case code >= 1000 && code <= 2999:
		return "reserved by RFC 6455"
	}
	return "outside the valid range"
}

// statusHints says what usually causes a refused upgrade.
var statusHints = map[int]string{
	400: "the upgrade request was rejected (missing or wrong WebSocket headers, or not a WebSocket endpoint)",
	401: "check the token or Authorization header",
	403: "check credentials and the Origin the server allows",
	404: "no WebSocket endpoint at this path",
	426: "the server expects another protocol version or TLS",
	429: "rate limited: too many connects; slow the ramp or honour Retry-After",
	500: "the server failed while handling the upgrade",
	502: "a proxy could not reach the backend",
	503: "backend down, overloaded or draining",
	504: "a proxy gave up waiting for the backend",
}

// StatusHint says what usually causes a refused upgrade with this HTTP
// status, "" when there is no particular advice (probe shows it too).
func StatusHint(status int) string { return statusHints[status] }

func statusMeaning(status int) string {
	text := http.StatusText(status)
	if h, ok := statusHints[status]; ok {
		return fmt.Sprintf("%s: %s", text, h)
	}
	return text
}

// causeMeaning explains each drop and failure cause.
var causeMeaning = [metrics.NumCauses]string{
	metrics.CauseServerClose:     "the server closed the connection with a close frame (see close codes)",
	metrics.CauseAbnormal:        "the connection ended without a close frame (1006): server process died, proxy cut it, or network loss",
	metrics.CauseReset:           "the TCP connection was reset (RST): a crashed or overloaded server, proxy or firewall",
	metrics.CauseHeartbeat:       "no pong or heartbeat reply within the timeout: the connection was silently dead",
	metrics.CauseReadError:       "reading from the connection failed",
	metrics.CauseWriteError:      "writing to the connection failed or timed out (the server stopped reading)",
	metrics.CauseTooBig:          "a received message exceeded client.max_message_size (closed with 1009)",
	metrics.CauseNetworkOffline:  "the client's own network went away (simulated: client.network or an offline step); not the server's doing",
	metrics.CauseHandshakeStatus: "the server answered the upgrade with an HTTP error status (see HTTP statuses)",
	metrics.CauseRefused:         "TCP connection refused: nothing listens on that port, or the listener is down",
	metrics.CauseDNS:             "the host name did not resolve",
	metrics.CauseTLS:             "the TLS handshake failed (certificate or protocol)",
	metrics.CauseTimeout:         "the connect did not finish within client.handshake_timeout",
	metrics.CauseDialError:       "another connect error (see the example)",

	metrics.CauseIOServerDisconnect: "io server disconnect: the server disconnected the socket (socket.disconnect(), a kick)",
	metrics.CausePingTimeout:        "ping timeout: no Engine.IO ping from the server within pingInterval + pingTimeout; the connection was silently dead",
	metrics.CauseTransportClose:     "transport close: the connection was closed (server restart, proxy, or the server closing the engine)",
	metrics.CauseTransportError:     "transport error: the connection failed (reset, read or write error)",
	metrics.CauseParseError:         "parse error: the server sent a packet that breaks the Socket.IO protocol",
	metrics.CauseConnectError:       "connect_error: a namespace refused the connection (middleware such as auth), with the server's message",
}
