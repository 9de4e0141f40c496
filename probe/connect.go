package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// connectTCP resolves host (unless it is an IP address) and connects to
// each address in turn until one answers, adding a timeline line for the
// lookup and for every attempt. On failure it returns a Failure for the
// last problem.
func connectTCP(ctx context.Context, o *Options, tl *timeline, res *Result, host, port string) (net.Conn, *Failure) {
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
		tl.add(KindDNS, fmt.Sprintf("DNS skipped: %s is an IP address", host))
	} else {
		start := time.Now()
		var err error
		ips, err = o.LookupIP(ctx, host)
		res.Timings.DNS = ms(time.Since(start))
		if err == nil && len(ips) == 0 {
			err = fmt.Errorf("lookup %s: no addresses", host)
		}
		if err != nil {
			return nil, dnsFailure(ctx, host, err)
		}
		for _, ip := range ips {
			res.Addresses = append(res.Addresses, ip.String())
		}
		tl.add(KindDNS, fmt.Sprintf("DNS %s answered in %s: %s", host, res.Timings.DNS, strings.Join(res.Addresses, ", ")))
	}
	var last error
	for i, ip := range ips {
		addr := net.JoinHostPort(ip.String(), port)
		actx, cancel := attemptContext(ctx, len(ips)-i)
		start := time.Now()
		var d net.Dialer
		c, err := d.DialContext(actx, "tcp", addr)
		cancel()
		took := time.Since(start)
		if err != nil {
			last = err
			tl.add(KindTCP, fmt.Sprintf("TCP connect to %s failed after %s: %s", addr, fmtDur(took), shortNetErr(err)))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		res.Timings.Connect = ms(took)
		res.Remote, res.Local = c.RemoteAddr().String(), c.LocalAddr().String()
		tl.add(KindTCP, fmt.Sprintf("TCP connected to %s in %s (local %s)", res.Remote, fmtDur(took), res.Local))
		return c, nil
	}
	return nil, tcpFailure(ctx, port, last)
}

// attemptContext gives one of n remaining addresses its share of the
// time left, as net.Dialer does, so that a silent first address does not
// use up the whole handshake timeout.
func attemptContext(ctx context.Context, n int) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok || n <= 1 {
		return context.WithCancel(ctx)
	}
	share := time.Until(deadline) / time.Duration(n)
	return context.WithTimeout(ctx, max(share, 2*time.Second))
}

func dnsFailure(ctx context.Context, host string, err error) *Failure {
	if f := ctxFailure(ctx, "DNS lookup of "+host); f != nil {
		return f
	}
	f := &Failure{Stage: StageDNS, Error: err.Error()}
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		f.Reason = fmt.Sprintf("the host name %s does not resolve: no such host", host)
		f.Fix = "check the spelling, the DNS record, or /etc/hosts"
	case errors.As(err, &de) && de.IsTimeout:
		f.Reason = "the DNS server did not answer in time"
		f.Fix = "check the resolver (/etc/resolv.conf) and the network"
	default:
		f.Reason = "the host name did not resolve"
		f.Fix = "check the spelling and the DNS setup"
	}
	return f
}

func tcpFailure(ctx context.Context, port string, err error) *Failure {
	if f := ctxFailure(ctx, "TCP connect"); f != nil {
		return f
	}
	f := &Failure{Stage: StageTCP, Error: err.Error()}
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		f.Reason = "TCP connection refused: nothing listens on port " + port + " at that address, or the listener is down"
		f.Fix = "check the port and that the server runs (and listens on this interface, not only on 127.0.0.1)"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		f.Reason = "no route to the host"
		f.Fix = "check the address, the network and VPN routes"
	case errors.As(err, &ne) && ne.Timeout():
		f.Reason = "no answer to the TCP connect: a firewall dropping packets, or the wrong host or port"
		f.Fix = "check the port and the firewall or security group"
	default:
		f.Reason = "the TCP connect failed"
	}
	return f
}

// ctxFailure explains a step cut short by the handshake timeout or by
// the caller (Ctrl-C); nil when ctx is still live.
func ctxFailure(ctx context.Context, step string) *Failure {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Failure{Stage: StageTimeout, Error: step + ": " + ctx.Err().Error(),
			Reason: step + " did not finish within the handshake timeout",
			Fix:    "raise --timeout if the server is just slow; otherwise something on the way drops the traffic"}
	case ctx.Err() != nil:
		return &Failure{Stage: StageInterrupted, Error: step + ": interrupted", Reason: "interrupted before the connection opened"}
	}
	return nil
}

// shortNetErr drops the "dial tcp 1.2.3.4:80: " prefix the timeline line
// already says.
func shortNetErr(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}
