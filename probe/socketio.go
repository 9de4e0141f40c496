package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/wsbench/wsbench/report"
	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/socketio"
)

// SocketIOInfo describes the Engine.IO session and the namespace of a
// Socket.IO probe.
type SocketIOInfo struct {
	// SID is the Engine.IO session id.
	SID string `json:"sid"`
	// Transport is the Engine.IO transport, "websocket".
	Transport    string   `json:"transport"`
	PingInterval Duration `json:"ping_interval_ms"`
	PingTimeout  Duration `json:"ping_timeout_ms"`
	// MaxPayload is the server's limit for one message, in bytes.
	MaxPayload int64 `json:"max_payload"`
	// Namespace and SocketID are the connected namespace and the socket
	// id the server gave it.
	Namespace string `json:"namespace"`
	SocketID  string `json:"socket_id"`
}

// Socket.IO endings in plain words; the wording follows report's drop
// causes.
const (
	meaningIOServerDisconnect = "io server disconnect: the server disconnected the socket (socket.disconnect(), a kick)"
	meaningPingTimeout        = "ping timeout: no Engine.IO ping from the server within pingInterval + pingTimeout; the connection was silently dead"
	meaningParse              = "parse error: the server sent a packet that breaks the Socket.IO protocol"
)

// runSocketIO probes a Socket.IO server over the WebSocket transport:
// DNS, TCP and TLS as for WebSocket, then the Engine.IO handshake, the
// namespace connect, the first event, and the hold.
func runSocketIO(ctx context.Context, o *Options, tl *timeline, res *Result) {
	_, host, port, _ := target(o.URL)
	// The dial and the TLS check run inside Dial, on this goroutine.
	var stepFail *Failure
	var connected time.Time
	netDial := func(dctx context.Context, _, _ string) (net.Conn, error) {
		c, f := connectTCP(dctx, o, tl, res, host, port)
		if f != nil {
			stepFail = f
			return nil, errors.New(f.Error)
		}
		connected = time.Now()
		return c, nil
	}
	cfg := clientTLS(host)
	cfg.VerifyConnection = func(st tls.ConnectionState) error {
		res.Timings.TLS = ms(time.Since(connected))
		if f := checkPeer(st, tl.now(), host, o, tl, res); f != nil {
			stepFail = f
			return errors.New(f.Error)
		}
		return nil
	}
	d := socketio.NewDialer(socketio.Options{
		Path:             o.Path,
		Namespaces:       []string{o.Namespace},
		Auth:             o.Auth,
		Header:           o.Header,
		TLS:              cfg,
		HandshakeTimeout: o.HandshakeTimeout,
		NetDial:          netDial,
	})
	start := tl.now()
	tc, err := d.Dial(ctx, o.URL)
	if err != nil {
		sioDialFailed(ctx, o, tl, res, stepFail, err)
		return
	}
	c := tc.(*socketio.Conn)
	ds := c.Details()
	res.Opened = true
	res.Status = http.StatusSwitchingProtocols
	res.Timings.Upgrade = ms(ds.Handshake)
	res.Timings.Namespace = ms(ds.NamespaceConnect)
	res.Timings.Open = ms(start + ds.Handshake + ds.NamespaceConnect)
	res.SocketIO = &SocketIOInfo{
		SID: ds.SID, Transport: ds.Transport,
		PingInterval: ms(ds.PingInterval), PingTimeout: ms(ds.PingTimeout), MaxPayload: ds.MaxPayload,
	}
	if len(ds.Namespaces) > 0 {
		res.SocketIO.Namespace, res.SocketIO.SocketID = ds.Namespaces[0].Name, ds.Namespaces[0].SID
	}
	tl.addAt(start+ds.Handshake, KindSocketIO,
		fmt.Sprintf("Engine.IO open over %s after %s: sid %s", ds.Transport, fmtDur(ds.Handshake), ds.SID),
		fmt.Sprintf("pingInterval %s, pingTimeout %s: the server pings, and a client that hears nothing for %s calls the connection dead",
			fmtSetting(ds.PingInterval), fmtSetting(ds.PingTimeout), fmtSetting(ds.PingInterval+ds.PingTimeout)),
		fmt.Sprintf("maxPayload %d bytes", ds.MaxPayload))
	tl.addAt(time.Duration(res.Timings.Open), KindOpen,
		fmt.Sprintf("namespace %s connected in %s: socket id %s", res.SocketIO.Namespace, fmtDur(ds.NamespaceConnect), res.SocketIO.SocketID))

	s := newSIOSession(c, tl, res)
	if o.FirstMessage > 0 {
		s.waitFirst(ctx, o.FirstMessage, "event")
	}
	switch {
	case s.isDone():
		s.finish()
	case ctx.Err() != nil:
		s.closeNormally(EndInterrupted, "interrupted")
	case o.Hold > 0:
		s.hold(ctx, o)
	default:
		s.closeNormally(EndClosed, "checks done")
	}
}

