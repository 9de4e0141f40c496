package runner

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// bindNoPort lets a dial from a source address leave the choice of the
// local port to connect() (IP_BIND_ADDRESS_NO_PORT), which picks one that
// is free for this destination, in the connection hash. Without it, the
// bind() Go does for Dialer.LocalAddr picks the port first, without
// knowing the destination: it searches the range for a port no socket on
// that address holds at all, checking each candidate against every
// bound socket of the port (perf: inet_bhash2_conflict,
// inet_bind2_bucket_find), a search that slows with every connection
// open. It also lets one source port serve several destinations. Linux
// 4.2 and later; an older kernel refuses the option and the dial goes on
// as before, so the error is ignored.
func bindNoPort(_, _ string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
}
