//go:build !linux

package runner

import "syscall"

// bindNoPort does nothing where IP_BIND_ADDRESS_NO_PORT does not exist:
// the dial binds its source address and port as it always did.
func bindNoPort(_, _ string, _ syscall.RawConn) error { return nil }
