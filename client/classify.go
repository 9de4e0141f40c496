package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/wsbench/wsbench/metrics"
	"github.com/wsbench/wsbench/transport"
)

// classifyDrop names why an open connection ended from the error its
// reader returned.
func classifyDrop(err error) (metrics.Cause, int) {
	var ce *transport.CloseError
	switch {
	case errors.As(err, &ce):
		if ce.Code == transport.CodeAbnormal {
			return metrics.CauseAbnormal, ce.Code
		}
		return metrics.CauseServerClose, ce.Code
	case errors.Is(err, transport.ErrMessageTooBig):
		return metrics.CauseTooBig, 1009
	case errors.Is(err, syscall.ECONNRESET):
		return metrics.CauseReset, transport.CodeAbnormal
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return metrics.CauseAbnormal, transport.CodeAbnormal
	}
	return metrics.CauseReadError, transport.CodeAbnormal
}

// classifyDial names why a connection attempt failed; status is the HTTP
// status of a refused handshake.
func classifyDial(err error) (cause metrics.Cause, status int) {
	var he *transport.HandshakeError
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verifyErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var ne net.Error
	switch {
	case errors.As(err, &he):
		return metrics.CauseHandshakeStatus, he.Status
	case errors.Is(err, transport.ErrHandshakeTimeout):
		return metrics.CauseTimeout, 0
	case errors.As(err, &dnsErr):
		return metrics.CauseDNS, 0
	case errors.Is(err, syscall.ECONNREFUSED):
		return metrics.CauseRefused, 0
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recErr), errors.As(err, &alert):
		return metrics.CauseTLS, 0
	case errors.As(err, &ne) && ne.Timeout():
		return metrics.CauseTimeout, 0
	}
	return metrics.CauseDialError, 0
}
