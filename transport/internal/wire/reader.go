package wire

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
)

// RFC 6455 opcodes.
const (
	opContinuation = 0
	opText         = 1
	opBinary       = 2
	opClose        = 8
	opPing         = 9
	opPong         = 10
)

// minBuffer holds the longest frame the reader must have whole: a control
// frame, 125 bytes of payload behind a 2-byte header.
const minBuffer = 256

// growStep bounds how far one frame's announced length grows a message
// buffer before its bytes arrive.
const growStep = 1 << 20

// Pool lends read buffers to Readers only while they hold unread bytes,
// so an idle connection holds none. It is safe for concurrent use.
type Pool struct {
	size int
	p    sync.Pool
}

// NewPool returns a pool of buffers of size bytes (at least 256).
func NewPool(size int) *Pool {
	size = max(size, minBuffer)
	pl := &Pool{size: size}
	pl.p.New = func() any { b := make([]byte, size); return &b }
	return pl
}

// Options configure a Reader.
type Options struct {
	Pool *Pool
	// MaxMessageSize bounds a message; a longer one ends the connection
	// with close code 1009 and transport.ErrMessageTooBig.
	MaxMessageSize int64
	// WriteTimeout bounds the pong and close replies the reader writes.
	WriteTimeout time.Duration
}

// Reader reads data messages from a client WebSocket connection and
// answers the server's control frames: a ping with a pong, a close with a
// close, until Mute. ReadMessage and TryReadMessage may be called by one
// goroutine at a time; Abort, Reset, Mute and Fire from any goroutine.
type Reader struct {
	ws     *websocket.Conn // writes the control replies
	nc     net.Conn        // the TCP connection under ws
	pool   *Pool
	bp     *[]byte // the buffer on loan; nil when none is held
	r, w   int     // unread bytes are (*bp)[r:w]
	maxMsg int64
	wt     time.Duration
	onPong func()
	// muted stops every reply: set from any goroutine, read by the
	// reading one.
	muted atomic.Bool
	err   error // sticky: a failed connection stays failed
	poll  pollState
	// busy is set when the last read returned a message: the next
	// TryReadMessage lingers for the one after (see Linger).
	busy bool
	// deadline is the read deadline set with SetReadDeadline, which a
	// linger must not lose; lingerUntil is the one a linger set (zero
	// when none is set).
	deadline, lingerUntil time.Time
}

// Linger is how long TryReadMessage waits, right after it returned a
// message, for the next one before it reports none. On a busy
// connection waiting in the runtime's network poller is cheaper than
// arming our poller and starting a goroutine for every message; a
// connection quiet for this long is left to the poller and costs no
// goroutine.
const Linger = 250 * time.Millisecond

// NewReader returns a reader for ws, dialed through tap, whose bytes past
// the handshake it takes over.
func NewReader(ws *websocket.Conn, tap *Tap, o Options) *Reader {
	r := &Reader{ws: ws, nc: tap.Conn, pool: o.Pool, maxMsg: o.MaxMessageSize, wt: o.WriteTimeout}
	if k := tap.take(); len(k) > 0 {
		r.bp = r.pool.p.Get().(*[]byte)
		if len(k) > len(*r.bp) {
			b := slices.Clone(k) // a burst of frames with the 101: keep it all
			r.bp = &b
		}
		r.w = copy(*r.bp, k)
	}
	r.poll.init(r)
	return r
}

// SetPongHandler sets the function called, from the reading goroutine,
// for every pong received.
func (r *Reader) SetPongHandler(f func()) { r.onPong = f }

// ReadMessage blocks for the next data message and returns its opcode (1
// text, 2 binary) and its payload in dst's storage, grown when too small.
func (r *Reader) ReadMessage(dst []byte) (int, []byte, error) {
	op, msg, _, err := r.read(dst, false)
	return op, msg, err
}

// TryReadMessage is ReadMessage that returns ok false instead of waiting
// when no frame has begun to arrive (after answering any control frames
// that had). A message that has begun is read to its end, waiting for
// the rest if it must. Without a poller (WhenReadable false) it waits
// like ReadMessage.
func (r *Reader) TryReadMessage(dst []byte) (op int, msg []byte, ok bool, err error) {
	return r.read(dst, r.poll.usable())
}

