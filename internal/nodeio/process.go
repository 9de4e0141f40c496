package nodeio

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsbench/wsbench/internal/proctest"
)

const (
	// readyTimeout bounds the wait for the server's LISTENING line.
	readyTimeout = 15 * time.Second
	// killGrace is how long a process gets to exit after SIGTERM.
	killGrace = 2 * time.Second
	// exitAddrInUse is server.js's exit code when its port is taken.
	exitAddrInUse = 3
	// maxLog caps the stderr kept for one Server, across restarts.
	maxLog = 1 << 20
)

// errAddrInUse means server.js could not bind its port because it is taken.
var errAddrInUse = errors.New("port in use")

// proc is one running node process. stop is safe to call more than once and
// from several goroutines.
type proc struct{ *proctest.Proc }

// stop stops node: SIGTERM, then SIGKILL after killGrace.
func (p *proc) stop() { p.Stop(killGrace) }

// launch starts `node server.js args...` in dir and waits for its LISTENING
// line. Its stderr, and any stdout besides that line, goes to log.
func launch(dir string, args []string, log *logBuffer) (*proc, int, error) {
	ready := &readyWriter{log: log, port: make(chan int, 1)}
	cmd := exec.Command("node", append([]string{"server.js"}, args...)...)
	cmd.Dir = dir
	cmd.Stdout = ready
	cmd.Stderr = log
	cmd.WaitDelay = killGrace
	pp, err := proctest.Start(cmd)
	if err != nil {
		return nil, 0, fmt.Errorf("start node: %w", err)
	}
	p := &proc{pp}

	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case port := <-ready.port:
		return p, port, nil
	case <-p.Exited():
		var exit *exec.ExitError
		if errors.As(p.Err(), &exit) && exit.ExitCode() == exitAddrInUse {
			return nil, 0, errAddrInUse
		}
		return nil, 0, fmt.Errorf("node server.js exited before LISTENING: %v", p.Err())
	case <-timer.C:
		p.stop()
		return nil, 0, fmt.Errorf("node server.js printed no LISTENING line within %v", readyTimeout)
	}
}

// readyWriter is the server's stdout: it reports the port of the first
// "LISTENING <port>" line and copies every other line to log.
type readyWriter struct {
	log     *logBuffer
	port    chan int // gets one value
	partial []byte
	seen    bool
}

// Write is called by os/exec's copying goroutine only, so it needs no lock.
func (w *readyWriter) Write(b []byte) (int, error) {
	w.partial = append(w.partial, b...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		if rest, ok := strings.CutPrefix(line, "LISTENING "); ok && !w.seen {
			if port, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil {
				w.seen = true
				w.port <- port
				continue
			}
		}
		_, _ = fmt.Fprintf(w.log, "stdout: %s\n", line)
	}
}

// logBuffer keeps the first maxLog bytes written to it. It is safe for
// concurrent use.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	dropped int
}

// Write keeps what fits under maxLog and counts the rest.
func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	keep := min(len(b), max(0, maxLog-l.buf.Len()))
	l.buf.Write(b[:keep])
	l.dropped += len(b) - keep
	return len(b), nil
}

// String returns what was kept, and says how much was dropped.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dropped > 0 {
		return fmt.Sprintf("%s\n[%d more bytes dropped]", l.buf.String(), l.dropped)
	}
	return l.buf.String()
}
