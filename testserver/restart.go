package testserver

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// drainFor bounds how long a restart keeps reading half-closed connections.
const drainFor = time.Second

// listenRetryFor bounds how long a restart keeps trying to bind its old
// address again (a client socket may hold the port for a moment).
const listenRetryFor = 3 * time.Second

// Restart simulates a server restart: it closes the listener, drops every
// connection without a close frame (connections mounted through Handler
// included) and every Socket.IO session (their sids are unknown
// afterwards), waits down, and listens again on the same address.
//
// Connections are half-closed (FIN): clients see an abnormal closure
// (1006) at once, while what they had already sent is still read and
// sequence-checked, not answered, for up to drainFor, as by a server that
// drains its sockets before exiting. Without that, messages in flight at
// the moment of the restart would be lost in a way no client can account
// for, and a sequence check could not tell a client's losses from the
// server's. It blocks until the server listens again, and counts one
// Restart. Restarts are serialised. It fails if the server was never
// started, if the address cannot be bound again within a few seconds
// (the server then stays down until the next Restart), or with ErrClosed
// if Close is called meanwhile. Safe for concurrent use.
func (s *Server) Restart(down time.Duration) error {
	s.restartMu.Lock()
	defer s.restartMu.Unlock()

	s.upgrading.Lock() // let upgrades in flight register, then drop them too
	s.mu.Lock()
	s.upgrading.Unlock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if !s.started {
		s.mu.Unlock()
		return errors.New("testserver: restart: server not started (Handler-only servers own no listener)")
	}
	srv := s.srv
	s.srv = nil
	s.gen++ // handshakes still in flight on the old listener are refused
	conns := s.snapshotLocked()
	addr := s.addr
	s.mu.Unlock()

	s.stats.restarts.Add(1)
	s.logf("testserver: fault: restart: dropping %d connections, listener down for %v", len(conns), down)
	if s.sio != nil {
		// Sessions live in the server's memory: a restart loses them,
		// their sockets with "server shutting down". Before the listener
		// goes, so that a waiting GET is dropped by the session, not
		// seen as a client gone away.
		n := s.sio.dropAll("server shutting down")
		s.logf("testserver: restart: dropped %d Socket.IO sessions", n)
	}
	if srv != nil {
		_ = srv.Close() // the listener first, so nothing new gets in
	}
	drainUntil := time.Now().Add(drainFor)
	for _, c := range conns {
		c.closing.Store(true)
		c.drain(drainUntil)
	}

	if down > 0 {
		t := time.NewTimer(down)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return ErrClosed
		}
	}
	ln, err := s.listenAgain(addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ln.Close()
		return ErrClosed
	}
	s.serveLocked(ln)
	s.logf("testserver: restart: listening again on %s", addr)
	return nil
}

// listenAgain binds addr, retrying briefly while it is in use.
func (s *Server) listenAgain(addr string) (net.Listener, error) {
	deadline := time.Now().Add(listenRetryFor)
	t := time.NewTimer(0)
	defer t.Stop()
	<-t.C
	for {
		ln, err := s.listen(addr)
		if err == nil {
			return ln, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("testserver: restart: listen again on %s: %w", addr, err)
		}
		t.Reset(20 * time.Millisecond)
		select {
		case <-t.C:
		case <-s.done:
			return nil, ErrClosed
		}
	}
}