// sioDialFailed explains a Socket.IO Dial that failed.
func sioDialFailed(ctx context.Context, o *Options, tl *timeline, res *Result, stepFail *Failure, err error) {
	var he *transport.HandshakeError
	var ce *socketio.ConnectError
	switch {
	case stepFail != nil:
		fail(tl, res, stepFail)
	case errors.As(err, &he):
		res.Status = he.Status
		res.Failure = refusal(tl, he.Status, he.Header, he.Body)
	case errors.As(err, &ce):
		res.Status = http.StatusSwitchingProtocols
		data := ""
		if len(ce.Data) > 0 {
			data = ", data " + string(ce.Data)
		}
		fail(tl, res, &Failure{Stage: StageNamespace, Error: err.Error(),
			Reason: fmt.Sprintf("the Engine.IO session opened, then namespace %s refused the socket with CONNECT_ERROR: message %q%s", ce.Namespace, ce.Message, data),
			Fix:    "usually an authentication middleware: pass the credentials it expects with --auth '{\"token\":\"...\"}' (or a header)"})
	case ctx.Err() != nil:
		fail(tl, res, &Failure{Stage: StageInterrupted, Error: err.Error(), Reason: "interrupted before the connection opened"})
	case errors.Is(err, transport.ErrHandshakeTimeout):
		fail(tl, res, &Failure{Stage: StageTimeout, Error: err.Error(),
			Reason: "the Engine.IO handshake and namespace connect did not finish within " + fmtSetting(o.HandshakeTimeout),
			Fix:    "raise --timeout if the server is just slow; check --path (default /socket.io/) and that the server speaks Socket.IO v4+"})
	case errors.Is(err, socketio.ErrParse):
		fail(tl, res, &Failure{Stage: StageUpgrade, Error: err.Error(),
			Reason: "the server does not speak Engine.IO v4 / Socket.IO v5 as expected",
			Fix:    "check --path, and that the server is Socket.IO 3 or later (Socket.IO 2 speaks Engine.IO v3)"})
	default:
		fail(tl, res, &Failure{Stage: StageUpgrade, Error: err.Error(), Reason: "the Socket.IO handshake failed",
			Fix: "check --path (default /socket.io/) and that this port serves Socket.IO"})
	}
}

// sioSession is an open Socket.IO connection being probed. Its read
// goroutine reads events (and, inside the Conn, answers the server's
// pings); the probe's goroutine closes it.
type sioSession struct {
	*flow
	c        *socketio.Conn
	lastPing time.Duration // reader only
	closedAt time.Duration // the probe closed it
}

func newSIOSession(c *socketio.Conn, tl *timeline, res *Result) *sioSession {
	s := &sioSession{flow: newFlow(tl, res), c: c}
	s.lastPing = s.openAt
	c.SetPingHandler(func() {
		// The Conn has answered the ping already.
		at := tl.now()
		s.lastRecv.Store(int64(at) + 1)
		s.lastSent.Store(int64(at) + 1)
		n := s.serverPings.Add(1)
		prev := "the previous one"
		if n == 1 {
			prev = "open"
		}
		tl.addAt(at, KindPing, fmt.Sprintf("server ping %d, %s after %s; pong sent", n, fmtDur(at-s.lastPing), prev))
		s.lastPing = at
	})
	go s.read()
	return s
}

