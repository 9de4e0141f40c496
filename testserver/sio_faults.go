package testserver

import "time"

// kick is the server-side disconnect of every socket with the underlying
// connection closed, as socket.disconnect(true) in the reference server:
// a DISCONNECT per namespace ("server namespace disconnect" here, "io
// server disconnect" on the client), then the engine closes after them.
func (e *eioSession) kick() {
	e.mu.Lock()
	if e.state != stOpen {
		e.mu.Unlock()
		return
	}
	socks := e.takeSocketsLocked()
	for _, k := range socks {
		e.out = append(e.out, outPkt{data: disconnectPacket(k.nsp.name)})
	}
	e.detachLocked(socks, "server namespace disconnect")
	e.mu.Unlock()
	e.close("forced close", closeFlush)
}

// faultTarget implementation: a close fault kicks, a reset fault resets.

func (e *eioSession) claim() bool   { return e.picked.CompareAndSwap(false, true) }
func (e *eioSession) claimed() bool { return e.picked.Load() }

func (e *eioSession) faultClose([]byte, time.Time) { e.kick() }

func (e *eioSession) faultReset() {
	e.dropSockets("forced close")
	e.close("forced close", closeReset)
}
