//go:build !unix

package testserver

import (
	"errors"
	"syscall"
)

// reusePort is not available here.
func reusePort(network, address string, c syscall.RawConn) error {
	return errors.New("SO_REUSEPORT is not supported on this system")
}
