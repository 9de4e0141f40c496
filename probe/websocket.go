package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// runWebSocket probes a plain WebSocket endpoint: DNS, TCP, TLS, the
// upgrade, then the checks on the open connection and the hold.
func runWebSocket(ctx context.Context, o *Options, tl *timeline, res *Result) {
	_, host, port, secure := target(o.URL)
	hctx, cancel := context.WithTimeout(ctx, o.HandshakeTimeout)
	defer cancel()

	conn, f := connectTCP(hctx, o, tl, res, host, port)
	if f != nil {
		fail(tl, res, f)
		return
	}
	if secure {
		if conn, f = handshakeTLS(hctx, o, tl, res, conn, host); f != nil {
			fail(tl, res, f)
			return
		}
	}
	rc := &recConn{Conn: conn, tl: tl}
	d := websocket.Dialer{
		NetDialContext:    func(context.Context, string, string) (net.Conn, error) { return rc, nil },
		NetDialTLSContext: func(context.Context, string, string) (net.Conn, error) { return rc, nil },
		Subprotocols:      o.Subprotocols,
		EnableCompression: o.Compression,
		Proxy:             nil, // the probe goes where the URL says
	}
	// gorilla bounds the upgrade by hctx's deadline but does not watch for
	// cancellation: Ctrl-C must not wait for the timeout. Once the dial
	// has returned, the connection is no longer hctx's to cut.
	var mu sync.Mutex
	dialing := true
	stop := context.AfterFunc(hctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if dialing {
			conn.SetDeadline(time.Unix(1, 0))
		}
	})
	c, resp, err := d.DialContext(hctx, o.URL, o.Header)
	mu.Lock()
	dialing = false
	mu.Unlock()
	if !stop() && err == nil {
		conn.SetDeadline(time.Time{}) // cut just as the dial succeeded
	}
	if resp != nil {
		res.Status = resp.StatusCode
	}
	if up := rc.upgradeTime(); up > 0 {
		res.Timings.Upgrade = ms(up)
	}
	if err != nil {
		conn.Close()
		upgradeFailed(hctx, tl, res, resp, err)
		return
	}
	res.Opened = true
	res.Timings.Open = ms(tl.now())
	res.Subprotocol = redactSubprotocols([]string{c.Subprotocol()})[0]
	res.Extensions = resp.Header.Get("Sec-WebSocket-Extensions")
	tl.add(KindOpen, "WebSocket open after "+res.Timings.Open.String()+": "+negotiated(o, res))

	s := newWSSession(c, tl, res)
	s.checks(ctx, o)
	if s.ended() {
		return
	}
	switch {
	case ctx.Err() != nil:
		s.closeNormally(EndInterrupted, "interrupted")
	case o.Hold > 0:
		s.hold(ctx, o)
	default:
		s.closeNormally(EndClosed, "checks done")
	}
}

// negotiated says what the server chose, and what that means when it
// chose nothing of what was offered.
func negotiated(o *Options, res *Result) string {
	var b strings.Builder
	switch {
	case res.Subprotocol != "":
		fmt.Fprintf(&b, "subprotocol %s", res.Subprotocol)
	case len(o.Subprotocols) > 0:
		fmt.Fprintf(&b, "subprotocol none: the server accepted none of %s (a client that requires one closes here)",
			strings.Join(redactSubprotocols(o.Subprotocols), ", "))
	default:
		b.WriteString("subprotocol none")
	}
	switch {
	case res.Extensions != "":
		fmt.Fprintf(&b, ", extensions %s", res.Extensions)
	case o.Compression:
		b.WriteString(", extensions none (permessage-deflate was offered, the server declined)")
	default:
		b.WriteString(", extensions none")
	}
	return b.String()
}