func (s *sioSession) read() {
	defer close(s.done)
	var buf []byte
	for {
		typ, msg, err := s.c.ReadMessage(buf)
		if err != nil {
			s.stopped(err)
			return
		}
		buf = msg[:0]
		s.got(s.tl.now(), typ == transport.Binary, int64(len(msg)), msg[:min(len(msg), 64)])
	}
}

// hold keeps the connection until o.Hold passes, ctx is done or the
// connection ends; the server's pings are the heartbeat.
func (s *sioSession) hold(ctx context.Context, o *Options) {
	ds := s.c.Details()
	s.tl.add(KindHold, fmt.Sprintf("holding the connection for %s: the server should ping every %s; none within %s means the connection is dead; Ctrl-C ends it early",
		fmtSetting(o.Hold), fmtSetting(ds.PingInterval), fmtSetting(ds.PingInterval+ds.PingTimeout)))
	t := time.NewTimer(o.Hold)
	defer t.Stop()
	select {
	case <-s.done:
		s.finish()
	case <-ctx.Done():
		s.closeNormally(EndInterrupted, "interrupted")
	case <-t.C:
		s.closeNormally(EndHeld, "still open after the "+fmtSetting(o.Hold)+" hold")
	}
}

// closeNormally disconnects the namespace and closes the engine, waits
// for the server to end the connection (at most closeWait), and records
// the ending as how.
func (s *sioSession) closeNormally(how, note string) {
	s.closedAt = s.tl.now()
	_ = s.c.Close(1000, "")
	t := time.NewTimer(closeWait)
	defer t.Stop()
	reply := "the server closed the connection in "
	select {
	case <-s.done:
		reply += fmtDur(s.readEnd - s.closedAt)
	case <-t.C:
		reply = "the server did not close the connection within " + fmtSetting(closeWait)
		s.c.Abort()
		<-s.done
	}
	e := s.ending(how, s.closedAt)
	e.Code = 1000
	e.SocketIOReason = socketio.ReasonIOClientDisconnect
	switch how {
	case EndHeld:
		e.Meaning = meaningHeld
	case EndInterrupted:
		e.Meaning = meaningInterrupt
	default:
		e.Meaning = meaningClosed
	}
	s.end(e, fmt.Sprintf("%s; disconnected normally (io client disconnect), %s", note, reply))
}

// finish records how the connection ended after the reader returned,
// with Socket.IO's reason.
func (s *sioSession) finish() {
	if s.res.End != nil {
		return
	}
	<-s.done
	err := s.readErr
	s.c.Abort()
	e := s.ending(EndReadError, s.readEnd)
	e.SocketIOReason = socketio.Reason(err)
	var de *socketio.DisconnectError
	var ce *transport.CloseError
	var text string
	switch {
	case errors.As(err, &de):
		e.How, e.Meaning = EndServerClose, meaningIOServerDisconnect
		text = fmt.Sprintf("the server disconnected namespace %s (io server disconnect)", de.Namespace)
	case errors.Is(err, socketio.ErrPingTimeout):
		e.How, e.Meaning = EndHeartbeat, meaningPingTimeout
		text = "silent death: no ping from the server (ping timeout)"
	case errors.Is(err, socketio.ErrParse):
		e.Meaning = meaningParse
		text = "parse error: " + err.Error()
	case errors.As(err, &ce) && ce.Code == transport.CodeAbnormal, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.How, e.Meaning = EndEOF, "transport close: "+meaningEOF
		text = "ended without a close frame (EOF, transport close)"
	case errors.As(err, &ce):
		e.How, e.Code, e.Reason = EndServerClose, ce.Code, ce.Reason
		e.Meaning = "transport close: " + report.CloseCodeMeaning(ce.Code)
		text = fmt.Sprintf("closed by the server with %d (transport close): %s", ce.Code, report.CloseCodeMeaning(ce.Code))
		if ce.Reason != "" {
			text += fmt.Sprintf("; reason %q", ce.Reason)
		}
	case errors.Is(err, syscall.ECONNRESET):
		e.How, e.Meaning = EndReset, "transport error: "+meaningReset
		text = "TCP reset by the peer (transport error)"
	default:
		e.Meaning = "transport error: " + err.Error()
		text = "read error (" + e.SocketIOReason + "): " + err.Error()
	}
	s.end(e, text)
}
