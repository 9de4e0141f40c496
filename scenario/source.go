package scenario

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
)

// AutoSource is the source_addresses value that picks loopback source
// addresses for a loopback target: 127.0.0.1 and up, one per
// AutoSourcePerAddress clients.
const AutoSource = "auto"

// AutoSourcePerAddress is how many clients auto gives one source address:
// under half the ~28k ephemeral ports of the default Linux range. Linux
// (4.6 and later) gives connect() the even ports and bind() the odd ones
// first, and looks through every port of its half before it takes one of
// the other: past ~14k connections from one address to one server, each
// new connect checks some 14k ports, and at 20k per address a 2-core
// machine spent both cores in the kernel's __inet_check_established
// (bind(): inet_bhash2_conflict) from 42k clients on.
const AutoSourcePerAddress = 10000

// maxSourceAddresses bounds the addresses a CIDR may expand to.
const maxSourceAddresses = 4096

// SourceIPs returns the local addresses connections are spread over, in
// order, nil when client.source_addresses is not set (the system picks).
func (s *Scenario) SourceIPs() []netip.Addr {
	var out []netip.Addr
	for _, a := range s.Client.SourceAddresses {
		switch {
		case a == AutoSource:
			n := (s.MaxClients() + AutoSourcePerAddress - 1) / AutoSourcePerAddress
			ip := netip.MustParseAddr("127.0.0.1")
			for range max(n, 1) {
				out = append(out, ip)
				ip = ip.Next()
			}
		default:
			if p, err := netip.ParsePrefix(a); err == nil {
				for ip := p.Masked().Addr(); p.Contains(ip) && len(out) < maxSourceAddresses; ip = ip.Next() {
					out = append(out, ip)
				}
				continue
			}
			if ip, err := netip.ParseAddr(a); err == nil {
				out = append(out, ip)
			}
		}
	}
	return out
}

// checkSources validates the source_addresses of the client block c at prefix.
func (d *decoder) checkSources(s *Scenario, c *Client, prefix string) {
	for i, a := range c.SourceAddresses {
		path := fmt.Sprintf("%s.source_addresses[%d]", prefix, i)
		switch {
		case a == AutoSource:
			if !loopbackTarget(s) {
				d.problem(path, "auto picks loopback source addresses and needs a loopback target (127.0.0.1, localhost or embedded); list the addresses instead")
			}
		default:
			if p, err := netip.ParsePrefix(a); err == nil {
				if p.Bits() < p.Addr().BitLen()-12 {
					d.problem(path, "%s has more than %d addresses; use a smaller range", a, maxSourceAddresses)
				}
				continue
			}
			if _, err := netip.ParseAddr(a); err != nil {
				d.problem(path, "%q is not an IP address, a CIDR range (127.0.0.0/28) or auto", a)
			}
		}
	}
}

// loopbackTarget reports whether the target is on this machine's loopback.
func loopbackTarget(s *Scenario) bool {
	if s.IsEmbedded() {
		return true
	}
	u, err := url.Parse(s.Target)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
