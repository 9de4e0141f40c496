package wire

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// pollState is a Reader's registration with the poller, and its way of
// reading without blocking.
type pollState struct {
	rc syscall.RawConn // nil: not pollable

	mu      sync.Mutex // orders arming against abort
	aborted bool
	fd      int
	slot    int32 // index in the poller's table; -1 while unregistered
	ev      syscall.EpollEvent

	r     *Reader
	tryFn func(fd uintptr) bool // r.poll.tryRead, made once
	tn    int
	terr  error
}

func (s *pollState) init(r *Reader) {
	s.slot = -1
	sc, ok := r.nc.(syscall.Conn)
	if !ok || thePoller.start() != nil {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	s.rc, s.r = rc, r
}

func (s *pollState) usable() bool { return s.rc != nil }

// tryFill reads what the socket has into the reader's buffer without
// waiting, and reports whether it got anything. An error is the
// connection's end (or a passed read deadline).
func (s *pollState) tryFill(r *Reader) (bool, error) {
	if r.bp == nil {
		r.bp = r.pool.p.Get().(*[]byte)
	}
	if s.tryFn == nil {
		s.tryFn = s.tryRead
	}
	s.tn, s.terr = 0, nil
	if err := s.rc.Read(s.tryFn); err != nil {
		return false, err
	}
	switch {
	case s.terr == syscall.EAGAIN:
		return false, nil
	case s.terr != nil:
		return false, &net.OpError{Op: "read", Net: "tcp", Source: r.nc.LocalAddr(), Addr: r.nc.RemoteAddr(), Err: os.NewSyscallError("read", s.terr)}
	case s.tn == 0:
		return false, io.EOF
	}
	r.w += s.tn
	return true, nil
}

// tryRead is the one non-blocking read: Go's sockets are non-blocking,
// and returning true keeps RawConn.Read from waiting.
func (s *pollState) tryRead(fd uintptr) bool {
	buf := (*s.r.bp)[s.r.w:]
	for {
		n, err := syscall.Read(int(fd), buf)
		if err == syscall.EINTR {
			continue
		}
		s.tn, s.terr = max(n, 0), err
		return true
	}
}

// arm registers f with the poller, or runs it at once after an abort.
func (s *pollState) arm(f func()) bool {
	if s.rc == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted || s.r.err != nil {
		go f()
		return true
	}
	if s.slot < 0 {
		var fd int
		if err := s.rc.Control(func(p uintptr) { fd = int(p) }); err != nil {
			go f() // closed meanwhile: the read reports it
			return true
		}
		s.fd = fd
	}
	if err := thePoller.arm(s, f); err != nil {
		go f() // the read reports what is wrong, or finds data
	}
	return true
}

// fire runs the armed function now.
func (s *pollState) fire() {
	if s.rc == nil {
		return
	}
	s.mu.Lock()
	f := thePoller.take(s)
	s.mu.Unlock()
	if f != nil {
		go f()
	}
}

// stop unregisters after the connection failed, before anything closes
// the socket.
func (s *pollState) stop() {
	if s.rc == nil {
		return
	}
	s.mu.Lock()
	if f := thePoller.remove(s); f != nil {
		go f()
	}
	s.mu.Unlock()
}

// abort unregisters for good and returns the armed function, for the
// caller to run once the socket is closed.
func (s *pollState) abort() func() {
	if s.rc == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	return thePoller.remove(s)
}

// poller is one epoll instance with one goroutine for the process: it
// waits for the registered sockets and runs each one's armed function on
// a new goroutine. Registrations are one-shot (EPOLLONESHOT): a socket
// reports once per arm. The goroutine exits when nothing is registered.
type poller struct {
	once    sync.Once
	epfd    int
	initErr error

	mu      sync.Mutex
	slots   []slot
	free    []int32
	n       int
	running bool
}

// slot is one registered socket; gen tells a stale event (for a socket
// since removed, and its slot reused) from a current one.
type slot struct {
	gen uint32
	f   func()
}

var thePoller poller

// idleExit is how often the poller's wait returns to see whether anything
// is still registered; it exits when nothing is.
const idleExit = 50 * time.Millisecond

func (p *poller) start() error {
	p.once.Do(func() {
		p.epfd, p.initErr = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	})
	return p.initErr
}

func (p *poller) arm(s *pollState, f func()) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	op := syscall.EPOLL_CTL_MOD
	if s.slot < 0 {
		op = syscall.EPOLL_CTL_ADD
		if k := len(p.free); k > 0 {
			s.slot = p.free[k-1]
			p.free = p.free[:k-1]
		} else {
			p.slots = append(p.slots, slot{})
			s.slot = int32(len(p.slots) - 1)
		}
		p.n++
	}
	sl := &p.slots[s.slot]
	sl.f = f
	s.ev = syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: s.slot, Pad: int32(sl.gen)}
	if err := syscall.EpollCtl(p.epfd, op, s.fd, &s.ev); err != nil {
		sl.f = nil
		p.release(s)
		return err
	}
	if !p.running {
		p.running = true
		go p.loop()
	}
	return nil
}

// take disarms s and returns its function, if armed.
func (p *poller) take(s *pollState) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.slot < 0 {
		return nil
	}
	sl := &p.slots[s.slot]
	f := sl.f
	sl.f = nil
	return f
}

// remove unregisters s and returns its function, if armed.
func (p *poller) remove(s *pollState) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.slot < 0 {
		return nil
	}
	f := p.slots[s.slot].f
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, s.fd, &s.ev)
	p.release(s)
	return f
}

// release frees s's slot; p.mu is held.
func (p *poller) release(s *pollState) {
	sl := &p.slots[s.slot]
	sl.f = nil
	sl.gen++
	p.free = append(p.free, s.slot)
	s.slot = -1
	p.n--
}

func (p *poller) loop() {
	var evs [128]syscall.EpollEvent
	for {
		n, err := syscall.EpollWait(p.epfd, evs[:], int(idleExit/time.Millisecond))
		if err != nil && err != syscall.EINTR {
			n = 0 // cannot happen with a valid epfd; keep serving
		}
		p.mu.Lock()
		for _, ev := range evs[:max(n, 0)] {
			if int(ev.Fd) >= len(p.slots) {
				continue
			}
			sl := &p.slots[ev.Fd]
			if sl.gen == uint32(ev.Pad) && sl.f != nil {
				go sl.f()
				sl.f = nil
			}
		}
		if p.n == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}
