package testserver

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	sio "github.com/wsbench/wsbench/transport/socketio"
)

// onEvent runs the event handlers every namespace shares, the same as
// the Node reference server's (interop/socketio/server.js); see doc.go.
// Acks and the "echo" reply wait for the reply delay. inMu is held.
func (k *sioSocket) onEvent(p sio.Packet, atts [][]byte) {
	e := k.e
	name, _ := sio.EventName(p.Data) // payloadValid checked it
	e.x.stats.events.addBytes(name)
	args := eventArgs(p.Data)
	nsp := k.nsp.name
	switch string(name) {
	case "echo":
		if p.ID >= 0 {
			e.send(true, ackPackets(nsp, p.ID, args, atts, k.replyDue())...)
		}
	case "echo-event":
		e.send(true, eventPackets(nsp, -1, "echo", args, atts, k.replyDue())...)
	case "xor":
		if p.ID >= 0 {
			src := bytesArg(splitArgs(args), 0, atts)
			out := make([]byte, len(src))
			for i, c := range src {
				out[i] = c ^ 0xff
			}
			ph := sio.AppendPlaceholder(nil, 0)
			e.send(true, ackPackets(nsp, p.ID, ph, [][]byte{out}, k.replyDue())...)
		}
	case "join":
		k.nsp.join(k, roomKey(splitArgs(args), 0))
		k.ackEmpty(p.ID)
	case "broadcast":
		k.fanOut(k.nsp.all(), eventPackets(nsp, -1, "broadcast", args, atts, time.Time{}))
		k.ackEmpty(p.ID)
	case "to-room":
		elems := splitArgs(args)
		room := roomKey(elems, 0)
		var rest []byte
		if len(elems) > 1 {
			rest = joinArgs(elems[1:])
		}
		k.fanOut(k.nsp.room(room), eventPackets(nsp, -1, "broadcast", rest, atts, time.Time{}))
		k.ackEmpty(p.ID)
	case "kick":
		e.kick()
	case "push":
		k.push(splitArgs(args))
	case "ask":
		k.ask(args, atts)
	}
}

// replyDue is when a reply to a message received now may go out: now
// plus the Server's reply delay, or zero (at once).
func (k *sioSocket) replyDue() time.Time {
	if d := k.e.x.s.nextDelay(); d > 0 {
		return time.Now().Add(d)
	}
	return time.Time{}
}

// ackEmpty acks id with no arguments, if the client asked for an ack.
func (k *sioSocket) ackEmpty(id int64) {
	if id >= 0 {
		k.e.send(true, ackPackets(k.nsp.name, id, nil, nil, k.replyDue())...)
	}
}

// fanOut sends pkts to every socket of to. Each receiver's own writer
// writes them, so a slow receiver delays nobody else.
func (k *sioSocket) fanOut(to []*sioSocket, pkts []outPkt) {
	for _, r := range to {
		if !r.gone.Load() {
			r.e.send(r.e == k.e, pkts...)
		}
	}
}

// pusher emits "tick" {i, sentAt} n times, one every every, from the
// socket's own timer.
type pusher struct {
	k     *sioSocket
	t     *time.Timer
	start time.Time
	every time.Duration
	n, i  int64
}

// push starts "push"(n, intervalMs): as the reference server, n must be
// a positive integer and intervalMs a number >= 0 (else 0); a timer
// cannot fire more often than every millisecond.
func (k *sioSocket) push(args []json.RawMessage) {
	n, ok := numberArg(args, 0)
	if !ok || n < 1 || n != math.Trunc(n) {
		return
	}
	ms, ok := numberArg(args, 1)
	if !ok || ms < 0 || math.IsInf(ms, 0) {
		ms = 0
	}
	every := time.Duration(min(ms, 1e9) * float64(time.Millisecond))
	every = max(every, time.Millisecond)
	p := &pusher{k: k, start: time.Now(), every: every, n: int64(min(n, math.MaxInt64/2))}
	e := k.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if k.gone.Load() || e.state != stOpen {
		return
	}
	p.t = time.AfterFunc(every, p.tick)
	if k.timers == nil {
		k.timers = make(map[*time.Timer]struct{})
	}
	k.timers[p.t] = struct{}{}
}

// tick emits one "tick" and arms the next, after this one is queued so
// that ticks keep their order.
func (p *pusher) tick() {
	k := p.k
	e := k.e
	if !e.hold() {
		return
	}
	defer e.x.s.wg.Done()
	e.mu.Lock()
	if k.gone.Load() || e.state != stOpen {
		e.mu.Unlock()
		return
	}
	i := p.i
	p.i++
	e.mu.Unlock()

	arg := append([]byte(`{"i":`), strconv.FormatInt(i, 10)...)
	arg = append(arg, `,"sentAt":`...)
	arg = strconv.AppendInt(arg, time.Now().UnixMilli(), 10)
	arg = append(arg, '}')
	e.send(true, outPkt{data: eventPacket(k.nsp.name, -1, "tick", arg, 0)})

	e.mu.Lock()
	defer e.mu.Unlock()
	if _, running := k.timers[p.t]; !running {
		return // the socket went away meanwhile
	}
	if p.i >= p.n {
		delete(k.timers, p.t)
		return
	}
	p.t.Reset(time.Until(p.start.Add(time.Duration(p.i+1) * p.every)))
}
