//go:build unix

package cmd

import "syscall"

// workerAttr puts a worker in a process group of its own, so a Ctrl-C in
// the terminal reaches only wsbench, which passes one interrupt on; a
// worker that got the terminal's too would take the second as "exit at
// once" and lose its result.
func workerAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