func (r *Reader) read(dst []byte, try bool) (int, []byte, bool, error) {
	if r.err != nil {
		return 0, nil, false, r.err
	}
	msg := dst[:0]
	op := 0 // the message's opcode once its first frame arrived
	for {
		if try && op == 0 && r.r == r.w {
			var got bool
			var err error
			if r.busy {
				got, err = r.linger()
			} else {
				got, err = r.poll.tryFill(r)
			}
			if err != nil {
				return r.fail(err)
			}
			if !got {
				r.busy = false
				r.release()
				return 0, nil, false, nil
			}
		}
		if err := r.need(2); err != nil {
			return r.fail(err)
		}
		b := (*r.bp)[r.r:r.w]
		fin, opc := b[0]&0x80 != 0, int(b[0]&0x0f)
		switch {
		case b[0]&0x70 != 0:
			return r.protocolError("unexpected reserved bits 0x" + hex2(b[0]&0x70))
		case b[1]&0x80 != 0:
			return r.protocolError("bad MASK")
		}
		hl, n := 2, int64(b[1]&0x7f)
		switch n {
		case 126:
			hl = 4
		case 127:
			hl = 10
		}
		if err := r.need(hl); err != nil {
			return r.fail(err)
		}
		b = (*r.bp)[r.r:r.w]
		switch n {
		case 126:
			n = int64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			n = int64(binary.BigEndian.Uint64(b[2:]))
			if n < 0 {
				return r.protocolError("invalid payload length")
			}
		}
		switch opc {
		case opClose, opPing, opPong:
			if !fin || n > 125 {
				return r.protocolError("invalid control frame")
			}
			if err := r.need(hl + int(n)); err != nil {
				return r.fail(err)
			}
			p := (*r.bp)[r.r+hl : r.r+hl+int(n)]
			r.r += hl + int(n)
			if err := r.control(opc, p); err != nil {
				return r.fail(err)
			}
			continue
		case opText, opBinary:
			if op != 0 {
				return r.protocolError("data before FIN")
			}
			op = opc
		case opContinuation:
			if op == 0 {
				return r.protocolError("continuation after FIN")
			}
		default:
			return r.protocolError("unknown opcode " + hex2(byte(opc)))
		}
		r.r += hl
		if int64(len(msg))+n > r.maxMsg {
			r.reply(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""))
			return r.fail(transport.ErrMessageTooBig)
		}
		var err error
		if msg, err = r.payload(msg, int(n)); err != nil {
			return r.fail(err)
		}
		if fin {
			if r.r == r.w {
				r.release()
			}
			r.busy = true
			return op, msg, true, nil
		}
	}
}

// linger waits up to about Linger (or the read deadline, if sooner) for
// bytes to arrive, and reports whether some did. Reaching the read
// deadline itself is an error, as in any read. The linger's deadline is
// moved only when half of it is used up, so a busy connection does not
// touch the runtime's timers for every message.
func (r *Reader) linger() (bool, error) {
	if r.bp == nil {
		r.bp = r.pool.p.Get().(*[]byte)
	}
	now := time.Now()
	if r.lingerUntil.Sub(now) < Linger/2 {
		r.lingerUntil = now.Add(Linger)
		if !r.deadline.IsZero() && r.deadline.Before(r.lingerUntil) {
			r.lingerUntil = r.deadline
		}
		_ = r.nc.SetReadDeadline(r.lingerUntil)
	}
	k, err := r.nc.Read((*r.bp)[r.w:])
	r.w += k
	if k > 0 {
		return true, nil
	}
	// Quiet for a linger: put the real deadline back for the poller.
	r.lingerUntil = time.Time{}
	_ = r.nc.SetReadDeadline(r.deadline)
	var ne net.Error
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &ne) && ne.Timeout() && (r.deadline.IsZero() || time.Now().Before(r.deadline)):
		return false, nil // only the linger ran out
	}
	return false, err
}

// SetReadDeadline sets the connection's read deadline; a read after it
// fails. Set it here rather than on the connection, so that a linger
// keeps it.
func (r *Reader) SetReadDeadline(t time.Time) error {
	r.deadline, r.lingerUntil = t, time.Time{}
	return r.nc.SetReadDeadline(t)
}

// need makes sure n unread bytes are buffered, reading as needed.
func (r *Reader) need(n int) error {
	if r.bp == nil {
		r.bp = r.pool.p.Get().(*[]byte)
	}
	buf := *r.bp
	if r.r+n > len(buf) {
		r.w = copy(buf, buf[r.r:r.w])
		r.r = 0
	}
	for r.w-r.r < n {
		k, err := r.nc.Read(buf[r.w:])
		r.w += k
		if err != nil && r.w-r.r < n {
			return err
		}
	}
	return nil
}

