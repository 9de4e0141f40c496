package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// TLSInfo describes a TLS session and the server's certificate.
type TLSInfo struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	// ALPN is the negotiated application protocol, "" when none.
	ALPN string `json:"alpn,omitempty"`
	// Subject, Issuer, SANs (DNS names and IP addresses) and NotAfter are
	// the leaf certificate's.
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	SANs     []string  `json:"sans,omitempty"`
	NotAfter time.Time `json:"not_after"`
	// DaysLeft is the number of whole days until NotAfter, negative once
	// expired.
	DaysLeft int `json:"days_left"`
	// Verified reports that the certificate passed verification.
	Verified bool `json:"verified"`
	// Problems are the verification problems in plain words; empty when
	// Verified.
	Problems []string `json:"problems,omitempty"`
}

// LoadCA returns the system roots plus the PEM certificates in path: a
// private CA, or a self-signed server certificate to trust as it is.
func LoadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")", path)
	}
	return pool, nil
}

// clientTLS is the TLS configuration of a probe: verification is done by
// checkPeer, after the handshake, so that a certificate that fails it can
// still be shown and explained. No byte of the upgrade is sent before
// checkPeer has accepted the certificate (or Insecure says to go on).
func clientTLS(host string) *tls.Config {
	return &tls.Config{
		ServerName:         host,
		NextProtos:         []string{"http/1.1"}, // WebSocket upgrades are HTTP/1.1
		InsecureSkipVerify: true,                 // verified by checkPeer
	}
}

// handshakeTLS runs the TLS handshake over raw, describes it and checks
// the certificate. It returns the TLS connection, or a Failure after
// closing raw.
func handshakeTLS(ctx context.Context, o *Options, tl *timeline, res *Result, raw net.Conn, host string) (net.Conn, *Failure) {
	tc := tls.Client(raw, clientTLS(host))
	start := time.Now()
	err := tc.HandshakeContext(ctx)
	res.Timings.TLS = ms(time.Since(start))
	doneAt := tl.now()
	if err != nil {
		raw.Close()
		if f := ctxFailure(ctx, "TLS handshake"); f != nil {
			return nil, f
		}
		f := handshakeFailure(err)
		return nil, f
	}
	if f := checkPeer(tc.ConnectionState(), doneAt, host, o, tl, res); f != nil {
		tc.Close()
		return nil, f
	}
	return tc, nil
}

// checkPeer describes the session and verifies the certificate against
// o.RootCAs and host, adding the timeline line at doneAt, when the
// handshake ended (verification may take a while: the first use of the
// system roots loads them). It returns a Failure when verification fails
// and o.Insecure is off.
func checkPeer(st tls.ConnectionState, doneAt time.Duration, host string, o *Options, tl *timeline, res *Result) *Failure {
	if len(st.PeerCertificates) == 0 {
		return &Failure{Stage: StageTLS, Error: "tls: the server sent no certificate", Reason: "the server sent no certificate"}
	}
	now := time.Now()
	leaf := st.PeerCertificates[0]
	info := &TLSInfo{
		Version:     tls.VersionName(st.Version),
		CipherSuite: tls.CipherSuiteName(st.CipherSuite),
		ALPN:        st.NegotiatedProtocol,
		Subject:     leaf.Subject.String(),
		Issuer:      leaf.Issuer.String(),
		SANs:        sans(leaf),
		NotAfter:    leaf.NotAfter,
		DaysLeft:    daysUntil(now, leaf.NotAfter),
	}
	info.Problems = verifyProblems(st.PeerCertificates, host, o.RootCAs, now)
	info.Verified = len(info.Problems) == 0
	res.TLS = info

	alpn := info.ALPN
	if alpn == "" {
		alpn = "none"
	}
	validity := fmt.Sprintf("valid until %s (%d days left)", info.NotAfter.UTC().Format("2006-01-02 15:04 MST"), info.DaysLeft)
	if info.DaysLeft < 0 {
		validity = fmt.Sprintf("expired %s (%s)", info.NotAfter.UTC().Format("2006-01-02 15:04 MST"), ago(now, info.NotAfter))
	} else if info.DaysLeft < 14 {
		validity += ": renew it soon"
	}
	names := "none"
	if len(info.SANs) > 0 {
		names = strings.Join(info.SANs, ", ")
	}
	detail := []string{
		"certificate: " + nameOr(info.Subject),
		"issuer: " + nameOr(info.Issuer),
		"names (SANs): " + names,
		validity,
	}
	switch {
	case info.Verified && o.Insecure:
		detail = append(detail, "verification is OFF (--insecure); the certificate would have passed")
	case info.Verified:
		detail = append(detail, "verified for "+host)
	case o.Insecure:
		detail = append(detail, "verification is OFF (--insecure); it would have failed:")
		for _, p := range info.Problems {
			detail = append(detail, "  "+p)
		}
	}
	tl.addAt(doneAt, KindTLS, fmt.Sprintf("TLS handshake done in %s: %s, %s, ALPN %s", res.Timings.TLS, info.Version, info.CipherSuite, alpn), detail...)
	if info.Verified || o.Insecure {
		return nil
	}
	return &Failure{
		Stage:  StageTLS,
		Error:  "tls: certificate rejected",
		Reason: strings.Join(info.Problems, "; "),
		Fix:    tlsFix(info.Problems),
		lines:  info.Problems,
	}
}

