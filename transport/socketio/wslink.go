package socketio

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsbench/wsbench/transport"
	"github.com/wsbench/wsbench/transport/internal/wire"
)

// wslink is the WebSocket transport: one Engine.IO packet per frame, text
// packets as text frames, attachments as binary frames (Engine.IO v4).
// It starts no goroutine: the Conn's reader reads it, writers write it
// under the Conn's write lock.
type wslink struct {
	c            *websocket.Conn
	rd           *wire.Reader // reads instead of c when set (ws:// dialed through a wire.Tap)
	writeTimeout time.Duration
	typ          [1]byte // the type byte of the text packet being sent
	muted        atomic.Bool
}

var _ link = (*wslink)(nil)

func (l *wslink) name() string { return TransportWebSocket }

func (l *wslink) read(dst []byte) ([]byte, bool, error) {
	if l.rd != nil {
		op, msg, err := l.rd.ReadMessage(dst)
		return msg, op == websocket.BinaryMessage, err
	}
	t, r, err := l.c.NextReader()
	if err != nil {
		return nil, false, convertWSReadErr(err)
	}
	buf := dst[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, t == websocket.BinaryMessage, nil
		}
		if err != nil {
			return nil, false, convertWSReadErr(err)
		}
	}
}

// convertWSReadErr gives gorilla's read errors transport's types, as the
// plain WebSocket transport does.
func convertWSReadErr(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return &transport.CloseError{Code: ce.Code, Reason: ce.Text}
	}
	if errors.Is(err, websocket.ErrReadLimit) {
		return transport.ErrMessageTooBig
	}
	return err
}

func convertWSWriteErr(err error) error {
	if errors.Is(err, websocket.ErrCloseSent) {
		return transport.ErrClosing
	}
	return err
}

func (l *wslink) send(typ byte, data []byte, bins [][]byte) error {
	if err := l.c.SetWriteDeadline(time.Now().Add(l.writeTimeout)); err != nil {
		return err
	}
	if typ != 0 {
		w, err := l.c.NextWriter(websocket.TextMessage)
		if err != nil {
			return convertWSWriteErr(err)
		}
		l.typ[0] = typ
		if _, err := w.Write(l.typ[:]); err != nil {
			return convertWSWriteErr(err)
		}
		if _, err := w.Write(data); err != nil {
			return convertWSWriteErr(err)
		}
		if err := w.Close(); err != nil {
			return convertWSWriteErr(err)
		}
	}
	for _, b := range bins {
		if err := l.c.WriteMessage(websocket.BinaryMessage, b); err != nil {
			return convertWSWriteErr(err)
		}
	}
	return nil
}

func (l *wslink) end(disconnects [][]byte, code int, reason string) error {
	for _, d := range disconnects {
		if err := l.send(EngineMessage, d, nil); err != nil {
			return err
		}
	}
	msg := websocket.FormatCloseMessage(code, reason)
	return convertWSWriteErr(l.c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(l.writeTimeout)))
}

func (l *wslink) setReadDeadline(t time.Time) {
	if l.rd != nil {
		_ = l.rd.SetReadDeadline(t)
		return
	}
	_ = l.c.SetReadDeadline(t)
}

func (l *wslink) abort() {
	if l.rd != nil {
		_ = l.rd.Abort()
		return
	}
	_ = l.c.Close()
}

func (l *wslink) tryRead(dst []byte) ([]byte, bool, bool, error) {
	if l.rd == nil {
		pkt, bin, err := l.read(dst)
		return pkt, bin, err == nil, err
	}
	op, msg, ok, err := l.rd.TryReadMessage(dst)
	return msg, op == websocket.BinaryMessage, ok, err
}

func (l *wslink) whenReadable(f func()) bool { return l.rd != nil && l.rd.WhenReadable(f) }

// muteGorilla wraps gorilla's ping and close handlers, which reply from
// inside its reader (wss://), so that a muted link does not reply. They
// are installed at dial because gorilla's handlers may not be replaced
// while a reader runs.
func (l *wslink) muteGorilla() {
	ping, closed := l.c.PingHandler(), l.c.CloseHandler()
	l.c.SetPingHandler(func(data string) error {
		if l.muted.Load() {
			return nil
		}
		return ping(data)
	})
	l.c.SetCloseHandler(func(code int, text string) error {
		if l.muted.Load() {
			return nil
		}
		return closed(code, text)
	})
}

func (l *wslink) mute() {
	l.muted.Store(true)
	if l.rd != nil {
		l.rd.Mute()
	}
}

func (l *wslink) reset() {
	if l.rd != nil {
		_ = l.rd.Reset()
		return
	}
	_ = wire.Reset(l.c.UnderlyingConn())
	_ = l.c.Close() // gorilla's own close finds the connection closed
}

func (l *wslink) fire() {
	if l.rd != nil {
		l.rd.Fire()
	}
}