// upgradeFailed explains an upgrade that did not produce a WebSocket.
func upgradeFailed(ctx context.Context, tl *timeline, res *Result, resp *http.Response, err error) {
	switch {
	case resp != nil && errors.Is(err, websocket.ErrBadHandshake) && resp.StatusCode != http.StatusSwitchingProtocols:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		res.Failure = refusal(tl, resp.StatusCode, resp.Header, body)
		return
	case resp != nil && resp.StatusCode == http.StatusSwitchingProtocols:
		fail(tl, res, &Failure{Stage: StageUpgrade, Error: err.Error(),
			Reason: "the server answered 101 but the handshake is invalid: a missing Upgrade or Connection header, a wrong Sec-WebSocket-Accept, or an extension answer the client cannot accept",
			Fix:    "a proxy in between may rewrite the response; compare with the server reached directly"})
		return
	}
	if f := ctxFailure(ctx, "the upgrade"); f != nil {
		fail(tl, res, f)
		return
	}
	f := &Failure{Stage: StageUpgrade, Error: err.Error()}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		f.Reason = "the server closed the connection without answering the upgrade request"
		f.Fix = "check that this port serves HTTP (a TLS port needs wss://) and the server's logs"
	default:
		f.Reason = "the upgrade request got no usable HTTP answer"
		f.Fix = "check that this port serves HTTP (a TLS port needs wss://)"
	}
	fail(tl, res, f)
}

// recConn records the upgrade request as written and the response head as
// read, exactly as they cross the wire, and adds them to the timeline
// (secrets redacted). Once both are seen it only passes bytes through.
// gorilla serialises writes, and one goroutine at a time reads.
type recConn struct {
	net.Conn
	tl *timeline

	wmu      sync.Mutex
	wbuf     []byte
	wdone    bool
	sentAt   time.Duration
	rmu      sync.Mutex
	rbuf     []byte
	rdone    bool
	answerAt time.Duration
}

// maxHead bounds the recorded request or response head.
const maxHead = 64 << 10

func (c *recConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	if !c.wdone {
		c.wbuf = append(c.wbuf, p...)
		if i := bytes.Index(c.wbuf, []byte("\r\n\r\n")); i >= 0 || len(c.wbuf) > maxHead {
			c.wdone = true
			if i < 0 {
				i = len(c.wbuf)
			}
			c.sentAt = c.tl.now()
			line, headers := headLines(c.wbuf[:i])
			method, target, proto := splitRequestLine(line)
			c.tl.add(KindRequest, fmt.Sprintf("HTTP upgrade request sent: %s %s %s", method, redactTarget(target), proto), headers...)
			c.wbuf = nil
		}
	}
	c.wmu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rmu.Lock()
	if !c.rdone && n > 0 {
		c.rbuf = append(c.rbuf, p[:n]...)
		if i := bytes.Index(c.rbuf, []byte("\r\n\r\n")); i >= 0 || len(c.rbuf) > maxHead {
			c.rdone = true
			if i < 0 {
				i = len(c.rbuf)
			}
			c.answerAt = c.tl.now()
			line, headers := headLines(c.rbuf[:i])
			c.wmu.Lock()
			sent := c.sentAt
			c.wmu.Unlock()
			c.tl.add(KindResponse, fmt.Sprintf("%s after %s", line, fmtDur(c.answerAt-sent)), headers...)
			c.rbuf = nil
		}
	}
	c.rmu.Unlock()
	return n, err
}

// upgradeTime is the time from the request sent to the response head
// read, 0 when there was no complete response.
func (c *recConn) upgradeTime() time.Duration {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.rdone || !c.wdone {
		return 0
	}
	return c.answerAt - c.sentAt
}

// headLines splits an HTTP head into its first line and its header lines
// ("Name: value"), each value redacted.
func headLines(head []byte) (string, []string) {
	lines := strings.Split(string(head), "\r\n")
	var out []string
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			out = append(out, printable([]byte(l)))
			continue
		}
		out = append(out, name+": "+redactHeader(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	return printable([]byte(lines[0])), out
}

func splitRequestLine(l string) (method, target, proto string) {
	method, rest, _ := strings.Cut(l, " ")
	target, proto, _ = strings.Cut(rest, " ")
	return method, target, proto
}
