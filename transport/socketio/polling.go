package socketio

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/transport"
)

// polllink is the HTTP long-polling transport. The Conn's reader runs the
// GET long-poll on its own goroutine; writers POST on theirs, one POST at
// a time under the Conn's write lock (Engine.IO servers refuse
// overlapping POSTs). The two never wait for each other, unlike a single
// request queue, where every write waits for the pending long-poll to
// return (zishang520 bug T2). It starts no goroutine; net/http's
// Transport runs two per pooled TCP connection.
type polllink struct {
	rt           http.RoundTripper
	url          string // the polling URL with EIO, transport, sid and query
	getHeader    http.Header
	postHeader   http.Header
	writeTimeout time.Duration
	maxMsg       int64

	ctx    context.Context // cancelled by abort: ends every request
	cancel context.CancelFunc
	// getCtx is cancelled by abort, or pollCloseGrace after end when the
	// server left the long-poll pending.
	getCtx    context.Context
	cancelGet context.CancelFunc

	// Reader state: the last GET's payload and the read offset in it.
	body     []byte
	off      int
	deadline time.Time

	aborted atomic.Bool
	muted   atomic.Bool   // no request is started any more (see mute)
	ending  atomic.Bool   // end started: no GET is started any more
	ended   chan struct{} // closed when end has sent everything
	// closeErr is what reads return once the engine connection was ended
	// by the client; set before ending.
	closeErr *transport.CloseError

	mu    sync.Mutex
	timer *time.Timer // cancels the pending GET after end
}

var _ link = (*polllink)(nil)

