package wire

import "net"

// SetLingerZero makes closing c send a TCP reset (RST) instead of an
// orderly FIN: SO_LINGER with a zero timeout drops unsent data and tells
// the peer at once that the connection is gone, as a server sees a
// client whose NAT or proxy gave up on it. It finds the TCP connection
// under a Tap and under TLS (anything with NetConn), and does nothing
// when there is none (a test's net.Pipe) or it is already closed: the
// close that follows still ends the connection.
func SetLingerZero(c net.Conn) {
	if tc, ok := innermost(c).(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}

// Reset closes the connection under c at once with a TCP reset (see
// SetLingerZero). It closes the innermost connection, not c: closing TLS
// would first send a close_notify alert, an orderly goodbye the cut
// network would not carry. A blocked read on c then fails with an error
// wrapping net.ErrClosed.
func Reset(c net.Conn) error {
	c = innermost(c)
	SetLingerZero(c)
	return c.Close()
}

// innermost unwraps c through Taps and TLS.
func innermost(c net.Conn) net.Conn {
	for range 8 { // a few layers at most; a cycle must not hang us
		switch v := c.(type) {
		case *Tap:
			c = v.Conn
		case interface{ NetConn() net.Conn }: // *tls.Conn
			c = v.NetConn()
		default:
			return c
		}
	}
	return c
}