// payload appends n payload bytes to msg: the buffered ones, then the
// rest read straight into msg.
func (r *Reader) payload(msg []byte, n int) ([]byte, error) {
	if k := min(n, r.w-r.r); k > 0 {
		msg = append(msg, (*r.bp)[r.r:r.r+k]...)
		r.r += k
		n -= k
	}
	for n > 0 {
		if cap(msg)-len(msg) < min(n, growStep) {
			msg = slices.Grow(msg, min(n, growStep))
		}
		k, err := r.nc.Read(msg[len(msg):min(cap(msg), len(msg)+n)])
		msg = msg[:len(msg)+k]
		n -= k
		if err != nil && n > 0 {
			return msg, err
		}
	}
	return msg, nil
}

// control answers a control frame, whose payload p is valid only during
// the call.
func (r *Reader) control(op int, p []byte) error {
	switch op {
	case opPing:
		r.reply(websocket.PongMessage, p) // a broken connection shows on the next read
	case opPong:
		if r.onPong != nil {
			r.onPong()
		}
	case opClose:
		code, reason := websocket.CloseNoStatusReceived, ""
		if len(p) == 1 {
			return r.protocolErr("invalid close frame")
		}
		if len(p) >= 2 {
			code, reason = int(binary.BigEndian.Uint16(p)), string(p[2:])
			if !validCloseCode(code) || !utf8.ValidString(reason) {
				return r.protocolErr("invalid close frame")
			}
		}
		r.reply(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""))
		return &transport.CloseError{Code: code, Reason: reason}
	}
	return nil
}

// validCloseCode reports whether a peer may send code (RFC 6455 7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	default:
		return code >= 3000 && code <= 4999
	}
}

// reply writes a control frame; its error surfaces on a later read. A
// muted reader writes nothing: the peer must not learn that its frame
// arrived.
func (r *Reader) reply(op int, data []byte) {
	if r.muted.Load() {
		return
	}
	_ = r.ws.WriteControl(op, data, time.Now().Add(r.wt))
}

// Mute stops the reader's replies for good: pings go unanswered and a
// close frame, a protocol error or an oversized message ends the read
// without a close frame back, as when the network path is cut. Frames
// are still read and reported. A read that fails afterwards leaves the
// connection open: the caller closes it with Abort or Reset.
func (r *Reader) Mute() { r.muted.Store(true) }

// protocolError ends the connection with close code 1002, as gorilla does.
func (r *Reader) protocolError(msg string) (int, []byte, bool, error) {
	return r.fail(r.protocolErr(msg))
}

func (r *Reader) protocolErr(msg string) error {
	data := websocket.FormatCloseMessage(websocket.CloseProtocolError, msg)
	r.reply(websocket.CloseMessage, data[:min(len(data), 125)])
	return errors.New("websocket: " + msg)
}

// fail makes err sticky, in gorilla's terms: an end of stream without a
// close frame is an abnormal closure (1006).
func (r *Reader) fail(err error) (int, []byte, bool, error) {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = &transport.CloseError{Code: transport.CodeAbnormal, Reason: io.ErrUnexpectedEOF.Error()}
	}
	r.err = err
	r.r, r.w = 0, 0
	r.release()
	r.poll.stop()
	return 0, nil, false, err
}

// release returns the buffer to the pool once it holds nothing unread.
func (r *Reader) release() {
	if r.bp != nil && r.r == r.w {
		if len(*r.bp) == r.pool.size {
			r.pool.p.Put(r.bp)
		}
		r.bp, r.r, r.w = nil, 0, 0
	}
}

// WhenReadable calls f once, on a new goroutine, when TryReadMessage may
// make progress: data arrived, the peer closed or reset the connection,
// Fire was called, or Abort was (before or after). It reports false, and
// never calls f, when the connection cannot be polled (no poller on this
// platform); the caller then reads with ReadMessage.
func (r *Reader) WhenReadable(f func()) bool { return r.poll.arm(f) }

// Fire calls the function WhenReadable armed now, if one is armed: a
// deadline passed that no socket event will report.
func (r *Reader) Fire() { r.poll.fire() }

// Abort stops polling and closes the connection at once; a function
// armed by WhenReadable runs, and reads then fail with an error wrapping
// net.ErrClosed. Safe to call more than once.
func (r *Reader) Abort() error {
	f := r.poll.abort()
	err := r.ws.Close()
	if f != nil {
		go f()
	}
	return err
}

// Reset is Abort with a TCP reset instead of an orderly close: see
// SetLingerZero.
func (r *Reader) Reset() error {
	SetLingerZero(r.nc)
	return r.Abort()
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
