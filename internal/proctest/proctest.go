// Package proctest runs the external peers of tests (the Node socket.io
// server, nginx) as child processes the test owns: started with their
// exit watched, stopped with SIGTERM then SIGKILL, their output kept in a
// buffer safe to read while they write.
package proctest

import (
	"bytes"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Proc is a started process. Stop is safe to call more than once and from
// several goroutines.
type Proc struct {
	Cmd     *exec.Cmd
	exited  chan struct{} // closed once Cmd.Wait has returned
	waitErr error         // Cmd.Wait's result, set before exited closes
	once    sync.Once
}

// Start starts cmd and watches for its exit.
func Start(cmd *exec.Cmd) (*Proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{Cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed once the process has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err is the process's exit error (cmd.Wait's), once Exited is closed.
func (p *Proc) Err() error { return p.waitErr }

// Stop sends SIGTERM, then SIGKILL if the process has not exited after
// grace, and waits for it.
func (p *Proc) Stop(grace time.Duration) {
	p.once.Do(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		if err := p.Cmd.Process.Signal(syscall.SIGTERM); err == nil {
			timer := time.NewTimer(grace)
			defer timer.Stop()
			select {
			case <-p.exited:
				return
			case <-timer.C:
			}
		}
		_ = p.Cmd.Process.Kill()
		<-p.exited
	})
}

// SyncBuffer is a bytes.Buffer safe to read while a process writes to it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