func newPolllink(rt http.RoundTripper, url string, getHeader, postHeader http.Header, writeTimeout time.Duration, maxMsg int64) *polllink {
	l := &polllink{rt: rt, url: url, getHeader: getHeader, postHeader: postHeader,
		writeTimeout: writeTimeout, maxMsg: maxMsg, ended: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.getCtx, l.cancelGet = context.WithCancel(l.ctx)
	return l
}

func (l *polllink) name() string { return TransportPolling }

// buffered reports whether packets of the last payload are still unread.
func (l *polllink) buffered() bool { return l.off < len(l.body) }

func (l *polllink) read(dst []byte) ([]byte, bool, error) {
	for !l.buffered() {
		if l.ending.Load() {
			// Do not poll a session being closed: the server would
			// answer 400.
			return nil, false, l.endErr()
		}
		if err := l.poll(); err != nil {
			if l.ending.Load() {
				return nil, false, l.endErr()
			}
			return nil, false, err
		}
	}
	rest := l.body[l.off:]
	pkt := rest
	if i := bytes.IndexByte(rest, RecordSeparator); i >= 0 {
		pkt = rest[:i]
		l.off += i + 1
	} else {
		l.off = len(l.body)
	}
	if len(pkt) == 0 {
		return nil, false, fmt.Errorf("%w: empty packet in a polling payload", ErrParse)
	}
	if pkt[0] != 'b' {
		return append(dst[:0], pkt...), false, nil
	}
	n := base64.StdEncoding.DecodedLen(len(pkt) - 1)
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	m, err := base64.StdEncoding.Decode(dst[:n], pkt[1:])
	if err != nil {
		return nil, false, fmt.Errorf("%w: binary packet in a polling payload: %v", ErrParse, err)
	}
	return dst[:m], true, nil
}

// endErr is the read error once the client ended the connection: the
// close it sent, reported only after end has sent everything, so a caller
// that aborts on the read error cannot cut the close short.
func (l *polllink) endErr() error {
	select {
	case <-l.ended:
	case <-l.ctx.Done():
	}
	if l.aborted.Load() {
		return errPollClosed
	}
	return l.closeErr
}

// errPollClosed is what polling reads and writes return after abort.
var errPollClosed = fmt.Errorf("socketio: polling: %w", net.ErrClosed)

// poll runs one GET long-poll and keeps its payload in l.body.
func (l *polllink) poll() error {
	ctx, cancel := l.getCtx, context.CancelFunc(func() {})
	if !l.deadline.IsZero() {
		ctx, cancel = context.WithDeadline(ctx, l.deadline)
	}
	defer cancel()
	if l.muted.Load() {
		// A cut path carries no new request: wait, as for a long-poll
		// that never returns, for the ping deadline or the abort.
		<-ctx.Done()
		return l.requestErr(ctx, "GET", ctx.Err())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.url, nil)
	if err != nil {
		return err
	}
	req.Header = l.getHeader
	resp, err := l.rt.RoundTrip(req)
	if err != nil {
		return l.requestErr(ctx, "GET", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("socketio: polling GET: HTTP %d %s: %q", resp.StatusCode, http.StatusText(resp.StatusCode), body)
	}
	buf := l.body[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > l.maxMsg {
			return transport.ErrMessageTooBig
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return l.requestErr(ctx, "GET", err)
		}
	}
	l.body, l.off = buf, 0
	return nil
}

// requestErr explains a failed request: the client's abort, a deadline
// (wrapping os.ErrDeadlineExceeded, as a WebSocket read timeout does), or
// the network error itself.
func (l *polllink) requestErr(ctx context.Context, method string, err error) error {
	switch {
	case l.aborted.Load():
		return errPollClosed
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("socketio: polling %s: %w", method, os.ErrDeadlineExceeded)
	}
	return fmt.Errorf("socketio: polling %s: %w", method, err)
}

func (l *polllink) send(typ byte, data []byte, bins [][]byte) error {
	// A fresh body per POST: net/http may still read a request body after
	// RoundTrip returned, so a reused buffer could be overwritten under it.
	n := 0
	if typ != 0 {
		n = 1 + len(data)
	}
	for _, b := range bins {
		n += 2 + base64.StdEncoding.EncodedLen(len(b))
	}
	body := make([]byte, 0, n)
	if typ != 0 {
		body = append(body, typ)
		body = append(body, data...)
	}
	for _, b := range bins {
		if len(body) > 0 {
			body = append(body, RecordSeparator)
		}
		body = AppendPayloadBinary(body, b)
	}
	return l.post(body)
}

// post sends one payload and checks the server took it; on a muted link
// it sends nothing and reports success.
func (l *polllink) post(body []byte) error {
	if l.aborted.Load() {
		return errPollClosed
	}
	if l.muted.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(l.ctx, l.writeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = l.postHeader
	resp, err := l.rt.RoundTrip(req)
	if err != nil {
		return l.requestErr(ctx, "POST", err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("socketio: polling POST: HTTP %d %s: %q", resp.StatusCode, http.StatusText(resp.StatusCode), reply)
	}
	return nil
}

// end POSTs the DISCONNECT packets, then, separately, the engine close
// packet: Node handles a DISCONNECT on the next tick, so a close packet in
// the same payload would be handled first and every namespace would see
// "transport close" instead of "client namespace disconnect". The pending
// long-poll is then left pollCloseGrace to end (Node answers it with a
// noop at once) before it is cancelled.
func (l *polllink) end(disconnects [][]byte, code int, reason string) error {
	l.closeErr = &transport.CloseError{Code: code, Reason: reason}
	l.ending.Store(true)
	defer close(l.ended)
	defer l.armGetCancel()
	if len(disconnects) > 0 {
		var body []byte
		for i, d := range disconnects {
			if i > 0 {
				body = append(body, RecordSeparator)
			}
			body = append(body, EngineMessage)
			body = append(body, d...)
		}
		if err := l.post(body); err != nil {
			return err
		}
	}
	return l.post([]byte{EngineClose})
}

func (l *polllink) armGetCancel() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.aborted.Load() {
		l.timer = time.AfterFunc(pollCloseGrace, l.cancelGet)
	}
}

func (l *polllink) setReadDeadline(t time.Time) { l.deadline = t }

// tryRead waits like read: a long-poll is a request in flight, not a
// socket to poll.
func (l *polllink) tryRead(dst []byte) ([]byte, bool, bool, error) {
	pkt, bin, err := l.read(dst)
	return pkt, bin, err == nil, err
}

func (l *polllink) whenReadable(func()) bool { return false }

func (l *polllink) fire() {}

// mute stops every new request: POSTs report success without being
// sent, and the reader starts no new long-poll, waiting instead for the
// ping deadline or abort (the simplest behaviour that sends nothing). A
// long-poll already pending is still read: its answer left the server
// before the cut, as far as either end can tell.
func (l *polllink) mute() { l.muted.Store(true) }

// reset is abort: polling has no single TCP connection to reset (net/http
// pools them, and a pooled one may serve other clients next).
func (l *polllink) reset() { l.abort() }

func (l *polllink) abort() {
	l.mu.Lock()
	l.aborted.Store(true)
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	l.cancel()
}
