package runner

import (
	"fmt"

	"github.com/wsbench/wsbench/scenario"
)

// osLimits are what the machine allows one process: open files and the
// ephemeral ports one source address has per destination. Zero means
// unknown (the check is then skipped).
type osLimits struct {
	openFiles      uint64
	ports          int
	portLo, portHi int
}

// fdBase is the files a run needs besides its connections: the binary's,
// the result and trace files, the embedded server's listener, epoll.
const fdBase = 64

// planFiles is how many open files this process needs at its peak for
// its clients (one per connection; two for Socket.IO over long-polling:
// the long-poll and the writes; twice that when the embedded server runs
// in the same process), and how many connections the whole run opens,
// all processes together (they share the machine's ephemeral ports).
func planFiles(sc *scenario.Scenario, g Segment) (files uint64, conns int) {
	per := 1
	if sc.Protocol == scenario.ProtocolSocketIO && len(sc.SocketIO.Transports) > 0 && sc.SocketIO.Transports[0] == scenario.TransportPolling {
		per = 2
	}
	conns = sc.MaxClients() * per
	files = uint64(g.share(sc.MaxClients()) * per)
	if sc.IsEmbedded() {
		files *= 2 // the server's side of each connection
	}
	return files + fdBase, conns
}

// checkLimits says plainly, with the numbers and the fix, when the
// planned population cannot fit in this process: more open files than the
// limit allows, or more connections to one address than one source
// address has ephemeral ports. It runs before any connection opens.
func checkLimits(sc *scenario.Scenario, g Segment, l osLimits) error {
	files, conns := planFiles(sc, g)
	if l.openFiles > 0 && files > l.openFiles {
		return fmt.Errorf("%d clients need about %d open files, but this process may hold at most %d (the hard limit; wsbench already raised the soft one): "+
			"raise it (ulimit -Hn as root, LimitNOFILE= in a systemd unit, nofile in /etc/security/limits.conf), "+
			"or split the clients over several processes (wsbench run --workers N) or machines (--segment I/N, then wsbench merge)", g.share(sc.MaxClients()), files, l.openFiles)
	}
	sources := max(len(sc.SourceIPs()), 1)
	if perSource := (conns + sources - 1) / sources; l.ports > 0 && perSource > l.ports {
		return fmt.Errorf("%d connections to one server address from %d source address(es) need %d ephemeral ports each, but this machine has %d (net.ipv4.ip_local_port_range %d-%d): "+
			"spread them over more source addresses (client.source_addresses: [auto] for a loopback target, or a list of this machine's addresses), "+
			"widen the range (sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\"), or split the clients over several machines",
			conns, sources, perSource, l.ports, l.portLo, l.portHi)
	}
	return nil
}
