package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

// startServeWorkers starts n-1 more server processes of this binary on
// addr with SO_REUSEPORT, with the same flags as this one (the later
// --addr, --workers and --reuse-port win), so the kernel spreads new
// connections over n processes.
func startServeWorkers(addr string, n int) ([]*exec.Cmd, error) {
	if n <= 1 {
		return nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this binary to start server workers: %w", err)
	}
	args := append(append([]string(nil), os.Args[1:]...), "--addr", addr, "--workers", "1", "--reuse-port")
	var ws []*exec.Cmd
	for range n - 1 {
		c := exec.Command(exe, args...)
		c.SysProcAttr = workerAttr() // a Ctrl-C reaches them through us only
		if err := c.Start(); err != nil {
			stopServeWorkers(ws)
			return nil, fmt.Errorf("start a server worker: %w", err)
		}
		ws = append(ws, c)
	}
	return ws, nil
}

// stopServeWorkers asks every worker to stop, and kills one that has not
// after 5 s.
func stopServeWorkers(ws []*exec.Cmd) {
	for _, c := range ws {
		_ = c.Process.Signal(os.Interrupt)
	}
	for _, c := range ws {
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
	}
}