// Certificate problems, in plain words. The verify* functions start their
// messages with these, and tlsFix picks the advice by them.
const (
	problemSelfSigned = "the certificate is self-signed"
	problemUnknownCA  = "the certificate is signed by an unknown authority"
	problemExpired    = "the certificate expired"
	problemNotYet     = "the certificate is not valid yet"
	problemHost       = "the certificate is for"
)

// verifyProblems verifies the chain as crypto/tls would (roots nil: the
// system roots) and, if that fails, says every reason separately: the
// validity period, the host name, and the chain of trust.
func verifyProblems(certs []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) []string {
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: now})
	if err == nil {
		return nil
	}
	var probs []string
	const day = "2006-01-02 15:04 MST"
	switch {
	case now.After(leaf.NotAfter):
		probs = append(probs, fmt.Sprintf("%s on %s (%s)", problemExpired, leaf.NotAfter.UTC().Format(day), ago(now, leaf.NotAfter)))
	case now.Before(leaf.NotBefore):
		probs = append(probs, fmt.Sprintf("%s: not before %s (is this machine's clock right?)", problemNotYet, leaf.NotBefore.UTC().Format(day)))
	}
	if leaf.VerifyHostname(host) != nil {
		names := "no names at all"
		if s := sans(leaf); len(s) > 0 {
			names = strings.Join(s, ", ")
		}
		probs = append(probs, fmt.Sprintf("%s %s, not %s", problemHost, names, host))
	}
	// The chain alone, at a time the leaf is valid, so that expiry is not
	// counted twice.
	at := now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter.Add(-time.Second)
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore.Add(time.Second)
	}
	if _, cerr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at}); cerr != nil {
		var ua x509.UnknownAuthorityError
		switch {
		case errors.As(cerr, &ua) && selfSigned(leaf):
			probs = append(probs, problemSelfSigned+": no trusted authority vouches for it")
		case errors.As(cerr, &ua):
			probs = append(probs, fmt.Sprintf("%s (%s) that this machine does not trust (a private CA, or a missing intermediate certificate)", problemUnknownCA, nameOr(leaf.Issuer.String())))
		default:
			probs = append(probs, cerr.Error())
		}
	}
	if len(probs) == 0 {
		probs = append(probs, err.Error())
	}
	return probs
}

// tlsFix says what usually helps for the problems found.
func tlsFix(probs []string) string {
	var fixes []string
	has := func(p string) bool {
		for _, s := range probs {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	if has(problemSelfSigned) || has(problemUnknownCA) {
		fixes = append(fixes, "trust the CA (or the self-signed certificate) with --ca FILE")
	}
	if has(problemExpired) {
		fixes = append(fixes, "renew the server's certificate")
	}
	if has(problemHost) {
		fixes = append(fixes, "connect with a name the certificate covers, or put this name in the certificate")
	}
	fixes = append(fixes, "--insecure skips verification (for testing only)")
	return strings.Join(fixes, "; ")
}

// handshakeFailure explains a TLS handshake that did not complete.
func handshakeFailure(err error) *Failure {
	f := &Failure{Stage: StageTLS, Error: err.Error()}
	var rh tls.RecordHeaderError
	var ae tls.AlertError
	msg := err.Error()
	switch {
	case errors.As(err, &rh):
		f.Reason = "the server did not answer with TLS: this port speaks something else, probably plain HTTP"
		f.Fix = "use ws:// (http:// for Socket.IO) for a plain port, or the TLS port"
	case strings.Contains(msg, "protocol version"):
		f.Reason = "no TLS version both sides accept: the server may only speak TLS 1.0 or 1.1, which are refused"
		f.Fix = "enable TLS 1.2 or 1.3 on the server"
	case errors.As(err, &ae), strings.Contains(msg, "handshake failure"):
		f.Reason = "the server refused the TLS handshake: no common cipher suite, no certificate for this name (SNI), or it requires a client certificate"
		f.Fix = "check the server's TLS settings for this host name"
	case strings.Contains(msg, "EOF"), strings.Contains(msg, "reset"):
		f.Reason = "the server closed the connection during the TLS handshake: no certificate for this name (SNI), or not a TLS port"
		f.Fix = "check the host name and port"
	default:
		f.Reason = "the TLS handshake failed"
	}
	return f
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func sans(c *x509.Certificate) []string {
	s := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		s = append(s, ip.String())
	}
	return s
}

// daysUntil counts whole days from now to t, negative once t is past.
func daysUntil(now, t time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days-- // 0.5 days ago is day -1
	}
	return days
}

// ago says how long before now t was, in whole days.
func ago(now, t time.Time) string {
	switch days := int(now.Sub(t) / (24 * time.Hour)); days {
	case 0:
		return "less than a day ago"
	case 1:
		return "1 day ago"
	default:
		return fmt.Sprintf("%d days ago", days)
	}
}

func nameOr(s string) string {
	if s == "" {
		return "(empty name)"
	}
	return s
}
