package cmd

import (
	"os"
	"os/signal"
	"syscall"
)

func notify(c chan os.Signal) { signal.Notify(c, os.Interrupt, syscall.SIGTERM) }

func stopNotify(c chan os.Signal) { signal.Stop(c) }
