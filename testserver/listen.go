package testserver

import (
	"context"
	"net"
)

// listen opens the server's listener, sharing the port with other
// processes when Config.ReusePort is set.
func (s *Server) listen(addr string) (net.Listener, error) {
	var lc net.ListenConfig
	if s.cfg.ReusePort {
		lc.Control = reusePort
	}
	return lc.Listen(context.Background(), "tcp", addr)
}
