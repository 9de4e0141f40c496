//go:build !unix

package cmd

import "syscall"

// workerAttr leaves workers in wsbench's process group here.
func workerAttr() *syscall.SysProcAttr { return nil }
